"""What other apps hold for an allocation, kept in step by explicit calls from the exchange's services.

The stockpile reserves lots for allocations of its offers and books a release when one ships; the exchange does
not know the stockpile (the stockpile builds on the exchange, not the other way round). So an app that holds
something for allocations registers its handlers here when it starts, and the exchange's services call
`shipped` and `closed` inside their transaction, after the allocation has moved, with the person who acted: the
handler's bookings are audited under that person's name. No model signal: a save elsewhere (the admin, a
migration) triggers nothing, and a reader of `allocation_ship` sees that more happens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aidx.assistance.models import Allocation

Handler = Callable[..., object]  # (*, actor, allocation) -> what it booked, if anything (not used)

_SHIPPED: list[Handler] = []
_CLOSED: list[Handler] = []


def on_shipped(handler: Handler) -> Handler:
    """Register `handler(actor=, allocation=)`, called when an allocation is marked shipped."""
    if handler not in _SHIPPED:
        _SHIPPED.append(handler)
    return handler


def on_closed(handler: Handler) -> Handler:
    """Register `handler(actor=, allocation=)`, called when an allocation is declined, cancelled or lapses."""
    if handler not in _CLOSED:
        _CLOSED.append(handler)
    return handler


def shipped(*, actor: Any, allocation: Allocation) -> None:
    for handler in _SHIPPED:
        handler(actor=actor, allocation=allocation)


def closed(*, actor: Any, allocation: Allocation) -> None:
    for handler in _CLOSED:
        handler(actor=actor, allocation=allocation)
