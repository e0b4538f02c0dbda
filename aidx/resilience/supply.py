"""Reads of supply vulnerability: the supplier registry and the figures per item of the stockpile and of the
items requested in a crisis. The registry and the figures reveal stock and orders, so they are for those who
read the stockpile (the centre and the stockpile managers); anyone else gets nothing.

An item's supply is the common stockpile's available stock of each linked lot plus the open procurement orders
(draft or approved) of each linked order, by manufacturer; a manufacturer known to make the item (`Product`) with
neither counts as a source with no quantity. Countries inside are the nations that are allies or partners on
the day asked about (memberships are dated).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from aidx.assistance.models import AssistanceRequest, RequestLine
from aidx.catalogue.models import Item
from aidx.fund.models import OrderLine, ProcurementOrder
from aidx.nations.models import Membership
from aidx.resilience import analysis, evidence
from aidx.resilience.models import LotSource, Manufacturer, OrderSource, Ownership, Product
from aidx.stockpile.models import Balance, Lot
from aidx.stockpile.services import may_view

PIPELINE = (ProcurementOrder.Status.DRAFT, ProcurementOrder.Status.APPROVED)
THRESHOLD_DAYS = 30


def may_read(who: Any) -> bool:
    return may_view(who)


def inside_on(on: dt.date) -> set[str]:
    """The alliance and its partners on a day: nations with a membership of either kind valid then."""
    rows = Membership.objects.filter(nation__isnull=False, valid_from__lte=on).exclude(valid_until__lte=on)
    return set(rows.values_list("nation_id", flat=True))


def manufacturers(who: Any) -> QuerySet[Manufacturer]:
    if not may_read(who):
        return Manufacturer.objects.none()
    return Manufacturer.objects.prefetch_related("ownerships", "products__item").order_by("name")


def owner_on(ownerships: list[Ownership], on: dt.date) -> Ownership | None:
    for o in ownerships:
        if o.valid_from <= on and (o.valid_until is None or on < o.valid_until):
            return o
    return None


@dataclass(frozen=True)
class Flag:
    manufacturer: Manufacturer
    on: dt.date
    before: str | None
    after: str
    owner_name: str


def screening(who: Any, on: dt.date | None = None) -> list[Flag]:
    """Suppliers whose ultimate owner changed (on or before `on`) to a country outside the alliance and partners."""
    on = on or timezone.localdate()
    flags: list[Flag] = []
    cache: dict[dt.date, set[str]] = {}

    def inside(day: Any) -> set[str]:
        if day not in cache:
            cache[day] = inside_on(day)
        return cache[day]

    for manufacturer in manufacturers(who):
        history = sorted(manufacturer.ownerships.all(), key=lambda o: o.valid_from)
        changes = [
            analysis.OwnerChange(o.valid_from, history[n - 1].owner_country if n else None, o.owner_country)  # type: ignore[arg-type]
            for n, o in enumerate(history)
            if o.valid_from <= on
        ]
        names = {o.valid_from: o.owner_name for o in history}
        for change in analysis.screen(changes, inside):
            flags.append(Flag(manufacturer, change.on, change.before, change.after, names[change.on]))  # type: ignore[index, arg-type]
    return sorted(flags, key=lambda f: (f.on, f.manufacturer.name), reverse=True)


def _supplies(on: dt.date) -> tuple[dict[str, list[analysis.Supply]], dict[tuple[str, str], int]]:
    """Per item code, every supply by manufacturer (see the module's note); and the open orders' quantity per
    (item code, country of production)."""
    makers = {m.pk: m for m in Manufacturer.objects.prefetch_related("ownerships")}

    def supply(manufacturer_id: int, quantity: int) -> analysis.Supply:
        maker = makers[manufacturer_id]
        owner = owner_on(list(maker.ownerships.all()), on)
        return analysis.Supply(maker.code, maker.production_country, owner.owner_country if owner else None, quantity)

    by_item: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    today = timezone.localdate()
    stock = (
        Balance.objects.filter(lot__owner_nation__isnull=True, blocked=False, lot__status=Lot.Status.AVAILABLE)
        .exclude(lot__expiry_date__lt=today)
        .values("lot_id")
        .annotate(n=Sum(F("on_hand") - F("reserved")))
    )
    lot_makers = dict(LotSource.objects.values_list("lot_id", "manufacturer_id"))
    lot_items = dict(Lot.objects.filter(pk__in=lot_makers).values_list("pk", "item__code"))
    for row in stock:
        if row["lot_id"] in lot_makers:
            by_item[lot_items[row["lot_id"]]][lot_makers[row["lot_id"]]] += int(row["n"] or 0)
    coming: dict[tuple[str, str], int] = defaultdict(int)
    for manufacturer_id, code, quantity in OrderSource.objects.filter(line__order__status__in=PIPELINE).values_list(
        "manufacturer_id", "line__item__code", "line__quantity"
    ):
        by_item[code][manufacturer_id] += quantity
        coming[(code, makers[manufacturer_id].production_country)] += quantity
    for manufacturer_id, code in Product.objects.values_list("manufacturer_id", "item__code"):
        by_item[code][manufacturer_id] += 0
    return {code: [supply(m, q) for m, q in sorted(rows.items())] for code, rows in by_item.items()}, coming


@dataclass(frozen=True)
class ItemFigures:
    item: Item
    sources: int
    single_source: bool
    by_country: dict[str, Decimal]  # share 0–1 of production per country
    hhi: int | None
    outside: Decimal | None  # share produced or owned outside the alliance and partners
    stock: int
    pipeline: int
    days: Decimal | None
    requested: bool


def _pipeline() -> dict[str, int]:
    rows = OrderLine.objects.filter(order__status__in=PIPELINE).values("item__code").annotate(n=Sum("quantity"))
    return {r["item__code"]: int(r["n"]) for r in rows}


def _requested() -> set[str]:
    live = AssistanceRequest.objects.exclude(status=AssistanceRequest.Status.DRAFT)
    return set(
        RequestLine.objects.filter(request__in=live.values("pk"), item__isnull=False).values_list(
            "item__code", flat=True
        )
    )


def vulnerability(who: Any, *, on: dt.date | None = None, without: str | None = None) -> list[ItemFigures]:
    """Per item of the stockpile, of the registry and of the requests: sources, concentration, share outside,
    days of cover (at the agreed preparedness plan's rates where there is one: `evidence.rates`). With `without`,
    supply produced in that country is gone (what if it stops exporting): its orders no longer arrive and its
    manufacturers no longer count as sources; stock on hand stays.

    The what-if does not run the preparedness simulation: that needs a wave scenario and takes seconds for its
    uncertainty runs (aidx.optimize.preparedness.simulate: about 0.5 s a run at full size), so it belongs on the
    worker, not in a page's GET; here the same days of cover are counted by the engine's `days_of_cover`
    against the plan's rates and the planning beds, and a planner who wants the wave's picture runs the plan's
    simulation (preparedness runs) with the country's pledges withdrawn."""
    if not may_read(who):
        return []
    on = on or timezone.localdate()
    supplies, coming = _supplies(on)
    inside = inside_on(on)
    stock = evidence.stock(nation=None)
    pipeline = _pipeline()
    requested = _requested()
    rates, beds = evidence.rates(who), evidence.beds()
    codes = set(supplies) | {c for c, n in stock.items() if n} | requested
    items = {i.code: i for i in Item.objects.filter(code__in=codes)}
    result = []
    for code in sorted(codes):
        rows = supplies.get(code, [])
        lost = coming.get((code, without), 0) if without else 0  # only what is still to come is lost
        if without:
            rows = analysis.without_country(rows, without)
        share = analysis.shares(rows) if rows else {}
        available = stock.get(code, 0) + pipeline.get(code, 0) - lost
        days = (
            evidence.cover_days({code: max(0, available)}, evidence.Rates({code: rates.per_bed_day[code]}), beds)[code]
            if code in rates.per_bed_day
            else None
        )
        result.append(
            ItemFigures(
                item=items[code],
                sources=len({s.manufacturer for s in rows}),
                single_source=len({s.manufacturer for s in rows}) == 1,
                by_country=dict(sorted(share.items(), key=lambda kv: -kv[1])),
                hhi=analysis.hhi(share) if share else None,
                outside=analysis.share_outside(rows, inside) if rows else None,
                stock=stock.get(code, 0),
                pipeline=pipeline.get(code, 0) - lost,
                days=days,
                requested=code in requested,
            )
        )
    return result


def below(rows: list[ItemFigures], threshold: int = THRESHOLD_DAYS) -> list[ItemFigures]:
    """Items left without a source, or whose days of cover fall below the threshold."""
    return [r for r in rows if r.sources == 0 or (r.days is not None and r.days < threshold)]


def producing_countries(who: Any) -> list[str]:
    if not may_read(who):
        return []
    return sorted(set(Manufacturer.objects.values_list("production_country", flat=True)))
