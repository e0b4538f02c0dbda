"""Writes for the airlift: missions and their status, loads, planner runs, pools and deployments.

Every function is atomic, validates everything before it writes (a refused mission leaves no trace), checks who
may act, and records an audit entry. `actor=None` is the system (the scenario loader replaying history).

Capacity is checked on every leg: the loads on board (from their boarding leg through their unloading leg) may
not exceed the aircraft type's payload (kg), hold volume (m³) or intensive-care beds (patients), and no leg may be
longer than the type's range. Only accepted allocations are loaded; a load is picked up at the airfield of the
offer line's origin and unloaded at the airfield of the request's delivery site (for patients the other way
round: from the requesting nation's site to the offering nation's hospitals).

Allocations move through the exchange's own services: shipped when the leg they board departs, delivered when
the requesting nation confirms receipt after the landing (`allocation_deliver` lets only the requesting nation's
point of contact confirm; if the landing crew may, it happens at the landing).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import Role
from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation
from aidx.audit.services import record, snapshot
from aidx.catalogue.models import CapabilityType
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.logistics.models import Aircraft, Deployment, Leg, Load, Mission, PlanRun, Pool, PoolHours
from aidx.nations.models import Nation, Site

MAX_LEGS = 20
MAX_LOADS = 500
EARTH_RADIUS_KM = 6371.0088
MEDEVAC = CapabilityType.Kind.MEDEVAC
LIVE_MISSION = (
    Mission.Status.PLANNED,
    Mission.Status.APPROVED,
    Mission.Status.AIRBORNE,
    Mission.Status.LANDED,
    Mission.Status.COMPLETED,
)


# --- geography ---------------------------------------------------------------------------------------------


def distance_km(a: Site, b: Site) -> float:
    """Great-circle distance between two sites."""
    p1, p2 = math.radians(float(a.latitude)), math.radians(float(b.latitude))
    dl = math.radians(float(b.longitude) - float(a.longitude))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def airfield_of(site: Site | None, airfields: Sequence[Site] | None = None) -> Site | None:
    """The site itself if it is an airfield, else the nearest registered airfield."""
    if site is None:
        return None
    if site.kind == Site.Kind.AIRFIELD:
        return site
    candidates = airfields if airfields is not None else list(Site.objects.filter(kind=Site.Kind.AIRFIELD))
    return min(candidates, key=lambda field: distance_km(site, field), default=None)


def is_medevac(allocation: Allocation) -> bool:
    capability = allocation.offer_line.capability
    return capability is not None and capability.kind == MEDEVAC


def route_of(allocation: Allocation, airfields: Sequence[Site] | None = None) -> tuple[Site | None, Site | None]:
    """(pickup airfield, delivery airfield) of an allocation. Patients travel from the requester to the offerer."""
    origin = airfield_of(allocation.offer_line.origin_site, airfields)
    destination = airfield_of(allocation.request_line.request.delivery_site, airfields)
    return (destination, origin) if is_medevac(allocation) else (origin, destination)


def measure(allocation: Allocation, quantity: int) -> tuple[int, Decimal, int]:
    """(kg, m³, patients) of `quantity` units of an allocation."""
    if is_medevac(allocation):
        return 0, Decimal(0), quantity
    item = allocation.offer_line.item
    if item is None:
        raise BusinessError(
            _("%(what)s is not cargo: deploy it instead of loading it.") % {"what": allocation.offer_line.what},
            code="not_cargo",
        )
    kg = int((item.unit_weight_kg * quantity).to_integral_value(rounding=ROUND_CEILING))
    return kg, (item.unit_volume_m3 * quantity).quantize(Decimal("0.001"), rounding=ROUND_CEILING), 0


def loaded_quantity(allocation: Allocation, *, exclude_mission: int | None = None) -> int:
    loads = Load.objects.filter(allocation=allocation, mission__status__in=LIVE_MISSION)
    if exclude_mission is not None:
        loads = loads.exclude(mission_id=exclude_mission)
    return loads.aggregate(n=Sum("quantity"))["n"] or 0


# --- who may act -------------------------------------------------------------------------------------------


def _nation_of(actor: Any) -> str | None:
    return getattr(actor, "acting_nation_id", None)


def may_operate(actor: Any, aircraft: Aircraft) -> bool:
    """A coordinator, or a logistics officer of the aircraft's owner (or of a member nation of its pool)."""
    if actor is None:
        return True
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.has_role(Role.COORDINATOR):
        return True
    if not actor.has_role(Role.LOGISTICS):
        return False
    nation = _nation_of(actor)
    if aircraft.owner_nation_id:
        return aircraft.owner_nation_id == nation
    if aircraft.owner_organisation_id:
        return aircraft.owner_organisation_id == actor.organisation_id
    if nation is None:
        return False
    pool = aircraft.pool
    assert pool is not None  # owned by neither a nation nor an organisation: by a pool
    return pool.memberships.filter(nation_id=nation).exists()


