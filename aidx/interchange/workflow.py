"""Life cycles of the interchange's records: a received message waiting for its types to be mapped, and a webhook
subscription (paused by its owner, or by the system after repeated failures)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.core.workflow import CENTRE, OWNER, Rule, Transition, Workflow
from aidx.interchange.models import PendingMessage, Subscription
from aidx.nations.policy import owned_by

P = PendingMessage.Status
S = Subscription.Status
COORDINATOR = Rule(roles={Role.COORDINATOR}, relations={CENTRE})


def pending_relations(actor: Any, pending: PendingMessage) -> set[str]:
    return {CENTRE} if actor.is_centre else set()


def _unmapped(pending: PendingMessage) -> Any:
    if pending.lines.filter(item__isnull=True, capability__isnull=True).exists():
        return _("Map every line to a catalogue item or capability first.")
    if pending.lines.filter(quantity__isnull=True).exists():
        return _("Give the quantity of every flagged line first.")
    return None


PENDING = Workflow(
    "interchange.pending",
    model=PendingMessage,
    states=P,
    relations=pending_relations,
    transitions=[
        Transition(
            "create",
            _("Create the request"),
            source=[P.WAITING],
            target=P.CREATED,
            rules=[COORDINATOR],
            guard=_unmapped,
        ),
        Transition(
            "discard",
            _("Discard"),
            source=[P.WAITING],
            target=P.DISCARDED,
            rules=[COORDINATOR],
            danger=True,
            inputs=(("reason", _("Reason")),),
            required=["reason"],
        ),
    ],
)


def subscription_relations(actor: Any, subscription: Subscription) -> set[str]:
    return {OWNER} if owned_by(actor, subscription) else set()  # type: ignore[arg-type]


SUBSCRIBER = Rule(roles={Role.POINT_OF_CONTACT, Role.COORDINATOR}, relations={OWNER})

SUBSCRIPTION = Workflow(
    "interchange.subscription",
    model=Subscription,
    states=S,
    relations=subscription_relations,
    transitions=[
        Transition("pause", _("Pause"), source=[S.ACTIVE], target=S.PAUSED, rules=[SUBSCRIBER, Rule(system=True)]),
        Transition("resume", _("Resume"), source=[S.PAUSED], target=S.ACTIVE, rules=[SUBSCRIBER]),
    ],
)
