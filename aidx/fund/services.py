"""Writes to the trust fund. Every money movement is one `Transaction` booked by `_book`:

1. the postings must sum to zero (checked here; on PostgreSQL also by a deferred trigger at commit);
2. the accounts touched are locked (`select_for_update`, in id order) and the cash accounts may not go
   below zero (checked here under the lock, and by a CHECK constraint) — nobody disburses money the fund
   does not have, not even two managers paying at the same moment;
3. transaction, postings, account balances and the audit entry are written in one database transaction.

Accounts (debit positive): receivable, cash and committed are assets; contributions and exchange differences
are fund capital (credit); expenditure is expense. A pledge is Dr receivable / Cr contributions; a contribution
Dr cash / Cr receivable (the difference of rates between pledge and payment goes to exchange differences); an
approved order Dr committed / Cr cash, a cancelled one the reverse; a received order Dr expenditure (per item) /
Cr committed; a transport payment Dr expenditure (per recipient) / Cr cash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import pycountry
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance.models import Allocation
from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Item
from aidx.core import formatting
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.fund.models import (
    FUND_CURRENCY,
    Account,
    Contribution,
    ExchangeRate,
    OrderLine,
    Pledge,
    Posting,
    ProcurementOrder,
    Transaction,
    TransportPayment,
)
from aidx.fund.workflow import ORDER, may_book
from aidx.nations.models import Nation, Site
from aidx.stockpile import services as stock

MAX_MINOR = 10**15  # ten trillion euros: anything larger is a typing error
ACCOUNTS = {
    Account.Code.RECEIVABLE: (Account.Kind.ASSET, False),
    Account.Code.CASH: (Account.Kind.ASSET, True),
    Account.Code.COMMITTED: (Account.Kind.ASSET, True),
    Account.Code.EXPENDITURE: (Account.Kind.EXPENSE, False),
    Account.Code.CONTRIBUTIONS: (Account.Kind.EQUITY, False),
    Account.Code.FX: (Account.Kind.EQUITY, False),
}


# --- who may act ---------------------------------------------------------------------------------------------


def _require_manager(actor: Any) -> None:
    if not may_book(actor):
        raise PermissionDenied(_("Only a fund manager or a coordinator can do this."))


# --- money -----------------------------------------------------------------------------------------------------


def currency_code(value: str, field: str = "currency") -> str:
    code = (value or "").strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise BusinessError(_("Unknown currency: %(code)s.") % {"code": value}, field=field)
    return code


def exponent(currency: str) -> int:
    """The currency's minor digits, from CLDR through Babel (JPY 0, EUR 2, KWD 3)."""
    return formatting.currency_digits(currency)


