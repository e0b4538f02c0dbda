"""The balances projection: rebuilt from the ledger, and checked against it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Sum

from aidx.stockpile.models import Balance, Entry

# --- the projection: rebuild and check ------------------------------------------------------------------------

_REBUILD = """
INSERT INTO stockpile_balance (warehouse_id, lot_id, on_hand, reserved, blocked)
SELECT e.warehouse_id, e.lot_id, SUM(e.on_hand_delta), SUM(e.reserved_delta), l.status <> 'available'
FROM stockpile_entry e JOIN stockpile_lot l ON l.id = e.lot_id
GROUP BY e.warehouse_id, e.lot_id, l.status
"""


@transaction.atomic
def rebuild_balances() -> int:
    """Recompute every balance from the ledger in two set-based statements; returns the number of rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Writers wait until the rebuild commits; readers keep reading the old figures meanwhile.
            cursor.execute("LOCK TABLE stockpile_balance IN EXCLUSIVE MODE")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM stockpile_balance")
        cursor.execute(_REBUILD)
        return cursor.rowcount


@dataclass(frozen=True)
class Difference:
    lot: int
    warehouse: int
    kept: tuple[int, int, bool] | None  # on hand, reserved, blocked in the projection
    replayed: tuple[int, int, bool] | None  # the same from the ledger


def check_balances() -> list[Difference]:
    """Compare the projection with the ledger replayed; an empty list means they agree."""
    replayed = {
        (row["lot_id"], row["warehouse_id"]): (row["on_hand"], row["reserved"], row["lot__status"] != "available")
        for row in Entry.objects.order_by()
        .values("lot_id", "warehouse_id", "lot__status")
        .annotate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
    }
    kept = {
        (lot, warehouse): (on_hand, reserved, blocked)
        for lot, warehouse, on_hand, reserved, blocked in Balance.objects.values_list(
            "lot_id", "warehouse_id", "on_hand", "reserved", "blocked"
        )
    }
    # An empty balance (a count of zero where nothing was kept books no entry) is the same as no balance.
    kept = {key: value for key, value in kept.items() if value[:2] != (0, 0)}
    replayed = {key: value for key, value in replayed.items() if value[:2] != (0, 0)}
    return [
        Difference(lot, warehouse, kept.get((lot, warehouse)), replayed.get((lot, warehouse)))
        for lot, warehouse in sorted(set(kept) | set(replayed))
        if kept.get((lot, warehouse)) != replayed.get((lot, warehouse))
    ]
