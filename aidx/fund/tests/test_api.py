"""The fund and stockpile API routers (tested with ninja's TestClient until they are mounted in aidx/api.py)."""

from __future__ import annotations

import pytest
from ninja.testing import TestClient

from aidx.core.errors import BusinessError, PermissionDenied
from aidx.fund.api import router as fund_router
from aidx.stockpile.api import router as stock_router


@pytest.fixture
def fund_api():
    return TestClient(fund_router)


@pytest.fixture
def stock_api():
    return TestClient(stock_router)


def test_a_manager_books_through_the_api_and_nations_read_only_their_own(fund, fund_api):
    manager, w = fund.manager, fund.world
    made = fund_api.post("/pledges", json={"nation": "ITA", "amount_minor": 50_000_00, "currency": "EUR"}, user=manager)
    assert made.status_code == 201 and made.json()["eur_minor"] == 50_000_00
    pledge_id = made.json()["id"]
    paid = fund_api.post(f"/pledges/{pledge_id}/contributions", json={"amount_minor": 20_000_00}, user=manager)
    assert paid.status_code == 201
    order = fund_api.post(
        "/orders",
        json={
            "supplier": "S",
            "currency": "EUR",
            "warehouse": "taranto-warehouse",
            "lines": [{"item": "ventilator", "quantity": 1, "unit_price_minor": 15_000_00}],
        },
        user=manager,
    ).json()
    assert fund_api.post(f"/orders/{order['id']}/approve", user=manager).json()["status"] == "approved"
    with pytest.raises(BusinessError) as error:
        fund_api.post(
            "/transport", json={"description": "x", "amount_minor": 5_000_01, "currency": "EUR"}, user=manager
        )
    assert error.value.code == "insufficient_funds"
    assert fund_api.get("/pledges", user=w.ally_a).json()["count"] == 1
    assert fund_api.get("/pledges", user=w.ally_b).json()["count"] == 0
    assert fund_api.get("/statements/ITA", user=w.ally_a).json()["outstanding"] == 30_000_00
    assert fund_api.get("/totals", user=w.partner).json()["paid"] == 20_000_00
    with pytest.raises(PermissionDenied):
        fund_api.get("/totals", user=w.outsider)
    with pytest.raises(PermissionDenied):
        fund_api.post("/pledges", json={"nation": "ITA", "amount_minor": 1, "currency": "EUR"}, user=w.ally_a)
    assert fund_api.get("/statements/ITA", user=w.ally_b).status_code == 404
    assert fund_api.get(f"/pledges/{pledge_id}", user=w.partner).status_code == 404


def test_the_stock_api_serves_managers_and_refuses_nations(stock, stock_api):
    manager = stock.manager
    made = stock_api.post(
        "/receipts",
        json={
            "warehouse": "taranto-warehouse",
            "item": "ventilator",
            "lot_number": "API-1",
            "quantity": 30,
            "donor": "ESP",
        },
        user=manager,
    )
    assert made.status_code == 201 and made.json()["on_hand"] == 30
    allocation = stock.allocation(10)
    released = stock_api.post(f"/allocations/{allocation.pk}/release", user=manager)
    assert released.status_code == 201 and released.json()["entries"][0]["on_hand"] == -10
    assert stock_api.get("/ledger", user=manager).json()["count"] == 2
    assert stock_api.get("/lots", user=stock.world.coordinator).json()["items"][0]["on_hand"] == 20
    for who in ("ally_a", "partner", "outsider"):
        with pytest.raises(PermissionDenied):
            stock_api.get("/lots", user=getattr(stock.world, who))