def _amount(value: Any, field: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BusinessError(_("Give the amount as a whole number of minor units."), field=field)
    if value <= 0:
        raise BusinessError(_("The amount must be greater than zero."), field=field)
    if value > MAX_MINOR:
        raise BusinessError(_("The amount is too large."), field=field)
    return value


def parse_amount(text: str, currency: str, field: str = "amount") -> int:
    """'1 234,50' EUR → 123450: decimal text in the reader's locale to minor units, refusing more decimals than the
    currency has."""
    try:
        value = formatting.parse_decimal(text)
    except ValueError:
        raise BusinessError(
            _("Enter an amount such as %(example)s.") % {"example": formatting.money_input(125050, "EUR")}, field=field
        ) from None
    try:
        minor = formatting.to_minor(value, currency)
    except ValueError:
        raise BusinessError(_("Too many decimals for %(currency)s.") % {"currency": currency}, field=field) from None
    return _amount(minor, field)


def rate_on(currency: str, on: dt.date) -> tuple[Decimal, dt.date]:
    """The EUR value of one unit on `on`: the latest rate on or before that day."""
    if currency == FUND_CURRENCY:
        return Decimal(1), on
    rate = ExchangeRate.objects.filter(currency=currency, on__lte=on).order_by("-on").first()
    if rate is None:
        raise BusinessError(
            _("No exchange rate for %(currency)s on or before %(date)s.") % {"currency": currency, "date": on},
            code="no_rate",
            field="currency",
        )
    return rate.eur_per_unit, rate.on


def to_eur_minor(amount_minor: int, currency: str, rate: Decimal) -> int:
    eur = Decimal(amount_minor).scaleb(-exponent(currency)) * rate
    return int(eur.scaleb(exponent(FUND_CURRENCY)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@transaction.atomic
def rate_set(*, actor: Any, currency: str, on: dt.date, eur_per_unit: Decimal | str, source: str = "") -> ExchangeRate:
    _require_manager(actor)
    currency = currency_code(currency)
    if currency == FUND_CURRENCY:
        raise BusinessError(_("The fund's own currency needs no rate."), field="currency")
    try:
        value = Decimal(str(eur_per_unit))
    except InvalidOperation:
        raise BusinessError(_("Enter a number."), field="eur_per_unit") from None
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -10 or value >= 10**9:  # type: ignore[operator]
        raise BusinessError(_("The rate must be a positive number with at most 10 decimals."), field="eur_per_unit")
    rate, _created = ExchangeRate.objects.update_or_create(
        currency=currency, on=on, defaults={"eur_per_unit": value, "source": source[:200]}
    )
    record(actor=actor, action="fund.rate_set", target=rate, after=snapshot(rate))
    return rate


# --- the ledger ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    account: str
    amount: int  # EUR cents, debit positive
    nation: Nation | None = None
    item: Item | None = None
    recipient: Nation | None = None


def accounts() -> dict[str, Account]:
    """The chart of accounts (created on first use: a flushed test database has none)."""
    found = {a.code: a for a in Account.objects.all()}
    for code, (kind, non_negative) in ACCOUNTS.items():
        if code not in found:
            Account.objects.get_or_create(code=code, defaults={"kind": kind, "non_negative": non_negative})
    return {a.code: a for a in Account.objects.all()}


def _book(
    *,
    actor: Any,
    kind: str,
    occurred_on: dt.date,
    currency: str,
    amount_minor: int,
    rate: Decimal,
    rate_date: dt.date,
    legs: list[Leg],
    description: str = "",
    **links: Any,
) -> Transaction:
    legs = [leg for leg in legs if leg.amount]
    if not legs or sum(leg.amount for leg in legs) != 0:
        raise BusinessError(_("The booking does not balance."), code="unbalanced")  # a bug, never user input
    chart = accounts()
    codes = sorted({leg.account for leg in legs}, key=lambda code: chart[code].pk)
    locked = {
        a.code: a
        for a in Account.objects.select_for_update().filter(code__in=codes).order_by("id")  # fixed lock order
    }
    for code in codes:
        change = sum(leg.amount for leg in legs if leg.account == code)
        if locked[code].non_negative and locked[code].balance_minor + change < 0:
            raise BusinessError(
                _("Not enough money: %(account)s holds %(n)s.")
                % {"account": locked[code], "n": formatting.money(locked[code].balance_minor, FUND_CURRENCY)},
                code="insufficient_funds",
            )
    booked = Transaction.objects.create(
        kind=kind,
        occurred_on=occurred_on,
        description=description[:300],
        currency=currency,
        amount_minor=amount_minor,
        rate=rate,
        rate_on=rate_date,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **links,
    )
    Posting.objects.bulk_create(
        [
            Posting(
                transaction=booked,
                account=locked[leg.account],
                amount_minor=leg.amount,
                nation=leg.nation,
                item=leg.item,
                recipient=leg.recipient,
            )
            for leg in legs
        ]
    )
    for code in codes:
        change = sum(leg.amount for leg in legs if leg.account == code)
        if change:
            Account.objects.filter(pk=locked[code].pk).update(balance_minor=F("balance_minor") + change)
    record(
        actor=actor,
        action=f"fund.{kind}",
        target=booked,
        after={**snapshot(booked), "postings": [f"{leg.account} {leg.amount:+d}" for leg in legs]},
    )
    return booked


def _date(value: Any, field: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise BusinessError(_("Enter a valid date (YYYY-MM-DD)."), field=field)
    return value


# --- pledges and contributions ----------------------------------------------------------------------------------


@transaction.atomic
def pledge_create(
    *,
    actor: Any,
    nation: Nation | str,
    amount_minor: int,
    currency: str,
    pledged_on: dt.date | None = None,
    earmark: str = "",
    illustrative: bool = False,
    scenario_key: str = "",
) -> Pledge:
    _require_manager(actor)
    pledger = nation if isinstance(nation, Nation) else Nation.objects.filter(code=str(nation).upper()).first()
    if pledger is None:
        raise BusinessError(_("Unknown nation."), field="nation")
    currency, amount_minor = currency_code(currency), _amount(amount_minor)
    pledged_on = _date(pledged_on or timezone.localdate(), "pledged_on")
    earmark = (earmark or "").strip()
    if len(earmark) > 200:
        raise BusinessError(_("The text is too long (at most %(n)s characters).") % {"n": 200}, field="earmark")
    rate, rate_date = rate_on(currency, pledged_on)
    eur = to_eur_minor(amount_minor, currency, rate)
    if eur <= 0:
        raise BusinessError(_("The amount is worth less than one cent."), field="amount")
    pledge = Pledge.objects.create(
        nation=pledger,
        amount_minor=amount_minor,
        currency=currency,
        pledged_on=pledged_on,
        earmark=earmark,
        rate=rate,
        eur_minor=eur,
        illustrative=illustrative,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        scenario_key=scenario_key,
    )
    _book(
        actor=actor,
        kind=Transaction.Kind.PLEDGE,
        occurred_on=pledged_on,
        currency=currency,
        amount_minor=amount_minor,
        rate=rate,
        rate_date=rate_date,
        legs=[Leg("receivable", eur, pledger), Leg("contributions", -eur, pledger)],
        description=earmark,
        nation=pledger,
        pledge=pledge,
    )
    return pledge


@transaction.atomic
def contribution_receive(
    *, actor: Any, pledge: Pledge | int, amount_minor: int, received_on: dt.date | None = None
) -> Contribution:
    """Money received against a pledge, in its currency, at most what is still outstanding."""
    _require_manager(actor)
    pledge = Pledge.objects.select_for_update().select_related("nation").get(pk=getattr(pledge, "pk", pledge))
    amount_minor = _amount(amount_minor)
    received_on = _date(received_on or timezone.localdate(), "received_on")
    paid = pledge.contributions.aggregate(n=Sum("amount_minor"))["n"] or 0
    outstanding = pledge.amount_minor - paid
    if amount_minor > outstanding:
        raise BusinessError(
            _("Only %(n)s is outstanding on this pledge.") % {"n": formatting.money(outstanding, pledge.currency)},
            code="over_payment",
            field="amount",
        )
    rate, rate_date = rate_on(pledge.currency, received_on)
    eur = to_eur_minor(amount_minor, pledge.currency, rate)
    credited = -(
        Posting.objects.filter(transaction__pledge=pledge, account__code="receivable", amount_minor__lt=0).aggregate(
            n=Sum("amount_minor")
        )["n"]
        or 0
    )
    if amount_minor == outstanding:
        settle = pledge.eur_minor - credited  # the last payment clears the receivable exactly
    else:
        settle = int((Decimal(pledge.eur_minor) * amount_minor / pledge.amount_minor).quantize(Decimal(1)))
    contribution = Contribution.objects.create(
        pledge=pledge,
        amount_minor=amount_minor,
        received_on=received_on,
        rate=rate,
        eur_minor=eur,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    nation = pledge.nation
    _book(
        actor=actor,
        kind=Transaction.Kind.CONTRIBUTION,
        occurred_on=received_on,
        currency=pledge.currency,
        amount_minor=amount_minor,
        rate=rate,
        rate_date=rate_date,
        legs=[Leg("cash", eur, nation), Leg("receivable", -settle, nation), Leg("fx", settle - eur, nation)],
        nation=nation,
        pledge=pledge,
        contribution=contribution,
    )
    return contribution


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
    supplier = (supplier or "").strip()
    if not supplier or len(supplier) > 200:
        raise BusinessError(_("Name the supplier (at most 200 characters)."), field="supplier")
    currency, site = currency_code(currency), stock.warehouse_of(warehouse)
    if not lines or len(lines) > 100:
        raise BusinessError(_("Add one to 100 lines."), field="lines")
    items = {i.code: i for i in Item.objects.filter(code__in=[line.item for line in lines])}
    for number, line in enumerate(lines, start=1):
        if line.item not in items:
            raise BusinessError(
                _("Line %(n)s: unknown item %(code)s.") % {"n": number, "code": line.item}, field="lines"
            )
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or not 0 < line.quantity <= 10**9:
            raise BusinessError(_("Line %(n)s: the quantity must be a whole number above zero.") % {"n": number})
        if (
            isinstance(line.unit_price_minor, bool)
            or not isinstance(line.unit_price_minor, int)
            or not 0 <= line.unit_price_minor <= MAX_MINOR
        ):
            raise BusinessError(_("Line %(n)s: the price must be zero or more.") % {"n": number}, field="lines")
    if sum(line.quantity * line.unit_price_minor for line in lines) > MAX_MINOR:
        raise BusinessError(_("The amount is too large."), field="lines")
    order = ProcurementOrder.objects.create(
        supplier=supplier,
        currency=currency,
        warehouse=site,
        recipient=recipient,
        ordered_on=_date(ordered_on or timezone.localdate(), "ordered_on"),
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


@transaction.atomic
def transport_pay(
    *,
    actor: Any,
    amount_minor: int,
    currency: str,
    description: str,
    paid_on: dt.date | None = None,
    recipient: Nation | None = None,
    allocation: Allocation | None = None,
    scenario_key: str = "",
) -> TransportPayment:
    """Pay for moving aid (a charter, a flight) out of uncommitted cash."""
    _require_manager(actor)
    currency, amount_minor = currency_code(currency), _amount(amount_minor)
    description = (description or "").strip()
    if not description or len(description) > 300:
        raise BusinessError(_("Describe the payment (at most 300 characters)."), field="description")
    paid_on = _date(paid_on or timezone.localdate(), "paid_on")
    if allocation is not None and recipient is None:
        recipient = allocation.request_line.request.owner_nation
    rate, rate_date = rate_on(currency, paid_on)
    eur = to_eur_minor(amount_minor, currency, rate)
    payment = TransportPayment.objects.create(
        recipient=recipient,
        allocation=allocation,
        description=description,
        amount_minor=amount_minor,
        currency=currency,
        paid_on=paid_on,
        rate=rate,
        eur_minor=eur,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        scenario_key=scenario_key,
    )
    _book(
        actor=actor,
        kind=Transaction.Kind.TRANSPORT,
        occurred_on=paid_on,
        currency=currency,
        amount_minor=amount_minor,
        rate=rate,
        rate_date=rate_date,
        legs=[Leg("expenditure", eur, recipient=recipient), Leg("cash", -eur)],
        description=description,
        nation=None,
        payment=payment,
    )
    return payment


# --- the projection ------------------------------------------------------------------------------------------------


def check_accounts() -> dict[str, tuple[int, int]]:
    """Accounts whose kept balance differs from the sum of their postings: {code: (kept, replayed)}."""
    replayed = dict(Posting.objects.order_by().values_list("account__code").annotate(n=Sum("amount_minor")))
    return {
        a.code: (a.balance_minor, replayed.get(a.code, 0))
        for a in Account.objects.all()
        if a.balance_minor != replayed.get(a.code, 0)
    }


def unbalanced_transactions() -> list[int]:
    return list(
        Posting.objects.order_by()
        .values("transaction_id")
        .annotate(n=Sum("amount_minor"))
        .exclude(n=0)
        .values_list("transaction_id", flat=True)
    )


@transaction.atomic
def rebuild_accounts() -> None:
    accounts()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE fund_account IN EXCLUSIVE MODE")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE fund_account SET balance_minor = COALESCE("
            "(SELECT SUM(p.amount_minor) FROM fund_posting p WHERE p.account_id = fund_account.id), 0)"
        )
