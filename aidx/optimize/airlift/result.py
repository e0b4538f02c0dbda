"""Immutable output of the airlift planner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Reason(StrEnum):
    """Why (part of) a shipment could not be placed on any mission."""

    NO_FLIGHT_NEEDED = "no_flight_needed"  # pickup and delivery coincide
    NO_AIRCRAFT = "no_aircraft"  # the problem has no aircraft at all
    OUT_OF_RANGE = "out_of_range"  # every aircraft has a leg beyond its range
    DEADLINE_UNREACHABLE = "deadline_unreachable"  # even a direct flight is late
    NO_AIRCRAFT_IN_WINDOW = "no_aircraft_in_window"  # availability/positioning
    TOO_HEAVY = "too_heavy"  # too big for any usable aircraft, even when split
    FLEET_EXHAUSTED = "fleet_exhausted"  # feasible alone, but no capacity left


@dataclass(frozen=True, slots=True)
class Load:
    """A (piece of a) shipment loaded or unloaded at a stop."""

    shipment_id: str
    piece: int  # 1-based piece number; pieces == 1 when not split
    pieces: int
    kg: int
    m3: float


@dataclass(frozen=True, slots=True)
class Stop:
    """A visit of an airfield. ``arrival`` is the landing time (``None`` at
    the first stop), ``departure`` the take-off time (``None`` at the last)."""

    airfield: str
    arrival: datetime | None
    departure: datetime | None
    picked_up: tuple[Load, ...] = ()
    dropped: tuple[Load, ...] = ()


@dataclass(frozen=True, slots=True)
class Leg:
    """A flight between two consecutive stops with what is on board."""

    origin: str
    destination: str
    departure: datetime
    arrival: datetime
    distance_km: float
    flight_hours: float
    kg: int
    m3: float
    shipment_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mission:
    """The route of one aircraft: home, stops, home."""

    aircraft_id: str
    aircraft_type: str
    stops: tuple[Stop, ...]
    legs: tuple[Leg, ...]
    distance_km: float
    flight_hours: float
    cost: float


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A shipment (or the part of it) that no mission carries."""

    shipment_id: str
    reason: Reason
    message: str
    kg: int
    m3: float
    pieces: int  # pieces not carried
    of_pieces: int  # pieces the shipment was split into


@dataclass(frozen=True, slots=True)
class Plan:
    missions: tuple[Mission, ...]
    unplaced: tuple[Unplaced, ...]
    start: datetime  # time origin used for the plan
    flight_hours: float
    distance_km: float
    cost: float
    placed_kg: int
    runtime_s: float
    iterations: int

    @property
    def aircraft_used(self) -> int:
        return len(self.missions)
