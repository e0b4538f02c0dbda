"""The airlift planner in the platform: build the engine's Problem from the database, run it on the task worker
with progress and cancel, store the proposed missions for review, and turn the approved ones into missions.

The engine (`aidx.optimize.airlift`) is pure; this module is the only one that speaks to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aidx.assistance.models import Allocation
from aidx.audit.services import record, snapshot
from aidx.core.actors import SYSTEM
from aidx.core.database import connection_lost
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.logistics import services
from aidx.logistics.models import Aircraft, Mission, PlanRun
from aidx.logistics.workflow import PLAN_RUN, may_operate, may_plan
from aidx.nations.models import Site
from aidx.nations.policy import parties_q, viewer_for
from aidx.optimize.airlift import Aircraft as EngineAircraft
from aidx.optimize.airlift import Airfield, Plan, PlanningCancelled, Problem, Shipment, plan

MAX_TIME_LIMIT = 300.0


@dataclass
class Built:
    problem: Problem
    allocations: dict[str, Allocation]
    aircraft: dict[str, Aircraft]
    sites: dict[str, Site]
    unplaced: list[dict[str, Any]]
    awaiting_acceptance: int = 0  # allocations proposed to the requester, not yet cargo


# Why a plan has no mission, by the code its summary stores (`why_none`), in words for the page and the API.
NO_MISSION = {
    "no_consignments": gettext_lazy("No accepted allocation is waiting for transport."),
    "awaiting_acceptance": gettext_lazy(
        "No accepted allocation is waiting for transport: the proposed ones wait for the requester's acceptance."
    ),
    "no_aircraft": gettext_lazy(
        "No aircraft can fly: none you may task is active, available and has its payload, volume, speed and range."
    ),
    "none_placed": gettext_lazy("No consignment fits an aircraft's payload, range or time: see why under Not placed."),
}


def why_none(summary: dict[str, Any]) -> str:
    """The reason in words why a plan with this summary proposes no mission ('' if it proposes some)."""
    code = summary.get("why_none") or ""
    return str(NO_MISSION.get(code, code))


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)


def waiting_allocations(actor: Any) -> list[Allocation]:
    """Accepted cargo allocations the actor's nation is a party to (all, for a coordinator) not yet on a mission."""
    viewer = viewer_for(actor)
    candidates = (
        Allocation.objects.filter(parties_q(viewer, "request_line__request", "offer_line__offer"))
        .filter(status__in=(Allocation.Status.ACCEPTED, Allocation.Status.SHIPPED), offer_line__item__isnull=False)
        .select_related(
            "offer_line__offer",
            "offer_line__item",
            "offer_line__capability",
            "offer_line__origin_site",
            "offer_line__offer__owner_nation__home_site",
            "request_line__request__delivery_site",
            "request_line__item",
        )
        .order_by("id")
    )
    waiting = []
    for allocation in candidates:
        left = allocation.quantity - services.loaded_quantity(allocation)
        if left > 0:
            allocation.waiting = left  # type: ignore[attr-defined]
            waiting.append(allocation)
    return waiting


def usable_aircraft(actor: Any) -> list[Aircraft]:
    fleet = Aircraft.objects.filter(active=True, capability__payload_kg__gt=0).select_related(
        "capability", "home", "pool"
    )
    return [a for a in fleet.prefetch_related("windows") if may_operate(actor, a)]


