"""The preparedness engine on small instances whose answer is known by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from aidx.optimize.allocation import Item, OfferLine, Params, RequestLine, Site, solve
from aidx.optimize.preparedness import (
    Airlift,
    Nation,
    Problem,
    ProblemError,
    Resource,
    Seir,
    Source,
    Uncertainty,
    days_of_cover,
    greedy,
    occupancy,
    simulate,
)
from aidx.optimize.preparedness.seir import census

ROME, BERLIN, TARANTO = (41.9, 12.5), (52.5, 13.4), (40.47, 17.24)


def flat(code: str = "ITA", beds: float = 100.0, icu: float = 10.0, days: int = 28, at: tuple = ROME) -> Nation:
    return Nation(code, *at, hospital=(beds,) * days, icu=(icu,) * days)


def pledge(
    sid: str,
    resource: str,
    quantity: float,
    *,
    ready: int = 0,
    until: int = 1000,
    nation: str = "DEU",
    at: tuple = BERLIN,
    serves=None,
) -> Source:
    return Source(
        sid, "pledge", resource, quantity, ready, until, *at, nation=nation, site_nation=nation, serves=serves
    )


MASK = Resource("mask", "bed", 2.0, priority=3, unit_weight_kg=0.01)
VENT = Resource("vent", "icu", 1.0, durable=True, priority=1, unit_weight_kg=30.0)


def test_it_computes_the_shortfall_of_a_flat_curve_by_hand():
    # 100 beds × 2 masks a bed-day = 1,400 a week. Own stock 1,400 covers week 0; a pledge of 700 half of week 1.
    problem = Problem(
        nations=(flat(),),
        resources=(MASK, VENT),
        sources=(pledge("p1", "mask", 700), pledge("p2", "vent", 4)),
        own_stock=(("ITA", "mask", 1400.0), ("ITA", "vent", 5.0)),
        horizon_days=28,
        airlift_limited=False,
    )
    result = simulate(problem, runs=1)
    mask, vent = 0, 1
    assert result.demand[1, 0, mask].tolist() == [0, 1400, 1400, 1400]
    assert result.covered[1, 0, mask].tolist() == [0, 700, 0, 0]
    assert result.shortfall[1, 0, mask].tolist() == [0, 700, 1400, 1400]
    # 10 ICU beds need 10 ventilators; 5 held and 4 pledged leave 1 short every week.
    assert result.demand[1, 0, vent].tolist() == [5, 1, 1, 1]
    assert result.shortfall[1, 0, vent].tolist() == [1, 1, 1, 1]
    # masks: 1,400 + 700 last until day 10 (day 10 would need the 2,200th); ventilators short from day 0
    assert result.days_of_cover[1, 0].tolist() == [10, 0]
    assert result.first_p1_unmet_day.tolist() == [0]
    assert result.unmet_share[0] == pytest.approx((700 + 2800 + 4) / (4200 + 8))


def test_it_waits_for_the_notice_to_move_and_the_transit():
    # Berlin to Rome is 1,181 km: 1 + ceil(1181 / 2000) = 2 transit days. Ready on day 6 → arrives day 8: week 1.
    problem = Problem(
        nations=(flat(),),
        resources=(MASK,),
        sources=(pledge("p1", "mask", 5000, ready=6),),
        horizon_days=21,
        airlift_limited=False,
    )
    result = simulate(problem, runs=1)
    assert result.covered[1, 0, 0].tolist() == [0, 1400, 1400]


def test_it_uses_the_lot_that_expires_first():
    # Two lots of 1,400 in Taranto: the one expiring on day 10 serves week 0 and the other week 1; taken the other
    # way round, the early one would expire unused.
    early = Source("early", "lot", "mask", 1400, 0, 10, *TARANTO, site_nation="ITA")
    late = Source("late", "lot", "mask", 1400, 0, 500, *TARANTO, site_nation="ITA")
    problem = Problem(nations=(flat(),), resources=(MASK,), sources=(late, early), horizon_days=14)
    assert simulate(problem, runs=1).shortfall[1, 0, 0].tolist() == [0, 0]
    assert greedy(problem, runs=1).shortfall[1, 0, 0].sum() > 0  # the naive one takes `late` first


def test_it_gives_the_airlift_to_priority_one_first():
    # 1 tonne a week: 10 ventilators need 300 kg, the 1,400 masks 14 kg each week … at 0.5 kg each: 700 kg.
    heavy_mask = dataclasses.replace(MASK, unit_weight_kg=0.5)
    problem = Problem(
        nations=(flat(),),
        resources=(heavy_mask, VENT),  # masks first in the catalogue
        sources=(pledge("p1", "mask", 10_000), pledge("p2", "vent", 100)),
        airlift=(Airlift(1.0),),
        horizon_days=7,
    )
    result = simulate(problem, runs=1)
    assert result.covered[1, 0, 1, 0] == 10  # all ventilators: 300 kg
    assert result.covered[1, 0, 0, 0] == pytest.approx(1400)  # 700 kg of masks: 1,000 kg in all
    tight = dataclasses.replace(problem, airlift=(Airlift(0.5),))
    result = simulate(tight, runs=1)
    assert result.covered[1, 0, 1, 0] == 10
    assert result.covered[1, 0, 0, 0] == pytest.approx(400)  # what the 200 kg left carry
    assert result.airlift_pledged_t.tolist() == [0.5]


def test_it_turns_the_fund_into_stock_after_the_lead_time():
    # Week 0 runs 1,400 masks short; at its end (day 7) the fund (EUR 10.00 at 1 cent a mask) orders 1,000, ready
    # 3 days later in Taranto, and 1 + ceil(446 km / 2000) = 2 transit days to Rome: on day 12, in week 1.
    mask = dataclasses.replace(MASK, price_minor=1, lead_days=3)
    problem = Problem(
        nations=(flat(),), resources=(mask,), fund_cash_minor=1000, horizon_days=21, airlift_limited=False
    )
    result = simulate(problem, runs=1)
    assert result.covered[1, 0, 0].tolist() == [0, 1000, 0]
    assert result.fund_spent_minor.tolist() == [1000]


def test_it_never_sends_a_pledge_to_its_owner_or_beyond_its_releasability():
    nations = (flat("ITA"), flat("ESP", at=(40.4, -3.7)))
    problem = Problem(
        nations=nations,
        resources=(MASK,),
        sources=(
            pledge("own", "mask", 5000, nation="ITA", at=ROME),
            pledge("bi", "mask", 5000, serves=frozenset({"ESP"})),
        ),
        horizon_days=7,
        airlift_limited=False,
    )
    result = simulate(problem, runs=1)
    assert result.covered[1, 0, 0, 0] == 0  # ITA: its own pledge is not for itself; the other is for ESP only
    assert result.covered[1, 1, 0, 0] == 1400


def test_it_shares_a_scarce_source_in_proportion_to_need():
    nations = (flat("ITA", beds=300), flat("ESP", beds=100, at=(40.4, -3.7)))
    problem = Problem(
        nations=nations, resources=(MASK,), sources=(pledge("p", "mask", 2800),), horizon_days=7, airlift_limited=False
    )
    result = simulate(problem, runs=1)
    assert result.covered[1, :, 0, 0].tolist() == pytest.approx([2100, 700])  # needs 4,200 and 1,400


def test_it_reproduces_a_run_from_its_seed():
    problem = Problem(
        nations=(Nation("ITA", *ROME, seir=Seir(60e6, 6000, ((0, 1.3), (40, 0.9)), 0.02, 0.005)),),
        resources=(MASK, VENT),
        sources=(pledge("p", "mask", 1e6),),
        horizon_days=120,
        uncertainty=Uncertainty(rt_spread=0.1, shift_days=10, rate_spread=0.2),
        airlift_limited=False,
    )
    a, b, c = simulate(problem, runs=20, seed=5), simulate(problem, runs=20, seed=5), simulate(problem, runs=20, seed=6)
    assert np.array_equal(a.shortfall, b.shortfall) and np.array_equal(a.first_p1_unmet_day, b.first_p1_unmet_day)
    assert not np.array_equal(a.shortfall, c.shortfall)
    assert (a.shortfall[0] <= a.shortfall[1] + 1e-9).all() and (a.shortfall[1] <= a.shortfall[2] + 1e-9).all()


def test_it_keeps_one_run_to_the_central_case_without_spread():
    problem = Problem(
        nations=(Nation("ITA", *ROME, seir=Seir(1e6, 100, ((0, 1.5),), 0.05, 0.01)),),
        resources=(MASK,),
        horizon_days=60,
    )
    result = simulate(problem, runs=3, seed=1)
    assert np.allclose(result.demand[0], result.demand[2])


def test_it_counts_occupancy_as_the_admissions_of_the_length_of_stay():
    admissions = np.array([[10.0] * 10])
    assert census(admissions, np.array([3.0])).tolist() == [[10, 20, 30, 30, 30, 30, 30, 30, 30, 30]]


def test_it_runs_seir_like_chime():
    # Without spread an epidemic with Rt 2 grows then burns out; every infection is counted once.
    nation = Nation("ITA", *ROME, seir=Seir(1e6, 10, ((0, 2.0),), 0.1, 0.02, hospital_days=1, icu_days=1))
    hosp, icu = occupancy((nation,), 365)
    assert hosp.shape == (1, 1, 365)
    peak = int(hosp[0, 0].argmax())
    assert 30 < peak < 200 and hosp[0, 0, -1] < hosp[0, 0, peak] / 100
    # final size of SEIR with R0 = 2: about 79.7% of the population (z = 1 − exp(−2z))
    assert hosp[0, 0].sum() / 0.1 == pytest.approx(0.797 * 1e6, rel=0.01)
    assert icu[0, 0].sum() == pytest.approx(hosp[0, 0].sum() / 5)
    # Rt below 1 from day 0: it declines
    falling = Nation("ITA", *ROME, seir=Seir(1e6, 1000, ((0, 0.8),), 0.1, 0.02))
    hosp, _ = occupancy((falling,), 120)
    assert hosp[0, 0, 119] < hosp[0, 0, 20]


def test_it_shifts_a_curve_by_days():
    nation = flat(days=10)
    nation = dataclasses.replace(nation, hospital=tuple(float(d) for d in range(10)), icu=(1.0,) * 10)
    hosp, _ = occupancy((nation,), 10, rt_factor=np.ones(2), shift=np.array([2, -2]))
    assert hosp[0, 0].tolist() == [0, 0, 0, 1, 2, 3, 4, 5, 6, 7]
    assert hosp[1, 0].tolist() == [2, 3, 4, 5, 6, 7, 8, 9, 9, 9]


def test_it_lists_every_problem_at_once():
    with pytest.raises(ProblemError) as caught:
        Problem(
            nations=(Nation("ITA", *ROME, seir=Seir(-1, 0, ((0, 0.0),), 2.0, 0.1)),),
            resources=(Resource("mask", "bed", -1.0),),
            sources=(pledge("p", "mask", 0, ready=-1),),
            horizon_days=800,
        )
    text = " | ".join(caught.value.problems)
    for fault in ("horizon", "population", "Rt must be greater", "hospital_rate", "rate must", "quantity", "ready"):
        assert fault in text
    assert len(caught.value.problems) >= 7
    with pytest.raises(ProblemError):
        simulate(Problem(nations=(flat(),), resources=(MASK,)), runs=5001)


def test_it_round_trips_the_exact_input():
    problem = Problem(
        nations=(flat(), Nation("ESP", 40.4, -3.7, seir=Seir(47e6, 100, ((0, 1.2), (30, 0.9)), 0.02, 0.005))),
        resources=(MASK, VENT),
        sources=(pledge("p", "mask", 10, serves=frozenset({"ITA"})),),
        own_stock=(("ITA", "mask", 5.0),),
        airlift=(Airlift(3.0, 2, 40),),
        uncertainty=Uncertainty(0.1, 3, 0.2),
    )
    assert Problem.from_json(problem.to_json()) == problem


def test_it_counts_days_of_cover():
    assert days_of_cover(10, [3, 3, 3, 3]) == 3
    assert days_of_cover(12, [3, 3, 3, 3]) is None
    assert days_of_cover(0, [0, 1]) == 1
    with pytest.raises(ValueError):
        days_of_cover(-1, [1])


def test_it_meets_what_the_allocation_engine_meets_in_one_period():
    # One week, three nations, two items, sources that all arrive in time and no airlift limit: the simulation's
    # closed form gives each priority the same quantity as the allocation engine's proven optimum.
    rng = np.random.default_rng(3)
    for _trial in range(20):
        beds = rng.integers(0, 50, 3).astype(float)
        places = [ROME, (40.4, -3.7), (48.9, 2.35)]
        nations = tuple(
            flat(c, beds=b, icu=b // 5, days=7, at=a)
            for c, b, a in zip(["ITA", "ESP", "FRA"], beds, places, strict=False)
        )
        quantities = rng.integers(1, 600, 4).astype(float)
        sources = tuple(pledge(f"s{k}", ("mask", "vent")[k % 2], q, nation="DEU") for k, q in enumerate(quantities))
        problem = Problem(
            nations=nations, resources=(MASK, VENT), sources=sources, horizon_days=7, airlift_limited=False
        )
        result = simulate(problem, runs=1)
        need = {("mask", c): b * 2 * 7 for c, b in zip(["ITA", "ESP", "FRA"], beds, strict=False)}
        need |= {("vent", c): b // 5 for c, b in zip(["ITA", "ESP", "FRA"], beds, strict=False)}
        engine = solve(
            _engine_problem(need, sources, places),
            mode="priority",
        )
        met = engine.met_by_priority
        assert result.covered[1, :, 1, 0].sum() == pytest.approx(met[0], abs=1e-6)
        assert result.covered[1, :, 0, 0].sum() == pytest.approx(met[2], abs=1e-6)


def _engine_problem(need, sources, places):
    from aidx.optimize.allocation import Problem as AllocationProblem

    codes = ["ITA", "ESP", "FRA"]
    sites = [Site(c, *a) for c, a in zip(codes, places, strict=False)] + [Site("BER", *BERLIN)]
    requests = [
        RequestLine(k, nation, item, round(q), {"vent": 1, "mask": 3}[item], 10, nation)
        for k, ((item, nation), q) in enumerate(need.items())
    ]
    offers = [OfferLine(s.id, "DEU", s.resource, int(s.quantity), 0, 10, "BER") for s in sources]
    return AllocationProblem.build(
        requests=requests, offers=offers, sites=sites, items=[Item("mask", 0.01), Item("vent", 30.0)], params=Params()
    )
