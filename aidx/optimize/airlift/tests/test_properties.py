"""Property test: whatever the input, the plan breaks no rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidx.optimize.airlift import Aircraft, Airfield, Problem, Shipment, plan, violations

T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
CODES = ["F0", "F1", "F2", "F3", "F4"]


@st.composite
def problems(draw) -> Problem:
    airfields = tuple(Airfield(code, draw(st.floats(35, 60)), draw(st.floats(-10, 40))) for code in CODES)
    seconds = st.integers(0, 4 * 24 * 3600)  # odd seconds test the minute rounding
    aircraft = []
    for i in range(draw(st.integers(1, 3))):
        start = T0 + timedelta(seconds=draw(seconds))
        aircraft.append(
            Aircraft(
                f"A{i}",
                f"T{i}",
                draw(st.sampled_from(CODES)),
                draw(st.integers(2_000, 40_000)),
                draw(st.floats(10, 300)),
                draw(st.floats(300, 900)),
                draw(st.floats(800, 4_000)),
                available_from=start if draw(st.booleans()) else None,
                available_until=start + timedelta(hours=draw(st.integers(6, 96))),
                cost_per_hour=draw(st.floats(0, 20_000)),
                max_mission_hours=draw(st.none() | st.floats(5, 48)),
            )
        )
    shipments = []
    for i in range(draw(st.integers(0, 8))):
        pickup, delivery = draw(st.permutations(CODES))[:2]
        early = T0 + timedelta(seconds=draw(seconds))
        shipments.append(
            Shipment(
                f"S{i}",
                pickup,
                delivery,
                draw(st.integers(0, 90_000)),
                draw(st.floats(0, 500)),
                earliest_pickup=early if draw(st.booleans()) else None,
                latest_delivery=early + timedelta(seconds=draw(st.integers(3600, 4 * 24 * 3600))),
                divisible=draw(st.booleans()),
            )
        )
    return Problem(
        airfields,
        tuple(aircraft),
        tuple(shipments),
        start=T0,
        ground_time_hours=draw(st.sampled_from([0.0, 0.75, 1.5])),
        max_piece_kg=draw(st.none() | st.integers(5_000, 30_000)),
    )


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_it_never_breaks_a_rule_on_generated_problems(problem):
    result = plan(problem, time_limit=0.2, seed=0)
    assert violations(problem, result) == []
    reported = {u.shipment_id for u in result.unplaced}
    carried = {ld.shipment_id for m in result.missions for s in m.stops for ld in s.picked_up}
    assert reported | carried == {s.id for s in problem.shipments}
