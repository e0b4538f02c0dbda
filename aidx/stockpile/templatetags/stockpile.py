from __future__ import annotations

import datetime as dt

from django import template

from aidx.stockpile import selectors

register = template.Library()


@register.filter
def expiry_class(days: int | None) -> str:
    """CSS class for a lot's remaining days: expired, within 30, 60 or 90 days, or fine."""
    band = selectors.band_of(days)
    return "" if band is None else ("expiry-past" if band == 0 else f"expiry-{band}")


@register.filter
def days_from(day: dt.date | None, today: dt.date) -> int | None:
    """Days from `today` until `day` (negative once past)."""
    return None if day is None else (day - today).days
