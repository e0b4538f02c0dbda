"""Any sequence of receipts, reservations, releases, transfers, counts, disposals, cancellations and status
changes keeps the projection equal to the replayed ledger, never negative, and the total as a model predicts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from aidx.core.errors import BusinessError
from aidx.stockpile import services
from aidx.stockpile.models import Balance, Lot

LOTS = [("L-SOON", 50), ("L-MID", 200), ("L-LATE", 400), ("L-NONE", None)]


def test_it_keeps_stock_equal_to_the_replayed_ledger_whatever_happens(stock):
    stock.lot("SEED", 60, days=300)
    allocations = [stock.allocation(quantity, accept=quantity != 7) for quantity in (5, 7, 12, 30)]
    warehouses = [stock.taranto, stock.second]
    manager, today = stock.manager, stock.today

    class StockMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()  # each run is rolled back to the fixture's state
            self.total = Balance.objects.aggregate(n=Sum("on_hand"))["n"]

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def attempt(self, action, change=0) -> None:
            try:
                with transaction.atomic():
                    result = action()
            except BusinessError:
                return
            self.total += change(result) if callable(change) else change

        @rule(lot=st.sampled_from(LOTS), warehouse=st.sampled_from(warehouses), quantity=st.integers(1, 60))
        def receive(self, lot, warehouse, quantity):
            number, days = lot
            expiry = today + dt.timedelta(days=days) if days else None
            self.attempt(
                lambda: services.receive(
                    actor=manager,
                    warehouse=warehouse,
                    item="ventilator",
                    lot_number=number,
                    quantity=quantity,
                    expiry_date=expiry,
                ),
                quantity,
            )

        @rule(index=st.integers(0, len(allocations) - 1))
        def reserve(self, index):
            self.attempt(lambda: services.reserve(actor=manager, allocation=allocations[index]))

        @rule(index=st.integers(0, len(allocations) - 1))
        def cancel(self, index):
            self.attempt(lambda: services.cancel_reservation(actor=manager, allocation=allocations[index]))

        @rule(index=st.integers(0, len(allocations) - 1))
        def release(self, index):
            self.attempt(
                lambda: services.release(actor=manager, allocation=allocations[index]), -allocations[index].quantity
            )

        @rule(quantity=st.integers(1, 80))
        def issue(self, quantity):
            self.attempt(lambda: services.issue(actor=manager, item="ventilator", quantity=quantity), -quantity)

        @rule(lot=st.sampled_from([n for n, _d in LOTS] + ["SEED"]), quantity=st.integers(1, 50), way=st.booleans())
        def transfer(self, lot, quantity, way):
            source, destination = warehouses if way else warehouses[::-1]
            found = Lot.objects.filter(lot_number=lot).first()
            if found:
                self.attempt(
                    lambda: services.transfer(
                        actor=manager, lot=found, source=source, destination=destination, quantity=quantity
                    )
                )

        @rule(
            lot=st.sampled_from([n for n, _d in LOTS] + ["SEED"]),
            warehouse=st.sampled_from(warehouses),
            counted=st.integers(0, 100),
        )
        def count(self, lot, warehouse, counted):
            found = Lot.objects.filter(lot_number=lot).first()
            if found:
                before = Balance.objects.filter(lot=found, warehouse=warehouse).values_list("on_hand", flat=True)
                was = before[0] if before else 0
                self.attempt(
                    lambda: services.adjust(
                        actor=manager, lot=found, warehouse=warehouse, counted=counted, reason="count"
                    ),
                    lambda movement: 0 if movement is None else counted - was,
                )

        @rule(
            lot=st.sampled_from([n for n, _d in LOTS] + ["SEED"]),
            warehouse=st.sampled_from(warehouses),
            quantity=st.integers(1, 50),
        )
        def dispose(self, lot, warehouse, quantity):
            found = Lot.objects.filter(lot_number=lot).first()
            if found:
                self.attempt(
                    lambda: services.dispose(
                        actor=manager, lot=found, warehouse=warehouse, quantity=quantity, reason="broken"
                    ),
                    -quantity,
                )

        @rule(
            lot=st.sampled_from([n for n, _d in LOTS] + ["SEED"]),
            status=st.sampled_from(["available", "quarantined", "recalled", "damaged"]),
        )
        def set_status(self, lot, status):
            found = Lot.objects.filter(lot_number=lot).first()
            if found:
                self.attempt(lambda: services.lot_set_status(actor=manager, lot=found, status=status, reason="r"))

        @invariant()
        def projection_is_the_replayed_ledger(self):
            assert services.check_balances() == []

        @invariant()
        def never_negative_and_the_model_agrees(self):
            assert not Balance.objects.filter(on_hand__lt=0).exists()
            assert not Balance.objects.filter(reserved__lt=0).exists()
            assert (Balance.objects.aggregate(n=Sum("on_hand"))["n"] or 0) == self.total

    run_state_machine_as_test(
        StockMachine,
        settings=settings(
            max_examples=15, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
