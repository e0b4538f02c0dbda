import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from aidx.accounts.api import api_user, require_write
from aidx.accounts.models import Role
from aidx.core.bounds import MAX_INT32, Id
from aidx.core.errors import PermissionDenied
from aidx.matching import selectors, services
from aidx.matching.models import MatchRun
from aidx.matching.workflow import MATCH_RUN

router = Router(tags=["matching"])


class ScopeIn(Schema):
    incident: str = Field(default="", max_length=100)
    items: list[str] = Field(default_factory=list, max_length=200)
    nations: list[str] = Field(default_factory=list, max_length=100)


class RunIn(Schema):
    mode: Literal["priority", "fair"] = "priority"
    scope: ScopeIn = Field(default_factory=ScopeIn)
    seed: int = Field(0, ge=0, le=MAX_INT32)
    time_limit: float = Field(60, gt=0, le=3600)


class UnmetOut(Schema):
    request_line: int = Field(..., alias="request")
    quantity: int
    reason: str = Field(
        "", description="no_offer, substitutes_refused, not_releasable, declined, too_late or short (see message)"
    )
    message: str = Field(..., description="The reason in words, in the reader's language")


class UnusedOut(Schema):
    offer_line: int = Field(..., alias="offer")
    quantity: int
    reason: str = Field(
        "",
        description="no_request, already_met, substitutes_refused, not_releasable, declined, too_late, surplus or "
        "no_origin (see message)",
    )
    message: str = Field(..., description="The reason in words, in the reader's language")


class RunOut(Schema):
    id: int
    status: str
    mode: str
    scope: dict[str, Any]
    seed: int
    as_of: dt.date
    phase: str
    percent: float
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    objective: dict[str, Any] | None = None
    certificate: dict[str, Any] | None = None
    unmet: list[UnmetOut] = Field(
        default_factory=list, description="Request lines the run left unmet, each with why (on one run's answer)"
    )
    unused: list[UnusedOut] = Field(
        default_factory=list, description="Offer lines the run left unused, each with why (on one run's answer)"
    )
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the run now")

    @staticmethod
    def resolve_actions(run: MatchRun, context: dict[str, Any]) -> list[str]:
        return MATCH_RUN.action_names(api_user(context["request"]), run)

    @staticmethod
    def resolve_objective(run: MatchRun) -> dict[str, Any] | None:
        return (run.result or {}).get("objective") if "result" not in run.get_deferred_fields() else None

    @staticmethod
    def resolve_certificate(run: MatchRun) -> dict[str, Any] | None:
        return (run.result or {}).get("certificate") if "result" not in run.get_deferred_fields() else None

    @staticmethod
    def resolve_unmet(run: MatchRun) -> list[dict[str, Any]]:
        return selectors.left_over(run)[0] if "result" not in run.get_deferred_fields() else []

    @staticmethod
    def resolve_unused(run: MatchRun) -> list[dict[str, Any]]:
        return selectors.left_over(run)[1] if "result" not in run.get_deferred_fields() else []


class ProposalOut(Schema):
    id: int
    offer_line: int = Field(..., alias="offer_line_id")
    request_line: int = Field(..., alias="request_line_id")
    quantity: int
    ton_km: float
    dropped: bool
    allocation: int | None = Field(None, alias="allocation_id")


class DropIn(Schema):
    proposals: list[Id] = Field(..., max_length=100000)
    dropped: bool = True


def _coordinator(request: HttpRequest) -> Any:
    user = api_user(request)
    if not user.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only a coordinator can run the matching."))
    return user


def _run(request: HttpRequest, pk: int) -> MatchRun:
    _coordinator(request)
    return get_object_or_404(MatchRun, pk=pk)


@router.get("/match-runs", response=list[RunOut], summary="Match runs (coordinators)")
@paginate
def run_list(request: HttpRequest) -> Any:
    _coordinator(request)
    return selectors.runs()


@router.post("/match-runs", response={202: RunOut}, summary="Start a match run on the worker")
def run_start(request: HttpRequest, payload: RunIn) -> Any:
    actor = require_write(request)
    run = services.run_start(
        actor=actor, mode=payload.mode, scope=payload.scope.dict(), seed=payload.seed, time_limit=payload.time_limit
    )
    return Status(202, run)


@router.get("/match-runs/{int:pk}", response=RunOut, summary="A run: progress, then the objective and proof")
def run_detail(request: HttpRequest, pk: Id) -> Any:
    return _run(request, pk)


@router.get("/match-runs/{int:pk}/proposals", response=list[ProposalOut], summary="The run's proposals")
@paginate
def run_proposals(request: HttpRequest, pk: Id) -> Any:
    return _run(request, pk).proposals.order_by("id")


@router.post("/match-runs/{int:pk}/drop", response=RunOut, summary="Drop (or keep again) proposals before publishing")
def run_drop(request: HttpRequest, pk: Id, payload: DropIn) -> Any:
    run = _run(request, pk)
    services.proposal_drop(
        actor=require_write(request), run=run, proposal_ids=payload.proposals, dropped=payload.dropped
    )
    return _run(request, pk)


@router.post("/match-runs/{int:pk}/cancel", response=RunOut, summary="Cancel a queued, running or unpublished run")
def run_cancel(request: HttpRequest, pk: Id) -> Any:
    services.run_cancel(actor=require_write(request), run=_run(request, pk))
    return _run(request, pk)


@router.post("/match-runs/{int:pk}/publish", response=RunOut, summary="Propose the kept allocations to the nations")
def run_publish(request: HttpRequest, pk: Id) -> Any:
    services.run_publish(actor=require_write(request), run=_run(request, pk))
    return _run(request, pk)
