"""Writes to the stockpile. Stock changes only here, and only as ledger entries posted by `_post`:

1. the balance rows touched are created if missing, then locked (`select_for_update`) in the one lock order
   (earliest expiry first, then lot and warehouse), so two movements cannot deadlock on them;
2. the new figures are checked under the lock (never negative, never more reserved than on hand, nothing
   reserved or released from a blocked lot) — the same rules are CHECK constraints on `Balance`, so a bug
   here fails in the database instead of corrupting stock;
3. the movement, its entries, the balance updates and the audit entry are written in the same transaction —
   on PostgreSQL in one statement.

A FEFO release (`issue`) is two statements on PostgreSQL however many lots it takes from: pick-and-lock, then the
movement with its entries, balances and audit entry (test_it_issues_in_two_statements_however_many_lots_it_takes).
Both are prepared on the connection (`_prepared`): PostgreSQL parses and plans them once per connection, not once
per release.

Releases for an allocation lock the allocation first (then balances), and the database allows one release
movement per allocation: an allocation can never be released twice, not even by two clients at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pycountry
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import Role, User
from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation, Offer, OfferLine
from aidx.audit import services as audit
from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Item
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.nations.models import Nation, Organisation, Site
from aidx.stockpile.models import Balance, Entry, Lot, Movement, StockOffer

SUPPORT_AGENCY = "support-agency"
MAX_QUANTITY = 2_000_000_000


def safety_days() -> int:
    """Days a lot must still be good after the needed-by date to be released (setting AIDX_STOCKPILE_SAFETY_DAYS)."""
    return int(getattr(settings, "AIDX_STOCKPILE_SAFETY_DAYS", 30))


def offer_releasability() -> str:
    return str(getattr(settings, "AIDX_STOCKPILE_RELEASABILITY", "allies"))


# --- who may act ------------------------------------------------------------------------------------------


def may_view(user: Any) -> bool:
    """Stock, lots and the ledger: the coordination centre and stockpile managers."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_centre or user.has_role(Role.STOCKPILE))


def may_manage(user: Any) -> bool:
    if not may_view(user):
        return False
    return bool(user.has_role(Role.STOCKPILE) or user.has_role(Role.COORDINATOR))


def _require_manager(actor: Any) -> None:
    if actor is None:
        return  # the system: scenario steps and tasks
    if not may_manage(actor):
        raise PermissionDenied(_("Only a stockpile manager or a coordinator can change the stock."))


# --- input -------------------------------------------------------------------------------------------------


