"""In a real browser (Debian's Chromium through Playwright, see aidx/web/tests/conftest.py):

1. donation → allocation → FEFO release → delivery: the stockpile manager receives two donated lots, offers the
   stock to the exchange, releases an accepted allocation (the lot expiring first goes), Italy confirms delivery;
2. pledge → contribution → procurement → receipt into stock: the fund manager records a pledge and its payment,
   orders, approves (funds committed) and receives the order, whose goods appear as a lot in the stockpile.
"""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation
from aidx.assistance.services import LineInput
from aidx.stockpile.models import Entry, Lot, StockOffer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SUBMIT = "main form button[type=submit]"


def receive(page, live_server, number, quantity, expiry):
    page.goto(f"{live_server.url}/stockpile/receive/")
    page.select_option("#id_warehouse", "taranto-warehouse")
    page.select_option("#id_item", "ventilator")
    page.fill("#id_lot_number", number)
    page.fill("#id_quantity", str(quantity))
    page.fill("#id_expiry_date", expiry.isoformat())
    page.select_option("#id_donor", "ESP")
    with page.expect_navigation():
        page.click(SUBMIT)
    assert "/stockpile/lots/" in page.url and page.locator("[data-testid=lot-balances]").inner_text().count(
        str(quantity)
    )


def test_donation_allocation_fefo_release_delivery(page, live_server, stock, login):
    w, today = stock.world, stock.today
    login(page, live_server, "stockpile", w.password)
    receive(page, live_server, "LATE-1", 40, today + dt.timedelta(days=400))
    receive(page, live_server, "EARLY-1", 25, today + dt.timedelta(days=120))
    page.goto(f"{live_server.url}/stockpile/")
    with page.expect_navigation():
        page.click("form[action$='/offer/sync/'] button")
    assert "up to date" in page.locator(".message").inner_text()
    offer_line = StockOffer.objects.get(item=stock.ventilator).offer.lines.get()
    assert offer_line.quantity == 65
    # Italy asks, the coordinator allocates from the stockpile's offer, Italy accepts (the exchange's own flow)
    request = exchange.request_submit(
        actor=w.ally_a,
        request=exchange.request_create(
            actor=w.ally_a,
            title="Ventilators for Lombardy",
            needed_by=today + dt.timedelta(days=7),
            delivery_site=stock.exchange.rome,
            lines=[LineInput(item="ventilator", quantity=30)],
        ),
    )
    allocation = exchange.allocation_propose(
        actor=w.coordinator, offer_line=offer_line, request_line=request.lines.get(), quantity=30
    )
    exchange.allocation_accept(actor=w.ally_a, allocation=allocation)
    page.goto(f"{live_server.url}/stockpile/allocations/")
    with page.expect_navigation():
        page.click(f"tr[data-allocation='{allocation.pk}'] [data-testid=release]")
    assert "earliest-expiry-first" in page.locator(".message").inner_text()
    taken = {e.lot.lot_number: -e.on_hand_delta for e in Entry.objects.filter(kind="release")}
    assert taken == {"EARLY-1": 25, "LATE-1": 5}
    page.goto(f"{live_server.url}/stockpile/ledger/?kind=release")
    assert "EARLY-1" in page.locator("[data-testid=ledger]").inner_text()
    # Italy confirms the delivery on its request page
    page.context.clear_cookies()
    login(page, live_server, "ally_a", w.password)
    page.goto(f"{live_server.url}/exchange/requests/{request.pk}/")
    with page.expect_navigation():
        page.click(f"form[action$='/allocations/{allocation.pk}/deliver/'] button")
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.DELIVERED
    # and Italy cannot open the stock pages
    assert page.goto(f"{live_server.url}/stockpile/lots/").status == 403


def test_pledge_contribution_procurement_receipt_into_stock(page, live_server, stock, login):
    login(page, live_server, "stockpile", stock.world.password)
    page.goto(f"{live_server.url}/fund/pledges/")
    page.select_option("#id_nation", "ITA")
    page.fill("#id_amount", "100000.00")
    page.fill("#id_pledged_on", "2020-06-20")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "€100,000.00" in page.locator("[data-testid=pledge-amount]").inner_text()
    page.fill("#id_amount", "100000")
    page.fill("#id_received_on", "2020-07-01")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("[data-testid=pledge-outstanding]").inner_text() == "€0.00"
    page.goto(f"{live_server.url}/fund/orders/")
    page.fill("#id_supplier", "Medical supplies Ltd")
    page.fill("#id_reference", "PO-7")
    page.select_option("#id_warehouse", "taranto-warehouse")
    page.fill("#id_ordered_on", "2020-07-02")
    page.select_option("#id_lines-0-item", "ventilator")
    page.fill("#id_lines-0-quantity", "5")
    page.fill("#id_lines-0-unit_price", "15000")
    with page.expect_navigation():
        page.click("[data-testid=create-order]")
    with page.expect_navigation():
        page.click("[data-testid=approve]")
    assert "committed" in page.locator("[data-testid=order-status]").inner_text()
    with page.expect_navigation():
        page.click("[data-testid=receive]")
    assert "received" in page.locator("[data-testid=order-status]").inner_text()
    lot = Lot.objects.get(source="procurement")
    page.goto(f"{live_server.url}/stockpile/lots/{lot.pk}/")
    assert "5" in page.locator("[data-testid=lot-balances]").inner_text()
    page.goto(f"{live_server.url}/fund/")
    assert "€25,000.00" in page.locator("[data-testid=fund-cash]").inner_text()  # 100,000 − 75,000
    # at phone width the pages do not scroll sideways
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ("/fund/", "/stockpile/lots/", "/stockpile/ledger/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
