"""The exchange's workflows (requests, offers, allocations), driven by the generated test in
aidx/core/tests/test_workflows.py.

The world: Italy requests masks for Rome, Spain offers them from Madrid; each nation also has a logistics officer
(the requesting nation's officer once saw "Mark shipped" that the service then refused). Every record is made in
its state through the services, as people would.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from aidx.accounts.services import user_create
from aidx.assistance import services
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.assistance.services import LineInput
from aidx.assistance.workflow import ALLOCATION, OFFER, REQUEST
from aidx.catalogue.services import item_upsert
from aidx.core.tests.workflow_driver import Driver
from aidx.nations.services import site_create

R, O, A = AssistanceRequest.Status, Offer.Status, Allocation.Status  # noqa: E741 - as in workflow.py


def _setup(world):
    item_upsert(
        actor=None,
        code="mask-ffp2",
        name_en="FFP2 mask",
        name_nb="",
        name_nn="",
        category="ppe",
        unit="piece",
        unit_weight_kg="0.012",
        unit_volume_m3="0.0002",
    )
    for code, nation, lat, lon in (("rome", world.ita, "41.8", "12.25"), ("madrid", world.esp, "40.49", "-3.57")):
        site_create(actor=None, code=code, name=code, kind="airfield", nation=nation, latitude=lat, longitude=lon)
    return SimpleNamespace(
        world=world,
        today=timezone.localdate(),
        spain_log=user_create(
            actor=None, username="spain_log", password=world.password, nation=world.esp, roles={"logistics"}
        ),
        italy_log=user_create(
            actor=None, username="italy_log", password=world.password, nation=world.ita, roles={"logistics"}
        ),
    )


def _actors(context):
    return {"spain_log": context.spain_log, "italy_log": context.italy_log}


def _request(context, *, submit=True, quantity=1000):
    world = context.world
    request = services.request_create(
        actor=world.ally_a,
        title="Masks for Lombardy",
        needed_by=context.today + dt.timedelta(days=10),
        delivery_site="rome",
        lines=[LineInput(item="mask-ffp2", quantity=quantity)],
    )
    return services.request_submit(actor=world.ally_a, request=request) if submit else request


def _offer(context, *, publish=True, quantity=1000, until=None, in_reply_to=None):
    world = context.world
    offer = services.offer_create(
        actor=world.ally_b,
        title="Masks from Spain",
        in_reply_to=in_reply_to,
        lines=[
            LineInput(
                item="mask-ffp2",
                quantity=quantity,
                available_from=context.today,
                available_until=until,
                origin_site="madrid",
            )
        ],
    )
    return services.offer_publish(actor=world.ally_b, offer=offer) if publish else offer


def _propose(context, request, offer, quantity):
    return services.allocation_propose(
        actor=context.world.ally_b,
        offer_line=offer.lines.get(),
        request_line=request.lines.get(),
        quantity=quantity,
    )


def _make_request(context, state):
    world = context.world
    if state == R.DRAFT:
        return _request(context, submit=False)
    request = _request(context)
    if state in (R.PARTIALLY_MET, R.MET):
        allocation = _propose(context, request, _offer(context), 400 if state == R.PARTIALLY_MET else 1000)
        services.allocation_accept(actor=world.ally_a, allocation=allocation)
    elif state == R.WITHDRAWN:
        services.request_withdraw(actor=world.ally_a, request=request, reason="covered at home")
    elif state == R.EXPIRED:
        services.expire_overdue(today=request.needed_by + dt.timedelta(days=1))
    return AssistanceRequest.objects.get(pk=request.pk)


def _make_offer(context, state):
    """An offer in reply to Italy's request, so that it may also be proposed to Italy."""
    world = context.world
    request = _request(context)
    if state == O.DRAFT:
        return _offer(context, publish=False, in_reply_to=request)
    offer = _offer(context, until=context.today + dt.timedelta(days=20), in_reply_to=request)
    if state in (O.PARTIALLY_ALLOCATED, O.FULLY_ALLOCATED):
        _propose(context, request, offer, 400 if state == O.PARTIALLY_ALLOCATED else 1000)
    elif state == O.WITHDRAWN:
        services.offer_withdraw(actor=world.ally_b, offer=offer, reason="needed at home")
    elif state == O.EXPIRED:
        services.expire_overdue(today=context.today + dt.timedelta(days=21))
    return Offer.objects.get(pk=offer.pk)


def _make_allocation(context, state):
    world = context.world
    allocation = _propose(context, _request(context), _offer(context), 300)
    if state in (A.ACCEPTED, A.SHIPPED, A.DELIVERED):
        services.allocation_accept(actor=world.ally_a, allocation=allocation)
    if state in (A.SHIPPED, A.DELIVERED):
        services.allocation_ship(actor=world.ally_b, allocation=allocation)
    if state == A.DELIVERED:
        services.allocation_deliver(actor=world.ally_a, allocation=allocation)
    if state == A.DECLINED:
        services.allocation_decline(actor=world.ally_a, allocation=allocation, reason="not needed any more")
    if state == A.CANCELLED:
        services.allocation_cancel(actor=world.ally_b, allocation=allocation, reason="sent elsewhere")
    return Allocation.objects.get(pk=allocation.pk)


def _perform_request(context, actor, request, name):
    if name == "reply":
        return services.offer_create(
            actor=actor,
            title="Masks in reply",
            in_reply_to=request,
            lines=[LineInput(item="mask-ffp2", quantity=10, available_from=context.today, origin_site="madrid")],
        )
    if name == "submit":
        return services.request_submit(actor=actor, request=request)
    return services.request_withdraw(actor=actor, request=request, reason="no longer needed")


def _perform_offer(context, actor, offer, name):
    if name == "publish":
        return services.offer_publish(actor=actor, offer=offer)
    if name == "propose_to_requester":
        return services.offer_propose_to_requester(actor=actor, offer=offer)
    return services.offer_withdraw(actor=actor, offer=offer, reason="needed at home")


def _perform_allocation(context, actor, allocation, name):
    calls = {
        "accept": lambda: services.allocation_accept(actor=actor, allocation=allocation),
        "decline": lambda: services.allocation_decline(actor=actor, allocation=allocation, reason="not needed"),
        "ship": lambda: services.allocation_ship(actor=actor, allocation=allocation),
        "deliver": lambda: services.allocation_deliver(actor=actor, allocation=allocation),
        "cancel": lambda: services.allocation_cancel(actor=actor, allocation=allocation, reason="sent elsewhere"),
    }
    return calls[name]()


DRIVERS = [
    Driver(
        workflow=REQUEST,
        setup=_setup,
        actors=_actors,
        make=_make_request,
        perform=_perform_request,
        page=lambda request: f"/exchange/requests/{request.pk}/",
        api=lambda request: f"/api/v1/requests/{request.pk}",
    ),
    Driver(
        workflow=OFFER,
        setup=_setup,
        actors=_actors,
        make=_make_offer,
        perform=_perform_offer,
        page=lambda offer: f"/exchange/offers/{offer.pk}/",
        api=lambda offer: f"/api/v1/offers/{offer.pk}",
    ),
    Driver(
        workflow=ALLOCATION,
        setup=_setup,
        actors=_actors,
        make=_make_allocation,
        perform=_perform_allocation,
        page=lambda allocation: f"/exchange/allocations/{allocation.pk}/",
        api=lambda allocation: f"/api/v1/allocations/{allocation.pk}",
    ),
]
