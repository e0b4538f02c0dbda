"""Procurement: orders drafted, approved (funds committed), cancelled, and received into stock (paid)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Item
from aidx.core.errors import Problems
from aidx.fund.models import (
    OrderLine,
    ProcurementOrder,
    Transaction,
)
from aidx.fund.services.common import (
    MAX_MINOR,
    _require_manager,
    currency_code,
    rate_on,
    to_eur_minor,
)
from aidx.fund.services.ledger import Leg, _book, _date
from aidx.fund.workflow import ORDER
from aidx.nations.models import Nation, Site
from aidx.stockpile import services as stock

# --- disbursements ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLineInput:
    item: str
    quantity: int
    unit_price_minor: int


@transaction.atomic
def order_create(
    *,
    actor: Any,
    supplier: str,
    currency: str,
    warehouse: Site | str,
    lines: list[OrderLineInput],
    ordered_on: dt.date | None = None,
    recipient: Nation | None = None,
    reference: str = "",
    scenario_key: str = "",
) -> ProcurementOrder:
    """A draft procurement order: nothing is committed until it is approved."""
    _require_manager(actor)
    problems = Problems()  # every problem of the order at once, before anything is written
    supplier = (supplier or "").strip()
    if not supplier or len(supplier) > 200:
        problems.add(_("Name the supplier (at most 200 characters)."), field="supplier")
    currency = problems.collect(lambda: currency_code(currency), "")
    site = problems.collect(lambda: stock.warehouse_of(warehouse))
    ordered_on = problems.collect(lambda: _date(ordered_on or timezone.localdate(), "ordered_on"))
    if not lines or len(lines) > 100:
        problems.add(_("Add one to 100 lines."), field="lines")
        lines = []
    items = {i.code: i for i in Item.objects.filter(code__in=[line.item for line in lines])}
    for number, line in enumerate(lines, start=1):
        if line.item not in items:
            problems.add(_("Line %(n)s: unknown item %(code)s.") % {"n": number, "code": line.item}, field="lines")
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or not 0 < line.quantity <= 10**9:
            problems.add(
                _("Line %(n)s: the quantity must be a whole number above zero.") % {"n": number}, field="lines"
            )
        if (
            isinstance(line.unit_price_minor, bool)
            or not isinstance(line.unit_price_minor, int)
            or not 0 <= line.unit_price_minor <= MAX_MINOR
        ):
            problems.add(_("Line %(n)s: the price must be zero or more.") % {"n": number}, field="lines")
    if not problems and sum(line.quantity * line.unit_price_minor for line in lines) > MAX_MINOR:
        problems.add(_("The amount is too large."), field="lines")
    problems.raise_any()
    order = ProcurementOrder.objects.create(
        supplier=supplier,
        currency=currency,
        warehouse=site,
        recipient=recipient,
        ordered_on=ordered_on,
        reference=(reference or "").strip()[:100],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        scenario_key=scenario_key,
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order, item=items[line.item], quantity=line.quantity, unit_price_minor=line.unit_price_minor
            )
            for line in lines
        ]
    )
    record(actor=actor, action="fund.order_create", target=order, after=snapshot(order))
    return order


def _locked_order(order: ProcurementOrder | int) -> ProcurementOrder:
    return ProcurementOrder.objects.select_for_update().get(pk=getattr(order, "pk", order))


@transaction.atomic
def order_approve(*, actor: Any, order: ProcurementOrder | int, on: dt.date | None = None) -> ProcurementOrder:
    """Commit the order's value (converted at the day's rate) out of the uncommitted cash."""
    order = _locked_order(order)
    ORDER.check(actor, order, "approve")
    on = _date(on or timezone.localdate(), "on")
    total = order.total_minor
    rate, rate_date = rate_on(order.currency, on)
    eur = to_eur_minor(total, order.currency, rate)
    before = snapshot(order)
    if eur:
        _book(
            actor=actor,
            kind=Transaction.Kind.COMMITMENT,
            occurred_on=on,
            currency=order.currency,
            amount_minor=total,
            rate=rate,
            rate_date=rate_date,
            legs=[Leg("committed", eur, recipient=order.recipient), Leg("cash", -eur)],
            description=str(order),
            order=order,
        )
    ORDER.advance(order, "approve")
    order.approved_on, order.rate, order.eur_minor = on, rate, eur
    order.save(update_fields=["status", "approved_on", "rate", "eur_minor"])
    record(actor=actor, action="fund.order_approve", target=order, before=before, after=snapshot(order))
    return order


@transaction.atomic
def order_cancel(*, actor: Any, order: ProcurementOrder | int, on: dt.date | None = None) -> ProcurementOrder:
    """Cancel an order not yet received; an approved one gives its committed funds back to cash."""
    order = _locked_order(order)
    ORDER.check(actor, order, "cancel")
    on = _date(on or timezone.localdate(), "on")
    before = snapshot(order)
    if order.status == ProcurementOrder.Status.APPROVED and order.eur_minor:
        _book(
            actor=actor,
            kind=Transaction.Kind.DECOMMITMENT,
            occurred_on=on,
            currency=order.currency,
            amount_minor=order.total_minor,
            rate=order.rate or Decimal(1),
            rate_date=order.approved_on or on,
            legs=[Leg("cash", order.eur_minor), Leg("committed", -order.eur_minor, recipient=order.recipient)],
            description=str(order),
            order=order,
        )
    ORDER.advance(order, "cancel")
    order.save(update_fields=["status"])
    record(actor=actor, action="fund.order_cancel", target=order, before=before, after=snapshot(order))
    return order


@dataclass(frozen=True)
class LotInput:
    lot_number: str
    expiry_date: dt.date | None = None


@transaction.atomic
def order_receive(
    *,
    actor: Any,
    order: ProcurementOrder | int,
    received_on: dt.date | None = None,
    lots: dict[int, LotInput] | None = None,
) -> ProcurementOrder:
    """The goods arrived: each line becomes a lot at the order's warehouse (through the stockpile's receipt
    service) and the committed money becomes expenditure, by item, at the rate fixed on approval."""
    order = _locked_order(order)
    ORDER.check(actor, order, "receive")
    received_on = _date(received_on or timezone.localdate(), "received_on")
    lines = list(order.lines.select_related("item"))
    lots = lots or {}
    before = snapshot(order)
    for line in lines:
        given = lots.get(line.pk)
        shelf = line.item.shelf_life_days
        stock.receive(
            actor=actor,
            warehouse=order.warehouse,
            item=line.item,
            lot_number=given.lot_number if given else f"PO{order.pk}-{line.pk}",
            quantity=line.quantity,
            expiry_date=(given.expiry_date if given else None)
            or (received_on + dt.timedelta(days=shelf) if shelf else None),
            source="procurement",
            unit_value_minor=line.unit_price_minor,
            currency=order.currency,
            occurred_on=received_on,
            reference=str(order)[:200],
        )
    total_eur = order.eur_minor or 0
    total = order.total_minor
    legs, spent = [], 0
    for number, line in enumerate(lines):
        if number == len(lines) - 1:
            share = total_eur - spent  # the rounding remainder goes to the last line
        else:
            share = (
                int((Decimal(total_eur) * line.quantity * line.unit_price_minor / total).quantize(Decimal(1)))
                if total
                else 0
            )
        spent += share
        legs.append(Leg("expenditure", share, item=line.item, recipient=order.recipient))
    if total_eur:
        _book(
            actor=actor,
            kind=Transaction.Kind.PROCUREMENT,
            occurred_on=received_on,
            currency=order.currency,
            amount_minor=total,
            rate=order.rate or Decimal(1),
            rate_date=order.approved_on or received_on,
            legs=[*legs, Leg("committed", -total_eur, recipient=order.recipient)],
            description=str(order),
            order=order,
        )
    ORDER.advance(order, "receive")
    order.received_on = received_on
    order.save(update_fields=["status", "received_on"])
    record(actor=actor, action="fund.order_receive", target=order, before=before, after=snapshot(order))
    return order
