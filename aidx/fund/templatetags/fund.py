from __future__ import annotations

from django import template

from aidx.fund.models import FUND_CURRENCY
from aidx.fund.services import format_minor

register = template.Library()


@register.filter
def money(amount: int | None, currency: str = FUND_CURRENCY) -> str:
    """Minor units as the currency's decimal amount: 123450|money:"EUR" → 1 234.50."""
    return "" if amount is None else format_minor(int(amount), currency or FUND_CURRENCY)


@register.filter
def eur(amount: int | None) -> str:
    return money(amount, FUND_CURRENCY)
