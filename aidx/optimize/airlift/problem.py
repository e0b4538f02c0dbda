"""Immutable input data of the airlift planner.

All classes are frozen dataclasses and validate themselves on construction;
invalid data raises :class:`ValueError` with a message naming the offending
record. Datetimes without a timezone are taken as UTC.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

Matrix = tuple[tuple[float, ...], ...]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValueError(f"expected a datetime, got {value!r}")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _finite(name: str, value: float, *, positive: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"{name} must be a finite {kind} number, got {value!r}")


@dataclass(frozen=True, slots=True)
class Airfield:
    """An airfield, identified by its (ICAO) code."""

    code: str
    lat: float
    lon: float
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise ValueError("airfield code must be a non-empty string")
        for attr, bound in (("lat", 90.0), ("lon", 180.0)):
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"airfield {self.code}: {attr} must be a number")
            if not -bound <= value <= bound:
                raise ValueError(f"airfield {self.code}: {attr} {value} outside ±{bound}")


@dataclass(frozen=True, slots=True)
class Aircraft:
    """One airframe offered for the airlift.

    ``range_km`` is the maximum *single leg* (stage) length with payload; the
    aircraft refuels at every stop. ``cost_per_hour`` is the cost of one flight
    hour and ``fixed_cost`` is charged once if the aircraft flies at all. The
    aircraft is available (may leave home) from ``available_from`` and must be
    back home by ``available_until``; ``max_mission_hours`` optionally caps the
    whole mission (first take-off preparation to landing at home).
    """

    id: str
    type: str
    home: str
    payload_kg: int
    volume_m3: float
    cruise_kmh: float
    range_km: float
    available_from: datetime | None = None
    available_until: datetime | None = None
    fixed_cost: float = 0.0
    cost_per_hour: float = 1.0
    max_mission_hours: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("aircraft id must be a non-empty string")
        who = f"aircraft {self.id}"
        if isinstance(self.payload_kg, bool) or not isinstance(self.payload_kg, int):
            raise ValueError(f"{who}: payload_kg must be an integer")
        _finite(f"{who}: payload_kg", self.payload_kg, positive=True)
        _finite(f"{who}: volume_m3", self.volume_m3, positive=True)
        _finite(f"{who}: cruise_kmh", self.cruise_kmh, positive=True)
        _finite(f"{who}: range_km", self.range_km, positive=True)
        _finite(f"{who}: fixed_cost", self.fixed_cost)
        _finite(f"{who}: cost_per_hour", self.cost_per_hour)
        if self.max_mission_hours is not None:
            _finite(f"{who}: max_mission_hours", self.max_mission_hours, positive=True)
        object.__setattr__(self, "available_from", _utc(self.available_from))
        object.__setattr__(self, "available_until", _utc(self.available_until))
        if (
            self.available_from is not None
            and self.available_until is not None
            and self.available_until < self.available_from
        ):
            raise ValueError(f"{who}: available_until before available_from")


@dataclass(frozen=True, slots=True)
class Shipment:
    """A consignment waiting for transport from ``pickup`` to ``delivery``.

    It may be loaded from ``earliest_pickup`` on and must be unloaded by
    ``latest_delivery`` (the aircraft lands at least one ground time before).
    A ``divisible`` shipment may be split over several flights/aircraft.
    """

    id: str
    pickup: str
    delivery: str
    kg: int
    m3: float
    earliest_pickup: datetime | None = None
    latest_delivery: datetime | None = None
    divisible: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("shipment id must be a non-empty string")
        who = f"shipment {self.id}"
        if isinstance(self.kg, bool) or not isinstance(self.kg, int):
            raise ValueError(f"{who}: kg must be an integer")
        _finite(f"{who}: kg", self.kg)
        _finite(f"{who}: m3", self.m3)
        object.__setattr__(self, "earliest_pickup", _utc(self.earliest_pickup))
        object.__setattr__(self, "latest_delivery", _utc(self.latest_delivery))


def _matrix(name: str, rows: Sequence[Sequence[float]], n: int) -> Matrix:
    out = tuple(tuple(float(v) for v in row) for row in rows)
    if len(out) != n or any(len(row) != n for row in out):
        raise ValueError(f"{name} must be a {n}×{n} matrix in airfield order")
    for i, row in enumerate(out):
        for j, value in enumerate(row):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name}[{i}][{j}] must be finite and >= 0")
    return out


@dataclass(frozen=True)
class Problem:
    """A complete airlift planning problem.

    ``distance_km`` optionally replaces the great-circle distances (square
    matrix in the order of ``airfields``); ``flight_hours`` optionally maps an
    aircraft *type* to a matrix of flight times replacing distance / cruise
    speed for that type. ``ground_time_hours`` is spent on the ground before
    every take-off (loading, unloading, refuelling). Divisible shipments
    heavier than ``max_piece_kg`` (if given) or too big for one aircraft are
    split into at most ``max_pieces_per_shipment`` equal pieces. ``start`` is
    the time origin; by default the earliest datetime in the data (or now).
    """

    airfields: tuple[Airfield, ...]
    aircraft: tuple[Aircraft, ...]
    shipments: tuple[Shipment, ...]
    ground_time_hours: float = 1.5
    max_piece_kg: int | None = None
    max_pieces_per_shipment: int = 50
    start: datetime | None = None
    distance_km: Matrix | None = None
    flight_hours: Mapping[str, Matrix] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        for attr in ("airfields", "aircraft", "shipments"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        codes = [a.code for a in self.airfields]
        if len(set(codes)) != len(codes):
            dup = sorted({c for c in codes if codes.count(c) > 1})
            raise ValueError(f"duplicate airfield codes: {', '.join(dup)}")
        known = set(codes)
        for kind, items in (("aircraft", self.aircraft), ("shipment", self.shipments)):
            ids = [x.id for x in items]
            if len(set(ids)) != len(ids):
                dup = sorted({i for i in ids if ids.count(i) > 1})
                raise ValueError(f"duplicate {kind} ids: {', '.join(dup)}")
        for a in self.aircraft:
            if a.home not in known:
                raise ValueError(f"aircraft {a.id}: unknown home airfield {a.home!r}")
        for s in self.shipments:
            for role in ("pickup", "delivery"):
                if getattr(s, role) not in known:
                    raise ValueError(f"shipment {s.id}: unknown {role} airfield {getattr(s, role)!r}")
        _finite("ground_time_hours", self.ground_time_hours)
        if self.max_piece_kg is not None:
            _finite("max_piece_kg", self.max_piece_kg, positive=True)
        if (
            isinstance(self.max_pieces_per_shipment, bool)
            or not isinstance(self.max_pieces_per_shipment, int)
            or self.max_pieces_per_shipment < 1
        ):
            raise ValueError("max_pieces_per_shipment must be an integer >= 1")
        object.__setattr__(self, "start", _utc(self.start))
        n = len(self.airfields)
        if self.distance_km is not None:
            object.__setattr__(self, "distance_km", _matrix("distance_km", self.distance_km, n))
        if self.flight_hours is not None:
            types = {a.type for a in self.aircraft}
            fixed: dict[str, Matrix] = {}
            for key, rows in dict(self.flight_hours).items():
                if key not in types:
                    raise ValueError(f"flight_hours: unknown aircraft type {key!r}")
                fixed[key] = _matrix(f"flight_hours[{key}]", rows, n)
            object.__setattr__(self, "flight_hours", fixed)
