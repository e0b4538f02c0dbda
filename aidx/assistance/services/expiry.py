"""Time-driven closing of requests and offers whose dates have passed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.assistance.services.allocations import _cancel_unshipped
from aidx.assistance.services.common import (
    _OPEN_OFFER,
    _OPEN_REQUEST,
)
from aidx.audit.services import record, snapshot


@transaction.atomic
def expire_overdue(*, today: dt.date | None = None) -> tuple[int, int]:
    """Close open requests whose needed-by date has passed and offers whose lines are all past availability."""
    today = today or timezone.localdate()
    requests = 0
    for request in AssistanceRequest.objects.select_for_update().filter(
        status__in=(AssistanceRequest.Status.DRAFT, *_OPEN_REQUEST), needed_by__lt=today
    ):
        before = snapshot(request)
        _cancel_unshipped(
            Allocation.objects.filter(request_line__request=request, status="proposed"), None, "request expired"
        )
        request.status, request.closed_at = AssistanceRequest.Status.EXPIRED, timezone.now()
        request.save(update_fields=["status", "closed_at", "updated_at"])
        record(actor=None, action="request.expire", target=request, before=before, after=snapshot(request))
        requests += 1
    offers = 0
    for offer in Offer.objects.select_for_update().filter(status__in=(Offer.Status.DRAFT, *_OPEN_OFFER)):
        ends = [line.available_until for line in offer.lines.all()]
        if ends and all(end is not None and end < today for end in ends):
            before = snapshot(offer)
            offer.status, offer.closed_at = Offer.Status.EXPIRED, timezone.now()
            offer.save(update_fields=["status", "closed_at", "updated_at"])
            record(actor=None, action="offer.expire", target=offer, before=before, after=snapshot(offer))
            offers += 1
    return requests, offers
