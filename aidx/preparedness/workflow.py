"""The life cycles of preparedness: a plan (draft → agreed → superseded), a standby pledge (on standby until
activated in full, withdrawn or expired) and a simulation run (queued on the worker, running, finished).

Who may act:
- plans are the centre's: its coordinators draft them, set a draft's consumption rates, agree and version them;
- a pledge's owner (its nation's point of contact) withdraws it; the owner or a coordinator activates it;
  the system expires it when its validity ends;
- a run's owner (who started it, or the centre) cancels or re-runs it; the system moves it on the worker.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.core.workflow import CENTRE, OWNER, Rule, Transition, Workflow, admitted
from aidx.nations.policy import owned_by
from aidx.preparedness.models import Plan, Pledge, SimulationRun

COORDINATOR = Rule(roles={Role.COORDINATOR}, relations={CENTRE})
POC_OWNER = Rule(roles={Role.POINT_OF_CONTACT}, relations={OWNER})
SYSTEM = Rule(system=True)


def _relations(actor: Any, record: Any = None) -> set[str]:
    relations = {CENTRE} if actor.is_centre else set()
    if record is not None and hasattr(record, "owner_nation_id") and owned_by(actor, record):
        relations.add(OWNER)
    return relations


def may_plan(actor: Any) -> bool:
    """Draft a plan, set its rates, write a scenario."""
    return admitted((COORDINATOR,), actor, lambda: _relations(actor))


def may_pledge(actor: Any) -> bool:
    """Make a pledge for the nation (or organisation) the actor speaks for, or declare its own stock."""
    return admitted((Rule(roles={Role.POINT_OF_CONTACT}), COORDINATOR), actor, lambda: _relations(actor))


def may_simulate(actor: Any) -> bool:
    return admitted((Rule(roles={Role.POINT_OF_CONTACT}), COORDINATOR), actor, lambda: _relations(actor))


def _plan_agreed(pledge: Pledge) -> Any:
    if pledge.plan.status != Plan.Status.AGREED:
        return _("Only the pledges of an agreed plan can be activated.")
    if pledge.remaining <= 0:
        return _("Nothing of this pledge is left to activate.")
    return None


def _no_draft_yet(plan: Plan) -> Any:
    if Plan.objects.filter(incident=plan.incident, status=Plan.Status.DRAFT).exists():
        return _("A draft of this plan exists already.")
    return None


P = Plan.Status
PLAN = Workflow(
    "preparedness.plan",
    model=Plan,
    states=P,
    relations=_relations,
    transitions=[
        Transition("agree", _("Agree this version"), source=[P.DRAFT], target=P.AGREED, rules=[COORDINATOR, SYSTEM]),
        # A draft's consumption rates are replaced as a whole; the state stays. The page draws it as the rates
        # form (not a button), the service checks it; an agreed plan changes through a new version.
        Transition(
            "rates", _("Save the consumption rates"), source=[P.DRAFT], target=None, rules=[COORDINATOR, SYSTEM]
        ),
        Transition(
            "new_version",
            _("Start a new version"),
            source=[P.AGREED, P.SUPERSEDED],
            target=None,
            rules=[COORDINATOR],
            guard=_no_draft_yet,
        ),
    ],
)

S = Pledge.Status
PLEDGE = Workflow(
    "preparedness.pledge",
    model=Pledge,
    states=S,
    relations=_relations,
    transitions=[
        Transition(
            "activate",
            _("Activate into an offer"),
            source=[S.STANDBY],
            target=None,  # on standby while some remains, fully activated when none does
            rules=[POC_OWNER, COORDINATOR],
            guard=_plan_agreed,
            # The page draws it as the activation form (the quantity, the request it answers, and the offer's
            # price for a sale pledge: preparedness.forms.ActivateForm), not a button.
        ),
        Transition(
            "withdraw",
            _("Withdraw"),
            source=[S.STANDBY],
            target=S.WITHDRAWN,
            rules=[POC_OWNER, COORDINATOR],
            danger=True,
        ),
        Transition("expire", _("Expire"), source=[S.STANDBY], target=S.EXPIRED, rules=[SYSTEM]),
    ],
)

R = SimulationRun.Status
RUN_OWNER = (Rule(roles={Role.POINT_OF_CONTACT, Role.COORDINATOR}, relations={OWNER}), COORDINATOR)
RUN = Workflow(
    "preparedness.run",
    model=SimulationRun,
    states=R,
    relations=_relations,
    transitions=[
        Transition("claim", _("Start"), source=[R.QUEUED], target=R.RUNNING, rules=[SYSTEM]),
        Transition("succeed", _("Finish"), source=[R.RUNNING], target=R.SUCCEEDED, rules=[SYSTEM]),
        Transition("fail", _("Fail"), source=[R.QUEUED, R.RUNNING], target=R.FAILED, rules=[SYSTEM]),
        Transition("stop", _("Stop"), source=[R.RUNNING], target=R.CANCELLED, rules=[SYSTEM]),
        # a queued run ends at once; a running one is asked to stop and ends at its next progress report
        Transition("cancel", _("Cancel"), source=[R.QUEUED, R.RUNNING], target=None, rules=RUN_OWNER, danger=True),
        Transition(
            "rerun",
            _("Run again"),
            source=[R.SUCCEEDED, R.FAILED, R.CANCELLED],
            target=None,
            rules=RUN_OWNER,
        ),
    ],
)