def build_problem(actor: Any, *, not_before: dt.datetime) -> Built:
    airfields = list(Site.objects.filter(kind=Site.Kind.AIRFIELD))
    sites: dict[str, Site] = {}
    shipments, allocations, unplaced = [], {}, []
    for allocation in waiting_allocations(actor):
        pickup, delivery = services.route_of(allocation, airfields)
        if pickup is None or delivery is None:
            unplaced.append(
                {
                    "allocation": allocation.pk,
                    "label": _label(allocation),
                    "reason": "no_airfield",
                    "message": _("The offer line names no origin and its nation has no home airfield."),
                }
            )
            continue
        kg, m3, _patients = services.measure(allocation, allocation.waiting)  # type: ignore[attr-defined]
        request = allocation.request_line.request
        key = f"a{allocation.pk}"
        shipments.append(
            Shipment(
                id=key,
                pickup=pickup.code,
                delivery=delivery.code,
                kg=kg,
                m3=float(m3),
                earliest_pickup=max(_start_of(allocation.offer_line.available_from), not_before),
                latest_delivery=_start_of(request.needed_by) + dt.timedelta(days=1),
            )
        )
        allocations[key] = allocation
        sites[pickup.code], sites[delivery.code] = pickup, delivery
    fleet = {}
    engine_fleet = []
    for aircraft in usable_aircraft(actor):
        kind = aircraft.capability
        if not (kind.volume_m3 and kind.cruise_speed_kmh and kind.range_km):
            continue
        window = next((w for w in aircraft.windows.all() if w.ends > not_before), None)
        if aircraft.windows.all() and window is None:
            continue  # no availability left
        key = f"ac{aircraft.pk}"
        engine_fleet.append(
            EngineAircraft(
                id=key,
                type=kind.code,
                home=aircraft.home.code,
                payload_kg=kind.payload_kg,  # type: ignore[arg-type]
                volume_m3=float(kind.volume_m3),
                cruise_kmh=float(kind.cruise_speed_kmh),
                range_km=float(kind.range_km),
                available_from=max(window.starts, not_before) if window else not_before,
                available_until=window.ends if window else None,
            )
        )
        fleet[key] = aircraft
        sites[aircraft.home.code] = aircraft.home
    problem = Problem(
        airfields=tuple(
            Airfield(code=code, lat=float(site.latitude), lon=float(site.longitude), name=site.name)
            for code, site in sorted(sites.items())
        ),
        aircraft=tuple(engine_fleet),
        shipments=tuple(shipments),
        start=not_before,
    )
    awaiting = (
        Allocation.objects.filter(parties_q(viewer_for(actor), "request_line__request", "offer_line__offer"))
        .filter(status=Allocation.Status.PROPOSED, offer_line__item__isnull=False)
        .count()
        if not shipments
        else 0
    )
    return Built(problem, allocations, fleet, sites, unplaced, awaiting)


def _label(allocation: Allocation) -> str:
    return (
        f"{allocation.quantity} × {allocation.offer_line.what} ({allocation.offer_line.offer.owner_nation_id} → "
        f"{allocation.request_line.request.owner_nation_id})"
    )


def _why_none(built: Built, missions: list[Any]) -> str:
    if missions:
        return ""
    if not built.problem.shipments:
        return "awaiting_acceptance" if built.awaiting_acceptance else "no_consignments"
    if not built.problem.aircraft:
        return "no_aircraft"
    return "none_placed"


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def proposal_of(built: Built, result: Plan) -> dict[str, Any]:
    """The plan as JSON for review: missions with legs (and coordinates for the map) and loads per allocation."""
    missions = []
    for number, mission in enumerate(result.missions):
        aircraft = built.aircraft[mission.aircraft_id]
        legs = [
            {
                "origin": leg.origin,
                "destination": leg.destination,
                "etd": leg.departure.isoformat(),
                "eta": leg.arrival.isoformat(),
                "distance_km": round(leg.distance_km),
                "kg": leg.kg,
                "from": [float(built.sites[leg.origin].latitude), float(built.sites[leg.origin].longitude)],
                "to": [float(built.sites[leg.destination].latitude), float(built.sites[leg.destination].longitude)],
                "from_name": built.sites[leg.origin].name,
                "to_name": built.sites[leg.destination].name,
            }
            for leg in mission.legs
        ]
        boarded: dict[tuple[str, int], list[int]] = defaultdict(list)  # (shipment, piece) -> [board, unload]
        for index, stop in enumerate(mission.stops):
            for load in stop.picked_up:
                boarded[(load.shipment_id, load.piece)] = [index + 1, 0]
            for load in stop.dropped:
                boarded[(load.shipment_id, load.piece)][1] = index
        merged: dict[tuple[str, int, int], int] = defaultdict(int)
        for (shipment, piece), (board, unload) in boarded.items():
            allocation = built.allocations[shipment]
            pieces = next(ld.pieces for s in mission.stops for ld in s.picked_up if ld.shipment_id == shipment)
            merged[(shipment, board, unload)] += _split(allocation.waiting, pieces)[piece - 1]  # type: ignore[attr-defined]
        loads = []
        for (shipment, board, unload), quantity in sorted(merged.items()):
            allocation = built.allocations[shipment]
            kg, m3, _patients = services.measure(allocation, quantity)
            loads.append(
                {
                    "key": f"{number}-{shipment}-{board}",
                    "allocation": allocation.pk,
                    "label": _label(allocation),
                    "quantity": quantity,
                    "kg": kg,
                    "m3": float(m3),
                    "board": board,
                    "unload": unload,
                    "dropped": False,
                }
            )
        missions.append(
            {
                "number": number,
                "aircraft": aircraft.pk,
                "aircraft_label": str(aircraft),
                "tasked_by": None,
                "flight_hours": round(mission.flight_hours, 2),
                "legs": legs,
                "loads": loads,
                "dropped": False,
            }
        )
    unplaced = list(built.unplaced)
    for item in result.unplaced:
        allocation = built.allocations[item.shipment_id]
        unplaced.append(
            {
                "allocation": allocation.pk,
                "label": _label(allocation),
                "reason": str(item.reason),
                "message": item.message,
            }
        )
    return {
        "missions": missions,
        "unplaced": unplaced,
        "summary": {
            "missions": len(missions),
            "flight_hours": round(result.flight_hours, 2),
            "placed_kg": result.placed_kg,
            "shipments": len(built.problem.shipments),
            "aircraft": len(built.problem.aircraft),
            "why_none": _why_none(built, missions),
        },
    }


