"""Fund pages: each nation sees its own pledges and statement and (allies, partners) the totals; managers all."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from aidx.fund import services
from aidx.fund.models import Contribution, Pledge, ProcurementOrder
from aidx.stockpile.models import Lot


@pytest.fixture
def books(fund):
    italy = services.pledge_create(
        actor=fund.manager, nation="ITA", amount_minor=300_000_00, currency="EUR", pledged_on=fund.day
    )
    norway = services.pledge_create(
        actor=fund.manager, nation="NOR", amount_minor=1_000_000_00, currency="NOK", pledged_on=fund.day
    )
    services.contribution_receive(actor=fund.manager, pledge=italy, amount_minor=100_000_00, received_on=fund.day)
    services.contribution_receive(actor=fund.manager, pledge=norway, amount_minor=1_000_000_00, received_on=fund.day)
    return {"ITA": italy, "NOR": norway}


# who → (own nation's pledges visible, totals visible)
EXPECTED = {
    "coordinator": ({"ITA", "NOR"}, True),
    "ally_a": ({"ITA"}, True),
    "ally_b": (set(), True),
    "partner": (set(), True),
    "outsider": (set(), False),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_it_shows_each_nation_its_own_pledges_and_statement_and_totals_only_to_allies_and_partners(
    client, fund, books, who
):
    seen, totals = EXPECTED[who]
    client.force_login(getattr(fund.world, who))
    listing = client.get("/fund/pledges/").content.decode()
    assert ('data-testid="fund-totals"' in listing) is totals
    assert ("€392,000.00" in listing) is totals  # 300,000 + 92,000 (NOK 1,000,000 at 0.092) pledged in all
    for code, pledge in books.items():
        assert client.get(f"/fund/pledges/{pledge.pk}/").status_code == (200 if code in seen else 404)
        assert client.get(f"/fund/statements/{code}/").status_code == (200 if code in seen else 404)
        assert (f'href="/fund/pledges/{pledge.pk}/"' in listing) is (code in seen)
    csv = b"".join(client.get("/fund/pledges/", {"format": "hxl"}).streaming_content).decode()  # with hashtags
    assert {line.split(",")[0] for line in csv.splitlines()[2:]} == seen
    assert client.get("/fund/orders/").status_code == (200 if who == "coordinator" else 403)
    overview = client.get("/fund/").content.decode()
    assert ('data-testid="balance-sheet"' in overview) is (who == "coordinator")
    assert ('data-testid="fund-totals"' in overview) is totals


def test_a_nation_statement_adds_up_and_exports(client, fund, books):
    client.force_login(fund.world.ally_a)
    assert client.get("/fund/statements/").status_code == 302  # straight to its own
    page = client.get("/fund/statements/ITA/")
    statement = page.context["statement"]
    assert (statement.pledged, statement.paid, statement.outstanding) == (300_000_00, 100_000_00, 200_000_00)
    answer = client.get("/fund/statements/ITA/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(filename=io.BytesIO(b"".join(answer.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[1:4] == [["pledged", "300000.00"], ["paid", "100000.00"], ["outstanding", "200000.00"]]


def test_a_manager_records_pledges_contributions_and_orders_through_the_pages(client, fund, books):
    client.force_login(fund.manager)
    answer = client.post(
        "/fund/pledges/",
        {
            "nation": "ESP",
            "amount": "250 000,00",
            "currency": "eur",
            "pledged_on": "2020-06-20",
            "earmark": "ventilators",
        },
    )
    pledge = Pledge.objects.get(nation="ESP")
    assert answer.status_code == 302 and pledge.amount_minor == 250_000_00
    bad = client.post(f"/fund/pledges/{pledge.pk}/", {"amount": "250000.01", "received_on": "2020-06-25"})
    assert bad.status_code == 400 and not Contribution.objects.filter(pledge=pledge).exists()
    client.post(f"/fund/pledges/{pledge.pk}/", {"amount": "250000", "received_on": "2020-06-25"})
    assert Contribution.objects.get(pledge=pledge).eur_minor == 250_000_00
    form = {
        "supplier": "Acme",
        "reference": "PO-1",
        "currency": "EUR",
        "warehouse": "taranto-warehouse",
        "recipient": "ESP",
        "ordered_on": "2020-07-01",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": "ventilator",
        "lines-0-quantity": "4",
        "lines-0-unit_price": "12000",
    }
    assert client.post("/fund/orders/", form).status_code == 302
    order = ProcurementOrder.objects.get(reference="PO-1")
    client.post(f"/fund/orders/{order.pk}/approve/")
    client.post(f"/fund/orders/{order.pk}/receive/")
    order.refresh_from_db()
    assert order.status == "received" and order.eur_minor == 48_000_00
    assert Lot.objects.get(source="procurement").item.code == "ventilator"
    assert services.check_accounts() == {} and services.unbalanced_transactions() == []
    sheet = b"".join(client.get("/fund/", {"format": "csv"}).streaming_content).decode()
    assert "expenditure,expenditure,expense,48000.00" in sheet.replace("\r", "")
    assert dt.date(2020, 7, 1) == order.ordered_on


def test_nations_cannot_book(client, fund, books):
    client.force_login(fund.world.ally_a)
    assert (
        client.post(
            "/fund/pledges/", {"nation": "ITA", "amount": "1", "currency": "EUR", "pledged_on": "2020-06-20"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/fund/pledges/{books['ITA'].pk}/", {"amount": "1", "received_on": "2020-06-25"}).status_code
        == 403
    )
    assert Pledge.objects.count() == 2
