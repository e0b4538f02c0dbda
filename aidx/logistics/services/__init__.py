"""Writes for the airlift: missions and their flights, loads and receipts, the fleet, and deployments.

Every function is atomic, validates everything before it writes (a refused mission leaves no trace), checks who
may act against the airlift's workflow tables (aidx/logistics/workflow.py), and records an audit entry. The
system actor (`aidx.core.actors.SYSTEM`) replays history for the scenario loader, through the same tables.

Capacity is checked on every leg: the loads on board (from their boarding leg through their unloading leg) may
not exceed the aircraft type's payload (kg), hold volume (m³) or intensive-care beds (patients), and no leg may be
longer than the type's range. Only accepted allocations are loaded; a load is picked up at the airfield of the
offer line's origin and unloaded at the airfield of the request's delivery site (for patients the other way
round: from the requesting nation's site to the offering nation's hospitals).

Allocations move through the exchange's own services: shipped when the leg they board departs, delivered when
the requesting nation confirms receipt after the landing (`allocation_deliver` lets only the requesting nation's
point of contact confirm; if the landing crew may, it happens at the landing).

The package's modules follow those sections: cargo (what a load is and where it goes), missions (planning,
approval, cancellation), flights (loads off, take-off, landing), receipts, fleet (pools and aircraft),
deployments. Callers import the package: `from aidx.logistics import services; services.mission_create(...)`.
"""

from aidx.logistics.services.cargo import airfield_of, distance_km, is_medevac, loaded_quantity, measure, route_of
from aidx.logistics.services.deployments import (
    DEPLOYABLE,
    deployment_arrive,
    deployment_cancel,
    deployment_create,
    deployment_return,
)
from aidx.logistics.services.fleet import aircraft_register, pool_create
from aidx.logistics.services.flights import leg_depart, leg_land, load_drop
from aidx.logistics.services.missions import (
    MAX_LEGS,
    MAX_LOADS,
    LegInput,
    LoadInput,
    mission_approve,
    mission_cancel,
    mission_create,
)
from aidx.logistics.services.receipts import receipt_confirm

__all__ = [
    "DEPLOYABLE",
    "MAX_LEGS",
    "MAX_LOADS",
    "LegInput",
    "LoadInput",
    "aircraft_register",
    "airfield_of",
    "deployment_arrive",
    "deployment_cancel",
    "deployment_create",
    "deployment_return",
    "distance_km",
    "is_medevac",
    "leg_depart",
    "leg_land",
    "load_drop",
    "loaded_quantity",
    "measure",
    "mission_approve",
    "mission_cancel",
    "mission_create",
    "pool_create",
    "receipt_confirm",
    "route_of",
]
