"""Writes for requests, offers and allocations (see `allocations` for the quantity invariants).

The package is split by record; this module re-exports the public services so callers import
`aidx.assistance.services` as one room.
"""

from aidx.assistance.services.allocations import (
    allocation_accept,
    allocation_cancel,
    allocation_decline,
    allocation_deliver,
    allocation_propose,
    allocation_ship,
)
from aidx.assistance.services.common import MAX_LINES, LineInput
from aidx.assistance.services.expiry import expire_overdue
from aidx.assistance.services.offers import (
    offer_create,
    offer_line_set_quantity,
    offer_price,
    offer_propose_to_requester,
    offer_publish,
    offer_withdraw,
)
from aidx.assistance.services.requests import request_create, request_submit, request_update, request_withdraw

__all__ = [
    "MAX_LINES",
    "LineInput",
    "allocation_accept",
    "allocation_cancel",
    "allocation_decline",
    "allocation_deliver",
    "allocation_propose",
    "allocation_ship",
    "expire_overdue",
    "offer_create",
    "offer_line_set_quantity",
    "offer_price",
    "offer_propose_to_requester",
    "offer_publish",
    "offer_withdraw",
    "request_create",
    "request_submit",
    "request_update",
    "request_withdraw",
]
