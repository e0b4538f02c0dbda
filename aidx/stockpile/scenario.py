"""Stockpile part of a scenario: lots received at warehouses, the exchange offer they stand behind, and the
releases of allocations the exchange part already shipped — all replayed through the services, so the ledger,
the projection and the audit trail are exactly as for live data. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from aidx.accounts.models import User
from aidx.assistance.models import Allocation, Offer
from aidx.catalogue.models import Item
from aidx.nations.models import Nation
from aidx.stockpile import services
from aidx.stockpile.models import Lot, Movement, StockOffer

PREFIX = "covid-2020/"


def _date(entry: dict[str, Any], field: str, relative: str) -> dt.date | None:
    if entry.get(field):
        return dt.date.fromisoformat(entry[field])
    if relative in entry:
        return timezone.localdate() + dt.timedelta(days=entry[relative])
    return None


def load(data: dict[str, Any]) -> int:
    manager = User.objects.filter(username="stockpile", is_active=True).first()  # absent in production: the system
    changed = 0
    for entry in data.get("lots", []):
        key = PREFIX + entry["key"]
        if Lot.objects.filter(scenario_key=key).exists():
            continue
        services.receive(
            actor=manager,
            warehouse=entry["warehouse"],
            item=entry["item"],
            lot_number=entry["lot_number"],
            quantity=entry["quantity"],
            expiry_date=_date(entry, "expiry", "expiry_days_from_load"),
            donor=Nation.objects.filter(pk=entry.get("donor")).first(),
            source=entry.get("source", Lot.Source.DONATION),
            unit_value_minor=entry.get("unit_value_minor", 0),
            currency=entry.get("currency", "EUR"),
            occurred_on=_date(entry, "received", "received_days_from_load"),
            reference=entry.get("reference", ""),
            scenario_key=key,
        )
        changed += 1
    for entry in data.get("offers", []):
        offer = Offer.objects.filter(scenario_key=PREFIX + entry["offer"]).first()
        item = Item.objects.filter(code=entry["item"]).first()
        if offer is None or item is None or StockOffer.objects.filter(item=item, offer=offer).exists():
            continue
        services.link_offer(item=item, offer=offer)
        changed += 1
    for entry in data.get("releases", []):
        allocation = (
            Allocation.objects.filter(
                offer_line__offer__scenario_key=PREFIX + entry["offer"],
                request_line__request__scenario_key=PREFIX + entry["request"],
                status__in=(Allocation.Status.SHIPPED, Allocation.Status.DELIVERED),
            )
            .exclude(stock_movements__kind=Movement.Kind.RELEASE)
            .first()
        )
        if allocation is None:
            continue  # released already, or the exchange part was not loaded
        services.release(
            actor=manager, allocation=allocation, today=dt.date.fromisoformat(entry["on"]), record_only=True
        )
        changed += 1
    codes = data.get("offer_stock", [])
    if codes and manager is not None and manager.organisation is not None:
        changed += len(services.offer_sync(actor=manager, items=list(Item.objects.filter(code__in=codes))))
    return changed
