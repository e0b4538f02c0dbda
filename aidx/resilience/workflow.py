"""The life cycles of resilience: a self-assessment goes from draft to submitted (by its nation) to reviewed (by
the centre), or back to draft when the centre returns it; an action of the plan is open, in progress, done or
cancelled. Who answers, comments and plans is said here too (`may_*`), so pages and the API ask one place."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.core.workflow import CENTRE, OWNER, Rule, Transition, Workflow, admitted
from aidx.resilience.models import Action, Assessment
from aidx.resilience.selectors import unanswered

S = Assessment.Status
A = Action.Status
NATION = Rule(roles={Role.POINT_OF_CONTACT}, relations={OWNER})
REVIEWER = Rule(roles={Role.COORDINATOR}, relations={CENTRE})


def _nation_of(assessment: Assessment | Action) -> str | None:
    record = assessment.assessment if isinstance(assessment, Action) else assessment
    return record.owner_nation_id


def relations(actor: Any, record: Assessment | Action | None) -> set[str]:
    found = {CENTRE} if actor.is_centre else set()
    if record is not None and actor.acting_nation_id and actor.acting_nation_id == _nation_of(record):
        found.add(OWNER)
    return found


def _complete(assessment: Assessment) -> Any:
    # The service lists every unanswered indicator; the button only needs to know that one is missing.
    return _("Answer every required indicator first.") if unanswered(assessment) else None


ASSESSMENT = Workflow(
    "resilience.assessment",
    model=Assessment,
    states=S,
    relations=relations,
    transitions=[
        Transition(
            "submit", _("Submit to the centre"), source=[S.DRAFT], target=S.SUBMITTED, rules=[NATION], guard=_complete
        ),
        Transition("review", _("Mark reviewed"), source=[S.SUBMITTED], target=S.REVIEWED, rules=[REVIEWER]),
        Transition(
            "return",
            _("Return to the nation"),
            source=[S.SUBMITTED],
            target=S.DRAFT,
            rules=[REVIEWER],
            inputs=(("reason", _("Reason")),),
            required=["reason"],
        ),
    ],
)

ACTION = Workflow(
    "resilience.action",
    model=Action,
    states=A,
    relations=relations,
    transitions=[
        Transition("start", _("Start"), source=[A.OPEN], target=A.IN_PROGRESS, rules=[NATION]),
        Transition("complete", _("Mark done"), source=[A.OPEN, A.IN_PROGRESS], target=A.DONE, rules=[NATION]),
        Transition(
            "cancel", _("Cancel"), source=[A.OPEN, A.IN_PROGRESS], target=A.CANCELLED, rules=[NATION], danger=True
        ),
        Transition("reopen", _("Reopen"), source=[A.DONE, A.CANCELLED], target=A.OPEN, rules=[NATION]),
    ],
)


def may_answer(actor: Any, assessment: Assessment) -> bool:
    """Fill in answers, evidence and documents, and set the releasability: the nation, while it is a draft."""
    return assessment.status == S.DRAFT and admitted([NATION], actor, lambda: relations(actor, assessment))


def may_comment(actor: Any, assessment: Assessment) -> bool:
    """The centre comments on a submitted assessment, per indicator."""
    return assessment.status == S.SUBMITTED and admitted([REVIEWER], actor, lambda: relations(actor, assessment))


def may_plan(actor: Any, assessment: Assessment) -> bool:
    """The nation adds actions to the plan of any of its assessments (a gap is closed after the review, too)."""
    return admitted([NATION], actor, lambda: relations(actor, assessment))


def may_start(actor: Any) -> bool:
    """Start an assessment: a nation's (or partner's) point of contact, for its own nation."""
    return admitted([Rule(roles={Role.POINT_OF_CONTACT})], actor) and bool(getattr(actor, "acting_nation_id", None))


SYSTEM = Rule(system=True)  # the scenario loader


def may_keep_templates(actor: Any) -> bool:
    return admitted([REVIEWER, SYSTEM], actor, lambda: relations(actor, None))


def may_keep_suppliers(actor: Any) -> bool:
    """The supplier registry is kept by the centre's coordinators and the stockpile-and-fund managers."""
    return admitted([REVIEWER, Rule(roles={Role.STOCKPILE}), SYSTEM], actor, lambda: relations(actor, None))
