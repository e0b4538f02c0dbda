"""Reservations and releases for allocations, picked earliest-expiry-first (FEFO)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation
from aidx.catalogue.models import Item
from aidx.core.errors import BusinessError
from aidx.nations.models import Site
from aidx.stockpile.models import Balance, Entry, Lot, Movement, StockOffer
from aidx.stockpile.services.common import (
    SUPPORT_AGENCY,
    _item_of,
    _quantity,
    _reason,
    _require_manager,
    safety_days,
    warehouse_of,
)
from aidx.stockpile.services.ledger import Change, _post, _prepared

# --- picking (FEFO) -----------------------------------------------------------------------------------------------


# The pick in one statement: the usable rows of one item in FEFO order (= the lock order, LOCK_ORDER) with the
# usable stock before each, read without locks, cut where that covers what is left to take, and locked in that
# order: exactly the rows the pick takes from. Every usable row holds at least one unit, so they are among the
# first `left` rows: the LIMIT lets the database read those through the lot index in expiry order and stop,
# rather than sort every lot of the item. SQL because every release runs it, and the ORM took longer to build it
# than the database to run it.
_PICK = """
SELECT b.id, b.warehouse_id, b.lot_id, b.on_hand, b.reserved, b.blocked
FROM stockpile_balance AS b JOIN (
    SELECT b.id, l.expiry_date, b.lot_id, b.warehouse_id, SUM(b.on_hand - b.reserved) OVER (
        ORDER BY l.expiry_date NULLS LAST, b.lot_id, b.warehouse_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS before
    FROM stockpile_balance AS b JOIN stockpile_lot AS l ON l.id = b.lot_id
    WHERE l.item_id = {item} AND l.owner_nation_id IS NULL AND l.status = %s
      AND (l.expiry_date IS NULL OR l.expiry_date >= %s) AND NOT b.blocked AND b.on_hand > b.reserved{more}
    ORDER BY l.expiry_date NULLS LAST, b.lot_id, b.warehouse_id
    LIMIT %s
) AS usable ON usable.id = b.id
WHERE usable.before IS NULL OR usable.before < %s
ORDER BY usable.expiry_date NULLS LAST, usable.lot_id, usable.warehouse_id
{lock}
"""
# The columns _PICK selects: Balance's, in the order of its fields (Balance.from_db).
_PICKED = ["id", "warehouse_id", "lot_id", "on_hand", "reserved", "blocked"]


def _pick(
    item: Item | str,
    quantity: int,
    *,
    needed_by: dt.date,
    margin_days: int,
    warehouse: Site | None = None,
) -> list[tuple[Balance, int]]:
    """Lock the usable rows of `item` (an item or its code) and take `quantity` earliest-expiry-first.

    Usable: common stockpile, lot available, not expiring before `needed_by` + margin, something unreserved.
    Only the rows taken from are locked, in the lock order every writer follows, so clients wait for each other
    rather than deadlock. None skips a row another holds (SKIP LOCKED would break FEFO): it waits for the
    earliest lot. When another client took some of its stock meanwhile, the next round locks the rows that follow.
    """
    good_until = needed_by + dt.timedelta(days=margin_days)
    by_item = "%s" if isinstance(item, Item) else "(SELECT id FROM catalogue_item WHERE code = %s)"
    lock = "FOR UPDATE OF b" if connection.features.has_select_for_update_of else ""
    picked: list[tuple[Balance, int]] = []
    left, seen = quantity, list[int]()
    while left:
        more, params = "", [item.pk if isinstance(item, Item) else str(item), Lot.Status.AVAILABLE.value, good_until]
        if warehouse:
            more, params = f"{more} AND b.warehouse_id = %s", [*params, warehouse.pk]
        if seen:
            more, params = f"{more} AND b.id NOT IN ({', '.join(['%s'] * len(seen))})", [*params, *seen]
        with _prepared() as cursor:
            cursor.execute(_PICK.format(item=by_item, more=more, lock=lock), [*params, left, left])
            rows = [Balance.from_db(DEFAULT_DB_ALIAS, _PICKED, values) for values in cursor.fetchall()]
        if not rows:
            break
        for row in rows:
            take = min(left, row.available)  # 0 when it was emptied or blocked while we waited for its lock
            if take > 0:
                picked.append((row, take))
                left -= take
            if not left:
                break
        seen += [row.pk for row in rows]
    if left:
        raise BusinessError(
            _("Not enough usable stock of %(item)s: %(n)s available that is still good %(days)s days after %(date)s.")
            % {"item": _item_of(item), "n": quantity - left, "days": margin_days, "date": needed_by.isoformat()},
            code="insufficient_stock",
        )
    return picked


def _outstanding_reservations(allocation: Allocation, lot: Lot | None = None) -> dict[tuple[int, int], int]:
    rows = (
        Entry.objects.filter(movement__allocation=allocation, **({"lot": lot} if lot else {}))
        .values("lot_id", "warehouse_id")
        .annotate(reserved=Sum("reserved_delta"))
    )
    return {(row["lot_id"], row["warehouse_id"]): row["reserved"] for row in rows if row["reserved"]}


def _stock_allocation(allocation: Allocation | int) -> Allocation:
    found = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("offer_line__offer__owner_organisation", "offer_line__item", "request_line__request")
        .filter(pk=getattr(allocation, "pk", allocation))
        .first()
    )
    if found is None:
        raise BusinessError(_("Not found."), code="not_found", status=404)
    allocation = found
    offer = allocation.offer_line.offer
    if offer.owner_organisation is None or offer.owner_organisation.code != SUPPORT_AGENCY:
        raise BusinessError(_("This allocation is not served from the stockpile."), code="not_stockpile")
    if allocation.offer_line.item_id is None:
        raise BusinessError(_("This allocation is not for an item."), code="not_stockpile")
    return allocation


def _item_served(allocation: Allocation) -> Item:
    item = allocation.offer_line.item
    assert item is not None  # _stock_allocation refuses an allocation of a capability
    return item


@transaction.atomic
def reserve(
    *, actor: Any, allocation: Allocation | int, today: dt.date | None = None, margin_days: int | None = None
) -> Movement:
    """Set stock aside for a proposed or accepted allocation, earliest expiry first."""
    _require_manager(actor)
    allocation = _stock_allocation(allocation)
    if allocation.status not in (Allocation.Status.PROPOSED, Allocation.Status.ACCEPTED):
        raise BusinessError(_("Only a proposed or accepted allocation can have stock reserved."), code="bad_state")
    need = allocation.quantity - sum(_outstanding_reservations(allocation).values())
    if need <= 0:
        raise BusinessError(_("The stock for this allocation is already reserved."), code="already_reserved")
    needed_by = max(allocation.request_line.request.needed_by, today or timezone.localdate())
    picked = _pick(
        _item_served(allocation),
        need,
        needed_by=needed_by,
        margin_days=safety_days() if margin_days is None else margin_days,
    )
    return _post(
        actor=actor,
        kind=Movement.Kind.RESERVATION,
        changes=[Change(row.lot_id, row.warehouse_id, reserved=n) for row, n in picked],
        allocation=allocation,
        occurred_on=today,
        locked=[row for row, _n in picked],
    )


def _cancel(actor: Any, allocation: Allocation, reason: str, lot: Lot | None = None) -> Movement | None:
    outstanding = _outstanding_reservations(allocation, lot)
    if not outstanding:
        return None
    return _post(
        actor=actor,
        kind=Movement.Kind.CANCELLATION,
        changes=[Change(lot_id, warehouse, reserved=-n) for (lot_id, warehouse), n in outstanding.items()],
        allocation=allocation,
        reason=reason,
    )


# --- kept in step with the exchange (registered with aidx.assistance.hooks in StockpileConfig.ready) -------------


def _holds_for(allocation: Allocation, kind: str) -> bool:
    return Movement.objects.filter(allocation=allocation, kind=kind).exists()


def allocation_closed(*, actor: Any, allocation: Allocation) -> Movement | None:
    """The exchange declined, cancelled or lapsed an allocation: its reserved stock goes back, booked under the
    name of whoever closed it (their right to close it was the exchange's to check)."""
    if not _holds_for(allocation, Movement.Kind.RESERVATION):
        return None
    return _cancel(actor, allocation, _("allocation %(status)s") % {"status": allocation.get_status_display()})


def allocation_shipped(*, actor: Any, allocation: Allocation) -> Movement | None:
    """The exchange marked an allocation of a stockpile offer shipped without a release from the stockpile (the
    offering agency pressed "Mark shipped", or a mission took off with it): the release is booked now, under the
    shipper's name, earliest expiry first, or the shipment fails for want of stock."""
    if not StockOffer.objects.filter(offer__lines=allocation.offer_line_id).exists():
        return None
    if _holds_for(allocation, Movement.Kind.RELEASE):
        return None  # released from the stockpile, which marked it shipped
    return _release(actor, _stock_allocation(allocation), record_only=True)


@transaction.atomic
def cancel_reservation(*, actor: Any, allocation: Allocation | int, reason: str = "") -> Movement | None:
    """Give the stock reserved for an allocation back (None when nothing was reserved)."""
    _require_manager(actor)
    allocation = _stock_allocation(allocation)
    return _cancel(actor, allocation, _reason(reason, required=False))


@transaction.atomic
def release(
    *,
    actor: Any,
    allocation: Allocation | int,
    today: dt.date | None = None,
    margin_days: int | None = None,
    record_only: bool = False,
) -> Movement:
    """Issue the stock of an accepted allocation and mark it shipped.

    Its reserved stock goes first, the rest is picked earliest-expiry-first. `record_only` books the release
    of an allocation already shipped outside aidx (history being replayed) without shipping it again.
    """
    _require_manager(actor)
    return _release(actor, _stock_allocation(allocation), today=today, margin_days=margin_days, record_only=record_only)


def _release(
    actor: Any,
    allocation: Allocation,
    *,
    today: dt.date | None = None,
    margin_days: int | None = None,
    record_only: bool = False,
) -> Movement:
    allowed = (Allocation.Status.SHIPPED, Allocation.Status.DELIVERED) if record_only else (Allocation.Status.ACCEPTED,)
    if allocation.status not in allowed:
        raise BusinessError(_("Only an accepted allocation can be released."), code="bad_state")
    if Movement.objects.filter(allocation=allocation, kind=Movement.Kind.RELEASE).exists():
        raise BusinessError(_("This allocation has already been released."), code="already_released")
    reserved = _outstanding_reservations(allocation)
    changes = [Change(lot, warehouse, on_hand=-n, reserved=-n) for (lot, warehouse), n in reserved.items()]
    need = allocation.quantity - sum(reserved.values())
    if need > 0:
        needed_by = allocation.request_line.request.needed_by
        if not record_only:
            needed_by = max(needed_by, today or timezone.localdate())
        picked = _pick(
            _item_served(allocation),
            need,
            needed_by=needed_by,
            margin_days=safety_days() if margin_days is None else margin_days,
        )
        changes += [Change(row.lot_id, row.warehouse_id, on_hand=-n) for row, n in picked]
    try:
        with transaction.atomic():
            movement = _post(
                actor=actor,
                kind=Movement.Kind.RELEASE,
                changes=changes,
                allocation=allocation,
                occurred_on=today,
                reference=str(allocation.request_line.request)[:200],
            )
    except IntegrityError:  # the one-release-per-allocation constraint: another client was faster
        raise BusinessError(_("This allocation has already been released."), code="already_released") from None
    if not record_only:
        exchange.allocation_ship(actor=actor, allocation=allocation)
    return movement


@transaction.atomic
def issue(
    *,
    actor: Any,
    item: Item | str,
    quantity: int,
    needed_by: dt.date | None = None,
    warehouse: Site | str | None = None,
    reference: str = "",
    margin_days: int | None = None,
) -> Movement:
    """Release stock outside the exchange (a partner package, an exercise), earliest expiry first."""
    _require_manager(actor)
    quantity, today = _quantity(quantity), timezone.localdate()
    picked = _pick(
        item,  # looked up by the pick itself: no statement of its own unless the pick falls short
        quantity,
        needed_by=needed_by or today,
        margin_days=safety_days() if margin_days is None else margin_days,
        warehouse=warehouse_of(warehouse) if warehouse else None,
    )
    return _post(
        actor=actor,
        kind=Movement.Kind.RELEASE,
        changes=[Change(row.lot_id, row.warehouse_id, on_hand=-n) for row, n in picked],
        occurred_on=today,
        reference=reference,
        locked=[row for row, _n in picked],
    )
