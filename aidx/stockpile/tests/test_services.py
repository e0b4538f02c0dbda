"""The stock ledger: receipts, reservations, FEFO releases, transfers, counts, disposals, recalls, the offer."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from aidx.assistance import services as exchange_services
from aidx.assistance.models import Allocation, Offer
from aidx.audit.models import AuditEntry
from aidx.audit.services import diff, snapshot
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.notifications.models import Notification
from aidx.stockpile import selectors, services
from aidx.stockpile.models import Balance, Entry, Lot, Movement
from aidx.stockpile.tasks import stock_daily


def figures(lot, warehouse):
    row = Balance.objects.get(lot=lot, warehouse=warehouse)
    return row.on_hand, row.reserved


def test_it_receives_a_lot_into_the_ledger_and_the_projection(stock):
    lot = stock.lot("US-1", 100)
    assert figures(lot, stock.taranto) == (100, 0)
    assert list(Entry.objects.values_list("kind", "on_hand_delta")) == [("receipt", 100)]
    assert AuditEntry.objects.filter(action="stock.receipt").count() == 1
    # more of the same lot adds up; a different expiry under the same number is refused
    stock.lot("US-1", 20)
    assert figures(lot, stock.taranto) == (120, 0)
    with pytest.raises(BusinessError) as error:
        stock.lot("US-1", 5, days=100)
    assert error.value.code == "lot_mismatch"
    assert services.check_balances() == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"lot_number": ""}, "lot_number"),
        ({"currency": "XYZ"}, "currency"),
        ({"item": "no-such-item"}, "item"),
        ({"warehouse": "rome"}, "warehouse"),  # an airfield, not a warehouse
        ({"unit_value_minor": -1}, "value"),
    ],
)
def test_it_rejects_bad_receipts_and_writes_nothing(stock, kwargs, field):
    arguments = {
        "actor": stock.manager,
        "warehouse": stock.taranto,
        "item": "ventilator",
        "lot_number": "L",
        "quantity": 5,
        **kwargs,
    }
    with pytest.raises(BusinessError) as error:
        services.receive(**arguments)
    assert error.value.field == field
    assert not Entry.objects.exists() and not Lot.objects.exists()


@pytest.mark.parametrize("who", ["ally_a", "partner", "outsider", "viewer"])
def test_it_lets_only_stockpile_managers_and_coordinators_change_stock(stock, who):
    with pytest.raises(PermissionDenied):
        services.receive(
            actor=getattr(stock.world, who), warehouse=stock.taranto, item="ventilator", lot_number="X", quantity=1
        )
    services.receive(
        actor=stock.world.coordinator, warehouse=stock.taranto, item="ventilator", lot_number="X", quantity=1
    )


def test_it_releases_earliest_expiry_first_skipping_lots_too_short_or_blocked(stock):
    short = stock.lot("SHORT", 50, days=20)  # expires before needed-by (10 days) + 30 days margin
    late = stock.lot("LATE", 50, days=400)
    never = stock.lot("NEVER", 50)  # no expiry: last
    early = stock.lot("EARLY", 30, days=60, warehouse=stock.second)
    blocked = stock.lot("BLOCKED", 50, days=50)
    services.lot_set_status(actor=stock.manager, lot=blocked, status="quarantined", reason="check")
    allocation = stock.allocation(60)
    movement = services.release(actor=stock.manager, allocation=allocation)
    taken = {e.lot_id: -e.on_hand_delta for e in movement.entries.all()}
    assert taken == {early.pk: 30, late.pk: 30}
    assert short.pk not in taken and never.pk not in taken
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.SHIPPED
    # never twice
    with pytest.raises(BusinessError):
        services.release(actor=stock.manager, allocation=allocation)
    assert services.check_balances() == []


def test_it_refuses_a_release_when_usable_stock_is_short_and_writes_nothing(stock):
    stock.lot("A", 10, days=365)
    allocation = stock.allocation(10)
    services.lot_set_status(actor=stock.manager, lot=Lot.objects.get(lot_number="A"), status="damaged", reason="x")
    before = Entry.objects.count()
    with pytest.raises(BusinessError) as error:
        services.release(actor=stock.manager, allocation=allocation)
    assert error.value.code == "insufficient_stock"
    assert Entry.objects.count() == before
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.ACCEPTED


def test_it_reserves_for_an_allocation_and_releases_the_reserved_lots(stock):
    first = stock.lot("FIRST", 40, days=200)
    second = stock.lot("SECOND", 40, days=300)
    allocation = stock.allocation(50)
    services.reserve(actor=stock.manager, allocation=allocation)
    assert figures(first, stock.taranto) == (40, 40) and figures(second, stock.taranto) == (40, 10)
    assert selectors.balances(stock.manager).get(lot=second).available == 30
    with pytest.raises(BusinessError):
        services.reserve(actor=stock.manager, allocation=allocation)
    # a count cannot go below what is reserved, a disposal cannot take reserved stock
    with pytest.raises(BusinessError):
        services.adjust(actor=stock.manager, lot=first, warehouse=stock.taranto, counted=30, reason="count")
    with pytest.raises(BusinessError):
        services.dispose(actor=stock.manager, lot=second, warehouse=stock.taranto, quantity=31, reason="broken")
    services.release(actor=stock.manager, allocation=allocation)
    assert figures(first, stock.taranto) == (0, 0) and figures(second, stock.taranto) == (30, 0)
    assert services.check_balances() == []


def test_it_cancels_reservations(stock):
    lot = stock.lot("L", 40, days=200)
    allocation = stock.allocation(25)
    services.reserve(actor=stock.manager, allocation=allocation)
    services.cancel_reservation(actor=stock.manager, allocation=allocation, reason="plans changed")
    assert figures(lot, stock.taranto) == (40, 0)
    assert services.cancel_reservation(actor=stock.manager, allocation=allocation) is None


def test_it_recalls_a_lot_everywhere_at_once_and_cancels_its_reservations(stock):
    lot = stock.lot("RECALL", 40, days=200)
    services.transfer(actor=stock.manager, lot=lot, source=stock.taranto, destination=stock.second, quantity=15)
    allocation = stock.allocation(30)
    services.reserve(actor=stock.manager, allocation=allocation)
    services.lot_set_status(actor=stock.manager, lot=lot, status="recalled", reason="manufacturer recall")
    assert set(Balance.objects.filter(lot=lot).values_list("blocked", "reserved")) == {(True, 0)}
    assert Movement.objects.filter(kind="cancellation", allocation=allocation).exists()
    for attempt in (
        lambda: services.reserve(actor=stock.manager, allocation=allocation),
        lambda: services.release(actor=stock.manager, allocation=allocation),
        lambda: services.issue(actor=stock.manager, item="ventilator", quantity=1),
    ):
        with pytest.raises(BusinessError):
            attempt()
    with pytest.raises(BusinessError):
        services.lot_set_status(actor=stock.manager, lot=lot, status="available")
    # it can still be disposed of
    services.dispose(actor=stock.manager, lot=lot, warehouse=stock.second, quantity=15, reason="destroyed")
    assert services.check_balances() == []


def test_it_transfers_adjusts_and_disposes_through_the_ledger(stock):
    lot = stock.lot("T", 100, days=300)
    services.transfer(actor=stock.manager, lot=lot, source=stock.taranto, destination=stock.second, quantity=30)
    assert figures(lot, stock.taranto) == (70, 0) and figures(lot, stock.second) == (30, 0)
    with pytest.raises(BusinessError):
        services.transfer(actor=stock.manager, lot=lot, source=stock.second, destination=stock.taranto, quantity=31)
    with pytest.raises(BusinessError):
        services.adjust(actor=stock.manager, lot=lot, warehouse=stock.taranto, counted=68, reason="")
    services.adjust(actor=stock.manager, lot=lot, warehouse=stock.taranto, counted=68, reason="count of May")
    assert services.adjust(actor=stock.manager, lot=lot, warehouse=stock.taranto, counted=68, reason="again") is None
    services.dispose(actor=stock.manager, lot=lot, warehouse=stock.second, quantity=30, reason="water damage")
    assert figures(lot, stock.taranto) == (68, 0) and figures(lot, stock.second) == (0, 0)
    assert list(Entry.objects.filter(kind="adjustment").values_list("on_hand_delta", flat=True)) == [-2]
    assert services.check_balances() == []


def test_it_rebuilds_the_projection_from_the_ledger_and_the_check_finds_tampering(stock):
    lot = stock.lot("R", 100, days=300)
    services.transfer(actor=stock.manager, lot=lot, source=stock.taranto, destination=stock.second, quantity=40)
    Balance.objects.filter(lot=lot, warehouse=stock.taranto).update(on_hand=99)
    differences = services.check_balances()
    assert [(d.kept, d.replayed) for d in differences] == [((99, 0, False), (60, 0, False))]
    assert services.rebuild_balances() == 2
    assert services.check_balances() == []
    assert figures(lot, stock.taranto) == (60, 0)


def test_the_database_refuses_negative_stock_and_ledger_edits(stock):
    lot = stock.lot("DB", 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(lot=lot).update(on_hand=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(lot=lot).update(reserved=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(lot=lot).update(blocked=True, reserved=1)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - the trigger's error type differs by engine
        Entry.objects.filter(lot=lot).update(on_hand_delta=1000)
    assert Entry.objects.get(lot=lot).on_hand_delta == 10


def test_it_counts_a_lot_past_its_date_out_at_once_and_the_schedule_expires_it_and_tells_the_managers(stock):
    """The clock has passed a lot's expiry date (yesterday). Before the daily job runs, no read counts it as
    available; the job (as the system, through the lot's workflow) expires it and notifies the stockpile managers."""
    old = stock.lot("OLD", 5, days=-1)
    fresh = stock.lot("FRESH", 7, days=10)
    rows = {row.lot.lot_number: row.available_now for row in selectors.balances(stock.manager)}
    assert rows == {"OLD": 0, "FRESH": 7}
    assert selectors.panel(stock.manager)["available"] == 7
    assert old.status == "available"  # the job has not run: the reads above did not depend on it

    figures = stock_daily.call()

    old.refresh_from_db(), fresh.refresh_from_db()
    assert figures["expired"] == 1
    assert (old.status, fresh.status) == ("expired", "available")
    assert Balance.objects.get(lot=old).blocked
    assert AuditEntry.objects.filter(action="stock.lot_expire", actor_name="system", target_id=str(old.pk)).exists()
    notice = Notification.objects.get(user=stock.manager, kind="lot_expired")
    assert "OLD" in notice.text and notice.url == f"/stockpile/lots/{old.pk}/"
    assert stock_daily.call()["expired"] == 0  # safe to run twice


def test_it_offers_the_free_stock_to_the_exchange_and_keeps_the_offer_up_to_date(stock):
    stock.lot("O1", 50, days=300)
    offers = services.offer_sync(actor=stock.manager)
    assert len(offers) == 1
    offer = offers[0]
    assert offer.owner_organisation == stock.agency and offer.status == Offer.Status.OPEN
    assert offer.releasability == "allies" and offer.lines.get().quantity == 50
    allocation = stock.allocation(20)
    stock.lot("O2", 30, days=300)
    services.offer_sync(actor=stock.manager)
    assert offer.lines.get().quantity == 80  # 20 allocated + 30 still free of the first lot + 30 new
    services.release(actor=stock.manager, allocation=allocation)
    services.lot_set_status(actor=stock.manager, lot=Lot.objects.get(lot_number="O2"), status="recalled", reason="r")
    services.offer_sync(actor=stock.manager)
    assert offer.lines.get().quantity == 50  # 20 shipped + 30 free
    with pytest.raises(PermissionDenied):
        services.offer_sync(actor=stock.world.coordinator)


def test_it_alerts_on_lots_expiring_within_30_60_90_days(stock):
    for number, days in [("D10", 10), ("D45", 45), ("D80", 80), ("D200", 200), ("PAST", -3)]:
        stock.lot(number, 5, days=days)
    alerts = selectors.expiry_alerts(stock.manager)
    assert {lot.lot_number: lot.band for lot in alerts} == {"D10": 30, "D45": 60, "D80": 90, "PAST": 0}
    assert selectors.expiry_alerts(stock.world.ally_a) == []


def test_the_exchange_cancelling_an_allocation_gives_its_reserved_stock_back(stock):
    lot = stock.lot("X", 40, days=300)
    allocation = stock.allocation(15)
    services.reserve(actor=stock.manager, allocation=allocation)
    exchange_services.allocation_cancel(actor=stock.world.coordinator, allocation=allocation, reason="not needed")
    assert figures(lot, stock.taranto) == (40, 0)
    assert services.check_balances() == []


def test_shipping_a_stockpile_allocation_in_the_exchange_books_the_release_or_fails(stock):
    lot = stock.lot("Y", 20, days=300)
    shipped = stock.allocation(12)
    exchange_services.allocation_ship(actor=stock.manager, allocation=shipped)
    assert figures(lot, stock.taranto) == (8, 0)
    assert Movement.objects.get(kind="release").allocation_id == shipped.pk
    short = stock.allocation(8)
    services.lot_set_status(actor=stock.manager, lot=lot, status="quarantined", reason="check")
    with pytest.raises(BusinessError):
        exchange_services.allocation_ship(actor=stock.manager, allocation=short)
    short.refresh_from_db()
    assert short.status == Allocation.Status.ACCEPTED


def test_it_issues_earliest_expiry_first_across_lots_and_warehouses(stock):
    late = stock.lot("LATE", 10, days=300)
    early = stock.lot("EARLY", 10, days=100)
    stock.lot("EARLY", 10, days=100, warehouse=stock.second)
    stock.lot("SHORT", 10, days=20)  # expires within the safety margin: never picked
    movement = services.issue(actor=stock.manager, item="ventilator", quantity=25)
    taken = {(e.lot_id, e.warehouse_id): -e.on_hand_delta for e in movement.entries.all()}
    assert taken == {(early.pk, stock.taranto.pk): 10, (early.pk, stock.second.pk): 10, (late.pk, stock.taranto.pk): 5}
    movement = services.issue(actor=stock.manager, item=stock.ventilator, quantity=2, warehouse="taranto-warehouse")
    assert [(e.lot_id, e.on_hand_delta) for e in movement.entries.all()] == [(late.pk, -2)]
    with pytest.raises(BusinessError) as error:
        services.issue(actor=stock.manager, item="ventilator", quantity=1, warehouse=stock.second)
    assert error.value.code == "insufficient_stock"
    with pytest.raises(BusinessError) as error:
        services.issue(actor=stock.manager, item="no-such-item", quantity=1)
    assert error.value.field == "item"
    assert AuditEntry.objects.filter(action="stock.release").count() == Movement.objects.filter(kind="release").count()
    assert services.check_balances() == []


def test_it_issues_in_two_statements_however_many_lots_it_takes(stock):
    for number, days in [("A", 100), ("B", 200), ("C", 300)]:
        stock.lot(number, 10, days=days)
    services.may_manage(stock.manager)  # the actor's roles, loaded once per request when it signs in
    for item, quantity, lots in [("ventilator", 1, 1), (stock.ventilator, 25, 3)]:
        with CaptureQueriesContext(connection) as captured:
            services.issue(actor=stock.manager, item=item, quantity=quantity)
        statements = [query["sql"] for query in captured if "SAVEPOINT" not in query["sql"]]  # the test's own
        if connection.vendor == "postgresql":
            assert len(statements) == 2, statements
            pick, write = (sql.strip() for sql in statements)
            assert pick.startswith("SELECT") and pick.endswith("FOR UPDATE OF b")
            assert write.startswith("WITH movement AS (")  # with its entries, the balance updates and the audit entry
            assert "INSERT INTO audit_auditentry" in write
        else:  # the same, with the movement, one UPDATE per balance row and the entries apart
            assert len(statements) == 4 + lots, statements


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_it_prepares_its_statements_on_the_connection(stock):
    stock.lot("A", 100, days=100)
    threshold = connection.connection.prepare_threshold if connection.connection else None
    assert threshold is not None  # settings: DATABASES OPTIONS prepare_threshold
    for _ in range(threshold + 2):
        services.issue(actor=stock.manager, item="ventilator", quantity=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement.strip() for (statement,) in cursor.fetchall()]
    assert [s for s in prepared if s.startswith("SELECT") and s.endswith("FOR UPDATE OF b")], prepared
    assert [s for s in prepared if s.startswith("WITH movement AS (")], prepared


def test_its_audit_entry_is_the_one_record_writes(stock):
    """On PostgreSQL the movement's statement writes its audit entry itself: the same entry as audit.record()."""
    a, b = stock.lot("A", 10, days=100), stock.lot("B", 10, days=200, warehouse=stock.second)
    takes = [
        [f"{a.pk}@{stock.taranto.pk} -6/+0"],
        [f"{a.pk}@{stock.taranto.pk} -4/+0", f"{b.pk}@{stock.second.pk} -2/+0"],
    ]
    for (actor, name), entries in zip([(stock.manager, "stockpile"), (None, "system")], takes, strict=True):
        movement = services.issue(actor=actor, item="ventilator", quantity=6, reference="Exercise")
        entry = AuditEntry.objects.get(action="stock.release", target_id=str(movement.pk))
        assert (entry.actor, entry.actor_name) == (actor, name)
        assert (entry.target_type, entry.target_repr) == ("stockpile.movement", str(movement))
        assert entry.changes == diff(None, {**snapshot(movement), "entries": entries})
        assert entry.changes["reference"] == [None, "Exercise"]
