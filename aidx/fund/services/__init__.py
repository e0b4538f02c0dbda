"""Writes to the trust fund, split by what is booked (`ledger` states the rules every booking keeps).

This module re-exports the public services, so callers import `aidx.fund.services` as one room.
"""

from aidx.fund.services.common import (
    ACCOUNTS,
    MAX_MINOR,
    currency_code,
    exponent,
    parse_amount,
    rate_on,
    rate_set,
    to_eur_minor,
)
from aidx.fund.services.ledger import (
    Leg,
    accounts,
    check_accounts,
    rebuild_accounts,
    unbalanced_transactions,
)
from aidx.fund.services.orders import (
    LotInput,
    OrderLineInput,
    order_approve,
    order_cancel,
    order_create,
    order_receive,
)
from aidx.fund.services.pledges import (
    contribution_receive,
    pledge_create,
)
from aidx.fund.services.transport import (
    transport_pay,
)

__all__ = [
    "ACCOUNTS",
    "MAX_MINOR",
    "Leg",
    "LotInput",
    "OrderLineInput",
    "accounts",
    "check_accounts",
    "contribution_receive",
    "currency_code",
    "exponent",
    "order_approve",
    "order_cancel",
    "order_create",
    "order_receive",
    "parse_amount",
    "pledge_create",
    "rate_on",
    "rate_set",
    "rebuild_accounts",
    "to_eur_minor",
    "transport_pay",
    "unbalanced_transactions",
]
