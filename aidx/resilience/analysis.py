"""The arithmetic of resilience, pure: scores of an assessment, concentration of supply, days of cover.

No Django here, so each figure can be checked by hand in a test: selectors gather the numbers from the
database and call these functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

TOP_LEVEL = 4
TWO_PLACES = Decimal("0.01")
# Days of cover that justify each maturity level of a stock indicator: below 7 days is level 0, 7 to 13 level 1,
# 14 to 29 level 2, 30 to 59 level 3, 60 and more level 4. Planning figures of this product, not a standard.
COVER_BANDS = (7, 14, 30, 60)
GAP = 2  # a claimed level this far from the evidence's is flagged for the reviewer


@dataclass(frozen=True)
class Scored:
    requirement: int
    level: int | None  # None: not answered
    weight: int


@dataclass(frozen=True)
class Scores:
    by_requirement: dict[int, Decimal | None]  # weighted mean level 0–4, two places; None when nothing answered
    overall: Decimal | None
    answered: int
    total: int

    def percent(self, level: Decimal | None) -> Decimal | None:
        return None if level is None else (level * 100 / TOP_LEVEL).quantize(TWO_PLACES, ROUND_HALF_UP)


def weighted_level(pairs: Iterable[tuple[int | None, int]]) -> Decimal | None:
    """The weighted mean of the answered levels: sum(level × weight) / sum(weight), to two places."""
    total = weights = 0
    for level, weight in pairs:
        if level is None:
            continue
        total += level * weight
        weights += weight
    if not weights:
        return None
    return (Decimal(total) / Decimal(weights)).quantize(TWO_PLACES, ROUND_HALF_UP)


def scores(answers: Iterable[Scored], requirements: Iterable[int] = range(1, 8)) -> Scores:
    """A score per requirement and overall, both weighted by the indicators' weights (overall: over every
    answered indicator, so a requirement with heavier indicators counts for more)."""
    rows = list(answers)
    by_requirement = {
        number: weighted_level((a.level, a.weight) for a in rows if a.requirement == number) for number in requirements
    }
    return Scores(
        by_requirement=by_requirement,
        overall=weighted_level((a.level, a.weight) for a in rows),
        answered=sum(1 for a in rows if a.level is not None),
        total=len(rows),
    )


def cover_level(days: Decimal | None) -> int | None:
    """The maturity level that `days` of cover support (None: no figure)."""
    if days is None:
        return None
    return sum(1 for band in COVER_BANDS if days >= band)


def is_gap(claimed: int | None, implied: int | None) -> bool:
    return claimed is not None and implied is not None and abs(claimed - implied) >= GAP


def days_of_cover(stock: Mapping[str, int], rates: Mapping[str, Decimal], beds: int) -> dict[str, Decimal | None]:
    """Days each item lasts: stock / (rate per bed-day × beds); None where the item has no rate or no beds."""
    cover: dict[str, Decimal | None] = {}
    for item, rate in rates.items():
        daily = Decimal(rate) * beds
        cover[item] = (Decimal(stock.get(item, 0)) / daily).quantize(Decimal("0.1"), ROUND_HALF_UP) if daily else None
    return cover


def shortest(cover: Mapping[str, Decimal | None]) -> Decimal | None:
    """The days of cover of the item that runs out first."""
    known = [days for days in cover.values() if days is not None]
    return min(known) if known else None


@dataclass(frozen=True)
class Supply:
    """Some quantity of an item from one manufacturer."""

    manufacturer: str
    production_country: str
    owner_country: str | None  # the ultimate owner's country on the day looked at
    quantity: int


def shares(supplies: Iterable[Supply], key: str = "production_country") -> dict[str, Decimal]:
    """Each country's (or manufacturer's) share of the quantity, 0–1. No quantity at all: equal shares per
    manufacturer, so a registry without figures still shows who depends on whom."""
    rows = list(supplies)
    total = sum(s.quantity for s in rows)
    by: dict[str, Decimal] = defaultdict(Decimal)
    if total:
        for s in rows:
            by[str(getattr(s, key))] += Decimal(s.quantity) / Decimal(total)
    else:
        manufacturers = {s.manufacturer: s for s in rows}
        for s in manufacturers.values():
            by[str(getattr(s, key))] += Decimal(1) / Decimal(len(manufacturers))
    return dict(by)


def hhi(share_by: Mapping[str, Decimal]) -> int:
    """The Herfindahl–Hirschman index on the usual 0–10,000 scale: the sum of the squared shares in percent."""
    return int(sum(((share * 100) ** 2 for share in share_by.values()), Decimal(0)).quantize(Decimal(1), ROUND_HALF_UP))


def share_outside(supplies: Iterable[Supply], inside: set[str]) -> Decimal:
    """The share (0–1) produced or owned outside the countries `inside` (the alliance and its partners)."""
    rows = list(supplies)
    total = sum(s.quantity for s in rows)
    if not rows:
        return Decimal(0)
    outside = [s for s in rows if s.production_country not in inside or (s.owner_country or "") not in inside]
    if total:
        return Decimal(sum(s.quantity for s in outside)) / Decimal(total)
    manufacturers = {s.manufacturer for s in rows}
    return Decimal(len({s.manufacturer for s in outside})) / Decimal(len(manufacturers))


def without_country(supplies: Iterable[Supply], country: str) -> list[Supply]:
    """What is left when `country` stops exporting: everything produced there is gone."""
    return [s for s in supplies if s.production_country != country]


@dataclass(frozen=True)
class OwnerChange:
    on: int | str  # the day it took effect (any orderable value: a date in practice)
    before: str | None  # the previous owner's country (None: the first owner on record)
    after: str


def screen(changes: Iterable[OwnerChange], inside_on: Callable[[Any], set[str]]) -> list[OwnerChange]:
    """Changes of ultimate owner from a country inside the alliance and its partners to one outside it, as they
    stood on the day of the change: the foreign-ownership flags. (A first owner on record is not a change.)"""
    return [
        change
        for change in changes
        if change.before is not None
        and change.before in inside_on(change.on)
        and change.after not in inside_on(change.on)
    ]