def _quantity(value: Any, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise BusinessError(_("The quantity must be a whole number."), field=field) from None
    if value <= 0:
        raise BusinessError(_("The quantity must be greater than zero."), field=field)
    if value > MAX_QUANTITY:
        raise BusinessError(_("The quantity is too large."), field=field)
    return value


def _reason(value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BusinessError(_("Give a reason."), field="reason")
    if len(value) > 500:
        raise BusinessError(_("The text is too long (at most %(n)s characters).") % {"n": 500}, field="reason")
    return value


def currency_code(value: str, field: str = "currency") -> str:
    code = (value or "").strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise BusinessError(_("Unknown currency: %(code)s.") % {"code": value}, field=field)
    return code


def warehouse_of(value: Site | str | int) -> Site:
    if isinstance(value, Site):
        site = value
    else:
        lookup = {"pk": value} if isinstance(value, int) else {"code": value}
        site = Site.objects.filter(**lookup).first()
    if site is None or site.kind != Site.Kind.WAREHOUSE:
        raise BusinessError(_("Unknown warehouse: %(code)s.") % {"code": value}, field="warehouse")
    return site


def _item_of(value: Item | str) -> Item:
    item = value if isinstance(value, Item) else Item.objects.filter(code=value).order_by().first()
    if item is None:
        raise BusinessError(_("Unknown item %(code)s.") % {"code": value}, field="item")
    return item


def _lot_of(value: Lot | int) -> Lot:
    lot = value if isinstance(value, Lot) else Lot.objects.filter(pk=value).first()
    if lot is None:
        raise BusinessError(_("Not found."), code="not_found", status=404)
    return lot


# --- the ledger ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    lot: int
    warehouse: int
    on_hand: int = 0
    reserved: int = 0


_TAKES_FROM_BLOCKED = {Movement.Kind.RESERVATION, Movement.Kind.RELEASE}


# Every transaction locks balance rows in this one order — earliest expiry first, as FEFO picks them — so that
# picks, transfers and releases of reservations never wait for each other in a cycle.
LOCK_ORDER = (F("lot__expiry_date").asc(nulls_last=True), "lot_id", "warehouse_id")


def _lock_balances(keys: list[tuple[int, int]]) -> dict[tuple[int, int], Balance]:
    """Lock the (lot, warehouse) rows in the global lock order, creating the missing ones first."""
    if not keys:
        return {}
    keys = sorted(set(keys))
    where = Q()
    for lot, warehouse in keys:
        where |= Q(lot_id=lot, warehouse_id=warehouse)

    def locked() -> dict[tuple[int, int], Balance]:
        rows = Balance.objects.select_for_update(of=("self",)).filter(where).order_by(*LOCK_ORDER)
        return {(row.lot_id, row.warehouse_id): row for row in rows}

    rows = locked()
    missing = [key for key in keys if key not in rows]
    if missing:
        statuses = dict(Lot.objects.filter(pk__in={lot for lot, _w in missing}).values_list("pk", "status"))
        Balance.objects.bulk_create(
            [Balance(lot_id=lot, warehouse_id=w, blocked=statuses[lot] != Lot.Status.AVAILABLE) for lot, w in missing],
            ignore_conflicts=True,  # another transaction may have created it meanwhile: then we lock theirs
        )
        rows = locked()
    return rows


def _prepared() -> Any:
    """A cursor for the statements that every movement runs on PostgreSQL (the pick, the write), whose parameters
    are bound on the server, so that psycopg prepares each statement on the connection once it has run a few times
    (DATABASES OPTIONS "prepare_threshold", see settings.py): PostgreSQL then parses and plans it once per connection
    instead of once per movement, which was a third of the database's work for a release. Django's own cursors bind
    on the client and can never be prepared. Still Django's cursor wrapper: its error mapping and query log."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each attribute of the `connection` proxy is a context-local lookup
    if db.vendor != "postgresql":
        return db.cursor()
    # Django's own server-binding cursor class (what OPTIONS "server_side_binding" uses for every cursor),
    # made and wrapped the way connection.cursor() makes and wraps its own
    from django.db.backends.postgresql.base import ServerBindingCursor

    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        raw: Any = ServerBindingCursor(db.connection)  # (django-stubs expect a wrapper here; Django wraps this one)
    db.validate_thread_sharing()
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)


# A movement in one statement on PostgreSQL: the movement row, the balance updates, the entries and the audit entry.
# The entries are inserted from the updated rows, so there is one for each balance row that moved and no other (the
# count is checked). The audit entry is the one `audit.record()` writes (`audit.columns`), in this statement because
# only it knows the movement's id. The columns are Movement's and AuditEntry's; a field added to either without a
# database default fails here loudly. Casts where a parameter alone does not tell PostgreSQL its type.
_WRITE = """
WITH movement AS (
    INSERT INTO stockpile_movement (kind, occurred_on, reason, reference, allocation_id, created_by_id, created_at)
    VALUES (%(kind)s, %(occurred_on)s, %(reason)s, %(reference)s, %(allocation)s, %(created_by)s, %(created_at)s)
    RETURNING id
), change AS (
    SELECT * FROM unnest(%(balance)s::bigint[], %(lot)s::bigint[], %(warehouse)s::bigint[], %(on_hand)s::bigint[],
                         %(reserved)s::bigint[]) WITH ORDINALITY AS c (balance, lot, warehouse, on_hand, reserved, n)
), updated AS (
    UPDATE stockpile_balance AS b SET on_hand = b.on_hand + c.on_hand, reserved = b.reserved + c.reserved
    FROM change AS c WHERE b.id = c.balance
    RETURNING b.id
), audited AS (
    INSERT INTO audit_auditentry (at, actor_id, actor_name, action, target_type, target_id, target_repr, changes)
    SELECT %(at)s::timestamptz, %(actor_id)s::bigint, %(actor_name)s, %(action)s, %(target_type)s, movement.id::text,
           %(target_repr)s::text || movement.id, %(changes)s::jsonb
    FROM movement
)
INSERT INTO stockpile_entry (movement_id, kind, lot_id, warehouse_id, on_hand_delta, reserved_delta)
SELECT movement.id, %(kind)s, c.lot, c.warehouse, c.on_hand, c.reserved
FROM movement, change AS c JOIN updated ON updated.id = c.balance
ORDER BY c.n
RETURNING movement_id
"""


def _write(movement: Movement, changes: list[tuple[int, int, int, int, int]], *, actor: Any, after: dict) -> None:
    """Save the new `movement`, add `changes` — (balance row, lot, warehouse, on hand ±, reserved ±), rows the
    caller holds locked — to the balances, append them to the ledger as the movement's entries, and record the
    movement in the audit log with `after` as what changed."""
    action = f"stock.{movement.kind}"
    if connection.vendor != "postgresql":
        movement.save(force_insert=True)
        for pk, _lot, _warehouse, on_hand, reserved in changes:
            Balance.objects.filter(pk=pk).update(on_hand=F("on_hand") + on_hand, reserved=F("reserved") + reserved)
        Entry.objects.bulk_create(
            Entry(movement=movement, kind=movement.kind, lot_id=lot, warehouse_id=warehouse, on_hand_delta=on_hand,
                  reserved_delta=reserved)
            for _pk, lot, warehouse, on_hand, reserved in changes
        )  # fmt: skip
        record(actor=actor, action=action, target=movement, after=after)
        return
    movement.created_at = timezone.now()
    names = ("balance", "lot", "warehouse", "on_hand", "reserved")
    columns = {name: list(values) for name, values in zip(names, zip(*changes, strict=True), strict=True)}
    with _prepared() as cursor:
        cursor.execute(
            _WRITE,
            {
                "kind": str(movement.kind),
                "occurred_on": movement.occurred_on,
                "reason": movement.reason,
                "reference": movement.reference,
                "allocation": movement.allocation_id,
                "created_by": movement.created_by_id,
                "created_at": movement.created_at,
                **columns,
                **audit.columns(actor=actor, action=action, target=Movement, after=after, at=movement.created_at),
                "target_repr": f"{movement.kind_label} #",  # + the id: str(movement)
            },
        )
        written = cursor.fetchall()
    if len(written) != len(changes):
        raise RuntimeError("a balance row locked for this movement is missing")
    movement.pk = written[0][0]
    movement._state.adding, movement._state.db = False, connection.alias


def _post(
    *,
    actor: Any,
    kind: str,
    changes: list[Change],
    occurred_on: dt.date | None = None,
    reason: str = "",
    reference: str = "",
    allocation: Allocation | None = None,
    locked: list[Balance] | None = None,
) -> Movement:
    """Write one movement: lock, check, update the balances and append the entries (see the module docstring).

    `locked`: rows the caller already holds locked (a FEFO pick), so they are not selected a second time."""
    merged: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for change in changes:
        merged[(change.lot, change.warehouse)][0] += change.on_hand
        merged[(change.lot, change.warehouse)][1] += change.reserved
    merged = {key: value for key, value in merged.items() if value != [0, 0]}
    if not merged:
        raise BusinessError(_("This changes no stock."), code="no_change")
    held = {(row.lot_id, row.warehouse_id): row for row in locked or []}
    rows = held if set(merged) <= set(held) else _lock_balances(list(merged))
    ordered = sorted(merged.items())
    for key, (on_hand, reserved) in ordered:
        row = rows[key]
        new_on_hand, new_reserved = row.on_hand + on_hand, row.reserved + reserved
        if row.blocked and (kind in _TAKES_FROM_BLOCKED or reserved > 0):
            raise BusinessError(
                _("Lot %(lot)s is blocked (%(status)s): nothing can be reserved or released from it.")
                % {"lot": row.lot.lot_number, "status": row.lot.get_status_display()},
                code="lot_blocked",
            )
        if new_on_hand < 0 or (new_reserved > new_on_hand and on_hand < 0):
            raise BusinessError(
                _("Not enough stock of lot %(lot)s: %(n)s available.")
                % {"lot": row.lot.lot_number, "n": max(row.on_hand - row.reserved, 0)},
                code="insufficient_stock",
            )
        if new_reserved < 0 or new_reserved > new_on_hand:
            raise BusinessError(
                _("Cannot reserve more of lot %(lot)s than is available.") % {"lot": row.lot.lot_number},
                code="insufficient_stock",
            )
    movement = Movement(
        kind=kind,
        occurred_on=occurred_on or timezone.localdate(),
        reason=reason,
        reference=reference[:200],
        allocation=allocation,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _write(
        movement,
        [(rows[(lot, w)].pk, lot, w, oh, rs) for (lot, w), (oh, rs) in ordered],
        actor=actor,
        after={**snapshot(movement), "entries": [f"{lot}@{w} {oh:+d}/{rs:+d}" for (lot, w), (oh, rs) in ordered]},
    )
    return movement


# --- receipts --------------------------------------------------------------------------------------------------


@transaction.atomic
def receive(
    *,
    actor: Any,
    warehouse: Site | str | int,
    item: Item | str,
    lot_number: str,
    quantity: int,
    expiry_date: dt.date | None = None,
    owner_nation: Nation | None = None,
    donor: Nation | None = None,
    source: str = Lot.Source.DONATION,
    unit_value_minor: int = 0,
    currency: str = "EUR",
    occurred_on: dt.date | None = None,
    reference: str = "",
    scenario_key: str = "",
) -> Lot:
    """A donation in kind or a procurement delivery: a new lot (or more of an identical one) at a warehouse."""
    _require_manager(actor)
    site, item = warehouse_of(warehouse), _item_of(item)
    quantity = _quantity(quantity)
    lot_number = (lot_number or "").strip()
    if not lot_number or len(lot_number) > 60:
        raise BusinessError(_("Give a lot number (at most 60 characters)."), field="lot_number")
    if source not in Lot.Source.values:
        raise BusinessError(_("Unknown source: %(value)s.") % {"value": source}, field="source")
    if isinstance(unit_value_minor, bool) or not isinstance(unit_value_minor, int) or unit_value_minor < 0:
        raise BusinessError(_("The unit value must be a whole number of minor units, zero or more."), field="value")
    currency = currency_code(currency)
    occurred_on = occurred_on or timezone.localdate()
    if expiry_date is not None and not isinstance(expiry_date, dt.date):
        raise BusinessError(_("Enter a valid date (YYYY-MM-DD)."), field="expiry_date")
    lot = Lot.objects.select_for_update(no_key=True).filter(item=item, lot_number=lot_number).first()
    if lot is None:
        try:
            with transaction.atomic():
                lot = Lot.objects.create(
                    item=item,
                    lot_number=lot_number,
                    expiry_date=expiry_date,
                    owner_nation=owner_nation,
                    donor=donor,
                    source=source,
                    unit_value_minor=unit_value_minor,
                    currency=currency,
                    received_on=occurred_on,
                    scenario_key=scenario_key,
                )
        except IntegrityError:
            raise BusinessError(
                _("Lot %(lot)s of this item was received at the same moment: try again.") % {"lot": lot_number},
                code="conflict",
            ) from None
        record(actor=actor, action="stock.lot_create", target=lot, after=snapshot(lot))
    elif (lot.expiry_date, lot.owner_nation_id, lot.donor_id) != (
        expiry_date,
        getattr(owner_nation, "pk", None),
        getattr(donor, "pk", None),
    ):
        raise BusinessError(
            _("Lot %(lot)s of this item already exists with another expiry date, owner or donor.")
            % {"lot": lot_number},
            code="lot_mismatch",
            field="lot_number",
        )
    _post(
        actor=actor,
        kind=Movement.Kind.RECEIPT,
        changes=[Change(lot.pk, site.pk, on_hand=quantity)],
        occurred_on=occurred_on,
        reference=reference,
    )
    return lot


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
    allocation = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("offer_line__offer__owner_organisation", "offer_line__item", "request_line__request")
        .get(pk=getattr(allocation, "pk", allocation))
    )
    offer = allocation.offer_line.offer
    if offer.owner_organisation is None or offer.owner_organisation.code != SUPPORT_AGENCY:
        raise BusinessError(_("This allocation is not served from the stockpile."), code="not_stockpile")
    if allocation.offer_line.item_id is None:
        raise BusinessError(_("This allocation is not for an item."), code="not_stockpile")
    return allocation


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
        allocation.offer_line.item,
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


def allocation_closed(*, allocation: Allocation) -> Movement | None:
    """The exchange cancelled or declined an allocation: give its reserved stock back (see signals.py)."""
    return _cancel(None, allocation, _("allocation %(status)s") % {"status": allocation.get_status_display()})


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
    allocation = _stock_allocation(allocation)
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
            allocation.offer_line.item,
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


@transaction.atomic
def lot_set_status(*, actor: Any, lot: Lot | int, status: str, reason: str = "") -> Lot:
    """Quarantine, recall, expire, damage or free a lot. Anything but "available" blocks it everywhere at once:
    its reservations are cancelled and its balance rows flagged under their locks, so no release can slip in.
    A recall is final."""
    _require_manager(actor)
    if status not in Lot.Status.values:
        raise BusinessError(_("Unknown status: %(value)s.") % {"value": status}, field="status")
    # NO KEY UPDATE: ledger inserts take KEY SHARE locks on the lot (their foreign key); a plain FOR UPDATE here
    # would wait for them while they wait for the balance rows this recall locks next.
    lot = Lot.objects.select_for_update(no_key=True).get(pk=_lot_of(lot).pk)
    reason = _reason(reason, required=status != Lot.Status.AVAILABLE)
    if lot.status == status:
        return lot
    if lot.status == Lot.Status.RECALLED:
        raise BusinessError(_("A recalled lot stays recalled."), code="bad_state")
    before = snapshot(lot)
    keys = list(Balance.objects.filter(lot=lot).values_list("lot_id", "warehouse_id"))
    _lock_balances(keys)
    blocked = status != Lot.Status.AVAILABLE
    if blocked:
        reservations = (
            Entry.objects.filter(lot=lot, movement__allocation__isnull=False)
            .values("movement__allocation")
            .annotate(reserved=Sum("reserved_delta"))
            .filter(reserved__gt=0)
        )
        for allocation in Allocation.objects.filter(pk__in=[r["movement__allocation"] for r in reservations]):
            _cancel(actor, allocation, _("Lot %(lot)s: %(status)s") % {"lot": lot.lot_number, "status": status}, lot)
    Balance.objects.filter(lot=lot).update(blocked=blocked)
    lot.status, lot.status_reason = status, reason
    lot.save(update_fields=["status", "status_reason"])
    record(actor=actor, action=f"stock.lot_{status}", target=lot, before=before, after=snapshot(lot))
    return lot


def expire_lots(*, today: dt.date | None = None) -> int:
    """Mark available lots past their expiry date as expired (the daily task)."""
    today = today or timezone.localdate()
    count = 0
    for lot_id in Lot.objects.filter(status=Lot.Status.AVAILABLE, expiry_date__lt=today).values_list("pk", flat=True):
        lot_set_status(actor=None, lot=lot_id, status=Lot.Status.EXPIRED, reason=_("past its expiry date"))
        count += 1
    return count


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
    return [
        Difference(lot, warehouse, kept.get((lot, warehouse)), replayed.get((lot, warehouse)))
        for lot, warehouse in sorted(set(kept) | set(replayed))
        if kept.get((lot, warehouse)) != replayed.get((lot, warehouse))
    ]


# --- the stockpile's offer to the exchange ---------------------------------------------------------------------


def agency_user() -> User | None:
    """The account that acts for the support agency when the system syncs the offer (a task)."""
    return (
        User.objects.filter(is_active=True, organisation__code=SUPPORT_AGENCY, role_grants__role=Role.POINT_OF_CONTACT)
        .order_by("id")
        .first()
    )


def _usable(today: dt.date | None = None) -> Q:
    """Common stock that could be released today: not blocked, and good for at least the safety margin."""
    good_until = (today or timezone.localdate()) + dt.timedelta(days=safety_days())
    return Q(lot__owner_nation__isnull=True, blocked=False) & (
        Q(lot__expiry_date__isnull=True) | Q(lot__expiry_date__gte=good_until)
    )


def free_stock(item: Item, today: dt.date | None = None) -> int:
    """Usable common stock of `item` not yet promised to an allocation of the stockpile's offer."""
    available = (
        Balance.objects.filter(_usable(today), lot__item=item).aggregate(n=Sum(F("on_hand") - F("reserved")))["n"] or 0
    )
    promised = 0
    for allocation in Allocation.objects.filter(
        offer_line__item=item,
        offer_line__offer__owner_organisation__code=SUPPORT_AGENCY,
        status__in=(Allocation.Status.PROPOSED, Allocation.Status.ACCEPTED),
    ):
        promised += max(allocation.quantity - sum(_outstanding_reservations(allocation).values()), 0)
    return available - promised


@transaction.atomic
def offer_sync(
    *, actor: User, items: list[Item] | None = None, releasability: str | None = None, today: dt.date | None = None
) -> list[Offer]:
    """Offer the free stock to the exchange: one offer per item, owned by the support agency.

    A linked open offer has its line set to (live allocations + free stock), never below what is allocated;
    an item without one gets a new offer (offer_create + offer_publish), releasable to allies unless configured
    otherwise. Returns the offers created or changed.
    """
    _require_manager(actor)
    if actor.organisation is None or actor.organisation.code != SUPPORT_AGENCY:
        raise PermissionDenied(_("Only the support agency's staff can offer the stockpile."))
    today = today or timezone.localdate()
    if items is None:
        stocked = Balance.objects.filter(on_hand__gt=0, lot__owner_nation__isnull=True).values("lot__item")
        items = list(Item.objects.filter(Q(pk__in=stocked) | Q(pk__in=StockOffer.objects.values("item"))))
    changed = []
    for item in sorted(items, key=lambda i: i.code):
        free = free_stock(item, today)
        link = StockOffer.objects.select_related("offer").filter(item=item).first()
        offer = link.offer if link else None
        usable = offer is not None and offer.status in (
            Offer.Status.OPEN,
            Offer.Status.PARTIALLY_ALLOCATED,
            Offer.Status.FULLY_ALLOCATED,
        )
        if usable:
            line = OfferLine.objects.select_for_update(of=("self",)).get(offer=offer, item=item)
            live = (
                Allocation.objects.filter(offer_line=line, status__in=Allocation.LIVE).aggregate(n=Sum("quantity"))["n"]
                or 0
            )
            target = live + max(free, 0)
            if target != line.quantity and target > 0:
                exchange.offer_line_set_quantity(actor=actor, offer_line=line, quantity=target, reason="stock sync")
                changed.append(offer)
            continue
        if free <= 0:
            continue
        site = (
            Balance.objects.filter(_usable(today), lot__item=item)
            .values("warehouse__code")
            .annotate(n=Sum(F("on_hand") - F("reserved")))
            .order_by("-n")
            .first()
        )
        offer = exchange.offer_create(
            actor=actor,
            title=_("%(item)s from the stockpile") % {"item": item},
            description=_("Available stock of the common stockpile, kept up to date by the stockpile managers."),
            releasability=releasability or offer_releasability(),
            lines=[
                exchange.LineInput(
                    item=item.code,
                    quantity=free,
                    available_from=today,
                    origin_site=site["warehouse__code"] if site else None,
                )
            ],
        )
        offer = exchange.offer_publish(actor=actor, offer=offer)
        StockOffer.objects.update_or_create(item=item, defaults={"offer": offer})
        changed.append(offer)
    return changed


def link_offer(*, item: Item, offer: Offer) -> None:
    """Adopt an existing support-agency offer for `item` (the scenario's offer of 2020)."""
    owner: Organisation | None = offer.owner_organisation
    if owner is None or owner.code != SUPPORT_AGENCY:
        raise BusinessError(_("Only an offer of the support agency can be the stockpile's offer."))
    StockOffer.objects.update_or_create(item=item, defaults={"offer": offer})
