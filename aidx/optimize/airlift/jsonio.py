"""JSON (de)serialisation of airlift problems and plans.

The format is documented in ``docs/airlift-format.md``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .problem import Aircraft, Airfield, Problem, Shipment
from .result import Plan

FORMAT_VERSION = 1


class FormatError(ValueError):
    """The JSON document does not describe a valid airlift problem."""


def _dt(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FormatError(f"{where}: expected an ISO 8601 datetime string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise FormatError(f"{where}: {value!r} is not an ISO 8601 datetime") from None


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _take(obj: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...]):
    if not isinstance(obj, dict):
        raise FormatError(f"{where}: expected an object")
    missing = [k for k in required if k not in obj]
    if missing:
        raise FormatError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(obj) - set(required) - set(optional))
    if unknown:
        raise FormatError(f"{where}: unknown field(s) {', '.join(unknown)}")
    return obj


def _list(doc: dict, key: str) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise FormatError(f"{key}: expected a list")
    return value


def problem_from_json(doc: Any) -> Problem:
    """Build a :class:`Problem` from a parsed JSON document."""
    _take(
        doc,
        "problem",
        ("airfields", "aircraft", "shipments"),
        ("version", "options", "distance_km", "flight_hours", "comment"),
    )
    version = doc.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise FormatError(f"unsupported format version {version!r}")
    try:
        airfields = []
        for i, a in enumerate(_list(doc, "airfields")):
            where = f"airfields[{i}]"
            _take(a, where, ("code", "lat", "lon"), ("name",))
            airfields.append(Airfield(a["code"], a["lat"], a["lon"], a.get("name", "")))
        aircraft = []
        for i, a in enumerate(_list(doc, "aircraft")):
            where = f"aircraft[{i}]"
            _take(
                a,
                where,
                ("id", "type", "home", "payload_kg", "volume_m3", "cruise_kmh", "range_km"),
                ("available_from", "available_until", "fixed_cost", "cost_per_hour", "max_mission_hours"),
            )
            aircraft.append(
                Aircraft(
                    id=a["id"],
                    type=a["type"],
                    home=a["home"],
                    payload_kg=a["payload_kg"],
                    volume_m3=a["volume_m3"],
                    cruise_kmh=a["cruise_kmh"],
                    range_km=a["range_km"],
                    available_from=_dt(a.get("available_from"), f"{where}.available_from"),
                    available_until=_dt(a.get("available_until"), f"{where}.available_until"),
                    fixed_cost=a.get("fixed_cost", 0.0),
                    cost_per_hour=a.get("cost_per_hour", 1.0),
                    max_mission_hours=a.get("max_mission_hours"),
                )
            )
        shipments = []
        for i, s in enumerate(_list(doc, "shipments")):
            where = f"shipments[{i}]"
            _take(
                s,
                where,
                ("id", "pickup", "delivery", "kg", "m3"),
                ("earliest_pickup", "latest_delivery", "divisible"),
            )
            divisible = s.get("divisible", True)
            if not isinstance(divisible, bool):
                raise FormatError(f"{where}.divisible: expected true or false")
            shipments.append(
                Shipment(
                    id=s["id"],
                    pickup=s["pickup"],
                    delivery=s["delivery"],
                    kg=s["kg"],
                    m3=s["m3"],
                    earliest_pickup=_dt(s.get("earliest_pickup"), f"{where}.earliest_pickup"),
                    latest_delivery=_dt(s.get("latest_delivery"), f"{where}.latest_delivery"),
                    divisible=divisible,
                )
            )
        options = _take(
            doc.get("options", {}),
            "options",
            (),
            ("ground_time_hours", "max_piece_kg", "max_pieces_per_shipment", "start"),
        )
        flight_hours = doc.get("flight_hours")
        if flight_hours is not None and not isinstance(flight_hours, dict):
            raise FormatError("flight_hours: expected an object keyed by aircraft type")
        return Problem(
            airfields=tuple(airfields),
            aircraft=tuple(aircraft),
            shipments=tuple(shipments),
            ground_time_hours=options.get("ground_time_hours", 1.5),
            max_piece_kg=options.get("max_piece_kg"),
            max_pieces_per_shipment=options.get("max_pieces_per_shipment", 50),
            start=_dt(options.get("start"), "options.start"),
            distance_km=doc.get("distance_km"),
            flight_hours=flight_hours,
        )
    except FormatError:
        raise
    except (ValueError, TypeError) as exc:
        raise FormatError(str(exc)) from None


def _load(x) -> dict:
    return {"shipment": x.shipment_id, "piece": x.piece, "pieces": x.pieces, "kg": x.kg, "m3": x.m3}


def plan_to_json(plan: Plan) -> dict:
    """A JSON-ready dict of ``plan``."""
    return {
        "version": FORMAT_VERSION,
        "start": _iso(plan.start),
        "summary": {
            "missions": len(plan.missions),
            "aircraft_used": plan.aircraft_used,
            "flight_hours": plan.flight_hours,
            "distance_km": plan.distance_km,
            "cost": plan.cost,
            "placed_kg": plan.placed_kg,
            "unplaced_shipments": len({u.shipment_id for u in plan.unplaced}),
            "runtime_s": plan.runtime_s,
            "iterations": plan.iterations,
        },
        "missions": [
            {
                "aircraft": m.aircraft_id,
                "type": m.aircraft_type,
                "flight_hours": m.flight_hours,
                "distance_km": m.distance_km,
                "cost": m.cost,
                "stops": [
                    {
                        "airfield": s.airfield,
                        "arrival": _iso(s.arrival),
                        "departure": _iso(s.departure),
                        "picked_up": [_load(x) for x in s.picked_up],
                        "dropped": [_load(x) for x in s.dropped],
                    }
                    for s in m.stops
                ],
                "legs": [
                    {
                        "from": leg.origin,
                        "to": leg.destination,
                        "departure": _iso(leg.departure),
                        "arrival": _iso(leg.arrival),
                        "distance_km": leg.distance_km,
                        "flight_hours": leg.flight_hours,
                        "kg": leg.kg,
                        "m3": leg.m3,
                        "shipments": list(leg.shipment_ids),
                    }
                    for leg in m.legs
                ],
            }
            for m in plan.missions
        ],
        "unplaced": [
            {
                "shipment": u.shipment_id,
                "reason": str(u.reason),
                "message": u.message,
                "kg": u.kg,
                "m3": u.m3,
                "pieces": u.pieces,
                "of_pieces": u.of_pieces,
            }
            for u in plan.unplaced
        ],
    }
