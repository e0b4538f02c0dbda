"""Transfers between warehouses, counts and disposals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aidx.core.errors import BusinessError
from aidx.nations.models import Site
from aidx.stockpile.models import Lot, Movement
from aidx.stockpile.services.common import MAX_QUANTITY, _lot_of, _quantity, _reason, _require_manager, warehouse_of
from aidx.stockpile.services.ledger import Change, _lock_balances, _post

# --- transfers, counts, disposals ---------------------------------------------------------------------------


@transaction.atomic
def transfer(
    *,
    actor: Any,
    lot: Lot | int,
    source: Site | str | int,
    destination: Site | str | int,
    quantity: int,
    occurred_on: dt.date | None = None,
    reason: str = "",
) -> Movement:
    """Move unreserved stock of a lot between warehouses (a blocked lot may move, e.g. to quarantine)."""
    _require_manager(actor)
    lot, quantity = _lot_of(lot), _quantity(quantity)
    source, destination = warehouse_of(source), warehouse_of(destination)
    if source.pk == destination.pk:
        raise BusinessError(_("Choose two different warehouses."), field="destination")
    return _post(
        actor=actor,
        kind=Movement.Kind.TRANSFER,
        changes=[Change(lot.pk, source.pk, on_hand=-quantity), Change(lot.pk, destination.pk, on_hand=quantity)],
        occurred_on=occurred_on,
        reason=_reason(reason, required=False),
    )


@transaction.atomic
def adjust(
    *,
    actor: Any,
    lot: Lot | int,
    warehouse: Site | str | int,
    counted: int,
    reason: str,
    occurred_on: dt.date | None = None,
) -> Movement | None:
    """Book the difference found by a count (None when the count agrees)."""
    _require_manager(actor)
    lot, site = _lot_of(lot), warehouse_of(warehouse)
    reason = _reason(reason, required=True)
    if isinstance(counted, bool) or not isinstance(counted, int) or not 0 <= counted <= MAX_QUANTITY:
        raise BusinessError(_("The counted quantity must be a whole number, zero or more."), field="counted")
    row = _lock_balances([(lot.pk, site.pk)])[(lot.pk, site.pk)]
    if counted < row.reserved:
        raise BusinessError(
            _("%(n)s are reserved here: cancel reservations before counting fewer.") % {"n": row.reserved},
            code="reserved",
            field="counted",
        )
    if counted == row.on_hand:
        return None
    return _post(
        actor=actor,
        kind=Movement.Kind.ADJUSTMENT,
        changes=[Change(lot.pk, site.pk, on_hand=counted - row.on_hand)],
        reason=reason,
        occurred_on=occurred_on,
    )


@transaction.atomic
def dispose(
    *,
    actor: Any,
    lot: Lot | int,
    warehouse: Site | str | int,
    quantity: int,
    reason: str,
    occurred_on: dt.date | None = None,
) -> Movement:
    """Destroy or write off unreserved stock (expired, damaged, recalled)."""
    _require_manager(actor)
    lot, site, quantity = _lot_of(lot), warehouse_of(warehouse), _quantity(quantity)
    return _post(
        actor=actor,
        kind=Movement.Kind.DISPOSAL,
        changes=[Change(lot.pk, site.pk, on_hand=-quantity)],
        reason=_reason(reason, required=True),
        occurred_on=occurred_on,
    )
