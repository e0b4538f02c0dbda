"""Writes to the trust fund. Every money movement is one `Transaction` booked by `_book`:

1. the postings must sum to zero (checked here; on PostgreSQL also by a deferred trigger at commit);
2. the accounts touched are locked (`select_for_update`, in id order) and the cash accounts may not go
   below zero (checked here under the lock, and by a CHECK constraint) — nobody disburses money the fund
   does not have, not even two managers paying at the same moment;
3. transaction, postings, account balances and the audit entry are written in one database transaction.

Accounts (debit positive): receivable, cash and committed are assets; contributions and exchange differences
are fund capital (credit); expenditure is expense. A pledge is Dr receivable / Cr contributions; a contribution
Dr cash / Cr receivable (the difference of rates between pledge and payment goes to exchange differences); an
approved order Dr committed / Cr cash, a cancelled one the reverse; a received order Dr expenditure (per item) /
Cr committed; a transport payment Dr expenditure (per recipient) / Cr cash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Item
from aidx.core import formatting
from aidx.core.errors import BusinessError
from aidx.fund.models import (
    FUND_CURRENCY,
    Account,
    Posting,
    Transaction,
)
from aidx.fund.services.common import (
    ACCOUNTS,
)
from aidx.nations.models import Nation

# --- the ledger ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    account: str
    amount: int  # EUR cents, debit positive
    nation: Nation | None = None
    item: Item | None = None
    recipient: Nation | None = None


def accounts() -> dict[str, Account]:
    """The chart of accounts (created on first use: a flushed test database has none)."""
    found = {a.code: a for a in Account.objects.all()}
    for code, (kind, non_negative) in ACCOUNTS.items():
        if code not in found:
            Account.objects.get_or_create(code=code, defaults={"kind": kind, "non_negative": non_negative})
    return {a.code: a for a in Account.objects.all()}


def _book(
    *,
    actor: Any,
    kind: str,
    occurred_on: dt.date,
    currency: str,
    amount_minor: int,
    rate: Decimal,
    rate_date: dt.date,
    legs: list[Leg],
    description: str = "",
    **links: Any,
) -> Transaction:
    legs = [leg for leg in legs if leg.amount]
    if not legs or sum(leg.amount for leg in legs) != 0:
        raise BusinessError(_("The booking does not balance."), code="unbalanced")  # a bug, never user input
    chart = accounts()
    codes = sorted({leg.account for leg in legs}, key=lambda code: chart[code].pk)
    locked = {
        a.code: a
        for a in Account.objects.select_for_update().filter(code__in=codes).order_by("id")  # fixed lock order
    }
    for code in codes:
        change = sum(leg.amount for leg in legs if leg.account == code)
        if locked[code].non_negative and locked[code].balance_minor + change < 0:
            raise BusinessError(
                _("Not enough money: %(account)s holds %(n)s.")
                % {"account": locked[code], "n": formatting.money(locked[code].balance_minor, FUND_CURRENCY)},
                code="insufficient_funds",
            )
    booked = Transaction.objects.create(
        kind=kind,
        occurred_on=occurred_on,
        description=description[:300],
        currency=currency,
        amount_minor=amount_minor,
        rate=rate,
        rate_on=rate_date,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **links,
    )
    Posting.objects.bulk_create(
        [
            Posting(
                transaction=booked,
                account=locked[leg.account],
                amount_minor=leg.amount,
                nation=leg.nation,
                item=leg.item,
                recipient=leg.recipient,
            )
            for leg in legs
        ]
    )
    for code in codes:
        change = sum(leg.amount for leg in legs if leg.account == code)
        if change:
            Account.objects.filter(pk=locked[code].pk).update(balance_minor=F("balance_minor") + change)
    record(
        actor=actor,
        action=f"fund.{kind}",
        target=booked,
        after={**snapshot(booked), "postings": [f"{leg.account} {leg.amount:+d}" for leg in legs]},
    )
    return booked


def _date(value: Any, field: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise BusinessError(_("Enter a valid date (YYYY-MM-DD)."), field=field)
    return value


# --- the projection ------------------------------------------------------------------------------------------------


def check_accounts() -> dict[str, tuple[int, int]]:
    """Accounts whose kept balance differs from the sum of their postings: {code: (kept, replayed)}."""
    replayed = dict(Posting.objects.order_by().values_list("account__code").annotate(n=Sum("amount_minor")))
    return {
        a.code: (a.balance_minor, replayed.get(a.code, 0))
        for a in Account.objects.all()
        if a.balance_minor != replayed.get(a.code, 0)
    }


def unbalanced_transactions() -> list[int]:
    return list(
        Posting.objects.order_by()
        .values("transaction_id")
        .annotate(n=Sum("amount_minor"))
        .exclude(n=0)
        .values_list("transaction_id", flat=True)
    )


@transaction.atomic
def rebuild_accounts() -> None:
    accounts()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE fund_account IN EXCLUSIVE MODE")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE fund_account SET balance_minor = COALESCE("
            "(SELECT SUM(p.amount_minor) FROM fund_posting p WHERE p.account_id = fund_account.id), 0)"
        )
