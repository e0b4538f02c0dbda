"""Stockpile pages: need-to-know (the centre and stockpile managers only), forms, exports, the panel."""

from __future__ import annotations

import pytest

from aidx.assistance.selectors import offers_visible_to
from aidx.stockpile import services
from aidx.stockpile.models import Balance, Lot

PAGES = [
    "/stockpile/",
    "/stockpile/lots/",
    "/stockpile/ledger/",
    "/stockpile/allocations/",
    "/stockpile/warehouses/taranto-warehouse/",
]


@pytest.fixture
def stocked(stock):
    lot = stock.lot("SECRET-LOT", 50, days=20)
    services.offer_sync(actor=stock.manager, items=[stock.ventilator])  # 20 days: too short to offer
    stock.lot("OFFERED", 30, days=400)
    services.offer_sync(actor=stock.manager)
    return lot


@pytest.mark.parametrize("who", ["ally_a", "ally_b", "partner", "outsider"])
def test_it_hides_stock_lots_and_ledger_from_nations(client, stock, stocked, who):
    client.force_login(getattr(stock.world, who))
    for page in PAGES:
        answer = client.get(page)
        assert answer.status_code == 403 and b"SECRET-LOT" not in answer.content
    assert client.get(f"/stockpile/lots/{stocked.pk}/").status_code == 403
    assert (
        client.post(
            f"/stockpile/lots/{stocked.pk}/", {"action": "status", "status-status": "recalled", "status-reason": "x"}
        ).status_code
        == 403
    )
    assert Lot.objects.get(pk=stocked.pk).status == "available"


@pytest.mark.parametrize(("who", "sees"), [("ally_a", True), ("ally_b", True), ("partner", False), ("outsider", False)])
def test_nations_see_the_stockpile_only_through_its_offer_releasable_to_allies(stock, stocked, who, sees):
    offers = offers_visible_to(getattr(stock.world, who))
    assert offers.filter(owner_organisation=stock.agency).exists() is sees


@pytest.mark.parametrize("who", ["coordinator", "viewer"])
def test_the_centre_sees_every_stock_page(client, stock, stocked, who):
    client.force_login(getattr(stock.world, who))
    for page in PAGES:
        answer = client.get(page)
        assert answer.status_code == 200, page
    listing = client.get("/stockpile/lots/").content.decode()
    assert "SECRET-LOT" in listing and "expiry-30" in listing
    assert "SECRET-LOT" in client.get("/stockpile/").content.decode()  # the expiry alert
    # the viewer reads but cannot write
    answer = client.post(
        f"/stockpile/lots/{stocked.pk}/",
        {"action": "dispose", "dispose-warehouse": "taranto-warehouse", "dispose-quantity": "1", "dispose-reason": "x"},
    )
    assert answer.status_code == (302 if who == "coordinator" else 403)


def test_a_manager_receives_counts_and_recalls_through_the_pages(client, stock):
    client.force_login(stock.manager)
    answer = client.post(
        "/stockpile/receive/",
        {
            "warehouse": "taranto-warehouse",
            "item": "ventilator",
            "lot_number": "WEB-1",
            "quantity": "12",
            "expiry_date": "",
            "source": "donation",
            "unit_value_minor": "0",
            "currency": "EUR",
        },
    )
    lot = Lot.objects.get(lot_number="WEB-1")
    assert answer.status_code == 302 and answer["Location"] == f"/stockpile/lots/{lot.pk}/"
    bad = client.post(
        "/stockpile/receive/",
        {
            "warehouse": "taranto-warehouse",
            "item": "ventilator",
            "lot_number": "WEB-2",
            "quantity": "5",
            "source": "donation",
            "unit_value_minor": "0",
            "currency": "XXQ",
        },
    )
    assert bad.status_code == 400 and not Lot.objects.filter(lot_number="WEB-2").exists()
    client.post(
        f"/stockpile/lots/{lot.pk}/",
        {"action": "count", "count-warehouse": "taranto-warehouse", "count-counted": "10", "count-reason": "stocktake"},
    )
    too_many = client.post(
        f"/stockpile/lots/{lot.pk}/",
        {
            "action": "dispose",
            "dispose-warehouse": "taranto-warehouse",
            "dispose-quantity": "11",
            "dispose-reason": "x",
        },
    )
    assert too_many.status_code == 400
    page = client.get(f"/stockpile/lots/{lot.pk}/").content.decode()
    assert 'data-action="recall"' in page and 'data-action="free"' not in page  # the lot's workflow, drawn
    client.post(f"/stockpile/lots/{lot.pk}/recall/", {"reason": "r"})
    lot.refresh_from_db()
    assert lot.status == "recalled" and Balance.objects.get(lot=lot).on_hand == 10
    page = client.get(f"/stockpile/lots/{lot.pk}/").content.decode()
    assert "stocktake" in page and 'data-testid="lot-status">recalled' in page


def test_it_releases_from_the_page_and_exports_the_filtered_ledger(client, stock):
    stock.lot("P1", 40, days=300)
    allocation = stock.allocation(25)
    client.force_login(stock.manager)
    assert client.post(f"/stockpile/allocations/{allocation.pk}/release/").status_code == 302
    allocation.refresh_from_db()
    assert allocation.status == "shipped"
    csv = b"".join(client.get("/stockpile/ledger/", {"kind": "release", "format": "csv"}).streaming_content).decode()
    assert csv.splitlines()[1].split(",")[2:9] == [
        "release",
        "taranto-warehouse",
        "ventilator",
        "Ventilator",
        "P1",
        "-25",
        "0",
    ]
    assert len(csv.splitlines()) == 2
    xlsx = client.get("/stockpile/ledger/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_the_panel_shows_stock_to_the_centre_and_nothing_to_an_outsider(stock, stocked, client):
    client.force_login(stock.world.coordinator)
    assert 'data-testid="stock-and-fund"' in client.get("/picture/").content.decode()
    client.force_login(stock.world.outsider)
    page = client.get("/picture/")
    assert page.status_code == 200 and 'data-testid="stock-and-fund"' not in page.content.decode()
