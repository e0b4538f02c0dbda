"""Time-driven closing of requests and offers whose dates have passed (the scheduled job in tasks.py).

Reads that decide what is still open do not wait for this job: the selectors already leave out a request past
its needed-by date and an offer line past its availability (selectors.py), so the job only makes the state
what the reads already treat it as, and records it in the audit log as the system.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine
from aidx.assistance.services.allocations import _cancel_unshipped
from aidx.assistance.workflow import OFFER, REQUEST
from aidx.audit.services import record, snapshot
from aidx.core.actors import SYSTEM


def _overdue_offers(today: dt.date) -> Q:
    """Offers with lines, each of them past its availability."""
    current = OfferLine.objects.filter(offer=OuterRef("pk")).filter(
        Q(available_until__isnull=True) | Q(available_until__gte=today)
    )
    return Q(Exists(OfferLine.objects.filter(offer=OuterRef("pk")))) & ~Q(Exists(current))


@transaction.atomic
def expire_overdue(*, today: dt.date | None = None) -> tuple[int, int]:
    """Expire open requests whose needed-by date has passed, and offers whose lines are all past availability;
    their allocations not yet shipped lapse. Returns (requests, offers) expired."""
    today = today or timezone.localdate()
    requests = 0
    for request in AssistanceRequest.objects.select_for_update().filter(
        status__in=REQUEST["expire"].source, needed_by__lt=today
    ):
        REQUEST.check(SYSTEM, request, "expire")
        before = snapshot(request)
        _cancel_unshipped(Allocation.objects.filter(request_line__request=request), SYSTEM, "request expired")
        REQUEST.advance(request, "expire")
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "closed_at", "updated_at"])
        record(actor=SYSTEM, action="request.expire", target=request, before=before, after=snapshot(request))
        requests += 1
    offers = 0
    for offer in Offer.objects.select_for_update().filter(_overdue_offers(today), status__in=OFFER["expire"].source):
        OFFER.check(SYSTEM, offer, "expire")
        before = snapshot(offer)
        _cancel_unshipped(Allocation.objects.filter(offer_line__offer=offer), SYSTEM, "offer expired")
        OFFER.advance(offer, "expire")
        offer.closed_at = timezone.now()
        offer.save(update_fields=["status", "closed_at", "updated_at"])
        record(actor=SYSTEM, action="offer.expire", target=offer, before=before, after=snapshot(offer))
        offers += 1
    return requests, offers
