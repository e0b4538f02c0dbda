"""Missions: their legs and loads checked against the aircraft (range, payload, hold, beds), approval and
cancellation. Taking off and landing are in flights.py."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance.models import Allocation
from aidx.audit.services import record, snapshot
from aidx.core.actors import is_system
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.logistics.models import Aircraft, Leg, Load, Mission, PlanRun
from aidx.logistics.services.cargo import distance_km, loaded_quantity, measure, route_of
from aidx.logistics.workflow import MISSION, may_load, may_operate, may_task
from aidx.nations.models import Nation, Site

MAX_LEGS = 20
MAX_LOADS = 500


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


def aware(value: Any, field: str) -> dt.datetime:
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
        etd, eta = aware(leg.etd, f"{field}.etd"), aware(leg.eta, f"{field}.eta")
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
            "offer_line__offer__owner_nation__home_site",
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
    code = (tasked_by or getattr(actor, "acting_nation_id", None) or "").upper()
    membership = pool.memberships.select_related("nation").filter(nation_id=code).first()
    if membership is None:
        raise BusinessError(
            _("Name the member nation of %(pool)s whose flight hours this mission uses.") % {"pool": aircraft.pool},
            field="tasked_by",
        )
    if not may_task(actor, code):
        raise PermissionDenied(_("A pool's aircraft flies on your own nation's flight hours only."))
    return membership.nation


def mission_snapshot(mission: Mission) -> dict[str, Any]:
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
    found = Aircraft.objects.select_related("capability", "pool").filter(pk=getattr(aircraft, "pk", aircraft)).first()
    if found is None:
        raise BusinessError(_("There is no such aircraft."), code="not_found", field="aircraft")
    aircraft = found
    if not may_operate(actor, aircraft):
        raise PermissionDenied(_("Only a coordinator or a logistics officer of the aircraft's owner can do this."))
    if replay and not is_system(actor):
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
        created_by=None if is_system(actor) else actor,
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
    record(actor=actor, action="mission.create", target=mission, after=mission_snapshot(mission))
    return mission


def locked_mission(mission: Mission | int) -> Mission:
    return (
        Mission.objects.select_for_update(of=("self",))
        .select_related("aircraft__capability", "aircraft__pool")
        .get(pk=getattr(mission, "pk", mission))
    )


def move(
    actor: Any, mission: Mission, name: str, *, status: str | None = None, action: str = "", **note: Any
) -> Mission:
    """Make the mission's transition `name`, which the caller checked: to its target, or to `status` when the
    service derives it (a landing lands or completes the mission). `action` names the audit entry."""
    before = snapshot(mission)
    if status is None:
        MISSION.advance(mission, name)
    else:
        mission.status = status
    mission.save(update_fields=["status"])
    after = {**snapshot(mission), **note}
    record(actor=actor, action=f"mission.{action or name}", target=mission, before=before, after=after)
    return mission


@transaction.atomic
def mission_approve(*, actor: Any, mission: Mission | int) -> Mission:
    mission = locked_mission(mission)
    MISSION.check(actor, mission, "approve")
    return move(actor, mission, "approve")


@transaction.atomic
def mission_cancel(*, actor: Any, mission: Mission | int, reason: str = "") -> Mission:
    """Cancel a mission that has not taken off; its loads are free for another mission."""
    mission = locked_mission(mission)
    MISSION.check(actor, mission, "cancel")
    return move(actor, mission, "cancel", reason=reason[:500])
