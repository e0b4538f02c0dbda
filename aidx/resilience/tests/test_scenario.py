"""The covid-2020 content: a template of at least four indicators per requirement in three languages, illustrative
assessments with a trend and a flagged gap, and a supply picture with a single-source item, a concentration on
one country, a foreign-ownership flag and a what-if."""

from __future__ import annotations

from collections import Counter

from aidx.accounts.models import User
from aidx.core.scenario import load
from aidx.resilience import evidence, selectors, supply
from aidx.resilience.models import Assessment, Indicator, Manufacturer


def test_it_ships_a_template_with_four_indicators_per_requirement_in_three_languages(scenario):
    per_requirement = Counter(Indicator.objects.values_list("requirement", flat=True))
    assert set(per_requirement) == set(range(1, 8)) and min(per_requirement.values()) >= 4
    for indicator in Indicator.objects.all():
        assert indicator.question_en and indicator.question_nb and indicator.question_nn
        assert all(len(indicator.levels[lang]) == 5 for lang in ("en", "nb", "nn"))


def test_it_marks_its_assessments_and_suppliers_illustrative(scenario):
    assert Assessment.objects.count() >= 4 and not Assessment.objects.filter(illustrative=False).exists()
    assert not Manufacturer.objects.filter(illustrative=False).exists()


def test_it_shows_a_trend_and_a_gap_for_italy(scenario):
    centre = User.objects.get(username="coordinator")
    latest = Assessment.objects.get(scenario_key="covid-2020/italy-2020-11")
    assert selectors.previous(centre, latest).scenario_key == "covid-2020/italy-2020-06"
    assert "5.1" in evidence.gaps(evidence.findings(centre, latest))
    assert {row.nation.code for row in selectors.heat_map(centre)} == {"ITA", "ESP", "MKD"}  # Albania's is a draft


def test_it_shows_a_single_source_item_and_a_concentration_on_one_country(scenario):
    centre = User.objects.get(username="coordinator")
    rows = {r.item.code: r for r in supply.vulnerability(centre)}
    assert rows["test-kit-pcr"].single_source and rows["test-kit-pcr"].outside == 1
    assert rows["mask-ffp2"].sources == 3 and rows["mask-ffp2"].hhi == 10_000  # every mask in stock made in China
    assert [f.manufacturer.code for f in supply.screening(centre)] == ["ventilators-de"]
    gone = {r.item.code for r in supply.below(supply.vulnerability(centre, without="CHN"))}
    assert "oxygen-concentrator" in gone  # its only order comes from China


def test_it_loads_twice_without_change(scenario):
    assert load("covid-2020", say=lambda _m: None)["resilience"] == 0