# --- runs ------------------------------------------------------------------------------------------------------


@transaction.atomic
def plan_run_start(*, actor: Any, time_limit: float = 10, not_before: dt.datetime | None = None) -> PlanRun:
    """Queue a planner run on the task worker."""
    from aidx.logistics.tasks import run_planner

    if not may_plan(actor):
        raise PermissionDenied(_("Only a logistics officer or a coordinator can run the planner."))
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not 0 < time_limit <= MAX_TIME_LIMIT:
        raise BusinessError(
            _("The time limit must be between 1 and %(n)s seconds.") % {"n": int(MAX_TIME_LIMIT)}, field="time_limit"
        )
    if not_before is not None and timezone.is_naive(not_before):
        raise BusinessError(_("Enter a valid date and time with a time zone."), field="not_before")
    run = PlanRun.objects.create(
        created_by=actor,
        owner_nation_id=None if actor.is_centre else actor.acting_nation_id,
        owner_organisation=actor.organisation if actor.is_centre else None,
        time_limit=float(time_limit),
        not_before=not_before or timezone.now(),
    )
    record(actor=actor, action="planrun.start", target=run, after=snapshot(run, exclude=("proposal",)))
    transaction.on_commit(lambda: run_planner.enqueue(run.pk))
    return run


@transaction.atomic
def plan_run_cancel(*, actor: Any, run: PlanRun | int) -> PlanRun:
    """Cancel a queued or running run: a running engine sees it at its next progress report and stops."""
    run = PlanRun.objects.select_for_update().get(pk=getattr(run, "pk", run))
    PLAN_RUN.check(actor, run, "cancel")
    before = snapshot(run, exclude=("proposal",))
    PLAN_RUN.advance(run, "cancel")
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    record(actor=actor, action="planrun.cancel", target=run, before=before, after=snapshot(run, exclude=("proposal",)))
    return run


@transaction.atomic
def _system_transition(run_id: int, name: str, **fields: Any) -> PlanRun | None:
    """Move a run as the system (the worker, or the schedule when the worker is lost) through the run's table;
    None when it may not move now (its owner cancelled it first, or it is gone)."""
    run = PlanRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or not PLAN_RUN.allows(SYSTEM, run, name):
        return None
    before = {"status": run.status}
    PLAN_RUN.advance(run, name)
    for key, value in fields.items():
        setattr(run, key, value)
    run.save(update_fields=["status", *fields])
    after = {"status": run.status, **({"error": run.error} if "error" in fields else {})}
    record(actor=SYSTEM, action=f"planrun.{name}", target=run, before=before, after=after)
    return run


