"""REST API of resilience (mounted at /api/v1/resilience): templates, self-assessments with their answers,
scores, evidence and actions, the heat map, the supplier registry and the supply-vulnerability figures.

Assessments and everything in them follow need-to-know (by default the nation and the centre only); supply
figures are for the centre and the stockpile managers. Errors list every problem at once in `fields`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from aidx.accounts.api import require_write
from aidx.core.bounds import Id, Int32
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.nations.models import Nation
from aidx.resilience import evidence, selectors, services, supply, workflow
from aidx.resilience.models import Action, Assessment, Template

router = Router(tags=["resilience"])


def _user(request: HttpRequest) -> Any:
    return request.auth if getattr(request, "auth", None) is not None else request.user  # type: ignore[attr-defined]


class IndicatorIO(Schema):
    code: str = Field(..., max_length=10)
    requirement: Int32
    weight: Int32 = 1
    required: bool = True
    evidence: str = ""
    question_en: str = Field(..., max_length=500)
    question_nb: str = Field(..., max_length=500)
    question_nn: str = Field(..., max_length=500)
    guidance_en: str = Field("", max_length=4000)
    guidance_nb: str = Field("", max_length=4000)
    guidance_nn: str = Field("", max_length=4000)
    levels: dict[str, list[str]] = Field(
        ..., description='Five descriptions (level 0 to 4) per language: {"en": [...], "nb": [...], "nn": [...]}'
    )


class TemplateIn(Schema):
    code: str = Field(..., max_length=40)
    title_en: str = Field(..., max_length=200)
    title_nb: str = Field(..., max_length=200)
    title_nn: str = Field(..., max_length=200)
    indicators: list[IndicatorIO] = Field(..., max_length=200)


class TemplateOut(Schema):
    id: int
    code: str
    version: int
    title_en: str
    title_nb: str
    title_nn: str
    illustrative: bool
    in_use: bool

    @staticmethod
    def resolve_in_use(template: Template) -> bool:
        return services.template_in_use(template)


class TemplateDetailOut(TemplateOut):
    indicators: list[IndicatorIO]

    @staticmethod
    def resolve_indicators(template: Template) -> list[dict[str, Any]]:
        return services.indicator_data(template)


class FigureOut(Schema):
    label: str
    value: Decimal | int | None
    unit: str


class FindingOut(Schema):
    kind: str
    hidden: bool
    implied_level: int | None
    gap: bool
    figures: list[FigureOut]


class AnswerOut(Schema):
    indicator: str
    requirement: int
    level: int | None
    evidence: str
    documents: list[int]
    live: FindingOut | None = None


class ScoresOut(Schema):
    overall: Decimal | None
    by_requirement: dict[int, Decimal | None]
    answered: int
    total: int


class AssessmentOut(Schema):
    id: int
    nation: str | None = Field(None, alias="owner_nation_id")
    title: str
    status: str
    template: int = Field(..., alias="template_id")
    releasability: str
    illustrative: bool
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None


class CommentOut(Schema):
    id: int
    indicator: str | None
    text: str
    created_at: dt.datetime


class ActionOut(Schema):
    id: int
    assessment: int = Field(..., alias="assessment_id")
    indicator: str | None
    description: str
    responsible: str
    due: dt.date
    status: str
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the action now")

    @staticmethod
    def resolve_indicator(action: Action | dict[str, Any]) -> str | None:
        if isinstance(action, dict):
            return action["indicator"]
        return action.indicator.code if action.indicator else None

    @staticmethod
    def resolve_actions(action: Action | dict[str, Any], context: dict[str, Any]) -> list[str]:
        if isinstance(action, dict):
            return action["actions"]
        return workflow.ACTION.action_names(_user(context["request"]), action)


class AssessmentDetailOut(AssessmentOut):
    release_to: list[str]
    answers: list[AnswerOut]
    scores: ScoresOut
    previous: int | None
    comments: list[CommentOut]
    plan: list[ActionOut]
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the assessment now")


class AnswerIn(Schema):
    indicator: str = Field(..., max_length=10)
    level: Int32 | None = None
    evidence: str = Field("", max_length=4000)
    documents: list[Id] | None = Field(None, max_length=100)


class AnswersIn(Schema):
    answers: list[AnswerIn] = Field(..., max_length=200)


class StartIn(Schema):
    template: Id | None = None
    title: str = Field("", max_length=200)


class ReleaseIn(Schema):
    releasability: str = Field(..., max_length=20)
    release_to: list[str] = Field(default_factory=list, max_length=60)


class TransitionIn(Schema):
    reason: str = Field("", max_length=4000)


class CommentIn(Schema):
    text: str = Field(..., max_length=4000)
    indicator: str | None = Field(None, max_length=10)


class ActionIn(Schema):
    description: str = Field(..., max_length=500)
    responsible: str = Field(..., max_length=200)
    due: dt.date
    indicator: str | None = Field(None, max_length=10)


class HeatRowOut(Schema):
    nation: str
    assessment: int
    overall: Decimal | None
    by_requirement: dict[int, Decimal | None]


class OwnershipIO(Schema):
    owner_name: str = Field(..., max_length=200)
    owner_country: str = Field(..., max_length=3)
    valid_from: dt.date
    valid_until: dt.date | None = None


class ManufacturerIn(Schema):
    code: str = Field(..., max_length=60)
    name: str = Field(..., max_length=200)
    production_country: str = Field(..., max_length=3)
    items: list[str] = Field(default_factory=list, max_length=200)
    ownerships: list[OwnershipIO] = Field(default_factory=list, max_length=50)


class ManufacturerOut(Schema):
    id: int
    code: str
    name: str
    production_country: str
    illustrative: bool
    items: list[str]
    ownerships: list[OwnershipIO]

    @staticmethod
    def resolve_items(maker: Any) -> list[str]:
        return [p.item.code for p in maker.products.all()]

    @staticmethod
    def resolve_ownerships(maker: Any) -> list[Any]:
        return sorted(maker.ownerships.all(), key=lambda o: o.valid_from)


class ItemFiguresOut(Schema):
    item: str
    sources: int
    single_source: bool
    by_country: dict[str, Decimal]
    hhi: int | None
    share_outside: Decimal | None
    stock: int
    on_order: int
    days_of_cover: Decimal | None
    requested: bool


class VulnerabilityOut(Schema):
    on: dt.date
    without: str | None
    threshold_days: int
    items: list[ItemFiguresOut]
    below_threshold: list[str]


class FlagOut(Schema):
    manufacturer: str
    on: dt.date
    before: str | None
    after: str
    owner_name: str


def _detail(user: Any, found: Assessment) -> dict[str, Any]:
    answers = selectors.answers(user, found)
    findings = evidence.findings(user, found, answers)
    score = selectors.scores(found)
    before = selectors.previous(user, found)

    def live(code: str) -> dict[str, Any] | None:
        f = findings.get(code)
        if f is None:
            return None
        return {
            "kind": f.kind,
            "hidden": f.hidden,
            "implied_level": f.implied,
            "gap": f.gap,
            "figures": [{"label": x.label, "value": x.value, "unit": x.unit} for x in f.figures],
        }

    return {
        "id": found.pk,
        "owner_nation_id": found.owner_nation_id,
        "title": found.title,
        "status": found.status,
        "template_id": found.template_id,
        "releasability": found.releasability,
        "illustrative": found.illustrative,
        "created_at": found.created_at,
        "submitted_at": found.submitted_at,
        "reviewed_at": found.reviewed_at,
        "release_to": sorted(found.release_to.values_list("pk", flat=True)),
        "answers": [
            {
                "indicator": a.indicator.code,
                "requirement": a.indicator.requirement,
                "level": a.level,
                "evidence": a.evidence,
                "documents": [d.pk for d in a.documents.all()],
                "live": live(a.indicator.code),
            }
            for a in answers
        ],
        "scores": {
            "overall": score.overall,
            "by_requirement": score.by_requirement,
            "answered": score.answered,
            "total": score.total,
        },
        "previous": before.pk if before else None,
        "comments": [
            {
                "id": c.pk,
                "indicator": c.indicator.code if c.indicator else None,
                "text": c.text,
                "created_at": c.created_at,
            }
            for c in selectors.comments(found)
        ],
        "plan": [_action(user, a) for a in selectors.actions_visible_to(user, assessment=found)],
        "actions": workflow.ASSESSMENT.action_names(user, found),
    }


def _action(user: Any, action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "assessment_id": action.assessment_id,
        "indicator": action.indicator.code if action.indicator else None,
        "description": action.description,
        "responsible": action.responsible,
        "due": action.due,
        "status": action.status,
        "actions": workflow.ACTION.action_names(user, action),
    }


@router.get("/templates", response=list[TemplateOut], summary="Assessment templates, every version")
@paginate
def templates(request: HttpRequest) -> Any:
    return selectors.templates()


@router.get("/templates/{int:template_id}", response=TemplateDetailOut)
def template(request: HttpRequest, template_id: Id) -> Any:
    found = selectors.templates().filter(pk=template_id).first()
    if found is None:
        raise Http404
    return found


def _indicators(payload: TemplateIn) -> list[dict[str, Any]]:
    return [i.dict() for i in payload.indicators]


@router.post("/templates", response={201: TemplateDetailOut}, summary="A template, or the next version of one (centre)")
def template_create(request: HttpRequest, payload: TemplateIn) -> Any:
    actor = require_write(request)
    created = services.template_create(
        actor=actor,
        code=payload.code,
        titles={"en": payload.title_en, "nb": payload.title_nb, "nn": payload.title_nn},
        indicators=_indicators(payload),
    )
    return Status(201, created)


@router.put("/templates/{int:template_id}", response=TemplateDetailOut, summary="Change a version no one has used")
def template_update(request: HttpRequest, template_id: Id, payload: TemplateIn) -> Any:
    actor = require_write(request)
    found = selectors.templates().filter(pk=template_id).first()
    if found is None:
        raise Http404
    return services.template_update(
        actor=actor,
        template=found,
        titles={"en": payload.title_en, "nb": payload.title_nb, "nn": payload.title_nn},
        indicators=_indicators(payload),
    )


@router.get("/assessments", response=list[AssessmentOut], summary="Self-assessments you may see")
@paginate
def assessments(request: HttpRequest, nation: str | None = None, status: str | None = None) -> Any:
    return selectors.assessments_visible_to(_user(request), nation=nation, status=status)


@router.post("/assessments", response={201: AssessmentDetailOut}, summary="Start a self-assessment for your nation")
def assessment_start(request: HttpRequest, payload: StartIn) -> Any:
    actor = require_write(request)
    found = (
        selectors.templates().filter(pk=payload.template).first() if payload.template else selectors.latest_template()
    )
    if found is None:
        raise BusinessError(_("Unknown template."), field="template")
    created = services.assessment_start(actor=actor, template=found, title=payload.title)
    return Status(201, _detail(actor, created))


@router.get("/assessments/{int:assessment_id}", response=AssessmentDetailOut)
def assessment(request: HttpRequest, assessment_id: Id) -> Any:
    user = _user(request)
    return _detail(user, selectors.assessment(user, assessment_id))


@router.put("/assessments/{int:assessment_id}/answers", response=AssessmentDetailOut, summary="Save answers of a draft")
def answers_save(request: HttpRequest, assessment_id: Id, payload: AnswersIn) -> Any:
    actor = require_write(request)
    found = selectors.assessment(actor, assessment_id)
    services.answers_save(actor=actor, assessment=found, answers=[a.dict() for a in payload.answers])
    return _detail(actor, selectors.assessment(actor, assessment_id))


@router.put("/assessments/{int:assessment_id}/releasability", response=AssessmentDetailOut)
def release(request: HttpRequest, assessment_id: Id, payload: ReleaseIn) -> Any:
    actor = require_write(request)
    found = selectors.assessment(actor, assessment_id)
    codes = [c.upper() for c in payload.release_to]
    named = list(Nation.objects.filter(pk__in=codes))
    if len(named) != len(set(codes)):
        raise BusinessError(_("Unknown nation."), field="release_to")
    services.assessment_release(actor=actor, assessment=found, releasability=payload.releasability, release_to=named)
    return _detail(actor, selectors.assessment(actor, assessment_id))


@router.post("/assessments/{int:assessment_id}/comments", response={201: CommentOut}, summary="Comment (the centre)")
def comment_add(request: HttpRequest, assessment_id: Id, payload: CommentIn) -> Any:
    actor = require_write(request)
    found = selectors.assessment(actor, assessment_id)
    made = services.comment_add(actor=actor, assessment=found, text=payload.text, indicator=payload.indicator)
    return Status(
        201,
        {
            "id": made.pk,
            "indicator": made.indicator.code if made.indicator else None,
            "text": made.text,
            "created_at": made.created_at,
        },
    )


@router.post("/assessments/{int:assessment_id}/plan", response={201: ActionOut}, summary="Add an action to the plan")
def action_create(request: HttpRequest, assessment_id: Id, payload: ActionIn) -> Any:
    actor = require_write(request)
    found = selectors.assessment(actor, assessment_id)
    made = services.action_create(
        actor=actor,
        assessment=found,
        description=payload.description,
        responsible=payload.responsible,
        due=payload.due,
        indicator=payload.indicator,
    )
    return Status(201, _action(actor, made))


@router.post(
    "/assessments/{int:assessment_id}/{action}", response=AssessmentDetailOut, summary="submit, review or return"
)
def assessment_transition(request: HttpRequest, assessment_id: Id, action: str, payload: TransitionIn) -> Any:
    actor = require_write(request)
    found = selectors.assessment(actor, assessment_id)
    services.assessment_transition(actor=actor, assessment=found, action=action, reason=payload.reason)
    return _detail(actor, selectors.assessment(actor, assessment_id))


@router.get("/actions", response=list[ActionOut], summary="Actions of the assessments you may see")
@paginate
def actions(request: HttpRequest, overdue: bool = False) -> Any:
    user = _user(request)
    return selectors.overdue_actions(user) if overdue else selectors.actions_visible_to(user)


@router.post("/actions/{int:action_id}/{name}", response=ActionOut, summary="start, complete, cancel or reopen")
def action_transition(request: HttpRequest, action_id: Id, name: str) -> Any:
    actor = require_write(request)
    found = selectors.actions_visible_to(actor).filter(pk=action_id).first()
    if found is None:
        raise Http404
    return _action(actor, services.action_transition(actor=actor, action=found, name=name))


@router.get("/scores", response=list[HeatRowOut], summary="The heat map: latest scores per nation you may see")
def scores(request: HttpRequest) -> Any:
    return [
        {
            "nation": row.nation.code,
            "assessment": row.assessment.pk,
            "overall": row.scores.overall,
            "by_requirement": row.scores.by_requirement,
        }
        for row in selectors.heat_map(_user(request))
    ]


def _supply_reader(request: HttpRequest) -> Any:
    user = _user(request)
    if not supply.may_read(user):
        raise PermissionDenied(_("Supply figures are for the centre and the stockpile managers."))
    return user


@router.get("/manufacturers", response=list[ManufacturerOut], summary="The supplier registry")
@paginate
def manufacturers(request: HttpRequest) -> Any:
    return supply.manufacturers(_supply_reader(request))


@router.get("/manufacturers/{int:manufacturer_id}", response=ManufacturerOut)
def manufacturer(request: HttpRequest, manufacturer_id: Id) -> Any:
    found = supply.manufacturers(_supply_reader(request)).filter(pk=manufacturer_id).first()
    if found is None:
        raise Http404
    return found


@router.post("/manufacturers", response={201: ManufacturerOut})
def manufacturer_create(request: HttpRequest, payload: ManufacturerIn) -> Any:
    actor = require_write(request)
    made = services.manufacturer_create(
        actor=actor,
        code=payload.code,
        name=payload.name,
        production_country=payload.production_country.upper(),
        items=payload.items,
        ownerships=[o.dict() for o in payload.ownerships],
    )
    return Status(201, supply.manufacturers(actor).get(pk=made.pk))


@router.post("/manufacturers/{int:manufacturer_id}/ownerships", response={201: ManufacturerOut})
def ownership_add(request: HttpRequest, manufacturer_id: Id, payload: OwnershipIO) -> Any:
    actor = require_write(request)
    found = supply.manufacturers(actor).filter(pk=manufacturer_id).first()
    if found is None:
        raise PermissionDenied(_("Only the centre and the stockpile managers keep the supplier registry."))
    services.ownership_add(
        actor=actor,
        manufacturer=found,
        owner_name=payload.owner_name,
        owner_country=payload.owner_country,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
    )
    return Status(201, supply.manufacturers(actor).get(pk=found.pk))


@router.get("/vulnerability", response=VulnerabilityOut, summary="Supply figures per item; `without`: what if")
def vulnerability(request: HttpRequest, on: dt.date | None = None, without: str | None = None) -> Any:
    user = _supply_reader(request)
    country = without.upper() if without else None
    if country and not services.known_country(country):
        raise BusinessError(_("Unknown country: %(code)s.") % {"code": without}, field="without")
    rows = supply.vulnerability(user, on=on, without=country)
    return {
        "on": on or timezone.localdate(),
        "without": country,
        "threshold_days": supply.THRESHOLD_DAYS,
        "items": [
            {
                "item": r.item.code,
                "sources": r.sources,
                "single_source": r.single_source,
                "by_country": r.by_country,
                "hhi": r.hhi,
                "share_outside": r.outside,
                "stock": r.stock,
                "on_order": r.pipeline,
                "days_of_cover": r.days,
                "requested": r.requested,
            }
            for r in rows
        ],
        "below_threshold": [r.item.code for r in supply.below(rows)] if country else [],
    }


@router.get("/screening", response=list[FlagOut], summary="Suppliers whose owner moved outside the alliance")
def screening(request: HttpRequest, on: dt.date | None = None) -> Any:
    return [
        {
            "manufacturer": f.manufacturer.code,
            "on": f.on,
            "before": f.before,
            "after": f.after,
            "owner_name": f.owner_name,
        }
        for f in supply.screening(_supply_reader(request), on)
    ]
