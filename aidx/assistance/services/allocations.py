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

from aidx.accounts.models import User
from aidx.assistance import hooks
from aidx.assistance.models import Allocation, OfferLine, RequestLine
from aidx.assistance.services.common import (
    _positive_quantity,
    _require_visible,
    _text,
)
from aidx.assistance.services.status import _refresh_offer_status, _refresh_request_status
from aidx.assistance.workflow import ALLOCATION, OPEN_OFFER, OPEN_REQUEST, may_propose_from
from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Substitution
from aidx.core.errors import BusinessError, PermissionDenied, Problems
from aidx.nations.policy import may_see, viewer_for_owner
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
    if not may_propose_from(actor, offer):
        raise PermissionDenied(_("Only a coordinator or the offering nation can propose an allocation."))
    _require_visible(actor, request)
    _require_visible(actor, offer)
    if request.status not in OPEN_REQUEST:
        raise BusinessError(_("The request is not open."), code="bad_state")
    if offer.status not in OPEN_OFFER:
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
def allocation_accept(*, actor: Any, allocation: Allocation | int) -> Allocation:
    allocation = _locked_allocation(allocation)
    ALLOCATION.check(actor, allocation, "accept")
    before = snapshot(allocation)
    ALLOCATION.advance(allocation, "accept")
    allocation.decided_at = timezone.now()
    _transition(actor, allocation, "accept", before)
    notifications.allocation_decided(allocation)
    return allocation


@transaction.atomic
def allocation_decline(*, actor: Any, allocation: Allocation | int, reason: str) -> Allocation:
    allocation = _locked_allocation(allocation)
    ALLOCATION.check(actor, allocation, "decline")
    if not (reason or "").strip():
        raise BusinessError(
            _("Give a reason for declining: the offering nation and the centre see it."), field="reason"
        )
    before = snapshot(allocation)
    allocation.decline_reason = _text(reason, "reason", max_length=500)
    ALLOCATION.advance(allocation, "decline")
    allocation.decided_at = timezone.now()
    _transition(actor, allocation, "decline", before)
    hooks.closed(actor=actor, allocation=allocation)
    notifications.allocation_decided(allocation)
    return allocation


@transaction.atomic
def allocation_cancel(*, actor: Any, allocation: Allocation | int, reason: str = "") -> Allocation:
    """Take back an allocation not yet shipped: the offering nation, the coordinator or the proposer."""
    allocation = _locked_allocation(allocation)
    ALLOCATION.check(actor, allocation, "cancel")
    before = snapshot(allocation)
    ALLOCATION.advance(allocation, "cancel")
    allocation.cancelled_at = timezone.now()
    allocation.decline_reason = _text(reason, "reason", max_length=500)
    _transition(actor, allocation, "cancel", before)
    hooks.closed(actor=actor, allocation=allocation)
    return allocation


@transaction.atomic
def allocation_ship(*, actor: Any, allocation: Allocation | int) -> Allocation:
    """Mark shipped: what other apps hold for the allocation (the stockpile's release) is booked with it."""
    allocation = _locked_allocation(allocation)
    ALLOCATION.check(actor, allocation, "ship")
    before = snapshot(allocation)
    ALLOCATION.advance(allocation, "ship")
    allocation.shipped_at = timezone.now()
    _transition(actor, allocation, "ship", before)
    hooks.shipped(actor=actor, allocation=allocation)
    return allocation


@transaction.atomic
def allocation_deliver(
    *, actor: Any, allocation: Allocation | int, received_quantity: int | None = None, discrepancy: str = ""
) -> Allocation:
    """The requesting nation confirms arrival, with the quantity received and any discrepancy."""
    allocation = _locked_allocation(allocation)
    ALLOCATION.check(actor, allocation, "deliver")
    problems = Problems()
    received = allocation.quantity if received_quantity is None else received_quantity
    if isinstance(received, bool) or not isinstance(received, int) or received < 0:
        problems.add(_("The received quantity must be zero or more."), field="received_quantity")
    elif received > allocation.quantity:
        problems.add(_("More received than was shipped: record the surplus as a note."), field="received_quantity")
    discrepancy = problems.collect(lambda: _text(discrepancy, "discrepancy", max_length=500), default="")
    if isinstance(received, int) and received != allocation.quantity and not discrepancy:
        problems.add(_("Describe the discrepancy."), field="discrepancy")
    problems.raise_any()
    before = snapshot(allocation)
    ALLOCATION.advance(allocation, "deliver")
    allocation.delivered_at = timezone.now()
    allocation.received_quantity, allocation.discrepancy = received, discrepancy
    return _transition(actor, allocation, "deliver", before)


def _cancel_unshipped(allocations: Any, actor: Any, reason: str) -> None:
    """The allocations not yet shipped lapse with their request or offer, under the name of who closed it."""
    for allocation in allocations.select_for_update().filter(status__in=ALLOCATION["lapse"].source):
        before = snapshot(allocation)
        ALLOCATION.advance(allocation, "lapse")
        allocation.cancelled_at = timezone.now()
        allocation.decline_reason = reason[:500]
        allocation.save(update_fields=["status", "cancelled_at", "decline_reason"])
        record(actor=actor, action="allocation.lapse", target=allocation, before=before, after=snapshot(allocation))
        hooks.closed(actor=actor, allocation=allocation)
        _refresh_offer_status(allocation.offer_line.offer)
        _refresh_request_status(allocation.request_line.request)
