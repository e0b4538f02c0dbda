"""The derived status of requests and offers, from the quantities their live allocations take."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone

from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.assistance.workflow import OFFER, REQUEST
from aidx.audit.services import record, snapshot
from aidx.core.actors import SYSTEM


def _refresh_request_status(request: AssistanceRequest) -> None:
    """submitted / partially met / met, from the committed (accepted, shipped, delivered) quantities."""
    request = AssistanceRequest.objects.get(pk=request.pk)
    if request.status not in REQUEST["progress"].source:
        return
    lines = list(request.lines.all())
    committed = {
        row["request_line"]: row["n"]
        for row in Allocation.objects.filter(request_line__request=request, status__in=Allocation.COMMITTED)
        .values("request_line")
        .annotate(n=Sum("quantity"))
    }
    if all(committed.get(line.pk, 0) >= line.quantity for line in lines):
        status = AssistanceRequest.Status.MET
    elif any(committed.values()):
        status = AssistanceRequest.Status.PARTIALLY_MET
    else:
        status = AssistanceRequest.Status.SUBMITTED
    if status != request.status:
        before = snapshot(request)
        request.status = status
        request.closed_at = timezone.now() if status == AssistanceRequest.Status.MET else None
        request.save(update_fields=["status", "closed_at", "updated_at"])
        record(actor=SYSTEM, action=f"request.{status}", target=request, before=before, after=snapshot(request))


def _refresh_offer_status(offer: Offer) -> None:
    offer = Offer.objects.get(pk=offer.pk)
    if offer.status not in OFFER["progress"].source:
        return
    live = {
        row["offer_line"]: row["n"]
        for row in Allocation.objects.filter(offer_line__offer=offer, status__in=Allocation.LIVE)
        .values("offer_line")
        .annotate(n=Sum("quantity"))
    }
    lines = list(offer.lines.all())
    if all(live.get(line.pk, 0) >= line.quantity for line in lines):
        status = Offer.Status.FULLY_ALLOCATED
    elif any(live.values()):
        status = Offer.Status.PARTIALLY_ALLOCATED
    else:
        status = Offer.Status.OPEN
    if status != offer.status:
        before = snapshot(offer)
        offer.status = status
        offer.save(update_fields=["status", "updated_at"])
        record(actor=SYSTEM, action=f"offer.{status}", target=offer, before=before, after=snapshot(offer))
