"""Reads of the stockpile. Stock, lots and the ledger are for the centre and stockpile managers only
(`services.may_view`); everyone else gets empty results, and sees the stockpile through its exchange offer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from aidx.core.models import name_columns
from aidx.nations.models import Site
from aidx.stockpile.models import Balance, Entry, Lot, StockOffer
from aidx.stockpile.services import may_view

ALERT_BANDS = (30, 60, 90)


def _available(today: dt.date | None = None) -> Case:
    """What a balance row can still give: nothing from a blocked lot, nor from one past its expiry date even when
    the daily task has not yet marked it expired."""
    return Case(
        When(blocked=True, then=Value(0)),
        When(lot__expiry_date__lt=today or timezone.localdate(), then=Value(0)),
        default=F("on_hand") - F("reserved"),
        output_field=IntegerField(),
    )


def warehouses(user: Any) -> QuerySet[Site]:
    if not may_view(user):
        return Site.objects.none()
    return (
        Site.objects.filter(kind=Site.Kind.WAREHOUSE)
        .select_related("nation", "organisation")
        .annotate(
            on_hand=Coalesce(Sum("stock_balances__on_hand"), 0),
            reserved=Coalesce(Sum("stock_balances__reserved"), 0),
            lots=Coalesce(Sum(Case(When(stock_balances__on_hand__gt=0, then=1), default=0)), 0),
        )
        .order_by("name")
    )


def balances(user: Any, *, warehouse: Site | None = None, item: str | None = None) -> QuerySet[Balance]:
    if not may_view(user):
        return Balance.objects.none()
    rows = Balance.objects.select_related("lot__item", "warehouse", "lot__owner_nation", "lot__donor").annotate(
        available_now=_available()
    )
    if warehouse is not None:
        rows = rows.filter(warehouse=warehouse)
    if item:
        rows = rows.filter(lot__item__code=item)
    return rows.order_by(F("lot__expiry_date").asc(nulls_last=True), "lot_id", "warehouse_id")


def lots(
    user: Any,
    *,
    status: str | None = None,
    item: str | None = None,
    warehouse: Site | None = None,
    search: str | None = None,
    in_stock: bool = False,
) -> QuerySet[Lot]:
    if not may_view(user):
        return Lot.objects.none()
    rows = Lot.objects.select_related("item", "owner_nation", "donor").annotate(
        on_hand=Coalesce(Sum("balances__on_hand", filter=Q(balances__warehouse=warehouse) if warehouse else None), 0),
        reserved=Coalesce(Sum("balances__reserved", filter=Q(balances__warehouse=warehouse) if warehouse else None), 0),
    )
    if status:
        rows = rows.filter(status=status)
    if item:
        rows = rows.filter(item__code=item)
    if warehouse is not None:
        rows = rows.filter(balances__warehouse=warehouse).distinct()
    if search:
        rows = rows.filter(Q(lot_number__icontains=search) | Q(item__name_en__icontains=search))
    if in_stock:
        rows = rows.filter(on_hand__gt=0)
    return rows.order_by(F("expiry_date").asc(nulls_last=True), "id")


def ledger(
    user: Any,
    *,
    kind: str | None = None,
    lot: int | None = None,
    warehouse: Site | None = None,
    item: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Entry]:
    if not may_view(user):
        return Entry.objects.none()
    rows = Entry.objects.select_related("movement__created_by", "movement__allocation", "lot__item", "warehouse")
    if kind:
        rows = rows.filter(kind=kind)
    if lot:
        rows = rows.filter(lot_id=lot)
    if warehouse is not None:
        rows = rows.filter(warehouse=warehouse)
    if item:
        rows = rows.filter(lot__item__code=item)
    if since:
        rows = rows.filter(movement__occurred_on__gte=since)
    if until:
        rows = rows.filter(movement__occurred_on__lte=until)
    return rows.order_by("-id")


@dataclass(frozen=True)
class Alert:
    lot: Lot
    band: int  # 0: expired already; else the first of 30/60/90 days that the expiry falls within
    days: int
    on_hand: int

    @property
    def days_ago(self) -> int:
        return -self.days

    @property
    def lot_number(self) -> str:
        return self.lot.lot_number


def band_of(days: int | None) -> int | None:
    if days is None:
        return None
    if days < 0:
        return 0
    return next((band for band in ALERT_BANDS if days <= band), None)


def expiry_alerts(user: Any, *, today: dt.date | None = None) -> list[Alert]:
    """Lots with stock on hand that expire within 90 days (or already have), soonest first."""
    return lots_expiring(today=today) if may_view(user) else []


def lots_expiring(*, today: dt.date | None = None) -> list[Alert]:
    """The same for the system (the daily task); never shown to a user without `may_view`."""
    today = today or timezone.localdate()
    rows = (
        Lot.objects.select_related("item")
        .exclude(status__in=[Lot.Status.RECALLED])
        .filter(expiry_date__isnull=False, expiry_date__lte=today + dt.timedelta(days=ALERT_BANDS[-1]))
        .annotate(stock=Coalesce(Sum("balances__on_hand"), 0))
        .filter(stock__gt=0)
        .order_by("expiry_date", "id")
    )
    alerts = []
    for lot in rows:
        assert lot.expiry_date is not None  # filtered above
        days = (lot.expiry_date - today).days
        alerts.append(Alert(lot=lot, band=band_of(days) or 0, days=days, on_hand=lot.stock))
    return alerts


def panel(user: Any) -> dict[str, Any]:
    """Figures for the stock-and-fund panel of the situational picture."""
    if not may_view(user):
        return {}
    weight = F("lot__item__unit_weight_kg")
    kg: Any = DecimalField(max_digits=24, decimal_places=4)
    sums = Balance.objects.aggregate(
        total_on_hand=Coalesce(Sum("on_hand"), 0),
        total_reserved=Coalesce(Sum("reserved"), 0),
        total_available=Coalesce(Sum(_available()), 0),
        # what people read: weights, since units of different items do not add up
        total_kg_on_hand=Coalesce(Sum(F("on_hand") * weight, output_field=kg), Value(Decimal(0)), output_field=kg),
        total_kg_reserved=Coalesce(Sum(F("reserved") * weight, output_field=kg), Value(Decimal(0)), output_field=kg),
        total_kg_available=Coalesce(Sum(_available() * weight, output_field=kg), Value(Decimal(0)), output_field=kg),
    )
    totals = {key.removeprefix("total_"): value for key, value in sums.items()}
    by_item = (
        Balance.objects.filter(on_hand__gt=0)
        .values("lot__item__code", "lot__item__unit", *name_columns("lot__item__"))
        .annotate(stock=Sum("on_hand"), usable=Sum(_available()))
        .order_by("-stock")[:8]
    )
    alerts = expiry_alerts(user)
    return {
        **totals,
        "by_item": list(by_item),
        "alerts": len([a for a in alerts if a.band]),
        "expired": len([a for a in alerts if not a.band]),
        "offers": StockOffer.objects.count(),
    }
