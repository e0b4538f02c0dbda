"""Writes to the stockpile, by sub-domain; the ledger's rules are in `ledger.py`'s docstring.

common: settings, who may act, input · ledger: the one way stock changes · receipts · releases: reservations and
FEFO releases for allocations · movements: transfers, counts, disposals · lots: lot status and expiry ·
projection: rebuild and check the balances · offer: the stockpile's offer to the exchange.
"""

from aidx.stockpile.services.common import (
    MAX_QUANTITY,
    SUPPORT_AGENCY,
    may_manage,
    may_view,
    offer_releasability,
    safety_days,
    warehouse_of,
)
from aidx.stockpile.services.ledger import LOCK_ORDER, Change
from aidx.stockpile.services.lots import expire_lots, lot_set_status, lot_transition
from aidx.stockpile.services.movements import adjust, dispose, transfer
from aidx.stockpile.services.offer import agency_user, free_stock, link_offer, offer_sync
from aidx.stockpile.services.projection import Difference, check_balances, rebuild_balances
from aidx.stockpile.services.receipts import receive
from aidx.stockpile.services.releases import (
    allocation_closed,
    allocation_shipped,
    cancel_reservation,
    issue,
    release,
    reserve,
)

__all__ = [
    "LOCK_ORDER",
    "MAX_QUANTITY",
    "SUPPORT_AGENCY",
    "Change",
    "Difference",
    "adjust",
    "agency_user",
    "allocation_closed",
    "allocation_shipped",
    "cancel_reservation",
    "check_balances",
    "dispose",
    "expire_lots",
    "free_stock",
    "issue",
    "link_offer",
    "lot_set_status",
    "lot_transition",
    "may_manage",
    "may_view",
    "offer_releasability",
    "offer_sync",
    "rebuild_balances",
    "receive",
    "release",
    "reserve",
    "safety_days",
    "transfer",
    "warehouse_of",
]
