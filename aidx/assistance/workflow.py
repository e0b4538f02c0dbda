"""The exchange's life cycles: requests, offers and the allocations between them, and who may move each.

Relations of an actor (a signed-in person) to a record, in the exchange's words:

- "owner": the actor speaks for the nation (or organisation) that made the request or the offer;
- "another": the actor speaks for another nation or organisation than the record's owner, and may see it;
- "requester" / "offerer": the actor speaks for the nation that made the allocation's request / offer;
- "proposer": the actor proposed the allocation (a coordinator, or the offering nation);
- "centre": the actor belongs to the coordination centre.

Some changes are consequences, never buttons, and belong to the system: a request is met or partially met as
allocations are accepted (`progress`, whose state the service derives), requests and offers whose dates have
passed expire (the scheduled job), and the allocations not yet shipped lapse when their request or offer is
withdrawn or expires (`lapse`, recorded under the name of whoever withdrew it).

An offer made in reply to a request can be proposed to the requester at once (`propose_to_requester`): every
line that matches what the request still needs becomes a proposed allocation, through the same service as any
proposal, so that an offer in reply never waits for a match run that might not use it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.core.workflow import CENTRE, OWNER, Rule, Transition, Workflow, admitted
from aidx.nations.policy import may_see, owned_by, owned_q, viewer_for_owner

R = AssistanceRequest.Status
O = Offer.Status  # noqa: E741 - the offer's states, as R and A
A = Allocation.Status

REQUESTER = "requester"
OFFERER = "offerer"
PROPOSER = "proposer"
ANOTHER = "another"

SYSTEM = Rule(system=True)
# A nation's point of contact speaks for its records; a coordinator for the centre's own.
SPEAKERS = frozenset({Role.POINT_OF_CONTACT, Role.COORDINATOR})
OWNERS = (Rule(roles=SPEAKERS, relations={OWNER}),)
OWNERS_ONLY = _("Only the owning nation's point of contact can do this.")
REQUESTERS_ONLY = _("Only the requesting nation's point of contact can do this.")

OPEN_REQUEST = (R.SUBMITTED, R.PARTIALLY_MET)
OPEN_OFFER = (O.OPEN, O.PARTIALLY_ALLOCATED)


def _centre(actor: Any) -> set[str]:
    return {CENTRE} if actor.is_centre else set()


def _record_relations(actor: Any, record: AssistanceRequest | Offer) -> set[str]:
    if owned_by(actor, record):
        return _centre(actor) | {OWNER}
    return _centre(actor) | ({ANOTHER} if may_see(actor, record) else set())


def _allocation_relations(actor: Any, allocation: Allocation) -> set[str]:
    relations = _centre(actor)
    if owned_by(actor, allocation.request_line.request):
        relations.add(REQUESTER)
    if owned_by(actor, allocation.offer_line.offer):
        relations.add(OFFERER)
    if allocation.proposed_by_id is not None and allocation.proposed_by_id == actor.pk:
        relations.add(PROPOSER)
    return relations


REQUEST = Workflow(
    "assistance.request",
    model=AssistanceRequest,
    states=R,
    relations=_record_relations,
    transitions=[
        # The needed-by date is checked by the service against the day it acts on (history replays earlier days).
        Transition("submit", _("Submit"), source=[R.DRAFT], target=R.SUBMITTED, rules=OWNERS, refusal=OWNERS_ONLY),
        Transition(
            "withdraw",
            _("Withdraw"),
            source=[R.DRAFT, *OPEN_REQUEST],
            target=R.WITHDRAWN,
            rules=OWNERS,
            refusal=OWNERS_ONLY,
            danger=True,
            inputs=[("reason", _("Reason for withdrawing"))],
        ),
        # Another nation (or the centre) answers an open request with an offer; the request itself stays as it is.
        # The page draws it as a link to the offer form; the offer service checks it.
        Transition(
            "reply",
            _("Make an offer in reply"),
            source=OPEN_REQUEST,
            target=None,
            rules=[Rule(roles=SPEAKERS, relations={ANOTHER})],
            refusal=_("Only another nation's point of contact or a coordinator can offer in reply."),
        ),
        Transition("expire", _("Expire"), source=[R.DRAFT, *OPEN_REQUEST], target=R.EXPIRED, rules=[SYSTEM]),
        Transition(
            "progress", _("Met as allocations are accepted"), source=[*OPEN_REQUEST, R.MET], target=None, rules=[SYSTEM]
        ),
    ],
)


def _proposable(offer: Offer) -> Any:
    """Why an offer cannot be proposed to the nation whose request it answers now, or None."""
    from aidx.assistance import selectors  # here: the selectors read this module's states

    request = offer.in_reply_to
    if request is None:
        return _("This offer answers no request.")
    if request.status not in OPEN_REQUEST:
        return _("The request is not open.")
    if not may_see(viewer_for_owner(request), offer):
        return _("The offer is not releasable to the requesting nation.")
    if not selectors.reply_pairs(offer):
        return _("Nothing on this offer matches what the request still needs.")
    return None


OFFER = Workflow(
    "assistance.offer",
    model=Offer,
    states=O,
    relations=_record_relations,
    transitions=[
        Transition("publish", _("Publish"), source=[O.DRAFT], target=O.OPEN, rules=OWNERS, refusal=OWNERS_ONLY),
        Transition(
            "withdraw",
            _("Withdraw"),
            source=[O.DRAFT, *OPEN_OFFER, O.FULLY_ALLOCATED],
            target=O.WITHDRAWN,
            rules=OWNERS,
            refusal=OWNERS_ONLY,
            danger=True,
            inputs=[("reason", _("Reason for withdrawing"))],
        ),
        # an offer in reply, proposed at once to the nation that asked: the offering nation, or the centre's
        # coordinator (who may propose any pair); every matching line becomes a proposed allocation
        Transition(
            "propose_to_requester",
            _("Propose to the requester"),
            source=OPEN_OFFER,
            target=None,
            rules=[*OWNERS, Rule(roles={Role.COORDINATOR}, relations={CENTRE})],
            guard=_proposable,
        ),
        Transition("expire", _("Expire"), source=[O.DRAFT, *OPEN_OFFER], target=O.EXPIRED, rules=[SYSTEM]),
        Transition(
            "progress",
            _("Allocated as allocations are proposed"),
            source=[*OPEN_OFFER, O.FULLY_ALLOCATED],
            target=None,
            rules=[SYSTEM],
        ),
    ],
)


def _request_open(allocation: Allocation) -> Any:
    if allocation.request_line.request.status not in OPEN_REQUEST:
        return _("The request is not open.")
    return None


# Who may propose an allocation from an offer (it makes a record, outside any life cycle): a coordinator, or the
# point of contact of the nation that made the offer. The service checks it (`may_propose_from`); a page that lists
# the offers one may propose from asks the same rules as a query (`proposable_offers`).
PROPOSE_FROM = (Rule(roles={Role.COORDINATOR}), Rule(roles={Role.POINT_OF_CONTACT}, relations={OWNER}))


def may_propose_from(actor: Any, offer: Offer) -> bool:
    return admitted(PROPOSE_FROM, actor, lambda: _record_relations(actor, offer))


def proposable_offers(actor: Any, offers: Any) -> Any:
    """`offers` narrowed to those `actor` may propose from, as a query: all of them if a rule admits it whatever
    its relation to the offer, its own if a rule admits it as the owner, else none."""
    if admitted(PROPOSE_FROM, actor):
        return offers
    if admitted(PROPOSE_FROM, actor, lambda: {OWNER}):
        return offers.filter(owned_q(actor))
    return offers.none()


REQUESTERS = (Rule(roles=SPEAKERS, relations={REQUESTER}),)

ALLOCATION = Workflow(
    "assistance.allocation",
    model=Allocation,
    states=A,
    relations=_allocation_relations,
    transitions=[
        Transition(
            "accept",
            _("Accept"),
            source=[A.PROPOSED],
            target=A.ACCEPTED,
            rules=REQUESTERS,
            guard=_request_open,
            refusal=REQUESTERS_ONLY,
        ),
        Transition(
            "decline",
            _("Decline"),
            source=[A.PROPOSED],
            target=A.DECLINED,
            rules=REQUESTERS,
            refusal=REQUESTERS_ONLY,
            danger=True,
            inputs=[("reason", _("Reason for declining (required)"))],
            required=["reason"],
        ),
        # The offering nation ships (its point of contact, logistics officer, or the stockpile's manager for the
        # stockpile's offers), or the centre's. The system ships the loads of a mission as it takes off: the
        # mission's operator made that move (logistics/workflow.py), and the loads were boarded by the parties.
        Transition(
            "ship",
            _("Mark shipped"),
            source=[A.ACCEPTED],
            target=A.SHIPPED,
            refusal=_("Only the offering nation or the centre can mark this shipped."),
            rules=[
                Rule(roles={Role.POINT_OF_CONTACT, Role.LOGISTICS, Role.STOCKPILE}, relations={OFFERER}),
                Rule(roles={Role.COORDINATOR, Role.LOGISTICS}, relations={CENTRE}),
                SYSTEM,
            ],
        ),
        Transition(
            "deliver",
            _("Confirm delivery"),
            source=[A.SHIPPED],
            target=A.DELIVERED,
            rules=REQUESTERS,
            refusal=REQUESTERS_ONLY,
            inputs=[("received_quantity", _("Received quantity")), ("discrepancy", _("Discrepancy, if any"))],
        ),
        # Taken back before shipping: by the offering nation, the centre's coordinator, or whoever proposed it.
        Transition(
            "cancel",
            _("Cancel allocation"),
            source=[A.PROPOSED, A.ACCEPTED],
            target=A.CANCELLED,
            refusal=_("Only the offering nation or a coordinator can cancel this allocation."),
            rules=[
                Rule(roles={Role.COORDINATOR}),
                Rule(roles=SPEAKERS, relations={OFFERER}),
                Rule(relations={PROPOSER}),
            ],
            danger=True,
            inputs=[("reason", _("Reason (optional)"))],
        ),
        Transition(
            "lapse",
            _("Lapse with its request or offer"),
            source=[A.PROPOSED, A.ACCEPTED],
            target=A.CANCELLED,
            rules=[SYSTEM],
        ),
    ],
)
