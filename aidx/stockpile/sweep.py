"""The stockpile for the need-to-know sweep (aidx/core/sweep.py): stock, lots and the ledger are for the centre and
stockpile managers only; everyone else is refused or sees nothing."""

from __future__ import annotations

from aidx.core.sweep import Who, exempt, subject, surface, token, xlsx_text
from aidx.stockpile.models import Lot
from aidx.stockpile.services import may_view


def sees_lot(who: Who, lot: Lot) -> bool:
    return may_view(who.user)


subject("stockpile.lot", Lot, sees_lot)

surface("stockpile.overview", "page", ["stockpile:overview"], "/stockpile/")
surface(
    "stockpile.warehouse",
    "page",
    ["stockpile:warehouse"],
    "/stockpile/warehouses/sw-depot/",
    lists={"stockpile.lot": None},
)
surface("stockpile.lots", "page", ["stockpile:lots"], "/stockpile/lots/", lists={"stockpile.lot": None})
surface(
    "stockpile.lot_search", "search", [], lambda lot: f"/stockpile/lots/?q={token(lot.lot_number)}", per="stockpile.lot"
)
surface("stockpile.lot", "detail", ["stockpile:lot"], lambda lot: f"/stockpile/lots/{lot.pk}/", per="stockpile.lot")
surface("stockpile.receive", "form", ["stockpile:receive"], "/stockpile/receive/")
surface("stockpile.ledger", "page", ["stockpile:ledger"], "/stockpile/ledger/", lists={"stockpile.lot": None})
surface("stockpile.ledger_csv", "export", [], "/stockpile/ledger/?format=csv", lists={"stockpile.lot": None})
surface(
    "stockpile.ledger_xlsx",
    "export",
    [],
    "/stockpile/ledger/?format=xlsx",
    lists={"stockpile.lot": None},
    read=xlsx_text,
)
surface("stockpile.allocations", "page", ["stockpile:allocations"], "/stockpile/allocations/")
surface("stockpile.api_warehouses", "api-list", ["api:warehouses"], "/api/v1/stockpile/warehouses", api=True)
surface(
    "stockpile.api_lots",
    "api-list",
    ["api:lots"],
    "/api/v1/stockpile/lots?page_size=100",
    api=True,
    counted=True,
    lists={"stockpile.lot": None},
)
surface(
    "stockpile.api_lot",
    "api-detail",
    ["api:lot"],
    lambda lot: f"/api/v1/stockpile/lots/{lot.pk}",
    per="stockpile.lot",
    api=True,
)
surface(
    "stockpile.api_ledger",
    "api-list",
    ["api:ledger"],
    "/api/v1/stockpile/ledger?page_size=100",
    api=True,
    lists={"stockpile.lot": None},
)
surface("stockpile.api_alerts", "api-list", ["api:alerts"], "/api/v1/stockpile/alerts", api=True)

exempt(
    "a write: it answers only about a record the actor may act on (tests/test_workflows.py, schemathesis)",
    "stockpile:lot_action",
    "stockpile:allocation_action",
    "stockpile:offer_sync",
    "api:receipt",
    "api:lot_status",
    "api:lot_transfer",
    "api:lot_count",
    "api:lot_disposal",
    "api:allocation_reserve",
    "api:allocation_release",
    "api:allocation_cancel",
)
surface("stockpile.lots_hxl", "export", [], "/stockpile/lots/?format=hxl", lists={"stockpile.lot": None})
