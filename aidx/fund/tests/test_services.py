"""The trust fund's ledger: pledges, contributions, orders, transport payments; balanced, never overspent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from aidx.audit.models import AuditEntry
from aidx.core.actors import SYSTEM
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.fund import services
from aidx.fund.models import Account, Posting, ProcurementOrder, Transaction
from aidx.fund.services import OrderLineInput
from aidx.fund.workflow import may_manage
from aidx.stockpile.models import Balance, Lot


def balance(code):
    return Account.objects.get(code=code).balance_minor


def assert_books_hold():
    assert services.unbalanced_transactions() == []
    assert services.check_accounts() == {}
    assert sum(Account.objects.values_list("balance_minor", flat=True)) == 0
    assert balance("cash") >= 0 and balance("committed") >= 0


def test_it_converts_at_the_dated_rate_with_decimals_never_floats(fund):
    assert services.to_eur_minor(100_000_00, "NOK", Decimal("0.0920")) == 9_200_00
    assert services.to_eur_minor(1, "NOK", Decimal("0.0920")) == 0  # 0.092 cent rounds half-even to 0
    assert services.to_eur_minor(1000, "JPY", Decimal("0.0081")) == 810  # yen have no minor unit
    assert services.rate_on("NOK", dt.date(2020, 6, 15)) == (Decimal("0.0920000000"), dt.date(2020, 6, 1))
    assert services.rate_on("NOK", dt.date(2020, 7, 2))[0] == Decimal("0.094")
    with pytest.raises(BusinessError) as error:
        services.rate_on("NOK", dt.date(2020, 1, 1))
    assert error.value.code == "no_rate"
    assert services.parse_amount("1 234,50", "EUR") == 123450
    with pytest.raises(BusinessError):
        services.parse_amount("1.5", "JPY")


def test_it_books_a_pledge_and_its_contributions_and_settles_the_receivable_exactly(fund):
    pledge = services.pledge_create(
        actor=fund.manager, nation=fund.nor, amount_minor=10_000_000_00, currency="NOK", pledged_on=fund.day
    )
    assert pledge.eur_minor == 920_000_00
    assert balance("receivable") == 920_000_00 and balance("contributions") == -920_000_00
    services.contribution_receive(
        actor=fund.manager, pledge=pledge, amount_minor=3_000_000_00, received_on=dt.date(2020, 6, 20)
    )
    services.contribution_receive(
        actor=fund.manager, pledge=pledge, amount_minor=7_000_000_00, received_on=dt.date(2020, 7, 10)
    )
    assert balance("receivable") == 0  # settled exactly, whatever the rates did
    assert balance("cash") == 276_000_00 + 658_000_00
    assert balance("fx") == -(934_000_00 - 920_000_00)  # the krone rose: a gain for the fund
    with pytest.raises(BusinessError) as error:
        services.contribution_receive(actor=fund.manager, pledge=pledge, amount_minor=1, received_on=fund.day)
    assert error.value.code == "over_payment"
    assert_books_hold()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount_minor": 0}, "amount"),
        ({"amount_minor": -5}, "amount"),
        ({"amount_minor": 1.5}, "amount"),
        ({"currency": "EUX"}, "currency"),
        ({"currency": "GBP"}, "currency"),  # no rate for pounds
        ({"nation": "QQQ"}, "nation"),
    ],
)
def test_it_rejects_bad_pledges_and_books_nothing(fund, kwargs, field):
    arguments = {"actor": fund.manager, "nation": "NOR", "amount_minor": 100, "currency": "EUR", **kwargs}
    with pytest.raises(BusinessError) as error:
        services.pledge_create(**arguments)
    assert error.value.field == field
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("who", ["ally_a", "partner", "outsider", "viewer"])
def test_it_lets_only_fund_managers_and_coordinators_book(fund, who):
    with pytest.raises(PermissionDenied):
        services.pledge_create(actor=getattr(fund.world, who), nation="NOR", amount_minor=100, currency="EUR")


def order(fund, lines=(("ventilator", 10, 15_000_00),), currency="EUR"):
    return services.order_create(
        actor=fund.manager,
        supplier="Medical supplies Ltd",
        currency=currency,
        warehouse="taranto-warehouse",
        lines=[OrderLineInput(item, quantity, price) for item, quantity, price in lines],
        ordered_on=fund.day,
        recipient=fund.world.esp,
    )


def test_it_commits_on_approval_releases_on_cancel_and_never_disburses_more_than_cash(fund):
    pledge = services.pledge_create(actor=fund.manager, nation="NOR", amount_minor=200_000_00, currency="EUR")
    services.contribution_receive(actor=fund.manager, pledge=pledge, amount_minor=200_000_00)
    big = order(fund, lines=(("ventilator", 20, 15_000_00),))  # 300,000: more than the fund holds
    with pytest.raises(BusinessError) as error:
        services.order_approve(actor=fund.manager, order=big)
    assert error.value.code == "insufficient_funds"
    first = services.order_approve(actor=fund.manager, order=order(fund))  # 150,000
    assert (balance("cash"), balance("committed")) == (50_000_00, 150_000_00)
    with pytest.raises(BusinessError):
        services.transport_pay(actor=fund.manager, amount_minor=50_000_01, currency="EUR", description="charter")
    services.order_cancel(actor=fund.manager, order=first)
    assert (balance("cash"), balance("committed")) == (200_000_00, 0)
    with pytest.raises(BusinessError):
        services.order_receive(actor=fund.manager, order=first)
    assert_books_hold()


def test_it_receives_an_order_into_stock_and_books_the_expenditure_by_item(fund):
    pledge = services.pledge_create(actor=fund.manager, nation="NOR", amount_minor=1_000_000_00, currency="EUR")
    services.contribution_receive(actor=fund.manager, pledge=pledge, amount_minor=1_000_000_00)
    placed = order(fund, lines=(("ventilator", 10, 15_000_00), ("mask-ffp2", 100_000, 1_01)), currency="USD")
    services.order_approve(actor=fund.manager, order=placed, on=fund.day)
    placed.refresh_from_db()
    assert placed.eur_minor == services.to_eur_minor(150_000_00 + 101_000_00, "USD", Decimal("0.89"))
    services.order_receive(actor=fund.manager, order=placed, received_on=dt.date(2020, 6, 10))
    placed.refresh_from_db()
    assert placed.status == ProcurementOrder.Status.RECEIVED
    lots = Lot.objects.filter(source="procurement")
    assert sorted(lots.values_list("item__code", flat=True)) == ["mask-ffp2", "ventilator"]
    mask = lots.get(item__code="mask-ffp2")
    assert mask.expiry_date is None or mask.expiry_date > dt.date(2020, 6, 10)
    assert Balance.objects.get(lot=mask).on_hand == 100_000
    spent = {p.item.code: p.amount_minor for p in Posting.objects.filter(account__code="expenditure")}
    assert sum(spent.values()) == placed.eur_minor and balance("committed") == 0
    assert_books_hold()


def test_the_system_books_the_history_through_the_orders_table_and_cancels_nothing(fund):
    """The scenario loader without a demo manager (production) acts as the system: it may book, approve and
    receive (the order's table names it), never cancel, and reads none of the books."""
    pledge = services.pledge_create(actor=SYSTEM, nation="NOR", amount_minor=1_000_000_00, currency="EUR")
    services.contribution_receive(actor=SYSTEM, pledge=pledge, amount_minor=1_000_000_00)
    placed = services.order_create(
        actor=SYSTEM,
        supplier="Medical supplies Ltd",
        currency="EUR",
        warehouse="taranto-warehouse",
        lines=[OrderLineInput("ventilator", 10, 15_000_00)],
    )
    with pytest.raises(PermissionDenied):
        services.order_cancel(actor=SYSTEM, order=placed)
    services.order_approve(actor=SYSTEM, order=placed)
    services.order_receive(actor=SYSTEM, order=placed)
    placed.refresh_from_db()
    assert placed.status == ProcurementOrder.Status.RECEIVED and placed.created_by is None
    assert Balance.objects.get(lot__source="procurement").on_hand == 10
    assert set(AuditEntry.objects.filter(action__startswith="fund.order").values_list("actor_name", flat=True)) == {
        "system"
    }
    assert not may_manage(SYSTEM)
    assert_books_hold()


def test_it_pays_transport_for_a_recipient(fund):
    pledge = services.pledge_create(actor=fund.manager, nation="NOR", amount_minor=10_000_00, currency="EUR")
    services.contribution_receive(actor=fund.manager, pledge=pledge, amount_minor=10_000_00)
    services.transport_pay(
        actor=fund.manager, amount_minor=4_000_00, currency="EUR", description="Flight", recipient=fund.world.esp
    )
    assert balance("cash") == 6_000_00 and balance("expenditure") == 4_000_00
    assert Posting.objects.get(account__code="expenditure").recipient == fund.world.esp
    assert_books_hold()


def test_the_database_refuses_overdrawn_cash_unbalanced_bookings_and_edits(fund):
    pledge = services.pledge_create(actor=fund.manager, nation="NOR", amount_minor=10_000_00, currency="EUR")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(code="cash").update(balance_minor=-1)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - trigger errors differ by engine
        Posting.objects.filter(transaction__pledge=pledge).update(amount_minor=1)
    if connection.vendor == "postgresql":
        booked = Transaction.objects.get(pledge=pledge)
        with pytest.raises(IntegrityError), transaction.atomic():
            Posting.objects.create(transaction=booked, account=Account.objects.get(code="cash"), amount_minor=5)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would do
    assert_books_hold()


def test_it_rebuilds_account_balances_from_the_postings(fund):
    pledge = services.pledge_create(actor=fund.manager, nation="NOR", amount_minor=10_000_00, currency="EUR")
    services.contribution_receive(actor=fund.manager, pledge=pledge, amount_minor=4_000_00)
    Account.objects.filter(code="receivable").update(balance_minor=1)
    assert services.check_accounts() == {"receivable": (1, 6_000_00)}
    services.rebuild_accounts()
    assert_books_hold()


def test_it_reports_every_problem_of_an_order_at_once(fund):
    with pytest.raises(BusinessError) as raised:
        services.order_create(
            actor=fund.manager,
            supplier="",
            currency="XXQ",
            warehouse="nowhere",
            lines=[OrderLineInput("ventilator", 10, 100), OrderLineInput("nope", 0, -1)],
        )
    messages = [str(problem.message) for problem in raised.value.problems]
    assert messages == [
        "Name the supplier (at most 200 characters).",
        "Unknown currency: XXQ.",
        "Unknown warehouse: nowhere.",
        "Line 2: unknown item nope.",
        "Line 2: the quantity must be a whole number above zero.",
        "Line 2: the price must be zero or more.",
    ]
    assert {problem.field for problem in raised.value.problems} == {"supplier", "currency", "warehouse", "lines"}
    assert not ProcurementOrder.objects.exists()
