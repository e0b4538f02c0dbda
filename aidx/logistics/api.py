"""REST for the airlift, mounted at /api/v1/logistics: missions, fleet, pools, planner runs, deployments, figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from aidx.accounts.api import api_user, require_write
from aidx.core.bounds import MAX_INT32, Id, Int32
from aidx.logistics import planning, selectors, services
from aidx.logistics.models import Deployment, Leg, Mission, PlanRun
from aidx.logistics.workflow import DEPLOYMENT, MISSION, PLAN_RUN

router = Router(tags=["logistics"])


class LoadOut(Schema):
    allocation: int = Field(..., alias="allocation_id")
    what: str
    quantity: int
    kg: int
    m3: Decimal
    patients: int
    board_leg: int
    unload_leg: int
    offering_nation: str | None
    requesting_nation: str | None

    @staticmethod
    def resolve_what(load: Any) -> str:
        return str(load.allocation.offer_line.what)

    @staticmethod
    def resolve_board_leg(load: Any) -> int:
        return load.board_leg.sequence

    @staticmethod
    def resolve_unload_leg(load: Any) -> int:
        return load.unload_leg.sequence

    @staticmethod
    def resolve_offering_nation(load: Any) -> str | None:
        return load.allocation.offer_line.offer.owner_nation_id

    @staticmethod
    def resolve_requesting_nation(load: Any) -> str | None:
        return load.allocation.request_line.request.owner_nation_id


class OtherLoadsOut(Schema):
    """The loads on board that the caller may not see (their allocation is not its own), summed."""

    count: int
    kg: int
    m3: Decimal
    patients: int


class LegOut(Schema):
    sequence: int
    origin: str
    destination: str
    etd: dt.datetime
    eta: dt.datetime
    departed_at: dt.datetime | None
    landed_at: dt.datetime | None
    distance_km: int
    status: str
    kg: int
    m3: Decimal
    patients: int
    manifest: list[LoadOut] = Field(..., description="The loads on board whose allocation the caller may see")
    other_loads: OtherLoadsOut = Field(..., alias="others")

    @staticmethod
    def resolve_origin(leg: Any) -> str:
        return leg.origin.code

    @staticmethod
    def resolve_destination(leg: Any) -> str:
        return leg.destination.code


class MissionSummaryOut(Schema):
    id: int
    aircraft: str
    aircraft_type: str
    status: str
    tasked_by: str | None = Field(None, alias="tasked_by_id")
    created_at: dt.datetime

    @staticmethod
    def resolve_aircraft(mission: Mission) -> str:
        return mission.aircraft.tail

    @staticmethod
    def resolve_aircraft_type(mission: Mission) -> str:
        return mission.aircraft.capability.code


class MissionOut(MissionSummaryOut):
    legs: list[LegOut]
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the mission now")

    @staticmethod
    def resolve_legs(mission: Mission, context: dict[str, Any]) -> list[Leg]:
        return selectors.mission_legs(mission, api_user(context["request"]))

    @staticmethod
    def resolve_actions(mission: Mission, context: dict[str, Any]) -> list[str]:
        return MISSION.action_names(api_user(context["request"]), mission)


class LegIn(Schema):
    origin: str = Field(..., max_length=40)
    destination: str = Field(..., max_length=40)
    etd: dt.datetime
    eta: dt.datetime


class LoadIn(Schema):
    allocation: Id
    quantity: int | None = Field(None, gt=0, le=MAX_INT32)
    board: int = Field(1, ge=1, le=MAX_INT32)
    unload: int | None = Field(None, ge=1, le=MAX_INT32)


class MissionIn(Schema):
    aircraft: Id
    legs: list[LegIn] = Field(..., min_length=1, max_length=services.MAX_LEGS)
    loads: list[LoadIn] = Field(default_factory=list, max_length=services.MAX_LOADS)
    tasked_by: str | None = Field(None, max_length=3)
    notes: str = Field("", max_length=500)


class TimeIn(Schema):
    at: dt.datetime | None = None


class ReceiptOut(Schema):
    delivered: int


class AircraftOut(Schema):
    id: int
    type: str
    tail: str
    home: str
    owner_nation: str | None = Field(None, alias="owner_nation_id")
    pool: str | None = None
    payload_kg: int | None
    volume_m3: int | None
    range_km: int | None
    icu_beds: int | None

    @staticmethod
    def resolve_type(aircraft: Any) -> str:
        return aircraft.capability.code

    @staticmethod
    def resolve_home(aircraft: Any) -> str:
        return aircraft.home.code

    @staticmethod
    def resolve_pool(aircraft: Any) -> str | None:
        return aircraft.pool.code if aircraft.pool else None

    @staticmethod
    def resolve_payload_kg(aircraft: Any) -> int | None:
        return aircraft.capability.payload_kg

    @staticmethod
    def resolve_volume_m3(aircraft: Any) -> int | None:
        return aircraft.capability.volume_m3

    @staticmethod
    def resolve_range_km(aircraft: Any) -> int | None:
        return aircraft.capability.range_km

    @staticmethod
    def resolve_icu_beds(aircraft: Any) -> int | None:
        return aircraft.capability.icu_beds


class PoolOut(Schema):
    code: str
    name: str
    kind: str
    hours_by_nation: dict[str, Decimal]

    @staticmethod
    def resolve_hours_by_nation(pool: Any) -> dict[str, Decimal]:
        return selectors.pool_hours(pool)


class PlanRunIn(Schema):
    time_limit: float = Field(10, gt=0, le=planning.MAX_TIME_LIMIT)


class PlanRunOut(Schema):
    id: int
    status: str
    phase: str
    percent: float
    error: str
    proposal: dict[str, Any]
    approved_at: dt.datetime | None
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the run now")

    @staticmethod
    def resolve_actions(run: PlanRun, context: dict[str, Any]) -> list[str]:
        return PLAN_RUN.action_names(api_user(context["request"]), run)


class DeploymentOut(Schema):
    id: int
    what: str
    from_nation: str | None
    site: str
    starts: dt.date
    ends: dt.date
    arrived_on: dt.date | None
    returned_on: dt.date | None
    status: str
    staff: int
    beds: int
    icu_beds: int

    @staticmethod
    def resolve_what(deployment: Any) -> str:
        return deployment.allocation.offer_line.capability.code

    @staticmethod
    def resolve_from_nation(deployment: Any) -> str | None:
        return deployment.allocation.offer_line.offer.owner_nation_id

    @staticmethod
    def resolve_site(deployment: Any) -> str:
        return deployment.site.code


class DeploymentDetailOut(DeploymentOut):
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the deployment now")

    @staticmethod
    def resolve_actions(deployment: Deployment, context: dict[str, Any]) -> list[str]:
        return DEPLOYMENT.action_names(api_user(context["request"]), deployment)


class DayIn(Schema):
    on: dt.date | None = None


def _mission(request: HttpRequest, mission_id: int) -> Mission:
    mission = selectors.missions_visible_to(api_user(request)).filter(pk=mission_id).first()
    if mission is None:
        raise Http404
    return mission


@router.get("/missions", response=list[MissionSummaryOut], summary="Missions you may see")
@paginate
def missions(request: HttpRequest, status: str | None = None) -> Any:
    return selectors.missions_visible_to(api_user(request), status=status)


@router.get("/missions/{int:mission_id}", response=MissionOut)
def mission(request: HttpRequest, mission_id: Id) -> Any:
    return _mission(request, mission_id)


@router.post("/missions", response={201: MissionOut}, summary="Plan a mission")
def mission_create(request: HttpRequest, payload: MissionIn) -> Any:
    actor = require_write(request)
    created = services.mission_create(
        actor=actor,
        aircraft=payload.aircraft,
        legs=[services.LegInput(**leg.dict()) for leg in payload.legs],
        loads=[services.LoadInput(**load.dict()) for load in payload.loads],
        tasked_by=payload.tasked_by,
        notes=payload.notes,
    )
    return Status(201, created)


@router.post("/missions/{int:mission_id}/approve", response=MissionOut)
def mission_approve(request: HttpRequest, mission_id: Id) -> Any:
    return services.mission_approve(actor=require_write(request), mission=_mission(request, mission_id))


@router.post("/missions/{int:mission_id}/cancel", response=MissionOut)
def mission_cancel(request: HttpRequest, mission_id: Id) -> Any:
    return services.mission_cancel(actor=require_write(request), mission=_mission(request, mission_id))


def _leg(request: HttpRequest, mission_id: int, sequence: int) -> Leg:
    leg = _mission(request, mission_id).legs.filter(sequence=sequence).first()
    if leg is None:
        raise Http404
    return leg


@router.post("/missions/{int:mission_id}/legs/{int:sequence}/depart", response=MissionOut)
def leg_depart(request: HttpRequest, mission_id: Id, sequence: Int32, payload: TimeIn | None = None) -> Any:
    leg = _leg(request, mission_id, sequence)
    services.leg_depart(actor=require_write(request), leg=leg, at=payload.at if payload else None)
    return _mission(request, mission_id)


@router.post("/missions/{int:mission_id}/legs/{int:sequence}/land", response=MissionOut)
def leg_land(request: HttpRequest, mission_id: Id, sequence: Int32, payload: TimeIn | None = None) -> Any:
    leg = _leg(request, mission_id, sequence)
    services.leg_land(actor=require_write(request), leg=leg, at=payload.at if payload else None)
    return _mission(request, mission_id)


@router.post("/missions/{int:mission_id}/receipt", response=ReceiptOut, summary="Confirm receipt of your loads")
def receipt(request: HttpRequest, mission_id: Id) -> Any:
    return {"delivered": services.receipt_confirm(actor=require_write(request), mission=_mission(request, mission_id))}


@router.get("/aircraft", response=list[AircraftOut])
def aircraft(request: HttpRequest) -> Any:
    return selectors.fleet()


@router.get("/pools", response=list[PoolOut], summary="Pools and flight hours used per member nation")
def pools(request: HttpRequest) -> Any:
    return selectors.pools()


@router.post("/plan-runs", response={201: PlanRunOut}, summary="Run the airlift planner")
def plan_run_start(request: HttpRequest, payload: PlanRunIn) -> Any:
    run = planning.plan_run_start(actor=require_write(request), time_limit=payload.time_limit)
    return Status(201, PlanRun.objects.get(pk=run.pk))


def _run(request: HttpRequest, run_id: int) -> PlanRun:
    run = selectors.runs_visible_to(api_user(request)).filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


@router.get("/plan-runs/{int:run_id}", response=PlanRunOut)
def plan_run(request: HttpRequest, run_id: Id) -> Any:
    return _run(request, run_id)


@router.post("/plan-runs/{int:run_id}/cancel", response=PlanRunOut)
def plan_run_cancel(request: HttpRequest, run_id: Id) -> Any:
    return planning.plan_run_cancel(actor=require_write(request), run=_run(request, run_id))


@router.post("/plan-runs/{int:run_id}/approve", response=list[MissionSummaryOut])
def plan_run_approve(request: HttpRequest, run_id: Id) -> Any:
    return planning.plan_run_approve(actor=require_write(request), run=_run(request, run_id))


@router.get("/deployments", response=list[DeploymentOut])
@paginate
def deployments(request: HttpRequest) -> Any:
    return selectors.deployments_visible_to(api_user(request))


def _deployment(request: HttpRequest, deployment_id: int) -> Deployment:
    deployment = selectors.deployments_visible_to(api_user(request)).filter(pk=deployment_id).first()
    if deployment is None:
        raise Http404
    return deployment


@router.get("/deployments/{int:deployment_id}", response=DeploymentDetailOut)
def deployment(request: HttpRequest, deployment_id: Id) -> Any:
    return _deployment(request, deployment_id)


@router.post("/deployments/{int:deployment_id}/arrive", response=DeploymentDetailOut, summary="Arrived on site")
def deployment_arrive(request: HttpRequest, deployment_id: Id, payload: DayIn | None = None) -> Any:
    found = _deployment(request, deployment_id)
    services.deployment_arrive(actor=require_write(request), deployment=found, on=payload.on if payload else None)
    return _deployment(request, deployment_id)


@router.post("/deployments/{int:deployment_id}/return", response=DeploymentDetailOut, summary="Back home")
def deployment_return(request: HttpRequest, deployment_id: Id, payload: DayIn | None = None) -> Any:
    found = _deployment(request, deployment_id)
    services.deployment_return(actor=require_write(request), deployment=found, on=payload.on if payload else None)
    return _deployment(request, deployment_id)


@router.post("/deployments/{int:deployment_id}/cancel", response=DeploymentDetailOut, summary="Call off")
def deployment_cancel(request: HttpRequest, deployment_id: Id) -> Any:
    services.deployment_cancel(actor=require_write(request), deployment=_deployment(request, deployment_id))
    return _deployment(request, deployment_id)


@router.get("/figures", summary="Airlift figures for the situational picture")
def figures(request: HttpRequest, since: dt.date | None = None, until: dt.date | None = None) -> Any:
    return selectors.logistics_figures(api_user(request), since=since, until=until)
