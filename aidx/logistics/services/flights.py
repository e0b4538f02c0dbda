"""Flying a mission: its loads come off before approval, its legs take off and land in order.

A take-off ships the allocations boarding there (through the exchange's own service); a landing delivers those
unloaded there when the landing crew may confirm receipt (otherwise the requesting nation does: receipts.py),
and the last landing completes the mission and books its flight hours to the pool member that tasked it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation
from aidx.audit.services import record, snapshot
from aidx.core.actors import SYSTEM, is_system
from aidx.core.errors import BusinessError
from aidx.logistics.models import Leg, Load, Mission
from aidx.logistics.services.fleet import book_pool_hours
from aidx.logistics.services.missions import locked_mission, mission_snapshot, move
from aidx.logistics.services.receipts import deliver_landed
from aidx.logistics.workflow import MISSION


@transaction.atomic
def load_drop(*, actor: Any, load: Load | int) -> Mission:
    """Take a load off a mission that has not been approved yet."""
    load = Load.objects.select_related("mission").get(pk=getattr(load, "pk", load))
    mission = locked_mission(load.mission)
    MISSION.check(actor, mission, "drop_load")
    before = mission_snapshot(mission)
    load.delete()
    record(actor=actor, action="mission.drop_load", target=mission, before=before, after=mission_snapshot(mission))
    return mission


def _leg(leg: Leg | int) -> tuple[Mission, Leg]:
    leg = Leg.objects.select_related("mission").get(pk=getattr(leg, "pk", leg))
    mission = locked_mission(leg.mission)
    return mission, Leg.objects.select_for_update().select_related("origin", "destination").get(pk=leg.pk)


@transaction.atomic
def leg_depart(*, actor: Any, leg: Leg | int, at: dt.datetime | None = None) -> Leg:
    """Take-off of the mission's next leg: the allocations boarding here are shipped."""
    mission, leg = _leg(leg)
    MISSION.check(actor, mission, "depart")
    if (
        leg.status != Leg.Status.PLANNED
        or mission.legs.filter(sequence__lt=leg.sequence).exclude(status=Leg.Status.LANDED).exists()
    ):
        raise BusinessError(_("Legs are flown in order: this is not the next leg."), code="bad_state")
    at = at or timezone.now()
    before = snapshot(leg)
    leg.status, leg.departed_at = Leg.Status.AIRBORNE, at
    leg.save(update_fields=["status", "departed_at"])
    record(actor=actor, action="leg.depart", target=leg, before=before, after=snapshot(leg))
    for load in leg.boarding.select_related("allocation"):
        if load.allocation.status == Allocation.Status.ACCEPTED:
            exchange.allocation_ship(actor=SYSTEM, allocation=load.allocation)  # as the mission takes off
    move(actor, mission, "depart", action="airborne", leg=leg.sequence)
    return leg


@transaction.atomic
def leg_land(*, actor: Any, leg: Leg | int, at: dt.datetime | None = None) -> Leg:
    """Landing of the leg in the air: loads unloaded here are delivered (if the actor may confirm receipt); the
    last landing completes the mission and books its flight hours to the pool member that tasked it."""
    mission, leg = _leg(leg)
    MISSION.check(actor, mission, "land")
    if leg.status != Leg.Status.AIRBORNE:
        raise BusinessError(_("Only an airborne leg can land."), code="bad_state")
    at = at or timezone.now()
    assert leg.departed_at is not None  # set when the leg took off
    if at <= leg.departed_at:
        raise BusinessError(_("The landing must come after the take-off."), field="at")
    before = snapshot(leg)
    leg.status, leg.landed_at = Leg.Status.LANDED, at
    leg.save(update_fields=["status", "landed_at"])
    record(actor=actor, action="leg.land", target=leg, before=before, after=snapshot(leg))
    if not is_system(actor):  # the system replays flights whose allocations are delivered already
        deliver_landed(actor, leg.unloading.all(), quiet=True)
    if mission.legs.exclude(status=Leg.Status.LANDED).exists():
        move(actor, mission, "land", status=Mission.Status.LANDED, action="landed", leg=leg.sequence)
    else:
        move(actor, mission, "land", status=Mission.Status.COMPLETED, action="complete")
        book_pool_hours(mission)
    return leg
