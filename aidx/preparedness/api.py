"""REST API of preparedness (mounted at /api/v1/preparedness): plans, standby pledges and their activation,
wave scenarios, simulation runs (start, progress, result). Every list and record is filtered by need-to-know;
every write goes through the services, which report every problem of the input at once."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from aidx.accounts.api import api_user, require_write
from aidx.assistance.models import AssistanceRequest
from aidx.core.bounds import Id, Int32, MinorUnits
from aidx.nations.policy import get_visible_or_404
from aidx.preparedness import selectors, services
from aidx.preparedness.models import Plan, Pledge, SimulationRun
from aidx.preparedness.workflow import PLAN, PLEDGE, RUN

router = Router(tags=["preparedness"])


class PrepPlanOut(Schema):
    id: int
    name: str
    incident: str
    version: int
    status: str
    valid_from: dt.date
    valid_until: dt.date | None
    releasability: str
    fund_lead_days: int
    previous: int | None = Field(None, alias="previous_id")
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the plan now")
    rates: list[dict[str, Any]] = Field(default_factory=list)

    @staticmethod
    def resolve_actions(plan: Plan, context: dict[str, Any]) -> list[str]:
        return PLAN.action_names(api_user(context["request"]), plan)

    @staticmethod
    def resolve_rates(plan: Plan) -> list[dict[str, Any]]:
        return selectors.consumption_rates(plan)


class PrepPlanIn(Schema):
    name: str = Field(..., max_length=200)
    incident: str = Field(..., max_length=100)
    valid_from: dt.date
    valid_until: dt.date | None = None
    notes: str = Field("", max_length=5000)
    fund_lead_days: Int32 = 30
    releasability: Literal["allies", "allies_partners", "named"] = "allies_partners"
    release_to: list[str] = Field(default_factory=list, max_length=100)


class PrepRateIn(Schema):
    item: str
    basis: Literal["bed", "icu"]
    rate: float
    durable: bool = False
    priority: Int32 = 2
    unit_price_minor: MinorUnits = 0
    lead_days: Int32 | None = None
    illustrative: bool = True
    source: str = Field("", max_length=300)


class PrepPledgeOut(Schema):
    id: int
    plan: int = Field(..., alias="plan_id")
    nation: str | None = Field(None, alias="owner_nation_id")
    item: str | None = None
    capability: str | None = None
    quantity: int
    remaining: int
    notice_days: int
    origin_site: str | None = None
    valid_from: dt.date
    valid_until: dt.date | None
    terms: str
    releasability: str
    illustrative: bool
    status: str
    actions: list[str] = Field(default_factory=list)

    @staticmethod
    def resolve_item(pledge: Pledge) -> str | None:
        return pledge.item.code if pledge.item else None

    @staticmethod
    def resolve_capability(pledge: Pledge) -> str | None:
        return pledge.capability.code if pledge.capability else None

    @staticmethod
    def resolve_origin_site(pledge: Pledge) -> str | None:
        return pledge.origin_site.code

    @staticmethod
    def resolve_actions(pledge: Pledge, context: dict[str, Any]) -> list[str]:
        return PLEDGE.action_names(api_user(context["request"]), pledge)


class PrepPledgeIn(Schema):
    item: str | None = None
    capability: str | None = None
    quantity: Int32
    notice_days: Int32
    origin_site: str
    valid_from: dt.date
    valid_until: dt.date | None = None
    terms: Literal["donation", "loan", "sale"] = "donation"
    notes: str = Field("", max_length=500)
    releasability: Literal["allies", "allies_partners", "named"] = "allies_partners"
    release_to: list[str] = Field(default_factory=list, max_length=100)


class PrepActivateIn(Schema):
    quantity: Int32
    request: Id | None = Field(None, description="The request for assistance the offer answers")
    price_minor: MinorUnits | None = Field(
        None,
        description="The offer's price, for a sale pledge only (and required there; a pledge has no price): the "
        "price of the whole offer, not of one unit, in the currency's minor units (123450 with EUR is 1,234.50 euros)",
    )
    currency: str = Field(
        "", max_length=3, description="The price's currency as a three-letter ISO 4217 code (EUR), for a sale pledge"
    )


class PrepActivationOut(Schema):
    id: int
    pledge: int = Field(..., alias="pledge_id")
    offer: int = Field(..., alias="offer_id")
    quantity: int
    remaining: int

    @staticmethod
    def resolve_remaining(activation: Any) -> int:
        return int(activation.pledge.remaining)


class PrepScenarioOut(Schema):
    id: int
    name: str
    incident: str
    kind: str
    start: dt.date
    horizon_days: int
    parameters: dict[str, Any]
    illustrative: bool
    source: str


class PrepScenarioIn(Schema):
    name: str = Field(..., max_length=200)
    incident: str = Field("", max_length=100)
    kind: Literal["seir", "curve"] = "seir"
    start: dt.date
    horizon_days: Int32 = 180
    parameters: dict[str, Any]
    curve_csv: str = Field("", max_length=5_000_000, description="nation,day,hospital,icu rows for kind=curve")
    source: str = Field("", max_length=500)


class PrepRunIn(Schema):
    plan: Id
    scenario: Id
    runs: Int32 = 200
    seed: Int32 = 0


class PrepRunOut(Schema):
    id: int
    plan: int = Field(..., alias="plan_id")
    scenario: int = Field(..., alias="scenario_id")
    runs: int
    seed: int
    status: str
    phase: str
    percent: float
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    actions: list[str] = Field(default_factory=list)

    @staticmethod
    def resolve_actions(run: SimulationRun, context: dict[str, Any]) -> list[str]:
        return RUN.action_names(api_user(context["request"]), run)


class PrepRunResultOut(PrepRunOut):
    result: dict[str, Any] | None = None
    problem: dict[str, Any] | None = Field(None, description="The exact input, to re-run or compare")


# --- plans ------------------------------------------------------------------------------------------------


@router.get("/plans", response=list[PrepPlanOut], summary="Operational plans (every version) the caller may see")
@paginate
def plan_list(request: HttpRequest) -> Any:
    return selectors.plans(api_user(request))


@router.post("/plans", response={201: PrepPlanOut}, summary="Draft a new plan (coordinators)")
def plan_create(request: HttpRequest, payload: PrepPlanIn) -> Any:
    plan = services.plan_create(actor=require_write(request), **payload.dict())
    return Status(201, plan)


@router.get("/plans/{int:pk}", response=PrepPlanOut, summary="A plan version, with its consumption rates")
def plan_detail(request: HttpRequest, pk: Id) -> Any:
    return selectors.plan(api_user(request), pk)


@router.put("/plans/{int:pk}/rates", response=PrepPlanOut, summary="Replace a draft plan's consumption rates")
def plan_rates(request: HttpRequest, pk: Id, payload: list[PrepRateIn]) -> Any:
    actor = require_write(request)
    plan = selectors.plan(actor, pk)
    services.rates_set(actor=actor, plan=plan, rates=[services.RateInput(**r.dict()) for r in payload])
    return selectors.plan(actor, pk)


@router.post("/plans/{int:pk}/agree", response=PrepPlanOut, summary="Agree a draft: it supersedes the agreed version")
def plan_agree(request: HttpRequest, pk: Id) -> Any:
    actor = require_write(request)
    return services.plan_agree(actor=actor, plan=selectors.plan(actor, pk))


@router.post("/plans/{int:pk}/new-version", response={201: PrepPlanOut}, summary="Start a new draft version")
def plan_new_version(request: HttpRequest, pk: Id) -> Any:
    actor = require_write(request)
    return Status(201, services.plan_new_version(actor=actor, plan=selectors.plan(actor, pk)))


# --- pledges ----------------------------------------------------------------------------------------------


@router.get("/plans/{int:pk}/pledges", response=list[PrepPledgeOut], summary="The plan's standby pledges")
@paginate
def pledge_list(
    request: HttpRequest,
    pk: Id,
    nation: str | None = None,
    kind: Literal["item", "capability"] | None = None,
    status: str | None = None,
    item: str | None = None,
) -> Any:
    user = api_user(request)
    return selectors.pledges(user, plan=selectors.plan(user, pk), nation=nation, kind=kind, status=status, item=item)


@router.post("/plans/{int:pk}/pledges", response={201: PrepPledgeOut}, summary="Pledge for the caller's nation")
def pledge_create(request: HttpRequest, pk: Id, payload: PrepPledgeIn) -> Any:
    actor = require_write(request)
    data = payload.dict()
    releasability, release_to = data.pop("releasability"), data.pop("release_to")
    made = services.pledges_create(
        actor=actor,
        plan=selectors.plan(actor, pk),
        pledges=[services.PledgeInput(**data)],
        releasability=releasability,
        release_to=release_to,
    )
    return Status(201, made[0])


@router.get("/pledges/{int:pk}", response=PrepPledgeOut, summary="A standby pledge")
def pledge_detail(request: HttpRequest, pk: Id) -> Any:
    return selectors.pledge(api_user(request), pk)


@router.post("/pledges/{int:pk}/withdraw", response=PrepPledgeOut, summary="Withdraw a pledge")
def pledge_withdraw(request: HttpRequest, pk: Id) -> Any:
    actor = require_write(request)
    return services.pledge_withdraw(actor=actor, pledge=selectors.pledge(actor, pk))


@router.post(
    "/pledges/{int:pk}/activate",
    response={201: PrepActivationOut},
    summary="Activate (part of) a pledge into an open offer of the exchange, in reply to a request if given; a sale "
    "pledge's offer takes the price and currency given",
)
def pledge_activate(request: HttpRequest, pk: Id, payload: PrepActivateIn) -> Any:
    actor = require_write(request)
    pledge = selectors.pledge(actor, pk)
    answered = (
        get_visible_or_404(AssistanceRequest.objects.all(), actor, pk=payload.request) if payload.request else None
    )
    activation = services.pledge_activate(
        actor=actor,
        pledge=pledge,
        quantity=payload.quantity,
        request=answered,
        price_minor=payload.price_minor,
        currency=payload.currency,
    )
    return Status(201, activation)


# --- scenarios and runs ---------------------------------------------------------------------------------


@router.get("/scenarios", response=list[PrepScenarioOut], summary="Wave scenarios")
@paginate
def scenario_list(request: HttpRequest) -> Any:
    return selectors.scenarios(api_user(request))


@router.post("/scenarios", response={201: PrepScenarioOut}, summary="A wave scenario: SEIR parameters or a curve")
def scenario_create(request: HttpRequest, payload: PrepScenarioIn) -> Any:
    return Status(201, services.scenario_create(actor=require_write(request), **payload.dict()))


@router.get("/runs", response=list[PrepRunOut], summary="Simulation runs the caller may see (its own; the centre all)")
@paginate
def run_list(request: HttpRequest) -> Any:
    return selectors.runs(api_user(request))


@router.post("/runs", response={202: PrepRunOut}, summary="Start a simulation on the worker")
def run_start(request: HttpRequest, payload: PrepRunIn) -> Any:
    actor = require_write(request)
    plan = get_object_or_404(selectors.plans(actor), pk=payload.plan)
    scenario = selectors.scenario(actor, payload.scenario)
    run = services.run_start(actor=actor, plan=plan, scenario=scenario, runs=payload.runs, seed=payload.seed)
    return Status(202, run)


@router.get("/runs/{int:pk}", response=PrepRunResultOut, summary="A run: progress, then its result and exact input")
def run_detail(request: HttpRequest, pk: Id) -> Any:
    return selectors.run(api_user(request), pk)


@router.post("/runs/{int:pk}/cancel", response=PrepRunOut, summary="Cancel a queued or running simulation")
def run_cancel(request: HttpRequest, pk: Id) -> Any:
    actor = require_write(request)
    return services.run_cancel(actor=actor, run=selectors.run(actor, pk, with_result=False))


@router.post(
    "/runs/{int:pk}/rerun",
    response={202: PrepRunOut},
    summary="Run again: with the plan as it is now, or (exact=true) the same stored input",
)
def run_rerun(request: HttpRequest, pk: Id, exact: bool = False) -> Any:
    actor = require_write(request)
    old = selectors.run(actor, pk)
    run = services.run_start(
        actor=actor, plan=old.plan, scenario=old.scenario, runs=old.runs, seed=old.seed, rerun_of=old, exact=exact
    )
    return Status(202, run)
