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

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance.models import Allocation
from aidx.audit import services as audit
from aidx.audit.services import record, snapshot
from aidx.core.errors import BusinessError
from aidx.stockpile.models import Balance, Entry, Lot, Movement

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
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

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
