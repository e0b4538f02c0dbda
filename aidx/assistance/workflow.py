"""The life cycle of an offer, and who may act on it.

Relations of an actor to an offer: "owner", the actor speaks for the offering nation (or organisation); "centre",
the actor is at the coordination centre. Open, partially and fully allocated follow from the offer's live
allocations (services._refresh_offer_status); the transitions here are what people and the schedule do.

An offer made in reply to a request can be proposed to the requester at once ("propose_to_requester"): every line
that matches what the request still needs becomes a proposed allocation, through the same service as any
proposal, so that an offer in reply is never left waiting for a match run that might not use it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.assistance import selectors
from aidx.assistance.models import AssistanceRequest, Offer
from aidx.core.workflow import CENTRE, OWNER, Rule, Transition, Workflow
from aidx.nations.policy import may_see, owned_by, viewer_for_owner

S = Offer.Status
OWNERS = (Rule(roles={Role.POINT_OF_CONTACT, Role.COORDINATOR}, relations={OWNER}),)
SYSTEM = Rule(system=True)


def _relations(actor: Any, offer: Offer) -> set[str]:
    relations = {OWNER} if owned_by(actor, offer) else set()
    if actor.is_centre:
        relations.add(CENTRE)
    return relations


def _proposable(offer: Offer) -> Any:
    """Why the offer cannot be proposed to the requester now, or None."""
    request = offer.in_reply_to
    if request is None:
        return _("This offer answers no request.")
    if request.status not in (AssistanceRequest.Status.SUBMITTED, AssistanceRequest.Status.PARTIALLY_MET):
        return _("The request is not open.")
    if not may_see(viewer_for_owner(request), offer):
        return _("The offer is not releasable to the requesting nation.")
    if not selectors.reply_pairs(offer):
        return _("Nothing on this offer matches what the request still needs.")
    return None


OFFER = Workflow(
    "assistance.offer",
    model=Offer,
    states=S,
    relations=_relations,
    transitions=[
        Transition("publish", _("Publish"), source=[S.DRAFT], target=S.OPEN, rules=OWNERS),
        # the offering nation, or a coordinator (who may propose any pair)
        Transition(
            "propose_to_requester",
            _("Propose to the requester"),
            source=[S.OPEN, S.PARTIALLY_ALLOCATED],
            target=None,
            rules=[*OWNERS, Rule(roles={Role.COORDINATOR}, relations={CENTRE})],
            guard=_proposable,
        ),
        Transition(
            "withdraw",
            _("Withdraw"),
            source=[S.DRAFT, S.OPEN, S.PARTIALLY_ALLOCATED, S.FULLY_ALLOCATED],
            target=S.WITHDRAWN,
            rules=OWNERS,
            danger=True,
            inputs=[("reason", _("Reason"))],
        ),
        # every line's availability has ended (services.expire_overdue, on the schedule)
        Transition(
            "expire", _("Expire"), source=[S.DRAFT, S.OPEN, S.PARTIALLY_ALLOCATED], target=S.EXPIRED, rules=[SYSTEM]
        ),
    ],
)
