"""The covid-2020 stockpile and fund: loaded on top of the exchange, consistent with it, idempotent."""

from __future__ import annotations

import json

from django.conf import settings
from django.db.models import Sum

from aidx.assistance.models import Allocation, Offer
from aidx.fund import scenario as fund_scenario
from aidx.fund import services as fund
from aidx.fund.models import Account, Pledge
from aidx.stockpile import scenario as stock_scenario
from aidx.stockpile import services as stock
from aidx.stockpile.models import Balance, Entry, Movement, StockOffer

FOLDER = settings.BASE_DIR / "scenarios" / "covid-2020"


def data(name):
    return json.loads((FOLDER / name).read_text(encoding="utf-8"))


def test_it_loads_the_2020_stockpile_and_fund_consistently_with_the_exchange_and_only_once(scenario):
    # The `scenario` fixture loaded both with the rest of covid-2020 (aidx.core.scenario.STEPS).
    # the two deliveries of October are releases of the exchange's allocations, tied to the scenario's offer
    offer = Offer.objects.get(scenario_key="covid-2020/stockpile-ventilators")
    assert StockOffer.objects.get(item__code="ventilator-icu").offer == offer
    releases = Movement.objects.filter(kind="release", allocation__offer_line__offer=offer).order_by("occurred_on")
    assert [(str(m.occurred_on), -m.entries.aggregate(n=Sum("on_hand_delta"))["n"]) for m in releases] == [
        ("2020-10-22", 60),
        ("2020-10-27", 60),
    ]
    assert set(releases.values_list("allocation__status", flat=True)) == {Allocation.Status.DELIVERED}
    ventilators = Balance.objects.filter(lot__item__code="ventilator-icu").aggregate(n=Sum("on_hand"))["n"]
    assert ventilators == 0  # 80 from the US and 40 from Hungary, all delivered
    assert set(
        Entry.objects.filter(kind="receipt", lot__item__code="ventilator-icu").values_list("lot__donor", flat=True)
    ) == {"USA", "HUN"}
    # 16 allies, EUR 5 million paid by December
    assert Pledge.objects.count() == 16
    cash_in = sum(
        fund.to_eur_minor(c.amount_minor, c.pledge.currency, c.rate)
        for p in Pledge.objects.all()
        for c in p.contributions.all()
    )
    assert cash_in == 5_000_000_00
    assert Account.objects.get(code="receivable").balance_minor == 0
    assert {"BEL", "DNK", "DEU", "LTU", "LUX", "NLD", "MKD", "NOR", "SVK", "TUR", "GBR"} <= set(
        Pledge.objects.values_list("nation", flat=True)
    )
    assert fund.unbalanced_transactions() == [] and fund.check_accounts() == {}
    assert stock.check_balances() == []
    # a second load changes nothing
    counts = Entry.objects.count(), Pledge.objects.count()
    assert stock_scenario.load(data("stockpile.json")) == 0
    assert fund_scenario.load(data("fund.json")) == 0
    assert (Entry.objects.count(), Pledge.objects.count()) == counts
