"""The trust fund's life cycles and who may book: a procurement order goes from draft to approved (its value
committed out of the uncommitted cash) to received (into stock, and paid), or is cancelled before it arrives.

Pledges, contributions and transport payments have no life cycle: each is booked once. Who may book them, and
read the fund's books, is the same set of rules: the fund managers (the stockpile-and-fund role) and the
centre's coordinators. The scenario loader books as the system when no demo manager exists.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.core.workflow import CENTRE, Rule, Transition, Workflow, admitted
from aidx.fund.models import ProcurementOrder

S = ProcurementOrder.Status
MANAGERS = (Rule(roles={Role.STOCKPILE}), Rule(roles={Role.COORDINATOR}, relations={CENTRE}))
SYSTEM = Rule(system=True)


def _relations(actor: Any, _record: Any = None) -> set[str]:
    return {CENTRE} if actor.is_centre else set()


def may_manage(user: Any) -> bool:
    """Read all of the fund's books (the system reads nothing: it sees no record through need-to-know)."""
    return admitted(MANAGERS, user, lambda: _relations(user))


def may_book(actor: Any) -> bool:
    """Book a pledge, a contribution, a transport payment, a rate or a new order."""
    return admitted((*MANAGERS, SYSTEM), actor, lambda: _relations(actor))


ORDER = Workflow(
    "fund.order",
    model=ProcurementOrder,
    states=S,
    relations=_relations,
    transitions=[
        Transition(
            "approve", _("Approve and commit the funds"), source=[S.DRAFT], target=S.APPROVED, rules=[*MANAGERS, SYSTEM]
        ),
        Transition(
            "receive",
            _("Goods received: into stock and pay"),
            source=[S.APPROVED],
            target=S.RECEIVED,
            rules=[*MANAGERS, SYSTEM],
        ),
        # an approved order gives its committed funds back to the cash
        Transition(
            "cancel",
            _("Cancel the order"),
            source=[S.DRAFT, S.APPROVED],
            target=S.CANCELLED,
            rules=MANAGERS,
            danger=True,
        ),
    ],
)
