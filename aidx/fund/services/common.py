"""What every booking of the fund shares: who may book, money and currencies, exchange rates."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aidx.audit.services import record, snapshot
from aidx.core import formatting
from aidx.core.currency import currency_code
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.fund.models import (
    FUND_CURRENCY,
    Account,
    ExchangeRate,
)
from aidx.fund.workflow import may_book

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
