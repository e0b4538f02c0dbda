"""Fund part of a scenario: exchange rates, pledges and their contributions, procurement orders (approved,
received into the stockpile) and transport payments, replayed through the services. Loading twice changes
nothing: records carry a scenario key, and rates are set only when missing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from aidx.accounts.models import User
from aidx.assistance.models import Allocation
from aidx.core.actors import SYSTEM
from aidx.fund import services
from aidx.fund.models import ExchangeRate, Pledge, ProcurementOrder, TransportPayment
from aidx.nations.models import Nation

PREFIX = "covid-2020/"


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _required_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def load(data: dict[str, Any]) -> int:
    # the demo's fund manager books the history; in production (no demo accounts) the system does
    manager = User.objects.filter(username="stockpile", is_active=True).first() or SYSTEM
    changed = 0
    for entry in data.get("rates", []):
        if not ExchangeRate.objects.filter(currency=entry["currency"], on=_required_date(entry["on"])).exists():
            services.rate_set(
                actor=manager,
                currency=entry["currency"],
                on=_required_date(entry["on"]),
                eur_per_unit=Decimal(entry["eur_per_unit"]),
                source=entry.get("source", ""),
            )
            changed += 1
    for entry in data.get("pledges", []):
        key = PREFIX + entry["key"]
        if Pledge.objects.filter(scenario_key=key).exists():
            continue
        pledge = services.pledge_create(
            actor=manager,
            nation=entry["nation"],
            amount_minor=entry["amount_minor"],
            currency=entry["currency"],
            pledged_on=_day(entry["pledged"]),
            earmark=entry.get("earmark", ""),
            illustrative=bool(entry.get("illustrative")),
            scenario_key=key,
        )
        for paid in entry.get("contributions", []):
            services.contribution_receive(
                actor=manager, pledge=pledge, amount_minor=paid["amount_minor"], received_on=_day(paid["received"])
            )
        changed += 1
    for entry in data.get("transport", []):
        key = PREFIX + entry["key"]
        if TransportPayment.objects.filter(scenario_key=key).exists():
            continue
        link = entry.get("allocation")
        allocation = (
            Allocation.objects.filter(
                offer_line__offer__scenario_key=PREFIX + link["offer"],
                request_line__request__scenario_key=PREFIX + link["request"],
            ).first()
            if link
            else None
        )
        services.transport_pay(
            actor=manager,
            amount_minor=entry["amount_minor"],
            currency=entry["currency"],
            description=entry["description"],
            paid_on=_day(entry["paid"]),
            recipient=Nation.objects.filter(pk=entry.get("recipient")).first(),
            allocation=allocation,
            scenario_key=key,
        )
        changed += 1
    for entry in data.get("orders", []):
        key = PREFIX + entry["key"]
        if ProcurementOrder.objects.filter(scenario_key=key).exists():
            continue
        order = services.order_create(
            actor=manager,
            supplier=entry["supplier"],
            currency=entry["currency"],
            warehouse=entry["warehouse"],
            lines=[
                services.OrderLineInput(line["item"], line["quantity"], line["unit_price_minor"])
                for line in entry["lines"]
            ],
            ordered_on=_day(entry["ordered"]),
            recipient=Nation.objects.filter(pk=entry.get("recipient")).first(),
            reference=entry.get("reference", ""),
            scenario_key=key,
        )
        if entry.get("approved"):
            order = services.order_approve(actor=manager, order=order, on=_day(entry["approved"]))
        if entry.get("received"):
            order = services.order_receive(actor=manager, order=order, received_on=_day(entry["received"]))
        changed += 1
    return changed
