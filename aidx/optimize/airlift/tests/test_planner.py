"""Behaviour of the airlift planner on small instances with known optima."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from aidx.optimize.airlift import (
    Aircraft,
    Airfield,
    Problem,
    Reason,
    Shipment,
    plan,
    violations,
)
from aidx.optimize.geo import haversine_km

T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
H = timedelta(hours=1)

# Four airfields on a line, 100 km apart: H(0) A(100) B(200) C(300).
LINE = tuple(Airfield(code, 0.0, float(i)) for i, code in enumerate("HABC"))
LINE_KM = tuple(tuple(100.0 * abs(i - j) for j in range(4)) for i in range(4))


def craft(id="AC1", home="H", kg=10_000, m3=100.0, speed=100.0, rng=10_000.0, **kw):
    return Aircraft(id, kw.pop("type", "T"), home, kg, m3, speed, rng, **kw)


def line_problem(aircraft, shipments, **kw) -> Problem:
    kw.setdefault("start", T0)
    return Problem(LINE, tuple(aircraft), tuple(shipments), distance_km=LINE_KM, **kw)


def solve(problem: Problem, limit: float = 2.0):
    result = plan(problem, time_limit=limit, seed=1)
    assert violations(problem, result) == []
    return result


def route(mission) -> list[str]:
    return [s.airfield for s in mission.stops]


def test_it_flies_two_deliveries_on_a_line_in_one_round_trip():
    # Optimum by hand: H -> A -> B -> H (or its reverse), 100 + 100 + 200 km
    # = 4 flight hours; any other plan flies more or uses a second mission.
    problem = line_problem(
        [craft(), craft("AC2")],
        [Shipment("a", "H", "A", 1000, 5.0), Shipment("b", "H", "B", 2000, 5.0)],
    )
    result = solve(problem)
    assert len(result.missions) == 1
    mission = result.missions[0]
    assert route(mission) in (["H", "A", "B", "H"], ["H", "B", "A", "H"])
    assert result.flight_hours == pytest.approx(4.0)
    assert result.distance_km == pytest.approx(400.0)
    first = route(mission)[1]
    assert [leg.kg for leg in mission.legs] == [3000, 2000 if first == "A" else 1000, 0]
    # ground 1.5 h before every take-off, 1 h per 100 km
    out, between, back = (1, 1, 2) if first == "A" else (2, 1, 1)
    stops = mission.stops
    assert stops[0].departure == T0 + 1.5 * H
    assert stops[1].arrival == T0 + (1.5 + out) * H
    assert stops[1].departure == T0 + (3 + out) * H
    assert stops[2].arrival == T0 + (3 + out + between) * H
    assert stops[3].arrival == T0 + (4.5 + out + between + back) * H
    assert result.unplaced == ()


def test_it_follows_the_only_optimal_order_when_a_load_waits_on_the_way():
    # a: H -> A, b: A -> B. The unique optimum is H -> A -> B -> H (4 h).
    problem = line_problem([craft()], [Shipment("a", "H", "A", 1000, 5.0), Shipment("b", "A", "B", 2000, 5.0)])
    result = solve(problem)
    (mission,) = result.missions
    assert route(mission) == ["H", "A", "B", "H"]
    assert [leg.kg for leg in mission.legs] == [1000, 2000, 0]
    assert result.flight_hours == pytest.approx(4.0)


def test_it_carries_between_two_airfields_away_from_home():
    # Donor at B, recipient at C, aircraft at H: H -> B -> C -> H.
    problem = line_problem([craft()], [Shipment("s", "B", "C", 5000, 20.0)])
    result = solve(problem)
    (mission,) = result.missions
    assert route(mission) == ["H", "B", "C", "H"]
    assert [leg.kg for leg in mission.legs] == [0, 5000, 0]
    assert mission.stops[1].picked_up[0].shipment_id == "s"
    assert mission.stops[2].dropped[0].shipment_id == "s"
    assert result.flight_hours == pytest.approx(6.0)


def test_it_never_exceeds_capacity_in_kg_or_volume():
    # 3 × 6 t (or 3 × 60 m³) cannot share a 10 t / 100 m³ hold.
    for kg, m3 in ((6000, 10.0), (1000, 60.0)):
        problem = line_problem(
            [craft("AC1"), craft("AC2")],
            [Shipment(f"s{i}", "H", "C", kg, m3) for i in range(3)],
        )
        result = solve(problem)
        assert result.unplaced == ()
        for mission in result.missions:
            for leg in mission.legs:
                assert leg.kg <= 10_000 and leg.m3 <= 100.0


def test_it_uses_the_home_base_again_as_a_reload_stop():
    # One 10 t aircraft, two 8 t loads from home: it must come back between.
    problem = line_problem(
        [craft()],
        [Shipment("a", "H", "A", 8000, 5.0), Shipment("b", "H", "B", 8000, 5.0)],
    )
    result = solve(problem)
    (mission,) = result.missions
    assert route(mission).count("H") == 3
    assert max(leg.kg for leg in mission.legs) == 8000
    # optimum: H-A-H-B-H = 100+100+200+200 km = 6 h
    assert result.flight_hours == pytest.approx(6.0)


def test_it_splits_an_overweight_shipment_across_flights():
    problem = line_problem(
        [craft("AC1", kg=37_000, m3=340.0), craft("AC2", kg=37_000, m3=340.0)],
        [Shipment("big", "H", "C", 50_000, 200.0)],
    )
    result = solve(problem)
    assert result.unplaced == ()
    loads = [ld for m in result.missions for s in m.stops for ld in s.picked_up]
    assert len(loads) == 2
    assert sorted(ld.kg for ld in loads) == [25_000, 25_000]
    assert sum(ld.m3 for ld in loads) == pytest.approx(200.0)
    assert all(ld.pieces == 2 for ld in loads)
    assert max(leg.kg for m in result.missions for leg in m.legs) <= 37_000
    assert result.placed_kg == 50_000


def test_it_splits_by_volume_and_by_the_chosen_piece_size():
    problem = line_problem(
        [craft(kg=37_000, m3=100.0)],
        [Shipment("bulky", "H", "A", 1000, 250.0)],
        max_piece_kg=400,
    )
    result = solve(problem)
    loads = [ld for m in result.missions for s in m.stops for ld in s.picked_up]
    assert len(loads) == 3  # 1000 kg / 400 kg per piece -> 3 (volume needs 3)
    assert sum(ld.kg for ld in loads) == 1000
    assert all(leg.m3 <= 100.0 for m in result.missions for leg in m.legs)


def test_it_respects_deadlines_even_against_a_shorter_route():
    # A and B on opposite sides of H: delivering in either order costs the
    # same; the tight deadline decides which goes first.
    problem_af = (Airfield("H", 0.0, 0.0), Airfield("A", 0.0, -1.0), Airfield("B", 0.0, 2.0))
    km = ((0, 100, 200), (100, 0, 300), (200, 300, 0))
    cases = [(u, o, flip) for u, o in (("A", "B"), ("B", "A")) for flip in (0, 1)]
    for urgent, other, flip in cases:
        deadline = T0 + 1.5 * H + (1 if urgent == "A" else 2) * H + 1.5 * H
        shipments = (
            Shipment("u", "H", urgent, 100, 1.0, latest_delivery=deadline),
            Shipment("o", "H", other, 100, 1.0),
        )[:: -1 if flip else 1]
        problem = Problem(problem_af, (craft(),), shipments, start=T0, distance_km=km)
        result = solve(problem)
        (mission,) = result.missions
        assert route(mission) == ["H", urgent, other, "H"]
        assert mission.stops[1].arrival + 1.5 * H <= deadline


def test_it_waits_for_the_earliest_pickup():
    ready = T0 + 10 * H
    problem = line_problem([craft()], [Shipment("s", "A", "B", 100, 1.0, earliest_pickup=ready)])
    result = solve(problem)
    stop_a = result.missions[0].stops[1]
    assert stop_a.airfield == "A"
    assert stop_a.departure >= ready + 1.5 * H


def test_it_keeps_every_leg_within_range():
    # B is 200 km from H; a 150 km range aircraft cannot do it at all, a
    # 250 km one can, but only via stops that keep every leg <= 250 km.
    shipments = [Shipment("s", "H", "B", 100, 1.0)]
    short = solve(line_problem([craft(rng=150.0)], shipments))
    assert short.missions == ()
    assert short.unplaced[0].reason is Reason.OUT_OF_RANGE
    ok = solve(line_problem([craft(rng=250.0)], shipments))
    assert route(ok.missions[0]) == ["H", "B", "H"]
    # C is 300 km out: its delivery needs a 300 km leg -> refused.
    far = solve(line_problem([craft(rng=250.0)], [Shipment("c", "H", "C", 1, 0.1)]))
    assert far.unplaced[0].reason is Reason.OUT_OF_RANGE


def test_it_orders_stops_so_that_no_leg_exceeds_range():
    # H-A 100, A-B 100, H-B 300 (not a line): with range 150 the route must be
    # H -> A -> B -> A -> H, which needs a pickup at A on the way back.
    af = (Airfield("H", 0, 0), Airfield("A", 0, 1), Airfield("B", 0, 2))
    km = ((0, 100, 300), (100, 0, 100), (300, 100, 0))
    shipments = (
        Shipment("out1", "H", "A", 100, 1.0),
        Shipment("out2", "A", "B", 100, 1.0),
        Shipment("back1", "B", "A", 100, 1.0),
        Shipment("back2", "A", "H", 100, 1.0),
    )
    problem = Problem(af, (craft(rng=150.0),), shipments, start=T0, distance_km=km)
    result = solve(problem)
    assert result.unplaced == ()
    assert all(leg.distance_km <= 150 for m in result.missions for leg in m.legs)


def test_it_prefers_the_cheaper_aircraft_type():
    aircraft = [
        craft("costly", cost_per_hour=50_000, fixed_cost=1000),
        craft("cheap", type="U", cost_per_hour=5_000),
    ]
    problem = line_problem(aircraft, [Shipment("s", "H", "A", 100, 1.0)])
    result = solve(problem)
    (mission,) = result.missions
    assert mission.aircraft_id == "cheap"
    assert result.cost == pytest.approx(10_000)  # 2 flight hours at 5 000


def test_it_uses_the_nearest_home_base():
    aircraft = [craft("atH", home="H"), craft("atC", home="C")]
    shipments = [Shipment("toA", "H", "A", 100, 1.0), Shipment("toB", "C", "B", 100, 1.0)]
    result = solve(line_problem(aircraft, shipments))
    assert {m.aircraft_id: tuple(route(m)) for m in result.missions} == {
        "atH": ("H", "A", "H"),
        "atC": ("C", "B", "C"),
    }


def test_it_respects_the_availability_window_and_mission_length():
    later = T0 + 24 * H
    aircraft = [craft(available_from=later, available_until=later + 10 * H)]
    result = solve(line_problem(aircraft, [Shipment("s", "H", "C", 100, 1.0)]))
    (mission,) = result.missions
    assert mission.stops[0].departure >= later + 1.5 * H
    assert mission.stops[-1].arrival <= later + 10 * H
    tight = [craft(max_mission_hours=5.0)]  # H-C-H needs 1.5+3+1.5+3 = 9 h
    result = solve(line_problem(tight, [Shipment("s", "H", "C", 100, 1.0)]))
    assert result.unplaced[0].reason is Reason.NO_AIRCRAFT_IN_WINDOW


# Turkish A400M: Ankara Etimesgut with loads for Spain and Italy.
LTAD = Airfield("LTAD", 39.9498, 32.6886, "Ankara Etimesgut")
LETO = Airfield("LETO", 40.4967, -3.4458, "Madrid Torrejón")
LIRE = Airfield("LIRE", 41.6547, 12.4452, "Pratica di Mare")
LIMC = Airfield("LIMC", 45.6306, 8.7231, "Milan Malpensa")
A400M = Aircraft("TUAF-A400M", "A400M", "LTAD", 37_000, 340.0, 780.0, 4500.0)


@pytest.mark.parametrize("italy", [LIRE, LIMC], ids=["rome", "milan"])
def test_it_flies_the_turkish_a400m_to_spain_and_italy_in_one_mission(italy):
    shipments = (
        Shipment("es", "LTAD", "LETO", 15_000, 120.0),
        Shipment("it", "LTAD", italy.code, 18_000, 150.0),
    )
    problem = Problem((LTAD, LETO, italy), (A400M,), shipments, start=T0)
    result = solve(problem)
    (mission,) = result.missions
    assert route(mission) in (
        ["LTAD", "LETO", italy.code, "LTAD"],
        ["LTAD", italy.code, "LETO", "LTAD"],
    )
    assert mission.legs[0].kg == 33_000 and mission.legs[-1].kg == 0

    def km(a, b):
        return haversine_km(a.lat, a.lon, b.lat, b.lon)

    # With symmetric great-circle legs the two orders are one cycle flown in
    # opposite directions, so they tie; either is accepted, at that length.
    spain_first = km(LTAD, LETO) + km(LETO, italy) + km(italy, LTAD)
    italy_first = km(LTAD, italy) + km(italy, LETO) + km(LETO, LTAD)
    assert mission.distance_km == pytest.approx(min(spain_first, italy_first), abs=0.5)
    assert result.unplaced == ()


def test_it_reports_unplaceable_shipments_with_a_reason():
    aircraft = [craft(kg=37_000, m3=340.0, rng=250.0, available_until=T0 + 48 * H)]
    shipments = [
        Shipment("heavy", "H", "A", 50_000, 10.0, divisible=False),
        Shipment("far", "H", "C", 100, 1.0),
        Shipment(
            "late",
            "A",
            "B",
            100,
            1.0,
            earliest_pickup=T0 + 5 * H,
            latest_delivery=T0 + 7 * H,
        ),
        Shipment("after", "H", "A", 100, 1.0, earliest_pickup=T0 + 60 * H),
        Shipment("here", "A", "A", 100, 1.0),
        Shipment("tiny", "H", "A", 1, 0.01),
    ]
    result = solve(line_problem(aircraft, shipments))
    reasons = {u.shipment_id: u.reason for u in result.unplaced}
    assert reasons == {
        "heavy": Reason.TOO_HEAVY,
        "far": Reason.OUT_OF_RANGE,
        "late": Reason.DEADLINE_UNREACHABLE,
        "after": Reason.NO_AIRCRAFT_IN_WINDOW,
        "here": Reason.NO_FLIGHT_NEEDED,
    }
    assert all(u.message for u in result.unplaced)
    assert [ld.shipment_id for s in result.missions[0].stops for ld in s.picked_up] == ["tiny"]


def test_it_reports_when_the_fleet_runs_out_and_when_splitting_is_not_enough():
    # Both shipments need the single aircraft in the same 6 h; only one fits.
    window = {"latest_delivery": T0 + 6 * H}
    shipments = [
        Shipment("first", "H", "C", 9000, 1.0, **window),
        Shipment("second", "H", "C", 9000, 1.0, **window),
    ]
    result = solve(line_problem([craft()], shipments))
    assert [u.reason for u in result.unplaced] == [Reason.FLEET_EXHAUSTED]
    assert result.placed_kg == 9000
    huge = solve(
        line_problem(
            [craft()],
            [Shipment("huge", "H", "A", 1_000_000, 1.0)],
            max_pieces_per_shipment=20,
        )
    )
    assert huge.unplaced[0].reason is Reason.TOO_HEAVY
    assert "even when split" in huge.unplaced[0].message
    none = solve(line_problem([], [Shipment("s", "H", "A", 1, 1.0)]))
    assert none.unplaced[0].reason is Reason.NO_AIRCRAFT


def test_it_reports_progress_and_can_be_cancelled():
    problem = line_problem([craft()], [Shipment("s", "H", "A", 1, 1.0)])
    seen = []
    plan(problem, time_limit=0.5, progress=lambda phase, pct: seen.append(phase))
    assert seen[0] == "prepare" and "solve" in seen and seen[-1] == "extract"

    class Stop(Exception):
        pass

    def cancel(phase, pct):
        if phase == "solve":
            raise Stop

    with pytest.raises(Stop):
        plan(problem, time_limit=5, progress=cancel)


def test_it_rejects_invalid_problems():
    with pytest.raises(ValueError, match="unknown home"):
        line_problem([craft(home="XX")], [])
    with pytest.raises(ValueError, match="unknown delivery"):
        line_problem([craft()], [Shipment("s", "H", "ZZ", 1, 1.0)])
    with pytest.raises(ValueError, match="payload_kg"):
        craft(kg=0)


def _random_problem(seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    n_af = 8
    airfields = tuple(Airfield(f"F{i}", float(rng.uniform(35, 60)), float(rng.uniform(-10, 40))) for i in range(n_af))
    types = [(37_000, 340.0, 780.0, 3300.0), (19_000, 128.0, 640.0, 2000.0), (8_000, 60.0, 500.0, 1500.0)]
    aircraft = []
    for i in range(4):
        kg, m3, speed, rng_km = types[i % 3]
        aircraft.append(
            Aircraft(
                f"A{i}",
                f"T{i % 3}",
                f"F{int(rng.integers(n_af))}",
                kg,
                m3,
                speed,
                rng_km,
                available_until=T0 + int(rng.integers(24, 96)) * H,
            )
        )
    shipments = []
    for i in range(12):
        p, d = rng.choice(n_af, 2, replace=False)
        early = T0 + int(rng.integers(0, 24)) * H
        shipments.append(
            Shipment(
                f"S{i}",
                f"F{p}",
                f"F{d}",
                int(rng.integers(500, 50_000)),
                float(rng.uniform(1, 300)),
                earliest_pickup=early,
                latest_delivery=early + int(rng.integers(4, 48)) * H,
                divisible=bool(rng.random() < 0.8),
            )
        )
    return Problem(airfields, tuple(aircraft), tuple(shipments), start=T0)


@pytest.mark.parametrize("seed", range(6))
def test_it_never_breaks_capacity_range_or_deadlines_on_random_instances(seed):
    problem = _random_problem(seed)
    result = plan(problem, time_limit=1.0, seed=seed)
    assert violations(problem, result) == []
    for mission in result.missions:
        a = next(x for x in problem.aircraft if x.id == mission.aircraft_id)
        for leg in mission.legs:
            assert leg.kg <= a.payload_kg and leg.m3 <= a.volume_m3 + 1e-9
            assert leg.distance_km <= a.range_km
    assert math.isclose(result.flight_hours, sum(m.flight_hours for m in result.missions), abs_tol=0.01)


def test_it_detects_a_broken_plan():
    problem = line_problem([craft()], [Shipment("s", "H", "A", 8000, 5.0)])
    result = solve(problem)
    smaller = line_problem([craft(kg=5000)], [Shipment("s", "H", "A", 8000, 5.0)])
    assert any("payload" in v for v in violations(smaller, result))
