"""Independent verification of a plan against its problem.

:func:`violations` recomputes distances, loads and times from the problem and
the plan alone (not from solver internals) and lists every broken rule. An
empty list means the plan respects capacity (kg and m³), per-leg range,
availability windows, mission length, pickup and delivery times, and carries
every shipment exactly once or reports (the rest of) it as unplaced.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from ..geo import haversine_km
from .problem import Problem
from .result import Plan

_EPS = 1e-6


def _t(value: datetime | None) -> datetime:
    assert value is not None  # checked before use
    return value


def violations(problem: Problem, plan: Plan) -> list[str]:
    out: list[str] = []
    airfields = {a.code: a for a in problem.airfields}
    index = {a.code: i for i, a in enumerate(problem.airfields)}
    aircraft = {a.id: a for a in problem.aircraft}
    shipments = {s.id: s for s in problem.shipments}
    ground = timedelta(minutes=round(problem.ground_time_hours * 60))

    def km(a: str, b: str) -> float:
        if problem.distance_km is not None:
            return problem.distance_km[index[a]][index[b]]
        x, y = airfields[a], airfields[b]
        return haversine_km(x.lat, x.lon, y.lat, y.lon)

    def flight_minutes(craft, a: str, b: str) -> int:
        if problem.flight_hours is not None and craft.type in problem.flight_hours:
            hours = problem.flight_hours[craft.type][index[a]][index[b]]
        else:
            hours = km(a, b) / craft.cruise_kmh
        return math.ceil(hours * 60 - 1e-9)

    carried: dict[str, int] = {}
    pieces_seen: set[tuple[str, int]] = set()
    used: set[str] = set()
    for m in plan.missions:
        who = f"mission of {m.aircraft_id}"
        craft = aircraft.get(m.aircraft_id)
        if craft is None:
            out.append(f"{who}: unknown aircraft")
            continue
        if m.aircraft_id in used:
            out.append(f"{who}: aircraft flies more than one mission")
        used.add(m.aircraft_id)
        stops = m.stops
        if len(stops) < 2 or len(m.legs) != len(stops) - 1:
            out.append(f"{who}: needs ≥ 2 stops and one leg between each pair")
            continue
        if stops[0].airfield != craft.home or stops[-1].airfield != craft.home:
            out.append(f"{who}: does not start and end at home {craft.home}")
        departures = [s.departure for s in stops[:-1]]
        arrivals = [s.arrival for s in stops[1:]]
        if None in departures or None in arrivals:
            out.append(f"{who}: a stop lacks its arrival or departure time")
            continue
        depart = [_t(x) for x in departures] + [None]
        arrive = [None] + [_t(x) for x in arrivals]
        start = _t(depart[0]) - ground
        if craft.available_from and start < craft.available_from:
            out.append(f"{who}: starts before the aircraft is available")
        if craft.available_until and _t(arrive[-1]) > craft.available_until:
            out.append(f"{who}: returns after the aircraft's availability")
        if craft.max_mission_hours is not None:
            hours = (_t(arrive[-1]) - start).total_seconds() / 3600
            if hours > craft.max_mission_hours + _EPS:
                out.append(f"{who}: lasts {hours:.2f} h > max mission hours")

        onboard: dict[tuple[str, int], tuple[int, float]] = {}
        for i, stop in enumerate(stops):
            where = f"{who}, stop {i} ({stop.airfield})"
            if 0 < i < len(stops) - 1 and _t(depart[i]) - _t(arrive[i]) < ground:
                out.append(f"{where}: less than the ground time on the ground")
            for load in stop.dropped:
                key = (load.shipment_id, load.piece)
                s = shipments.get(load.shipment_id)
                if key not in onboard:
                    out.append(f"{where}: drops {key} that is not on board")
                    continue
                del onboard[key]
                if s is None:
                    continue
                if stop.airfield != s.delivery:
                    out.append(f"{where}: drops {s.id} away from {s.delivery}")
                if s.latest_delivery and _t(arrive[i]) + ground > s.latest_delivery:
                    out.append(f"{where}: {s.id} unloaded after latest delivery")
            for load in stop.picked_up:
                key = (load.shipment_id, load.piece)
                s = shipments.get(load.shipment_id)
                if s is None:
                    out.append(f"{where}: picks up unknown shipment {load.shipment_id}")
                    continue
                if key in pieces_seen:
                    out.append(f"{where}: {key} carried twice")
                pieces_seen.add(key)
                onboard[key] = (load.kg, load.m3)
                carried[s.id] = carried.get(s.id, 0) + load.kg
                if stop.airfield != s.pickup:
                    out.append(f"{where}: picks up {s.id} away from {s.pickup}")
                if s.earliest_pickup and i < len(stops) - 1 and (_t(depart[i]) - ground < s.earliest_pickup):
                    out.append(f"{where}: {s.id} loaded before earliest pickup")
            if i == len(stops) - 1:
                if onboard:
                    out.append(f"{who}: lands home with {sorted(onboard)} on board")
                break
            leg = m.legs[i]
            nxt = stops[i + 1]
            where = f"{who}, leg {stop.airfield}→{nxt.airfield}"
            if (leg.origin, leg.destination) != (stop.airfield, nxt.airfield):
                out.append(f"{where}: leg does not join its stops")
            dist = km(stop.airfield, nxt.airfield)
            if dist > craft.range_km + _EPS:
                out.append(f"{where}: {dist:.0f} km beyond range {craft.range_km} km")
            kg = sum(v[0] for v in onboard.values())
            m3 = sum(v[1] for v in onboard.values())
            if kg > craft.payload_kg:
                out.append(f"{where}: {kg} kg > payload {craft.payload_kg} kg")
            if m3 > craft.volume_m3 + _EPS:
                out.append(f"{where}: {m3:.3f} m³ > volume {craft.volume_m3} m³")
            if kg != leg.kg or abs(m3 - leg.m3) > 1e-3:
                out.append(f"{where}: reported load differs from stop loads")
            minutes = flight_minutes(craft, stop.airfield, nxt.airfield)
            if leg.departure != stop.departure or leg.arrival != nxt.arrival:
                out.append(f"{where}: times differ from its stops")
            elif leg.arrival - leg.departure != timedelta(minutes=minutes):
                out.append(f"{where}: flight time is not {minutes} min")

    unplaced: dict[str, int] = {}
    for u in plan.unplaced:
        unplaced[u.shipment_id] = unplaced.get(u.shipment_id, 0) + u.kg
    for s in problem.shipments:
        total = carried.get(s.id, 0) + unplaced.get(s.id, 0)
        if total != s.kg:
            out.append(f"shipment {s.id}: carried + unplaced = {total} kg ≠ {s.kg} kg")
        if s.id not in carried and s.id not in unplaced:
            out.append(f"shipment {s.id}: neither carried nor reported unplaced")
    return out
