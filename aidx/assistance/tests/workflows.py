"""The exchange's offer workflow, driven by the generated test in aidx/core/tests/test_workflows.py.

The world: Italy asks for 100 surgical masks; Spain offers 100 in reply, from Madrid. Each offer is made in its
state through the services, as people (and the schedule) would.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from aidx.assistance import services
from aidx.assistance.models import Offer
from aidx.assistance.services import LineInput
from aidx.assistance.workflow import OFFER
from aidx.catalogue.services import item_upsert
from aidx.core.tests.workflow_driver import Driver
from aidx.nations.services import site_create

S = Offer.Status


def _setup(world):
    item_upsert(
        actor=None,
        code="mask-surgical",
        category="ppe",
        unit="piece",
        unit_weight_kg="0.004",
        unit_volume_m3="0.0002",
        name_en="Surgical mask",
        name_nb="",
        name_nn="",
    )
    for code, nation, lat, lon in (("rome", world.ita, "41.8", "12.25"), ("madrid", world.esp, "40.49", "-3.57")):
        site_create(actor=None, code=code, name=code, kind="airfield", nation=nation, latitude=lat, longitude=lon)
    return SimpleNamespace(world=world)


def _make(context, state):
    world, today = context.world, timezone.localdate()
    request = services.request_create(
        actor=world.ally_a,
        title="Masks for Lombardy",
        needed_by=today + dt.timedelta(days=10),
        delivery_site="rome",
        lines=[LineInput(item="mask-surgical", quantity=100)],
    )
    request = services.request_submit(actor=world.ally_a, request=request)
    past = state == S.EXPIRED
    offer = services.offer_create(
        actor=world.ally_b,
        title="Masks from Spain",
        in_reply_to=request,
        lines=[
            LineInput(
                item="mask-surgical",
                quantity=100,
                available_from=today - dt.timedelta(days=10) if past else today,
                available_until=today - dt.timedelta(days=1) if past else None,
                origin_site="madrid",
            )
        ],
    )
    if state != S.DRAFT:
        services.offer_publish(actor=world.ally_b, offer=offer)
    taken = {S.PARTIALLY_ALLOCATED: 40, S.FULLY_ALLOCATED: 100}.get(state)
    if taken:
        services.allocation_propose(
            actor=world.ally_b, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=taken
        )
    if state == S.WITHDRAWN:
        services.offer_withdraw(actor=world.ally_b, offer=offer, reason="sent elsewhere")
    if state == S.EXPIRED:
        services.expire_overdue(today=today)
    return Offer.objects.get(pk=offer.pk)


def _perform(context, actor, offer, name):
    if name == "publish":
        return services.offer_publish(actor=actor, offer=offer)
    if name == "withdraw":
        return services.offer_withdraw(actor=actor, offer=offer, reason="sent elsewhere")
    if name == "propose_to_requester":
        return services.offer_propose_to_requester(actor=actor, offer=offer)
    raise AssertionError(name)


DRIVERS = [
    Driver(
        workflow=OFFER,
        setup=_setup,
        actors=lambda context: {},
        make=_make,
        perform=_perform,
        page=lambda offer: f"/exchange/offers/{offer.pk}/",
        api=lambda offer: f"/api/v1/offers/{offer.pk}",
    )
]
