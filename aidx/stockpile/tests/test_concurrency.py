"""Parallel clients on PostgreSQL: stock never goes negative, an allocation is never released twice, a recall
stops releases at once, and the fund never pays out more cash than it holds."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.models import Sum

from aidx.audit.models import AuditEntry
from aidx.core.errors import BusinessError
from aidx.fund import services as fund
from aidx.stockpile import services
from aidx.stockpile.models import Balance, Entry, Movement

CLIENTS = 8


def race(work, rounds: int = 1) -> Counter:
    """Run `work(client, round)` from CLIENTS threads started together; count the outcomes."""
    barrier = threading.Barrier(CLIENTS)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def client(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            for round_ in range(rounds):
                try:
                    work(number, round_)
                    result = "ok"
                except BusinessError as error:
                    result = error.code
                with lock:
                    outcomes[result] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(outcomes.values()) == CLIENTS * rounds
    return outcomes


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proved on PostgreSQL (make test runs this file again there)")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_never_goes_negative_with_eight_parallel_clients(stock):
    postgres_only()
    for number, days in [("A", 100), ("B", 200), ("C", 300)]:
        stock.lot(number, 40, days=days)
    lot_b = Balance.objects.get(lot__lot_number="B").lot
    services.transfer(actor=stock.manager, lot=lot_b, source=stock.taranto, destination=stock.second, quantity=15)

    def work(client: int, round_: int) -> None:
        services.issue(actor=stock.manager, item="ventilator", quantity=1 + (client + round_) % 4)

    outcomes = race(work, rounds=8)
    assert outcomes["ok"] > 0 and outcomes["insufficient_stock"] > 0  # they competed, and stock ran out
    assert not Balance.objects.filter(on_hand__lt=0).exists()
    issued = -(Entry.objects.filter(kind="release").aggregate(n=Sum("on_hand_delta"))["n"] or 0)
    assert issued + (Balance.objects.aggregate(n=Sum("on_hand"))["n"]) == 120
    assert issued >= 117  # what remains is less than the largest request
    assert services.check_balances() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_releases_across_lots_and_warehouses_stay_earliest_expiry_first(stock):
    postgres_only()
    for n in range(6):
        stock.lot(f"L{n}", 15, days=100 + 10 * n)
        stock.lot(f"L{n}", 10, days=100 + 10 * n, warehouse=stock.second)

    def work(client: int, round_: int) -> None:  # 4 to 10 at a time: most releases take from two rows
        services.issue(actor=stock.manager, item="ventilator", quantity=4 + (client * 3 + round_) % 7)

    outcomes = race(work, rounds=2)  # 107 of the 150
    assert outcomes == {"ok": 16}
    # Stock only goes down here, so a row that still holds stock held it all along: no release may have taken
    # from a row after it in FEFO order (as one would that skipped a row locked by another client).
    rows = list(Balance.objects.order_by("lot__expiry_date", "lot_id", "warehouse_id"))
    released = set(Entry.objects.filter(kind="release").values_list("lot_id", "warehouse_id"))
    for earlier, row in enumerate(rows):
        if (row.lot_id, row.warehouse_id) in released:
            assert all(before.on_hand == 0 for before in rows[:earlier]), rows
    issued = -Entry.objects.filter(kind="release").aggregate(n=Sum("on_hand_delta"))["n"]
    assert issued + sum(row.on_hand for row in rows) == 150
    assert AuditEntry.objects.filter(action="stock.release").count() == Movement.objects.filter(kind="release").count()
    assert services.check_balances() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_release_locks_only_the_rows_it_takes_from(stock):
    postgres_only()
    first, second = stock.lot("A", 10, days=100), stock.lot("B", 10, days=200)
    locked = {}

    def probe() -> None:  # another client, while the release below is not committed yet
        try:
            for lot in (first, second):
                try:
                    with transaction.atomic():
                        Balance.objects.select_for_update(nowait=True).get(lot=lot)
                    locked[lot.lot_number] = False
                except OperationalError:
                    locked[lot.lot_number] = True
        finally:
            connections.close_all()

    with transaction.atomic():
        services.issue(actor=stock.manager, item="ventilator", quantity=3)
        other = threading.Thread(target=probe)
        other.start()
        other.join(timeout=30)
    assert locked == {"A": True, "B": False}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_never_releases_an_allocation_twice_with_eight_parallel_clients(stock):
    postgres_only()
    stock.lot("A", 100, days=300)
    allocation = stock.allocation(30)

    outcomes = race(lambda client, round_: services.release(actor=stock.manager, allocation=allocation))
    assert outcomes["ok"] == 1
    assert set(outcomes) <= {"ok", "already_released", "bad_state"}
    assert Movement.objects.filter(kind="release", allocation=allocation).count() == 1
    assert Balance.objects.get().on_hand == 70
    assert services.check_balances() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_recall_blocks_releases_at_once_under_concurrency(stock):
    postgres_only()
    lot = stock.lot("R", 1000, days=300)

    def work(client: int, round_: int) -> None:
        if client == 0 and round_ == 2:
            services.lot_set_status(actor=stock.manager, lot=lot, status="recalled", reason="recall")
        else:
            services.issue(actor=stock.manager, item="ventilator", quantity=1)

    outcomes = race(work, rounds=6)
    assert outcomes["lot_blocked"] + outcomes["insufficient_stock"] > 0  # releases after the recall were refused
    # Every release that got through was recorded before the recall (it held the lock the recall waited for).
    recall = AuditEntry.objects.get(action="stock.lot_recall")
    assert not AuditEntry.objects.filter(action="stock.release", id__gt=recall.id).exists()
    assert Balance.objects.get(lot=lot).on_hand == 1000 - AuditEntry.objects.filter(action="stock.release").count()
    lot.refresh_from_db()
    assert lot.status == "recalled"
    with pytest.raises(BusinessError):
        services.issue(actor=stock.manager, item="ventilator", quantity=1)
    assert services.check_balances() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_fund_never_pays_out_more_than_its_cash_with_eight_parallel_clients(stock):
    postgres_only()
    from aidx.nations.services import nation_create

    nation_create(actor=None, code="NOR")
    pledge = fund.pledge_create(actor=stock.manager, nation="NOR", amount_minor=100_000_00, currency="EUR")
    fund.contribution_receive(actor=stock.manager, pledge=pledge, amount_minor=100_000_00)

    def work(client: int, round_: int) -> None:
        fund.transport_pay(actor=stock.manager, amount_minor=7_000_00, currency="EUR", description=f"flight {client}")

    outcomes = race(work, rounds=3)
    assert outcomes["ok"] == 14 and outcomes["insufficient_funds"] == CLIENTS * 3 - 14  # 14 × 7,000 ≤ 100,000
    assert fund.check_accounts() == {} and fund.unbalanced_transactions() == []
    from aidx.fund.models import Account

    assert Account.objects.get(code="cash").balance_minor == 2_000_00
