"""A quantity with its unit, in words and in the reader's number format: '300 000 stykk', '1,200 pairs'."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from django.utils import translation
from django.utils.translation import ngettext

from aidx.core import formatting


def _words(unit: str, n: int) -> str:
    # One ngettext per unit, so each language declines the word itself (1 piece, 2 pieces; 1 stykk, 2 stykk).
    if unit == "piece":
        return ngettext("%(n)s piece", "%(n)s pieces", n)
    if unit == "pair":
        return ngettext("%(n)s pair", "%(n)s pairs", n)
    if unit == "kit":
        return ngettext("%(n)s kit", "%(n)s kits", n)
    if unit == "litre":
        return ngettext("%(n)s litre", "%(n)s litres", n)
    if unit == "box":
        return ngettext("%(n)s box", "%(n)s boxes", n)
    return "%(n)s"


def unit_of(thing: Any) -> str:
    """The unit code of an item, of a line (its item's), or the code itself; '' for capabilities."""
    if thing is None or isinstance(thing, str):
        return thing or ""
    item = getattr(thing, "item", None) if not hasattr(thing, "unit") else thing
    return getattr(item, "unit", "") or ""


def quantity(n: int | None, unit: Any = None, *, language: str | None = None) -> str:
    """`n` in the reader's number format followed by its unit: quantity(300000, item) → '300,000 pieces'."""
    if n is None:
        return ""
    with translation.override(language) if language else nullcontext():
        return _words(unit_of(unit), int(n)) % {"n": formatting.number(n)}
