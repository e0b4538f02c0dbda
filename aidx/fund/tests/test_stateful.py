"""Any sequence of pledges, contributions, orders (approved, cancelled, received) and transport payments keeps
every transaction balanced, the account balances equal to their postings, and cash never negative."""

from __future__ import annotations

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from aidx.core.errors import BusinessError
from aidx.fund import services
from aidx.fund.models import Account, Pledge, ProcurementOrder
from aidx.fund.services import OrderLineInput


def test_it_keeps_the_fund_ledger_balanced_and_cash_non_negative_whatever_happens(fund):
    manager, day = fund.manager, fund.day
    amounts = st.integers(1, 5_000_000)

    class FundMachine(RuleBasedStateMachine):
        pledges = Bundle("pledges")
        orders = Bundle("orders")

        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def attempt(self, action):
            try:
                with transaction.atomic():
                    return action()
            except BusinessError:
                return None

        @rule(
            target=pledges,
            nation=st.sampled_from(["NOR", "ITA", "ESP"]),
            amount=amounts,
            currency=st.sampled_from(["EUR", "NOK", "USD"]),
        )
        def pledge(self, nation, amount, currency):
            return self.attempt(
                lambda: services.pledge_create(
                    actor=manager, nation=nation, amount_minor=amount, currency=currency, pledged_on=day
                )
            )

        @rule(pledge=pledges, share=st.floats(0.05, 1.2))
        def contribute(self, pledge, share):
            if pledge is not None:
                amount = max(1, int(Pledge.objects.get(pk=pledge.pk).amount_minor * share))
                self.attempt(lambda: services.contribution_receive(actor=manager, pledge=pledge, amount_minor=amount))

        @rule(
            target=orders,
            quantity=st.integers(1, 50),
            price=st.integers(0, 200_000),
            currency=st.sampled_from(["EUR", "USD"]),
            approve=st.booleans(),
        )
        def order(self, quantity, price, currency, approve):
            def place():
                created = services.order_create(
                    actor=manager,
                    supplier="S",
                    currency=currency,
                    warehouse="taranto-warehouse",
                    lines=[OrderLineInput("mask-ffp2", quantity, price), OrderLineInput("ventilator", 1, price)],
                    ordered_on=day,
                )
                return services.order_approve(actor=manager, order=created, on=day) if approve else created

            return self.attempt(place)

        @rule(order=orders)
        def approve(self, order):
            if order is not None:
                self.attempt(lambda: services.order_approve(actor=manager, order=order, on=day))

        @rule(order=orders)
        def cancel(self, order):
            if order is not None:
                self.attempt(lambda: services.order_cancel(actor=manager, order=order))

        @rule(order=orders)
        def receive(self, order):
            if order is not None:
                self.attempt(lambda: services.order_receive(actor=manager, order=order))

        @rule(amount=amounts)
        def transport(self, amount):
            self.attempt(
                lambda: services.transport_pay(actor=manager, amount_minor=amount, currency="EUR", description="x")
            )

        @invariant()
        def balanced(self):
            assert services.unbalanced_transactions() == []
            assert services.check_accounts() == {}
            assert sum(Account.objects.values_list("balance_minor", flat=True)) == 0

        @invariant()
        def cash_non_negative_and_commitments_match_open_orders(self):
            balances = dict(Account.objects.values_list("code", "balance_minor"))
            assert balances.get("cash", 0) >= 0
            approved = ProcurementOrder.objects.filter(status="approved").values_list("eur_minor", flat=True)
            assert balances.get("committed", 0) == sum(approved)

    run_state_machine_as_test(
        FundMachine,
        settings=settings(
            max_examples=15, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