def _require_operator(actor: Any, aircraft: Aircraft) -> None:
    if not may_operate(actor, aircraft):
        raise PermissionDenied(_("Only a coordinator or a logistics officer of the aircraft's owner can do this."))


def may_load(actor: Any, allocation: Allocation) -> bool:
    """A coordinator loads any allocation; a nation loads those it offers or requested."""
    if actor is None or actor.has_role(Role.COORDINATOR):
        return True
    nation = _nation_of(actor)
    return nation is not None and nation in (
        allocation.offer_line.offer.owner_nation_id,
        allocation.request_line.request.owner_nation_id,
    )


# --- missions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegInput:
    origin: str  # site code
    destination: str
    etd: dt.datetime
    eta: dt.datetime


@dataclass(frozen=True)
class LoadInput:
    allocation: int
    quantity: int | None = None  # None: all that is not yet loaded
    board: int = 1  # leg number (1-based) on which it boards
    unload: int | None = None  # leg number at the end of which it is unloaded; None: the last


def _aware(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise BusinessError(_("Enter a valid date and time with a time zone."), field=field)
    return value


def _check_legs(aircraft: Aircraft, legs: Sequence[LegInput]) -> list[dict[str, Any]]:
    if not legs:
        raise BusinessError(_("A mission needs at least one leg."), field="legs")
    if len(legs) > MAX_LEGS:
        raise BusinessError(_("At most %(n)s legs.") % {"n": MAX_LEGS}, field="legs")
    codes = {leg.origin for leg in legs} | {leg.destination for leg in legs}
    sites = {site.code: site for site in Site.objects.filter(code__in=codes)}
    kind = aircraft.capability
    checked: list[dict[str, Any]] = []
    for number, leg in enumerate(legs, start=1):
        field = f"legs.{number}"
        origin, destination = sites.get(leg.origin), sites.get(leg.destination)
        for code, site in ((leg.origin, origin), (leg.destination, destination)):
            if site is None:
                raise BusinessError(_("Leg %(n)s: unknown site %(code)s.") % {"n": number, "code": code}, field=field)
            if site.kind != Site.Kind.AIRFIELD:
                raise BusinessError(
                    _("Leg %(n)s: %(site)s is not an airfield.") % {"n": number, "site": site}, field=field
                )
        if origin == destination:
            raise BusinessError(_("Leg %(n)s goes nowhere.") % {"n": number}, field=field)
        etd, eta = _aware(leg.etd, f"{field}.etd"), _aware(leg.eta, f"{field}.eta")
        if eta <= etd:
            raise BusinessError(_("Leg %(n)s arrives before it departs.") % {"n": number}, field=field)
        if checked:
            previous = checked[-1]
            if previous["destination"] != origin:
                raise BusinessError(
                    _("Leg %(n)s must depart from %(site)s, where leg %(m)s lands.")
                    % {"n": number, "m": number - 1, "site": previous["destination"]},
                    field=field,
                )
            if etd < previous["eta"]:
                raise BusinessError(
                    _("Leg %(n)s departs before leg %(m)s lands.") % {"n": number, "m": number - 1}, field=field
                )
        km = distance_km(origin, destination)  # type: ignore[arg-type]
        if kind.range_km is not None and km > kind.range_km:
            raise BusinessError(
                _("Leg %(n)s (%(from)s → %(to)s) is %(km)s km, beyond the %(range)s km range of the %(type)s.")
                % {
                    "n": number,
                    "from": origin,
                    "to": destination,
                    "km": round(km),
                    "range": kind.range_km,
                    "type": kind,
                },
                code="out_of_range",
                field=field,
            )
        checked.append({"origin": origin, "destination": destination, "etd": etd, "eta": eta, "distance_km": round(km)})
    return checked


def _check_loads(
    actor: Any,
    aircraft: Aircraft,
    legs: list[dict[str, Any]],
    loads: Sequence[LoadInput],
    *,
    replay: bool,
    mission_id: int | None = None,
) -> list[dict[str, Any]]:
    if len(loads) > MAX_LOADS:
        raise BusinessError(_("At most %(n)s loads.") % {"n": MAX_LOADS}, field="loads")
    # A shipped allocation may still have a part waiting for a later flight (its first part is in the air).
    statuses = Allocation.COMMITTED if replay else (Allocation.Status.ACCEPTED, Allocation.Status.SHIPPED)
    ids = {load.allocation for load in loads}
    allocations = {
        a.pk: a
        for a in Allocation.objects.select_related(
            "offer_line__offer",
            "offer_line__item",
            "offer_line__capability",
            "offer_line__origin_site",
            "request_line__request__delivery_site",
        ).filter(pk__in=ids)
    }
    airfields = list(Site.objects.filter(kind=Site.Kind.AIRFIELD))
    wanted: dict[int, int] = {}
    checked: list[dict[str, Any]] = []
    for number, load in enumerate(loads, start=1):
        field = f"loads.{number}"
        allocation = allocations.get(load.allocation)
        if allocation is None or not may_load(actor, allocation) or allocation.status not in statuses:
            raise BusinessError(
                _("Load %(n)s does not belong to an accepted allocation: only accepted allocations can be loaded.")
                % {"n": number},
                code="not_accepted",
                field=field,
            )
        board, unload = load.board, load.unload if load.unload is not None else len(legs)
        if not (1 <= board <= unload <= len(legs)):
            raise BusinessError(_("Load %(n)s: choose legs of this mission.") % {"n": number}, field=field)
        available = allocation.quantity - loaded_quantity(allocation, exclude_mission=mission_id)
        quantity = load.quantity if load.quantity is not None else available - wanted.get(allocation.pk, 0)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise BusinessError(_("Load %(n)s: nothing left to load.") % {"n": number}, field=field)
        wanted[allocation.pk] = wanted.get(allocation.pk, 0) + quantity
        if wanted[allocation.pk] > available:
            raise BusinessError(
                _("Load %(n)s: only %(left)s of this allocation are not yet on a mission.")
                % {"n": number, "left": max(available, 0)},
                code="over_allocation",
                field=field,
            )
        pickup, delivery = route_of(allocation, airfields)
        if pickup is not None and legs[board - 1]["origin"] != pickup:
            raise BusinessError(
                _("Load %(n)s is picked up at %(site)s, where leg %(leg)s does not depart.")
                % {"n": number, "site": pickup, "leg": board},
                code="wrong_airfield",
                field=field,
            )
        if delivery is None or legs[unload - 1]["destination"] != delivery:
            raise BusinessError(
                _("Load %(n)s must be unloaded at %(site)s, where leg %(leg)s does not land.")
                % {"n": number, "site": delivery or "?", "leg": unload},
                code="wrong_airfield",
                field=field,
            )
        kg, m3, patients = measure(allocation, quantity)
        checked.append(
            {
                "allocation": allocation,
                "quantity": quantity,
                "kg": kg,
                "m3": m3,
                "patients": patients,
                "board": board,
                "unload": unload,
            }
        )
    _check_capacity(aircraft, legs, checked)
    return checked


def _check_capacity(aircraft: Aircraft, legs: list[dict[str, Any]], loads: list[dict[str, Any]]) -> None:
    kind = aircraft.capability
    limits = {
        "kg": (kind.payload_kg or 0, _("kg")),
        "m3": (kind.volume_m3 if kind.volume_m3 is not None else (math.inf if kind.payload_kg else 0), _("m³")),
        "patients": (kind.icu_beds or 0, _("patients")),
    }
    for number, leg in enumerate(legs, start=1):
        on_board = [load for load in loads if load["board"] <= number <= load["unload"]]
        for measure_, (limit, unit) in limits.items():
            total = sum(load[measure_] for load in on_board)
            if total > limit:
                raise BusinessError(
                    _(
                        "Leg %(n)s (%(from)s → %(to)s) is overloaded: %(total)s %(unit)s on board, "
                        "the %(type)s takes %(limit)s."
                    )
                    % {
                        "n": number,
                        "from": leg["origin"],
                        "to": leg["destination"],
                        "total": round(total, 3) if isinstance(total, Decimal) else total,
                        "unit": unit,
                        "type": kind,
                        "limit": limit,
                    },
                    code="overloaded",
                    field=f"legs.{number}",
                )


def _tasking_nation(actor: Any, aircraft: Aircraft, tasked_by: str | None) -> Nation | None:
    pool = aircraft.pool
    if pool is None:
        return None
    code = (tasked_by or _nation_of(actor) or "").upper()
    membership = pool.memberships.select_related("nation").filter(nation_id=code).first()
    if membership is None:
        raise BusinessError(
            _("Name the member nation of %(pool)s whose flight hours this mission uses.") % {"pool": aircraft.pool},
            field="tasked_by",
        )
    return membership.nation


def _mission_snapshot(mission: Mission) -> dict[str, Any]:
    return {
        **snapshot(mission),
        "legs": [
            f"{leg.sequence}: {leg.origin.code}→{leg.destination.code} {leg.etd.isoformat()}"
            for leg in mission.legs.select_related("origin", "destination")
        ],
        "loads": [
            f"allocation {load.allocation_id}: {load.quantity} ({load.kg} kg, {load.patients} patients) "
            f"legs {load.board_leg.sequence}–{load.unload_leg.sequence}"
            for load in mission.loads.select_related("board_leg", "unload_leg")
        ],
    }


@transaction.atomic
def mission_create(
    *,
    actor: Any,
    aircraft: Aircraft | int,
    legs: Sequence[LegInput],
    loads: Sequence[LoadInput] = (),
    tasked_by: str | None = None,
    notes: str = "",
    plan_run: PlanRun | None = None,
    replay: bool = False,
    illustrative: bool = False,
    scenario_key: str = "",
) -> Mission:
    """A planned mission: the aircraft, its legs in order, and the loads on board. `replay` (the system only)
    records a flown mission whose allocations are already shipped or delivered."""
    aircraft = Aircraft.objects.select_related("capability", "pool").get(pk=getattr(aircraft, "pk", aircraft))
    _require_operator(actor, aircraft)
    if replay and actor is not None:
        raise PermissionDenied(_("Only the system replays history."))
    if not aircraft.active:
        raise BusinessError(_("The aircraft is out of service."), code="bad_state")
    if len(notes) > 500:
        raise BusinessError(_("The text is too long (at most %(n)s characters).") % {"n": 500}, field="notes")
    nation = _tasking_nation(actor, aircraft, tasked_by)
    checked_legs = _check_legs(aircraft, legs)
    checked_loads = _check_loads(actor, aircraft, checked_legs, loads, replay=replay)
    mission = Mission.objects.create(
        aircraft=aircraft,
        tasked_by=nation,
        notes=notes.strip(),
        plan_run=plan_run,
        created_by=actor,
        illustrative=illustrative,
        scenario_key=scenario_key,
    )
    created = [Leg(mission=mission, sequence=n, **leg) for n, leg in enumerate(checked_legs, start=1)]
    Leg.objects.bulk_create(created)
    created = list(mission.legs.order_by("sequence"))
    Load.objects.bulk_create(
        [
            Load(
                mission=mission,
                allocation=load["allocation"],
                board_leg=created[load["board"] - 1],
                unload_leg=created[load["unload"] - 1],
                quantity=load["quantity"],
                kg=load["kg"],
                m3=load["m3"],
                patients=load["patients"],
            )
            for load in checked_loads
        ]
    )
    record(actor=actor, action="mission.create", target=mission, after=_mission_snapshot(mission))
    return mission


def _locked_mission(mission: Mission | int) -> Mission:
    return (
        Mission.objects.select_for_update(of=("self",))
        .select_related("aircraft__capability", "aircraft__pool")
        .get(pk=getattr(mission, "pk", mission))
    )


def _set_status(actor: Any, mission: Mission, status: str, action: str, **extra: Any) -> Mission:
    before = snapshot(mission)
    mission.status = status
    mission.save(update_fields=["status"])
    record(actor=actor, action=f"mission.{action}", target=mission, before=before, after={**snapshot(mission), **extra})
    return mission


@transaction.atomic
def mission_approve(*, actor: Any, mission: Mission | int) -> Mission:
    mission = _locked_mission(mission)
    _require_operator(actor, mission.aircraft)
    if mission.status != Mission.Status.PLANNED:
        raise BusinessError(_("Only a planned mission can be approved."), code="bad_state")
    return _set_status(actor, mission, Mission.Status.APPROVED, "approve")


@transaction.atomic
def mission_cancel(*, actor: Any, mission: Mission | int, reason: str = "") -> Mission:
    """Cancel a mission that has not taken off; its loads are free for another mission."""
    mission = _locked_mission(mission)
    _require_operator(actor, mission.aircraft)
    if mission.status not in (Mission.Status.PLANNED, Mission.Status.APPROVED):
        raise BusinessError(_("Only a mission that has not taken off can be cancelled."), code="bad_state")
    return _set_status(actor, mission, Mission.Status.CANCELLED, "cancel", reason=reason[:500])


@transaction.atomic
def load_drop(*, actor: Any, load: Load | int) -> Mission:
    """Take a load off a mission that has not been approved yet."""
    load = Load.objects.select_related("mission").get(pk=getattr(load, "pk", load))
    mission = _locked_mission(load.mission)
    _require_operator(actor, mission.aircraft)
    if mission.status != Mission.Status.PLANNED:
        raise BusinessError(_("Loads can only be changed while the mission is planned."), code="bad_state")
    before = _mission_snapshot(mission)
    load.delete()
    record(actor=actor, action="mission.drop_load", target=mission, before=before, after=_mission_snapshot(mission))
    return mission


def _leg(leg: Leg | int) -> tuple[Mission, Leg]:
    leg = Leg.objects.select_related("mission").get(pk=getattr(leg, "pk", leg))
    mission = _locked_mission(leg.mission)
    return mission, Leg.objects.select_for_update().select_related("origin", "destination").get(pk=leg.pk)


@transaction.atomic
def leg_depart(*, actor: Any, leg: Leg | int, at: dt.datetime | None = None) -> Leg:
    """Take-off: the allocations boarding here are shipped."""
    mission, leg = _leg(leg)
    _require_operator(actor, mission.aircraft)
    if mission.status not in (Mission.Status.APPROVED, Mission.Status.LANDED):
        raise BusinessError(_("Only an approved mission can take off."), code="bad_state")
    if (
        leg.status != Leg.Status.PLANNED
        or mission.legs.filter(sequence__lt=leg.sequence).exclude(status=Leg.Status.LANDED).exists()
    ):
        raise BusinessError(_("Legs are flown in order: this is not the next leg."), code="bad_state")
    at = at or timezone.now()
    before = snapshot(leg)
    leg.status, leg.departed_at = Leg.Status.AIRBORNE, at
    leg.save(update_fields=["status", "departed_at"])
    record(actor=actor, action="leg.depart", target=leg, before=before, after=snapshot(leg))
    for load in leg.boarding.select_related("allocation"):
        if load.allocation.status == Allocation.Status.ACCEPTED:
            exchange.allocation_ship(actor=actor, allocation=load.allocation)
    _set_status(actor, mission, Mission.Status.AIRBORNE, "airborne", leg=leg.sequence)
    return leg


@transaction.atomic
def leg_land(*, actor: Any, leg: Leg | int, at: dt.datetime | None = None) -> Leg:
    """Landing: loads unloaded here are delivered (if the actor may confirm receipt); the last landing completes
    the mission and books its flight hours to the pool member that tasked it."""
    mission, leg = _leg(leg)
    _require_operator(actor, mission.aircraft)
    if leg.status != Leg.Status.AIRBORNE:
        raise BusinessError(_("Only an airborne leg can land."), code="bad_state")
    at = at or timezone.now()
    assert leg.departed_at is not None  # set when the leg took off
    if at <= leg.departed_at:
        raise BusinessError(_("The landing must come after the take-off."), field="at")
    before = snapshot(leg)
    leg.status, leg.landed_at = Leg.Status.LANDED, at
    leg.save(update_fields=["status", "landed_at"])
    record(actor=actor, action="leg.land", target=leg, before=before, after=snapshot(leg))
    if actor is not None:
        _deliver_landed(actor, mission, leg.unloading.all(), quiet=True)
    if mission.legs.exclude(status=Leg.Status.LANDED).exists():
        _set_status(actor, mission, Mission.Status.LANDED, "landed", leg=leg.sequence)
    else:
        _set_status(actor, mission, Mission.Status.COMPLETED, "complete")
        _book_pool_hours(mission)
    return leg


def _deliver_landed(actor: Any, mission: Mission, loads: Iterable[Load], *, quiet: bool) -> int:
    delivered = 0
    for allocation_id in sorted({load.allocation_id for load in loads}):
        allocation = Allocation.objects.select_related("request_line__request").get(pk=allocation_id)
        if allocation.status != Allocation.Status.SHIPPED:
            continue
        landed = (
            Load.objects.filter(
                allocation=allocation, mission__status__in=LIVE_MISSION, unload_leg__status=Leg.Status.LANDED
            ).aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        if landed < allocation.quantity:
            continue  # the rest is still on its way
        try:
            exchange.allocation_deliver(actor=actor, allocation=allocation)
        except PermissionDenied:
            if not quiet:
                raise
            continue  # the requesting nation confirms receipt itself
        delivered += 1
    return delivered


@transaction.atomic
def receipt_confirm(*, actor: Any, mission: Mission | int) -> int:
    """The requesting nation confirms what a mission unloaded for it; returns how many allocations are delivered."""
    mission = _locked_mission(mission)
    nation = _nation_of(actor)
    loads = mission.loads.filter(
        unload_leg__status=Leg.Status.LANDED,
        allocation__status=Allocation.Status.SHIPPED,
        allocation__request_line__request__owner_nation_id=nation,
    )
    if nation is None or not loads.exists():
        raise BusinessError(_("Nothing on this mission is waiting for your receipt."), code="bad_state")
    delivered = _deliver_landed(actor, mission, loads, quiet=False)
    if not delivered:
        raise BusinessError(_("Part of the allocation is still on its way."), code="bad_state")
    return delivered


def _book_pool_hours(mission: Mission) -> None:
    aircraft = mission.aircraft
    if aircraft.pool_id is None or mission.tasked_by_id is None:
        return
    seconds = sum(
        ((leg.landed_at or leg.eta) - (leg.departed_at or leg.etd)).total_seconds() for leg in mission.legs.all()
    )
    entry = PoolHours.objects.create(
        pool_id=aircraft.pool_id,
        nation_id=mission.tasked_by_id,
        mission=mission,
        hours=Decimal(seconds / 3600).quantize(Decimal("0.01")),
    )
    record(actor=None, action="pool.hours", target=entry, after=snapshot(entry))


# --- fleet -------------------------------------------------------------------------------------------------


@transaction.atomic
def pool_create(
    *, actor: Any, code: str, name: str, members: Iterable[str], kind: str = Pool.Kind.SHARED, source: str = ""
) -> Pool:
    if actor is not None and not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only a coordinator can register a pool."))
    if Pool.objects.filter(code=code).exists():
        raise BusinessError(_("The code %(code)s is taken.") % {"code": code}, field="code")
    codes = sorted({c.upper() for c in members})
    nations = list(Nation.objects.filter(code__in=codes))
    if len(nations) != len(codes):
        unknown = sorted(set(codes) - {n.code for n in nations})
        raise BusinessError(_("Unknown nation: %(codes)s.") % {"codes": ", ".join(unknown)}, field="members")
    pool = Pool.objects.create(code=code, name=name, kind=kind, source=source)
    pool.memberships.bulk_create([pool.memberships.model(pool=pool, nation=n) for n in nations])
    record(actor=actor, action="pool.create", target=pool, after={**snapshot(pool), "members": codes})
    return pool


@transaction.atomic
def aircraft_register(
    *,
    actor: Any,
    capability: str,
    tail: str,
    home: str,
    owner_nation: str | None = None,
    pool: str | None = None,
    owner_organisation: Any = None,
    windows: Iterable[tuple[dt.datetime, dt.datetime]] = (),
    scenario_key: str = "",
) -> Aircraft:
    kind = CapabilityType.objects.filter(code=capability).first()
    if kind is None or kind.kind not in (CapabilityType.Kind.AIRCRAFT, MEDEVAC):
        raise BusinessError(_("Unknown aircraft type %(code)s.") % {"code": capability}, field="capability")
    site = Site.objects.filter(code=home, kind=Site.Kind.AIRFIELD).first()
    if site is None:
        raise BusinessError(_("Unknown airfield %(code)s.") % {"code": home}, field="home")
    owners = {
        "owner_nation": Nation.objects.filter(code=(owner_nation or "").upper()).first() if owner_nation else None,
        "pool": Pool.objects.filter(code=pool).first() if pool else None,
        "owner_organisation": owner_organisation,
    }
    if sum(value is not None for value in owners.values()) != 1:
        raise BusinessError(_("Give exactly one owner: a nation, an organisation or a pool."), field="owner")
    if actor is not None and not (
        actor.has_role(Role.COORDINATOR)
        or (
            actor.has_role(Role.LOGISTICS)
            and owners["owner_nation"] is not None
            and owners["owner_nation"].code == _nation_of(actor)
        )
    ):
        raise PermissionDenied(_("Only a coordinator or the owner's logistics officer can register aircraft."))
    tail = tail.strip()
    if not tail or len(tail) > 40:
        raise BusinessError(_("Give the tail number or call sign."), field="tail")
    if Aircraft.objects.filter(capability=kind, tail=tail).exists():
        raise BusinessError(_("This aircraft is already registered."), field="tail")
    windows = list(windows)
    for starts, ends in windows:
        if _aware(ends, "windows") <= _aware(starts, "windows"):
            raise BusinessError(_("An availability window ends before it starts."), field="windows")
    aircraft = Aircraft.objects.create(capability=kind, tail=tail, home=site, scenario_key=scenario_key, **owners)
    for starts, ends in windows:
        aircraft.windows.create(starts=starts, ends=ends)
    record(actor=actor, action="aircraft.register", target=aircraft, after=snapshot(aircraft))
    return aircraft


# --- deployments -------------------------------------------------------------------------------------------

DEPLOYABLE = (CapabilityType.Kind.MEDICAL_TEAM, CapabilityType.Kind.FIELD_HOSPITAL)


def _require_deployment_party(actor: Any, allocation: Allocation) -> None:
    if actor is None or actor.has_role(Role.COORDINATOR):
        return
    if not actor.has_role(Role.POINT_OF_CONTACT, Role.LOGISTICS) or _nation_of(actor) not in (
        allocation.offer_line.offer.owner_nation_id,
        allocation.request_line.request.owner_nation_id,
    ):
        raise PermissionDenied(_("Only the nations of the allocation or a coordinator can do this."))


@transaction.atomic
def deployment_create(
    *,
    actor: Any,
    allocation: Allocation | int,
    site: str,
    starts: dt.date,
    ends: dt.date,
    doctors: int = 0,
    nurses: int = 0,
    paramedics: int = 0,
    other_staff: int = 0,
    languages: str = "",
    beds: int | None = None,
    icu_beds: int | None = None,
    notes: str = "",
    illustrative: bool = False,
    scenario_key: str = "",
) -> Deployment:
    """Send an allocated medical team or field hospital to a site for dates."""
    allocation = Allocation.objects.select_related(
        "offer_line__offer", "offer_line__capability", "request_line__request"
    ).get(pk=getattr(allocation, "pk", allocation))
    _require_deployment_party(actor, allocation)
    capability = allocation.offer_line.capability
    if capability is None or capability.kind not in DEPLOYABLE:
        raise BusinessError(_("Only a medical team or a field hospital is deployed."), code="not_deployable")
    if allocation.status not in Allocation.COMMITTED:
        raise BusinessError(_("Only an accepted allocation can be deployed."), code="not_accepted")
    target = Site.objects.filter(code=site).first()
    if target is None:
        raise BusinessError(_("Unknown site %(code)s.") % {"code": site}, field="site")
    if not isinstance(starts, dt.date) or not isinstance(ends, dt.date) or ends < starts:
        raise BusinessError(_("The deployment ends before it starts."), field="ends")
    counts = {"doctors": doctors, "nurses": nurses, "paramedics": paramedics, "other_staff": other_staff}
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts.values()):
        raise BusinessError(_("Staff numbers must be zero or more."), field="staff")
    hospital = allocation.quantity if capability.kind == CapabilityType.Kind.FIELD_HOSPITAL else 0
    deployment = Deployment.objects.create(
        allocation=allocation,
        site=target,
        starts=starts,
        ends=ends,
        languages=",".join(sorted({code.strip().lower() for code in languages.split(",") if code.strip()}))[:100],
        beds=beds if beds is not None else (capability.beds or 0) * hospital,
        icu_beds=icu_beds if icu_beds is not None else (capability.icu_beds or 0) * hospital,
        notes=notes[:500],
        illustrative=illustrative,
        created_by=actor,
        scenario_key=scenario_key,
        **counts,
    )
    record(actor=actor, action="deployment.create", target=deployment, after=snapshot(deployment))
    return deployment


@transaction.atomic
def deployment_arrive(*, actor: Any, deployment: Deployment | int, on: dt.date | None = None) -> Deployment:
    deployment = (
        Deployment.objects.select_for_update(of=("self",))
        .select_related("allocation__offer_line__offer", "allocation__request_line__request")
        .get(pk=getattr(deployment, "pk", deployment))
    )
    _require_deployment_party(actor, deployment.allocation)
    if deployment.status != Deployment.Status.PLANNED:
        raise BusinessError(_("Only a planned deployment can arrive."), code="bad_state")
    before = snapshot(deployment)
    deployment.status, deployment.arrived_on = Deployment.Status.DEPLOYED, on or timezone.localdate()
    deployment.save(update_fields=["status", "arrived_on"])
    record(actor=actor, action="deployment.arrive", target=deployment, before=before, after=snapshot(deployment))
    return deployment


@transaction.atomic
def deployment_return(*, actor: Any, deployment: Deployment | int, on: dt.date | None = None) -> Deployment:
    deployment = (
        Deployment.objects.select_for_update(of=("self",))
        .select_related("allocation__offer_line__offer", "allocation__request_line__request")
        .get(pk=getattr(deployment, "pk", deployment))
    )
    _require_deployment_party(actor, deployment.allocation)
    if deployment.status != Deployment.Status.DEPLOYED:
        raise BusinessError(_("Only a deployed team or hospital can return."), code="bad_state")
    on = on or timezone.localdate()
    if on < deployment.arrived_on:  # type: ignore[operator]
        raise BusinessError(_("The return is before the arrival."), field="on")
    before = snapshot(deployment)
    deployment.status, deployment.returned_on = Deployment.Status.RETURNED, on
    deployment.save(update_fields=["status", "returned_on"])
    record(actor=actor, action="deployment.return", target=deployment, before=before, after=snapshot(deployment))
    return deployment
