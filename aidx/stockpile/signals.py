"""Keep the stock in step with the exchange without the exchange knowing about the stockpile.

When an allocation of a stockpile offer (linked in `StockOffer`) is saved by the exchange's services:
- cancelled or declined: its outstanding reservations are given back;
- shipped without a release booked (someone pressed "Mark shipped" in the exchange instead of releasing from
  the stockpile): the release is booked now, earliest expiry first — or the shipment fails for lack of stock.
Both run inside the exchange's transaction, after it locked the allocation (the same lock order as a release).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from aidx.assistance.models import Allocation
from aidx.core.actors import SYSTEM
from aidx.stockpile.models import Movement, StockOffer


def _stockpile_allocation(allocation: Allocation) -> bool:
    return StockOffer.objects.filter(offer__lines=allocation.offer_line_id).exists()


@receiver(post_save, sender=Allocation, dispatch_uid="stockpile.allocation_saved")
def allocation_saved(sender: Any, instance: Allocation, created: bool, **kwargs: Any) -> None:
    from aidx.stockpile import services

    if created:
        return
    if instance.status in (Allocation.Status.CANCELLED, Allocation.Status.DECLINED):
        if Movement.objects.filter(allocation=instance, kind=Movement.Kind.RESERVATION).exists():
            services.allocation_closed(allocation=instance)
    elif (
        instance.status == Allocation.Status.SHIPPED
        and _stockpile_allocation(instance)
        and not Movement.objects.filter(allocation=instance, kind=Movement.Kind.RELEASE).exists()
    ):
        services.release(actor=SYSTEM, allocation=instance, record_only=True)
