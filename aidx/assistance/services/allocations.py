"""Writes for requests, offers and allocations. Every function is atomic, validates before it writes,
checks who may act, records an audit entry, and keeps the quantity invariants under concurrency:

- the live allocations (proposed, accepted, shipped, delivered) of an offer line never exceed its quantity,
  nor those of a request line its requested quantity;
- an allocation links an offer line to a request line only if each is releasable to the other's owner,
  for the same item (or a permitted substitute) or the same capability, between two different nations.

Proposals lock the offer line, then the request line (always in that order, so two proposals cannot
deadlock), and sum the live allocations under the lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import Role, User
from aidx.assistance.models import Allocation, OfferLine, RequestLine
from aidx.assistance.services.common import (
    _OPEN_OFFER,
    _OPEN_REQUEST,
    _positive_quantity,
    _require_owner,
    _require_visible,
    _text,
)
from aidx.assistance.services.status import _refresh_offer_status, _refresh_request_status
from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Substitution
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.nations.policy import may_see, owned_by, viewer_for_owner
from aidx.notifications import services as notifications


def _live_sum(**lookup: Any) -> int:
    return Allocation.objects.filter(status__in=Allocation.LIVE, **lookup).aggregate(n=Sum("quantity"))["n"] or 0


def _check_match(offer_line: OfferLine, request_line: RequestLine) -> None:
    if request_line.capability_id or offer_line.capability_id:
        if request_line.capability_id != offer_line.capability_id:
            raise BusinessError(_("The offer is for a different capability."), code="mismatch")
        return
    if offer_line.item_id == request_line.item_id:
        return
    if not request_line.substitutes_ok:
        raise BusinessError(_("This request line accepts no substitutes."), code="mismatch")
    # Neither line is for a capability, so both are for an item (item_or_capability constraint).
    assert request_line.item_id is not None and offer_line.item_id is not None
    if not Substitution.objects.filter(item_id=request_line.item_id, substitute_id=offer_line.item_id).exists():
        raise BusinessError(
            _("%(offered)s is not a permitted substitute for %(requested)s.")
            % {"offered": offer_line.item, "requested": request_line.item},
            code="mismatch",
        )


@transaction.atomic
def allocation_propose(
    *,
    actor: User,
    offer_line: OfferLine | int,
    request_line: RequestLine | int,
    quantity: int,
    match_run_id: int | None = None,
    today: dt.date | None = None,
) -> Allocation:
    """Propose `quantity` of an offer line to a request line; the requesting nation then accepts or declines.

    A coordinator may propose any pair; a nation may propose its own offer lines.
    """
    quantity = _positive_quantity(quantity)
    # Lock order: offer line, then request line (see the module docstring).
    offer_line = (
        OfferLine.objects.select_for_update(of=("self",))
        .select_related("offer", "item", "capability")
        .get(pk=getattr(offer_line, "pk", offer_line))
    )
    request_line = (
        RequestLine.objects.select_for_update(of=("self",))
        .select_related("request", "item", "capability")
        .get(pk=getattr(request_line, "pk", request_line))
    )
    offer, request = offer_line.offer, request_line.request
    if not (actor.has_role(Role.COORDINATOR) or (actor.has_role(Role.POINT_OF_CONTACT) and owned_by(actor, offer))):
        raise PermissionDenied(_("Only a coordinator or the offering nation can propose an allocation."))
    _require_visible(actor, request)
    _require_visible(actor, offer)
    if request.status not in _OPEN_REQUEST:
        raise BusinessError(_("The request is not open."), code="bad_state")
    if offer.status not in _OPEN_OFFER:
        raise BusinessError(_("The offer is not open."), code="bad_state")
    if (offer.owner_nation_id and offer.owner_nation_id == request.owner_nation_id) or (
        offer.owner_organisation_id and offer.owner_organisation_id == request.owner_organisation_id
    ):
        raise BusinessError(_("A nation cannot allocate its own offer to its own request."), code="same_owner")
    if not may_see(viewer_for_owner(request), offer):
        raise BusinessError(_("The offer is not releasable to the requesting nation."), code="not_releasable")
    if not may_see(viewer_for_owner(offer), request):
        raise BusinessError(_("The request is not releasable to the offering nation."), code="not_releasable")
    _check_match(offer_line, request_line)
    if offer_line.available_until is not None and offer_line.available_until < (today or timezone.localdate()):
        raise BusinessError(_("The offer line is no longer available."), code="expired")
    left_on_offer = offer_line.quantity - _live_sum(offer_line=offer_line)
    left_on_request = request_line.quantity - _live_sum(request_line=request_line)
    if quantity > left_on_offer:
        raise BusinessError(
            _("Only %(n)s left on this offer line.") % {"n": max(left_on_offer, 0)},
            code="over_allocation",
            field="quantity",
        )
    if quantity > left_on_request:
        raise BusinessError(
            _("Only %(n)s still needed on this request line.") % {"n": max(left_on_request, 0)},
            code="over_allocation",
            field="quantity",
        )
    allocation = Allocation.objects.create(
        offer_line=offer_line,
        request_line=request_line,
        quantity=quantity,
        proposed_by=actor,
        match_run_id=match_run_id,
    )
    record(actor=actor, action="allocation.propose", target=allocation, after=snapshot(allocation))
    _refresh_offer_status(offer)
    notifications.allocation_proposed(allocation)
    return allocation


def _locked_allocation(allocation: Allocation | int) -> Allocation:
    return (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("offer_line__offer", "request_line__request", "offer_line__item", "request_line__item")
        .get(pk=getattr(allocation, "pk", allocation))
    )


def _transition(actor: User, allocation: Allocation, action: str, before: dict[str, Any]) -> Allocation:
    allocation.save()
    record(actor=actor, action=f"allocation.{action}", target=allocation, before=before, after=snapshot(allocation))
    _refresh_request_status(allocation.request_line.request)
    _refresh_offer_status(allocation.offer_line.offer)
    return allocation


@transaction.atomic
def allocation_accept(*, actor: User, allocation: Allocation | int) -> Allocation:
    allocation = _locked_allocation(allocation)
    request = allocation.request_line.request
    _require_owner(actor, request)
    if request.status not in _OPEN_REQUEST:
        raise BusinessError(_("The request is not open."), code="bad_state")
    if allocation.status != Allocation.Status.PROPOSED:
        raise BusinessError(_("Only a proposed allocation can be accepted."), code="bad_state")
    before = snapshot(allocation)
    allocation.status, allocation.decided_at = Allocation.Status.ACCEPTED, timezone.now()
    _transition(actor, allocation, "accept", before)
    notifications.allocation_decided(allocation)
    return allocation


@transaction.atomic
def allocation_decline(*, actor: User, allocation: Allocation | int, reason: str) -> Allocation:
    allocation = _locked_allocation(allocation)
    _require_owner(actor, allocation.request_line.request)
    if allocation.status != Allocation.Status.PROPOSED:
        raise BusinessError(_("Only a proposed allocation can be declined."), code="bad_state")
    if not (reason or "").strip():
        raise BusinessError(
            _("Give a reason for declining: the offering nation and the centre see it."), field="reason"
        )
    before = snapshot(allocation)
    allocation.decline_reason = _text(reason, "reason", max_length=500)
    allocation.status, allocation.decided_at = Allocation.Status.DECLINED, timezone.now()
    _transition(actor, allocation, "decline", before)
    notifications.allocation_decided(allocation)
    return allocation


@transaction.atomic
def allocation_cancel(*, actor: User, allocation: Allocation | int, reason: str = "") -> Allocation:
    """Take back an allocation not yet shipped: the offering nation, the coordinator or the proposer."""
    allocation = _locked_allocation(allocation)
    offer = allocation.offer_line.offer
    if not (actor.has_role(Role.COORDINATOR) or owned_by(actor, offer) or allocation.proposed_by_id == actor.pk):
        raise PermissionDenied(_("Only the offering nation or a coordinator can cancel this allocation."))
    if allocation.status not in (Allocation.Status.PROPOSED, Allocation.Status.ACCEPTED):
        raise BusinessError(_("Only an allocation not yet shipped can be cancelled."), code="bad_state")
    before = snapshot(allocation)
    allocation.status, allocation.cancelled_at = Allocation.Status.CANCELLED, timezone.now()
    allocation.decline_reason = _text(reason, "reason", max_length=500)
    return _transition(actor, allocation, "cancel", before)


@transaction.atomic
def allocation_ship(*, actor: User, allocation: Allocation | int) -> Allocation:
    allocation = _locked_allocation(allocation)
    offer = allocation.offer_line.offer
    offering_nation = owned_by(actor, offer) and actor.has_role(Role.POINT_OF_CONTACT, Role.LOGISTICS)
    centre = actor.is_centre and actor.has_role(Role.COORDINATOR, Role.LOGISTICS)
    if not (offering_nation or centre):
        raise PermissionDenied(_("Only the offering nation or the centre can mark this shipped."))
    if allocation.status != Allocation.Status.ACCEPTED:
        raise BusinessError(_("Only an accepted allocation can be shipped."), code="bad_state")
    before = snapshot(allocation)
    allocation.status, allocation.shipped_at = Allocation.Status.SHIPPED, timezone.now()
    return _transition(actor, allocation, "ship", before)


@transaction.atomic
def allocation_deliver(
    *, actor: User, allocation: Allocation | int, received_quantity: int | None = None, discrepancy: str = ""
) -> Allocation:
    """The requesting nation confirms arrival, with the quantity received and any discrepancy."""
    allocation = _locked_allocation(allocation)
    _require_owner(actor, allocation.request_line.request)
    if allocation.status != Allocation.Status.SHIPPED:
        raise BusinessError(_("Only a shipped allocation can be delivered."), code="bad_state")
    received = allocation.quantity if received_quantity is None else received_quantity
    if isinstance(received, bool) or not isinstance(received, int) or received < 0:
        raise BusinessError(_("The received quantity must be zero or more."), field="received_quantity")
    if received > allocation.quantity:
        raise BusinessError(
            _("More received than was shipped: record the surplus as a note."), field="received_quantity"
        )
    discrepancy = _text(discrepancy, "discrepancy", max_length=500)
    if received != allocation.quantity and not discrepancy:
        raise BusinessError(_("Describe the discrepancy."), field="discrepancy")
    before = snapshot(allocation)
    allocation.status, allocation.delivered_at = Allocation.Status.DELIVERED, timezone.now()
    allocation.received_quantity, allocation.discrepancy = received, discrepancy
    return _transition(actor, allocation, "deliver", before)


def _cancel_unshipped(allocations: Any, actor: User | None, reason: str) -> None:
    for allocation in allocations.select_for_update().filter(
        status__in=(Allocation.Status.PROPOSED, Allocation.Status.ACCEPTED)
    ):
        before = snapshot(allocation)
        allocation.status, allocation.cancelled_at = Allocation.Status.CANCELLED, timezone.now()
        allocation.decline_reason = reason[:500]
        allocation.save(update_fields=["status", "cancelled_at", "decline_reason"])
        record(actor=actor, action="allocation.cancel", target=allocation, before=before, after=snapshot(allocation))
        _refresh_offer_status(allocation.offer_line.offer)
        _refresh_request_status(allocation.request_line.request)
