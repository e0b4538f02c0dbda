from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from aidx.accounts.services import user_create
from aidx.assistance import services as exchange_services
from aidx.assistance.services import LineInput
from aidx.assistance.tests.conftest import exchange  # noqa: F401 - the fixture this one builds on
from aidx.catalogue.models import Item
from aidx.nations import services as registry
from aidx.nations.services import site_create
from aidx.stockpile import services
from aidx.stockpile.models import StockOffer


@pytest.fixture
def stock(exchange):  # noqa: F811
    """The exchange fixture plus the support agency, its stockpile manager and two warehouses."""
    w = exchange.world
    agency = registry.organisation_create(actor=None, code="support-agency", kind="agency", name_en="Support agency")
    registry.membership_add(actor=None, organisation=agency, kind="ally", valid_from=dt.date(1958, 1, 1))
    manager = user_create(
        actor=None, username="stockpile", password=w.password, organisation=agency, roles={"poc", "stockpile"}
    )
    taranto = site_create(
        actor=None,
        code="taranto-warehouse",
        name="Taranto",
        kind="warehouse",
        nation=w.ita,
        organisation=agency,
        latitude="40.46",
        longitude="17.25",
    )
    second = site_create(
        actor=None,
        code="second-warehouse",
        name="Second",
        kind="warehouse",
        nation=w.ita,
        organisation=agency,
        latitude="41.0",
        longitude="16.0",
    )
    today = exchange.today

    def lot(number, quantity, *, item="ventilator", expiry=None, warehouse=None, days=None):
        if days is not None:
            expiry = today + dt.timedelta(days=days)
        return services.receive(
            actor=manager,
            warehouse=warehouse or taranto,
            item=item,
            lot_number=number,
            quantity=quantity,
            expiry_date=expiry,
            donor=w.esp,
        )

    def allocation(quantity, *, item="ventilator", requester=None, accept=True, needed_in=10):
        """A request by Italy (or `requester`) allocated `quantity` from the stockpile's offer."""
        services.offer_sync(actor=manager, items=[Item.objects.get(code=item)])
        link = StockOffer.objects.get(item__code=item).offer
        request = exchange_services.request_create(
            actor=requester or w.ally_a,
            title="Ventilators",
            needed_by=today + dt.timedelta(days=needed_in),
            delivery_site=exchange.rome,
            lines=[LineInput(item=item, quantity=quantity)],
        )
        request = exchange_services.request_submit(actor=requester or w.ally_a, request=request)
        created = exchange_services.allocation_propose(
            actor=w.coordinator, offer_line=link.lines.get(), request_line=request.lines.get(), quantity=quantity
        )
        if accept:
            created = exchange_services.allocation_accept(actor=requester or w.ally_a, allocation=created)
        return created

    return SimpleNamespace(
        exchange=exchange,
        world=w,
        agency=agency,
        manager=manager,
        taranto=taranto,
        second=second,
        lot=lot,
        allocation=allocation,
        today=today,
        ventilator=exchange.ventilator,
    )
