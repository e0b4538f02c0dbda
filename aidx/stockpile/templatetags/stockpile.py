from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from aidx.fund import selectors as fund_selectors
from aidx.stockpile import selectors

register = template.Library()


@register.inclusion_tag("stockpile/panel.html", takes_context=True)
def stock_and_fund_panel(context: dict[str, Any]) -> dict[str, Any]:
    """The stock-and-fund panel of the situational picture: `{% load stockpile %}{% stock_and_fund_panel %}`.

    Stock figures for the centre and stockpile managers, fund totals for allies, partners and managers;
    nothing at all for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"stock": selectors.panel(user), **fund_selectors.panel(user)}


@register.filter
def expiry_class(days: int | None) -> str:
    """CSS class for a lot's remaining days: expired, within 30, 60 or 90 days, or fine."""
    band = selectors.band_of(days)
    return "" if band is None else ("expiry-past" if band == 0 else f"expiry-{band}")


@register.filter
def days_from(day: dt.date | None, today: dt.date) -> int | None:
    """Days from `today` until `day` (negative once past)."""
    return None if day is None else (day - today).days