def plan_run_execute(run_id: int) -> str:
    """Run the planner for a queued run (called by the task). Progress and cancel go through the database, so
    the page polling the run and the cancel button work while the engine runs."""
    if _system_transition(run_id, "claim", started_at=timezone.now(), phase="prepare") is None:
        return "skipped"  # cancelled before it started, or already taken
    run = PlanRun.objects.select_related("created_by").get(pk=run_id)

    def progress(phase: str, percent: float) -> None:
        # The engine reports about four times a second: each report stores the progress and finds a cancel.
        updated = PlanRun.objects.filter(pk=run_id, status=PlanRun.Status.RUNNING).update(
            phase=phase[:20], percent=max(0.0, min(100.0, float(percent)))
        )
        if not updated:
            raise PlanningCancelled

    try:
        built = build_problem(run.created_by, not_before=run.not_before)
        result = plan(built.problem, time_limit=run.time_limit, seed=0, progress=progress)
        proposal = proposal_of(built, result)
    except PlanningCancelled:
        return "cancelled"
    except Exception as error:  # the run records the failure; the worker must not die with it
        if connection_lost(error):
            raise  # the worker fails the run once the database answers again (aidx/core/worker.py)
        _system_transition(run_id, "fail", finished_at=timezone.now(), error=str(error)[:500])
        return "failed"
    done = _system_transition(
        run_id, "succeed", phase="done", percent=100, finished_at=timezone.now(), proposal=proposal
    )
    return "succeeded" if done is not None else "cancelled"


def plan_run_lost(run_id: int, *, reason: str) -> None:
    """The worker running this run stopped or lost the database (aidx/core/worker.py): the run fails with the
    reason, and can be started again."""
    _system_transition(run_id, "fail", finished_at=timezone.now(), error=reason)


def _reviewable(actor: Any, run: PlanRun | int, name: str) -> PlanRun:
    run = PlanRun.objects.select_for_update().get(pk=getattr(run, "pk", run))
    PLAN_RUN.check(actor, run, name)
    return run


@transaction.atomic
def plan_run_edit(
    *,
    actor: Any,
    run: PlanRun | int,
    drop_missions: Sequence[int] = (),
    drop_loads: Sequence[str] = (),
) -> PlanRun:
    """Drop proposed missions or loads before approving; a mission left without loads is dropped too."""
    run = _reviewable(actor, run, "edit")
    proposal = run.proposal
    for mission in proposal.get("missions", []):
        if mission["number"] in drop_missions:
            mission["dropped"] = True
        for load in mission["loads"]:
            if load["key"] in drop_loads:
                load["dropped"] = True
        if all(load["dropped"] for load in mission["loads"]):
            mission["dropped"] = True
    run.proposal = proposal
    run.save(update_fields=["proposal"])
    record(
        actor=actor,
        action="planrun.edit",
        target=run,
        after={"drop_missions": sorted(drop_missions), "drop_loads": sorted(drop_loads)},
    )
    return run


@transaction.atomic
def plan_run_approve(*, actor: Any, run: PlanRun | int, tasked_by: str | None = None) -> list[Mission]:
    """Create and approve the missions kept in the proposal, through the mission services (every check applies:
    if one mission is refused, none is created)."""
    run = _reviewable(actor, run, "approve")
    created = []
    for proposed in run.proposal.get("missions", []):
        if proposed["dropped"]:
            continue
        loads = [
            services.LoadInput(
                allocation=load["allocation"], quantity=load["quantity"], board=load["board"], unload=load["unload"]
            )
            for load in proposed["loads"]
            if not load["dropped"]
        ]
        legs = [
            services.LegInput(
                origin=leg["origin"],
                destination=leg["destination"],
                etd=dt.datetime.fromisoformat(leg["etd"]),
                eta=dt.datetime.fromisoformat(leg["eta"]),
            )
            for leg in proposed["legs"]
        ]
        mission = services.mission_create(
            actor=actor,
            aircraft=proposed["aircraft"],
            legs=legs,
            loads=loads,
            plan_run=run,
            tasked_by=proposed.get("tasked_by") or tasked_by,
        )
        created.append(services.mission_approve(actor=actor, mission=mission))
    run.approved_at = timezone.now()
    run.save(update_fields=["approved_at"])
    record(actor=actor, action="planrun.approve", target=run, after={"missions": [m.pk for m in created]})
    return created
