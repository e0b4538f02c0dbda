"""The procurement order's workflow, driven by the generated test in aidx/core/tests/test_workflows.py.

The world: the support agency's fund manager, a warehouse at Taranto, and a million euros paid in by Italy,
so that approving an order never fails for want of cash.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from aidx.accounts.services import user_create
from aidx.catalogue.services import item_upsert
from aidx.core.tests.workflow_driver import Driver
from aidx.fund import services
from aidx.fund.models import ProcurementOrder
from aidx.fund.workflow import ORDER
from aidx.nations import services as registry

S = ProcurementOrder.Status


def _setup(world):
    agency = registry.organisation_create(actor=None, code="support-agency", kind="agency", name_en="Support agency")
    registry.membership_add(actor=None, organisation=agency, kind="ally", valid_from=dt.date(1958, 1, 1))
    manager = user_create(
        actor=None, username="stockpile", password=world.password, organisation=agency, roles={"poc", "stockpile"}
    )
    registry.site_create(
        actor=None,
        code="taranto-warehouse",
        name="Taranto",
        kind="warehouse",
        nation=world.ita,
        organisation=agency,
        latitude="40.46",
        longitude="17.25",
    )
    item_upsert(
        actor=None,
        code="ventilator",
        name_en="Ventilator",
        name_nb="",
        name_nn="",
        category="respiratory",
        unit="piece",
        unit_weight_kg="45",
        unit_volume_m3="0.2",
    )
    pledge = services.pledge_create(actor=manager, nation="ITA", amount_minor=1_000_000_00, currency="EUR")
    services.contribution_receive(actor=manager, pledge=pledge, amount_minor=1_000_000_00)
    return SimpleNamespace(world=world, manager=manager)


def _make(context, state):
    manager = context.manager
    order = services.order_create(
        actor=manager,
        supplier="Respira S.p.A.",
        currency="EUR",
        warehouse="taranto-warehouse",
        lines=[services.OrderLineInput("ventilator", 10, 12_500_00)],
        recipient=context.world.ita,
    )
    if state in (S.APPROVED, S.RECEIVED):
        services.order_approve(actor=manager, order=order)
    if state == S.RECEIVED:
        services.order_receive(actor=manager, order=order)
    if state == S.CANCELLED:
        services.order_cancel(actor=manager, order=order)
    return ProcurementOrder.objects.get(pk=order.pk)


def _perform(context, actor, order, name):
    calls = {"approve": services.order_approve, "receive": services.order_receive, "cancel": services.order_cancel}
    return calls[name](actor=actor, order=order)


DRIVERS = [
    Driver(
        workflow=ORDER,
        setup=_setup,
        actors=lambda context: {"manager": context.manager},
        make=_make,
        perform=_perform,
        page=lambda order: f"/fund/orders/{order.pk}/",
        api=lambda order: f"/api/v1/fund/orders/{order.pk}",
    )
]
