"""The life cycle of a match run: queued on the worker, solved, reviewed by a coordinator, published."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.core.workflow import CENTRE, Rule, Transition, Workflow
from aidx.matching.models import MatchRun

S = MatchRun.Status
COORDINATOR = Rule(roles={Role.COORDINATOR})
SYSTEM = Rule(system=True)


def _relations(actor: Any, run: MatchRun) -> set[str]:
    return {CENTRE} if actor.is_centre else set()


MATCH_RUN = Workflow(
    "matching.run",
    model=MatchRun,
    states=S,
    relations=_relations,
    transitions=[
        Transition("claim", _("Start"), source=[S.QUEUED], target=S.RUNNING, rules=[SYSTEM]),
        Transition("succeed", _("Ready for review"), source=[S.RUNNING], target=S.SUCCEEDED, rules=[SYSTEM]),
        Transition("fail", _("Fail"), source=[S.QUEUED, S.RUNNING], target=S.FAILED, rules=[SYSTEM]),
        Transition("stop", _("Stop"), source=[S.RUNNING], target=S.CANCELLED, rules=[SYSTEM]),
        # A queued or reviewed run ends at once; a running one is asked to stop and ends at its next report.
        Transition(
            "cancel",
            _("Cancel"),
            source=[S.QUEUED, S.RUNNING, S.SUCCEEDED],
            target=None,
            rules=[COORDINATOR],
            danger=True,
        ),
        Transition(
            "rerun",
            _("Run again"),
            source=[S.SUCCEEDED, S.FAILED, S.CANCELLED, S.PUBLISHED],
            target=None,
            rules=[COORDINATOR],
        ),
        Transition("drop", _("Drop the selected"), source=[S.SUCCEEDED], target=S.SUCCEEDED, rules=[COORDINATOR]),
        Transition("keep", _("Keep the selected"), source=[S.SUCCEEDED], target=S.SUCCEEDED, rules=[COORDINATOR]),
        Transition(
            "publish",
            _("Publish: propose these allocations to the nations"),
            source=[S.SUCCEEDED],
            target=S.PUBLISHED,
            rules=[COORDINATOR],
        ),
    ],
)
