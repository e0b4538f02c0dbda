"""The one set of filters for figures shown to people: `{% load formatting %}`.

    {{ amount_minor|money:currency }}   €1,234.50 · 1 234,50 €   (minor units, the currency's own digits)
    {{ n|number }} {{ x|number:1 }}     1,234,567 · 1 234 567    (`:1` fixes one decimal)
    {{ line.quantity|quantity:line }}   300,000 pieces · 300 000 stykk  (the unit of an item, a line, or a unit code)
    {{ share|percent }}                 18% · 18 %
    {{ date|day }}                      6 Dec 2026 · 6. des. 2026
    {{ timestamp|moment }}              6 Dec 2026, 20:03 · 6. des. 2026, 20:03  (24-hour, the reader's time zone)
    {{ row|translated:"item__" }}       a catalogue name from a .values() row, in the reader's language

Machine formats (`|date:'c'` in a <time datetime>, `|date:'Y-m-d'` in an <input type=date>) stay Django's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from aidx.catalogue import units
from aidx.core import formatting
from aidx.core.models import translated as translated_name
from aidx.core.phases import phase_label

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str = "EUR") -> str:
    if amount_minor is None or amount_minor == "":
        return ""
    return formatting.money(int(amount_minor), currency or "EUR")


@register.filter
def number(value: int | float | Decimal | None, places: int | None = None) -> str:
    if value is None or value == "":
        return ""
    return formatting.number(value, places=None if places in (None, "") else int(places))


@register.filter
def quantity(n: int | None, unit: Any = None) -> str:
    if n is None or n == "":
        return ""
    return units.quantity(int(n), unit)


@register.filter
def percent(value: float | Decimal | None) -> str:
    return "" if value is None or value == "" else formatting.percent(value)


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    return "" if not value else formatting.day(value)


@register.filter
def moment(value: dt.datetime | dt.date | str | None) -> str:
    """A timestamp; also one kept as ISO 8601 text in a JSON document (a planner's proposal)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        value = parsed.replace(tzinfo=dt.UTC) if timezone.is_naive(parsed) else parsed
    if not isinstance(value, dt.datetime):
        return formatting.day(value)
    return formatting.moment(value)


@register.filter
def translated(row: dict[str, Any], prefix: str = "") -> str:
    """A name in the reader's language from a `.values()` row: {{ row|translated:"item__" }}."""
    return translated_name(row, prefix)


@register.filter
def tonnes(kilograms: int | float | Decimal | None) -> str:
    """Kilograms as tonnes with one decimal: 164015 → '164.0' (the unit is the template's to write)."""
    if kilograms is None or kilograms == "":
        return ""
    return formatting.number(Decimal(kilograms) / 1000, places=1)


@register.filter
def phase(code: str) -> str:
    """A run's phase in words (aidx.core.phases)."""
    return phase_label(code or "")
