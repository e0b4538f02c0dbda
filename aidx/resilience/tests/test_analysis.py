"""The arithmetic, on figures computed by hand."""

from __future__ import annotations

from decimal import Decimal

from aidx.resilience import analysis
from aidx.resilience.analysis import OwnerChange, Scored, Supply


def test_it_weights_the_levels_of_a_requirement():
    # (4×1 + 1×3) / (1 + 3) = 7/4 = 1.75
    found = analysis.scores([Scored(2, 4, 1), Scored(2, 1, 3)], requirements=[2])
    assert found.by_requirement == {2: Decimal("1.75")}


def test_it_leaves_unanswered_indicators_out_of_the_score_but_counts_them():
    found = analysis.scores([Scored(1, 3, 2), Scored(1, None, 5), Scored(3, 0, 1)], requirements=[1, 2, 3])
    assert found.by_requirement == {1: Decimal("3.00"), 2: None, 3: Decimal("0.00")}
    # overall over every answered indicator: (3×2 + 0×1) / 3 = 2
    assert found.overall == Decimal("2.00")
    assert (found.answered, found.total) == (2, 3)
    assert found.percent(found.overall) == Decimal("50.00")


def test_it_rounds_half_up_to_two_places():
    # (1 + 1 + 2) / 3 = 1.3333…; (2 + 3 + 3) / 3 = 2.6666…
    assert analysis.weighted_level([(1, 1), (1, 1), (2, 1)]) == Decimal("1.33")
    assert analysis.weighted_level([(2, 1), (3, 1), (3, 1)]) == Decimal("2.67")


def test_it_computes_the_hhi_on_the_usual_scale():
    # a monopoly is 10,000; 50/50 is 2,500+2,500; 60/30/10 is 3,600+900+100 = 4,600
    assert analysis.hhi({"CHN": Decimal(1)}) == 10_000
    assert analysis.hhi({"A": Decimal("0.5"), "B": Decimal("0.5")}) == 5_000
    assert analysis.hhi({"A": Decimal("0.6"), "B": Decimal("0.3"), "C": Decimal("0.1")}) == 4_600


def test_it_shares_supply_by_country_of_production():
    rows = [Supply("m1", "CHN", "CHN", 600), Supply("m2", "CHN", "CHN", 200), Supply("m3", "DEU", "DEU", 200)]
    share = analysis.shares(rows)
    assert share == {"CHN": Decimal("0.8"), "DEU": Decimal("0.2")}
    # 80² + 20² = 6,400 + 400
    assert analysis.hhi(share) == 6_800


def test_it_gives_equal_shares_to_manufacturers_without_figures():
    rows = [Supply("m1", "CHN", None, 0), Supply("m2", "DEU", None, 0), Supply("m3", "DEU", None, 0)]
    share = analysis.shares(rows)
    assert round(share["CHN"], 4) == Decimal("0.3333") and round(share["DEU"], 4) == Decimal("0.6667")
    # (100/3)² + (200/3)² = 1,111.1 + 4,444.4 = 5,555.6
    assert analysis.hhi(share) == 5_556


def test_it_counts_supply_produced_or_owned_outside():
    inside = {"DEU", "ITA"}
    rows = [
        Supply("m1", "DEU", "DEU", 500),  # inside
        Supply("m2", "DEU", "CHN", 300),  # made inside, owned outside
        Supply("m3", "CHN", "CHN", 200),  # made outside
    ]
    assert analysis.share_outside(rows, inside) == Decimal("0.5")


def test_it_removes_what_a_country_produces():
    rows = [Supply("m1", "CHN", "CHN", 5), Supply("m2", "DEU", "DEU", 5)]
    assert analysis.without_country(rows, "CHN") == [rows[1]]


def test_it_computes_days_of_cover():
    # 3,000 masks at 2 per bed-day for 50 beds: 3,000 / 100 = 30 days; no rate → no figure
    cover = analysis.days_of_cover({"mask": 3000, "gloves": 10}, {"mask": Decimal(2), "gown": Decimal("0.5")}, 50)
    assert cover == {"mask": Decimal("30.0"), "gown": Decimal("0.0")}
    assert analysis.shortest(cover) == Decimal("0.0")
    assert analysis.cover_level(Decimal("30.0")) == 3
    assert analysis.cover_level(Decimal("6.9")) == 0
    assert analysis.cover_level(Decimal("60")) == 4
    assert analysis.cover_level(None) is None


def test_it_flags_a_gap_of_two_levels_or_more():
    assert analysis.is_gap(4, 2) and analysis.is_gap(0, 3)
    assert not analysis.is_gap(3, 2) and not analysis.is_gap(None, 0) and not analysis.is_gap(4, None)


def test_it_screens_owner_changes_to_countries_outside_on_the_day():
    members = {1: {"DEU", "USA"}, 2: {"DEU", "USA"}, 3: {"DEU", "USA", "SWE"}}
    changes = [
        OwnerChange(1, None, "DEU"),  # first owner, inside
        OwnerChange(2, "DEU", "SWE"),  # to a country not yet a member on day 2: flagged
        OwnerChange(3, "SWE", "CHN"),  # from inside (on day 3 SWE is a member) to outside: flagged
        OwnerChange(2, "CHN", "IND"),  # from outside to outside: not a change out of the alliance
    ]
    flagged = analysis.screen(changes, lambda day: members[day])
    assert flagged == [changes[1], changes[2]]
    assert analysis.screen([OwnerChange(1, None, "CHN")], lambda day: members[day]) == []
