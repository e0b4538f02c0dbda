"""Reads of resilience, each taking the viewer. Assessments go through the need-to-know policy in the query
(`aidx.nations.policy.visible`); everything shown inside one — answers, documents, comments, actions, scores,
evidence, the heat map's cells — is narrowed to the assessments the viewer may see. Supply figures are the
stockpile's: the centre and the stockpile managers only (`aidx.stockpile.services.may_view`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from aidx.documents.models import Document
from aidx.nations.models import Nation
from aidx.nations.policy import get_visible_or_404, visible
from aidx.resilience import analysis
from aidx.resilience.models import Action, Answer, Assessment, Indicator, Requirement, ReviewComment, Template

DONE = (Assessment.Status.SUBMITTED, Assessment.Status.REVIEWED)


def unanswered(assessment: Assessment) -> list[Indicator]:
    """The required indicators of an assessment still without a level."""
    return list(
        Indicator.objects.filter(answers__assessment=assessment, answers__level__isnull=True, required=True).order_by(
            "requirement", "order", "code"
        )
    )


def templates() -> QuerySet[Template]:
    """Templates are the alliance's questionnaire: every signed-in user may read them."""
    return Template.objects.order_by("code", "-version")


def latest_template(code: str | None = None) -> Template | None:
    rows = templates()
    if code:
        rows = rows.filter(code=code)
    return rows.order_by("-created_at", "-version").first()


def assessments_visible_to(who: Any, *, nation: str | None = None, status: str | None = None) -> QuerySet[Assessment]:
    rows = visible(Assessment.objects.select_related("owner_nation", "template"), who)
    if nation:
        rows = rows.filter(owner_nation_id=nation.upper())
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def assessment(who: Any, pk: int) -> Assessment:
    return get_visible_or_404(Assessment.objects.select_related("owner_nation", "template"), who, pk=pk)


def previous(who: Any, current: Assessment) -> Assessment | None:
    """The nation's submitted assessment before this one, if the viewer may see it: its trend."""
    return (
        assessments_visible_to(who, nation=current.owner_nation_id)
        .filter(status__in=DONE, created_at__lt=current.created_at)
        .exclude(pk=current.pk)
        .order_by("-created_at", "-id")
        .first()
    )


def history(who: Any, current: Assessment) -> list[Assessment]:
    """Every submitted assessment of the nation the viewer may see, oldest first."""
    return list(
        assessments_visible_to(who, nation=current.owner_nation_id).filter(status__in=DONE).order_by("created_at", "id")
    )


def answers(who: Any, assessment: Assessment) -> list[Answer]:
    """The answers with their indicators, and only the documents the viewer may see."""
    return list(
        Answer.objects.filter(assessment=assessment)
        .select_related("indicator")
        .prefetch_related(Prefetch("documents", queryset=visible(Document.objects.order_by("title"), who)))
        .order_by("indicator__requirement", "indicator__order", "indicator__code")
    )


def comments(assessment: Assessment) -> list[ReviewComment]:
    return list(assessment.comments.select_related("indicator", "author").order_by("created_at", "id"))


def scores_of(ids: list[int]) -> dict[int, analysis.Scores]:
    """Scores of the given assessments (already narrowed to what the viewer may see), in one query."""
    rows: dict[int, list[analysis.Scored]] = defaultdict(list)
    for assessment_id, requirement, level, weight in Answer.objects.filter(assessment_id__in=ids).values_list(
        "assessment_id", "indicator__requirement", "level", "indicator__weight"
    ):
        rows[assessment_id].append(analysis.Scored(requirement, level, weight))
    return {pk: analysis.scores(rows.get(pk, [])) for pk in ids}


def scores(assessment: Assessment) -> analysis.Scores:
    return scores_of([assessment.pk])[assessment.pk]


@dataclass(frozen=True)
class HeatRow:
    nation: Nation
    assessment: Assessment
    scores: analysis.Scores


def heat_map(who: Any) -> list[HeatRow]:
    """Nations × requirements: each nation's latest submitted assessment that the viewer may see. The centre sees
    every nation; a nation its own row and rows other nations released to it; nothing else is counted."""
    latest: dict[str, Assessment] = {}
    for row in assessments_visible_to(who).filter(status__in=DONE).order_by("owner_nation_id", "-created_at", "-id"):
        latest.setdefault(row.owner_nation_id or "", row)
    found = scores_of([a.pk for a in latest.values()])
    return [HeatRow(a.owner_nation, a, found[a.pk]) for _code, a in sorted(latest.items()) if a.owner_nation]


def requirement_means(rows: list[HeatRow]) -> dict[int, Any]:
    """The mean score per requirement over the rows shown (so only over assessments the viewer may see)."""
    means: dict[int, Any] = {}
    for number in Requirement.values:
        values = [r.scores.by_requirement[number] for r in rows if r.scores.by_requirement.get(number) is not None]
        means[number] = analysis.weighted_level((v, 1) for v in values) if values else None  # type: ignore[misc]
    return means


def actions_visible_to(who: Any, *, assessment: Assessment | None = None) -> QuerySet[Action]:
    rows = Action.objects.filter(assessment__in=visible(Assessment.objects.all(), who).values("pk")).select_related(
        "assessment__owner_nation", "indicator"
    )
    if assessment is not None:
        rows = rows.filter(assessment=assessment)
    return rows.order_by("due", "id")


def overdue_actions(who: Any, on: dt.date | None = None) -> QuerySet[Action]:
    """Actions past their due date and not done: a query, so a page never writes to show them."""
    return actions_visible_to(who).filter(status__in=Action.OPEN_STATES, due__lt=on or timezone.localdate())


def nations_with_assessments(who: Any) -> list[str]:
    return sorted(set(assessments_visible_to(who).values_list("owner_nation_id", flat=True)) - {None})


def mine(who: Any) -> Q:
    nation = getattr(who, "acting_nation_id", None)
    return Q(owner_nation_id=nation) if nation else Q(pk__in=[])
