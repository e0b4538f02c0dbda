"""Receipts: an allocation flown in is delivered, through the exchange's own service, once all of it has landed
and the requesting nation confirms it (or the landing crew may confirm for it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Sum

from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation
from aidx.core.errors import PermissionDenied
from aidx.logistics.models import Leg, Load, Mission
from aidx.logistics.services.missions import locked_mission
from aidx.logistics.workflow import LIVE, MISSION, awaiting_receipt


def deliver_landed(actor: Any, loads: Iterable[Load], *, quiet: bool) -> int:
    """Deliver the allocations of `loads` that have landed whole; `quiet`: skip those the actor may not confirm."""
    delivered = 0
    for allocation_id in sorted({load.allocation_id for load in loads}):
        allocation = Allocation.objects.select_related("request_line__request").get(pk=allocation_id)
        if allocation.status != Allocation.Status.SHIPPED:
            continue
        landed = (
            Load.objects.filter(
                allocation=allocation, mission__status__in=LIVE, unload_leg__status=Leg.Status.LANDED
            ).aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        if landed < allocation.quantity:
            continue  # the rest is still on its way
        try:
            exchange.allocation_deliver(actor=actor, allocation=allocation)
        except PermissionDenied:
            if not quiet:
                raise
            continue  # the requesting nation confirms receipt itself
        delivered += 1
    return delivered


@transaction.atomic
def receipt_confirm(*, actor: Any, mission: Mission | int) -> int:
    """The requesting nation confirms what a mission unloaded for it; returns how many allocations are delivered."""
    mission = locked_mission(mission)
    MISSION.check(actor, mission, "receipt")  # only a consignee: something landed whole waits for its receipt
    return deliver_landed(actor, awaiting_receipt(mission, actor.acting_nation_id), quiet=False)
