"""Resilience for the need-to-know sweep (aidx/core/sweep.py): self-assessments and what is shown inside them
(review comments, the action plan), the heat map and its exports, and the supplier registry.

The rules: an assessment is seen by its nation and the centre unless the nation released it (its releasability,
"the nation and the centre only" by default); a comment and an action are seen exactly with their assessment;
the heat map and the overdue actions show only what these rules let the user see. The supplier registry and the
supply figures reveal the stockpile: the centre and the stockpile managers only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from aidx.core.sweep import Who, exempt, subject, surface, xlsx_text
from aidx.nations.policy import may_see
from aidx.resilience.models import Action, Assessment, Manufacturer, ReviewComment
from aidx.stockpile.services import may_view as may_view_stock


def sees_assessment(who: Who, assessment: Assessment) -> bool:
    return may_see(who.viewer, assessment)


def sees_comment(who: Who, comment: ReviewComment) -> bool:
    return sees_assessment(who, comment.assessment)


def sees_action(who: Who, action: Action) -> bool:
    return sees_assessment(who, action.assessment)


def sees_manufacturer(who: Who, manufacturer: Manufacturer) -> bool:
    return may_view_stock(who.user)


subject("resilience.assessment", Assessment, sees_assessment)
subject("resilience.comment", ReviewComment, sees_comment)
subject("resilience.action", Action, sees_action)
subject("resilience.manufacturer", Manufacturer, sees_manufacturer)


def _by_id(prefix: str, suffix: str = "") -> Callable[[Any], str]:
    return lambda record: f"{prefix}{record.pk}{suffix}"


def _done(assessment: Assessment) -> bool:
    return assessment.status in (Assessment.Status.SUBMITTED, Assessment.Status.REVIEWED)


def _overdue(action: Action) -> bool:
    return action.status in Action.OPEN_STATES and action.due < timezone.localdate()


# --- pages ---------------------------------------------------------------------------------------------------------

surface(
    "resilience.overview",
    "page",
    ["resilience:overview"],
    "/resilience/",
    lists={"resilience.assessment": None, "resilience.action": _overdue},
)
for _fmt, _read in (("csv", None), ("xlsx", xlsx_text)):
    surface(f"resilience.heat_map_{_fmt}", "export", [], f"/resilience/?format={_fmt}", read=_read)
surface(
    "resilience.assessment",
    "detail",
    ["resilience:assessment"],
    _by_id("/resilience/assessments/", "/"),
    per="resilience.assessment",
)
surface(
    "resilience.assessment_print",
    "detail",
    ["resilience:assessment_print"],
    _by_id("/resilience/assessments/", "/print/"),
    per="resilience.assessment",
)
for _fmt, _read in (("csv", None), ("xlsx", xlsx_text)):
    surface(
        f"resilience.assessment_{_fmt}",
        "export",
        [],
        _by_id("/resilience/assessments/", f"/?format={_fmt}"),
        per="resilience.assessment",
        marked=False,
        read=_read,
    )
surface("resilience.actions", "page", ["resilience:actions"], "/resilience/actions/", lists={"resilience.action": None})
surface(
    "resilience.overdue_actions", "page", [], "/resilience/actions/?overdue=1", lists={"resilience.action": _overdue}
)
surface("resilience.templates", "page", ["resilience:templates"], "/resilience/templates/")
surface(
    "resilience.supply", "page", ["resilience:supply"], "/resilience/supply/", lists={"resilience.manufacturer": None}
)
surface("resilience.supply_csv", "export", [], "/resilience/supply/?format=csv")
surface(
    "resilience.manufacturer",
    "detail",
    ["resilience:manufacturer"],
    _by_id("/resilience/supply/manufacturers/", "/"),
    per="resilience.manufacturer",
)

# --- API -------------------------------------------------------------------------------------------------------------

surface("resilience.api_templates", "api-list", ["api:templates"], "/api/v1/resilience/templates", api=True)
surface(
    "resilience.api_assessments",
    "api-list",
    ["api:assessments"],
    "/api/v1/resilience/assessments?page_size=100",
    api=True,
    counted=True,
    lists={"resilience.assessment": None},
)
surface(
    "resilience.api_assessment",
    "api-detail",
    ["api:assessment"],
    _by_id("/api/v1/resilience/assessments/"),
    per="resilience.assessment",
    api=True,
)
surface(
    "resilience.api_actions",
    "api-list",
    ["api:actions"],
    "/api/v1/resilience/actions?page_size=100",
    api=True,
    counted=True,
    lists={"resilience.action": None},
)
surface(
    "resilience.api_overdue",
    "api-list",
    [],
    "/api/v1/resilience/actions?overdue=true&page_size=100",
    api=True,
    counted=True,
    lists={"resilience.action": _overdue},
)
surface("resilience.api_scores", "api-list", ["api:scores"], "/api/v1/resilience/scores", api=True)
surface(
    "resilience.api_manufacturers",
    "api-list",
    ["api:manufacturers"],
    "/api/v1/resilience/manufacturers?page_size=100",
    api=True,
    lists={"resilience.manufacturer": None},
)
surface(
    "resilience.api_manufacturer",
    "api-detail",
    ["api:manufacturer"],
    _by_id("/api/v1/resilience/manufacturers/"),
    per="resilience.manufacturer",
    api=True,
)
surface("resilience.api_vulnerability", "api-list", ["api:vulnerability"], "/api/v1/resilience/vulnerability", api=True)
surface("resilience.api_screening", "api-list", ["api:screening"], "/api/v1/resilience/screening", api=True)

WRITES = "a write: it answers only about a record the actor may act on (tests/test_workflows.py, schemathesis)"
exempt(
    WRITES,
    "resilience:assessment_action",
    "resilience:action_action",
    "api:template_create",
    "api:template_update",
    "api:assessment_start",
    "api:answers_save",
    "api:release",
    "api:comment_add",
    "api:action_create",
    "api:assessment_transition",
    "api:action_transition",
    "api:manufacturer_create",
    "api:ownership_add",
)
exempt(
    "the alliance's questionnaire, the same for every signed-in user: no releasable record",
    "resilience:template",
    "api:template",
)
