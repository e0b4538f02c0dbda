"""Small filters for resilience pages: a score's colour band and a look-up in a mapping."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def band(level: Decimal | float | None) -> str:
    """The heat-map colour class of a score 0–4: its whole level, or 'none'."""
    if level is None:
        return "none"
    return str(min(4, max(0, int(level))))


@register.filter
def get(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)
