"""Reads of the trust fund, all derived from the ledger's postings.

Need-to-know: fund managers and the centre's coordinators see everything; a nation sees its own pledges,
contributions and statement, and — if it is an ally or a partner on the day — the fund's totals and what was
spent on what and for whom. An outsider sees only its own records (normally none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from aidx.core.models import name_columns
from aidx.fund.models import Account, Contribution, Pledge, Posting, ProcurementOrder, Transaction, TransportPayment
from aidx.fund.services import accounts
from aidx.fund.workflow import may_manage
from aidx.nations.models import Nation
from aidx.nations.policy import viewer_for


class _Paid(TypedDict):
    paid_minor: int
    paid_eur: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A pledge annotated with what its contributions paid: in its currency's minor units, and in EUR cents.
    PledgeWithPaid = WithAnnotations[Pledge, _Paid]


def _nation_of(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.acting_nation_id


def may_see_totals(user: Any) -> bool:
    if may_manage(user):
        return True
    viewer = viewer_for(user)
    return viewer.is_centre or viewer.is_ally or viewer.is_partner


def may_see_nation(user: Any, nation: str) -> bool:
    return may_manage(user) or _nation_of(user) == nation


def pledges(user: Any, *, nation: str | None = None) -> QuerySet[PledgeWithPaid]:
    rows = Pledge.objects.select_related("nation").annotate(
        paid_minor=Coalesce(Sum("contributions__amount_minor"), 0),
        paid_eur=Coalesce(Sum("contributions__eur_minor"), 0),
    )
    if not may_manage(user):
        rows = rows.filter(nation_id=_nation_of(user)) if _nation_of(user) else rows.none()
    if nation:
        rows = rows.filter(nation_id=nation)
    return rows.order_by("-pledged_on", "-id")


def pledge(user: Any, pk: int) -> PledgeWithPaid:
    found = pledges(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def contributions(user: Any, *, nation: str | None = None) -> QuerySet[Contribution]:
    rows = Contribution.objects.select_related("pledge__nation")
    if not may_manage(user):
        rows = rows.filter(pledge__nation_id=_nation_of(user)) if _nation_of(user) else rows.none()
    if nation:
        rows = rows.filter(pledge__nation_id=nation)
    return rows.order_by("-received_on", "-id")


def orders(user: Any, *, status: str | None = None) -> QuerySet[ProcurementOrder]:
    if not may_manage(user):
        return ProcurementOrder.objects.none()
    rows = ProcurementOrder.objects.select_related("warehouse", "recipient").prefetch_related("lines__item")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-ordered_on", "-id")


def transport_payments(user: Any) -> QuerySet[TransportPayment]:
    if not may_manage(user):
        return TransportPayment.objects.none()
    return TransportPayment.objects.select_related("recipient").order_by("-paid_on", "-id")


def transactions(user: Any, *, kind: str | None = None) -> QuerySet[Transaction]:
    if not may_manage(user):
        return Transaction.objects.none()
    rows = Transaction.objects.select_related("nation").prefetch_related("postings__account")
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-occurred_on", "-id")


@dataclass(frozen=True)
class Totals:
    pledged: int
    paid: int
    outstanding: int
    cash: int
    committed: int
    spent: int
    exchange_differences: int
    contributors: int


def totals(user: Any) -> Totals | None:
    """The fund's totals in EUR cents, or None for a user who may not see them."""
    if not may_see_totals(user):
        return None
    balances = {a.code: a.balance_minor for a in accounts().values()}
    return Totals(
        pledged=Pledge.objects.aggregate(n=Coalesce(Sum("eur_minor"), 0))["n"],
        paid=Contribution.objects.aggregate(n=Coalesce(Sum("eur_minor"), 0))["n"],
        outstanding=balances.get(Account.Code.RECEIVABLE, 0),
        cash=balances.get(Account.Code.CASH, 0),
        committed=balances.get(Account.Code.COMMITTED, 0),
        spent=balances.get(Account.Code.EXPENDITURE, 0),
        exchange_differences=-balances.get(Account.Code.FX, 0),
        contributors=Pledge.objects.values("nation").distinct().count(),
    )


def balance_sheet(user: Any) -> list[dict[str, Any]]:
    """Every account with its balance replayed from the postings (debit positive)."""
    if not may_manage(user):
        return []
    sums = dict(Posting.objects.order_by().values_list("account_id").annotate(n=Sum("amount_minor")))
    return [
        {"code": a.code, "name": str(a), "kind": a.get_kind_display(), "balance": sums.get(a.pk, 0)}
        for a in sorted(accounts().values(), key=lambda a: a.pk)
    ]


def spent_by_item(user: Any) -> list[dict[str, Any]]:
    if not may_see_totals(user):
        return []
    rows = (
        Posting.objects.filter(account__code=Account.Code.EXPENDITURE)
        .values("item__code", *name_columns("item__"))
        .annotate(amount=Sum("amount_minor"))
        .order_by("-amount")
    )
    return list(rows)


def spent_by_recipient(user: Any) -> list[dict[str, Any]]:
    if not may_see_totals(user):
        return []
    rows = (
        Posting.objects.filter(account__code=Account.Code.EXPENDITURE)
        .values("recipient")
        .annotate(amount=Sum("amount_minor"))
        .order_by("-amount")
    )
    names = {n.code: n.name for n in Nation.objects.filter(code__in=[r["recipient"] for r in rows if r["recipient"]])}
    return [{"recipient": r["recipient"], "name": names.get(r["recipient"], ""), "amount": r["amount"]} for r in rows]


@dataclass(frozen=True)
class Statement:
    nation: Nation
    pledged: int
    paid: int
    outstanding: int
    exchange_differences: int
    share_percent: str  # of all money paid into the fund


def statement(user: Any, nation_code: str) -> Statement:
    """One nation's account with the fund (EUR cents), from its postings; 404 for anyone else's nation."""
    nation = Nation.objects.filter(code=(nation_code or "").upper()).first()
    if nation is None or not may_see_nation(user, nation.code):
        raise Http404
    own = Posting.objects.filter(nation=nation)
    by_account = dict(own.order_by().values_list("account__code").annotate(n=Sum("amount_minor")))
    pledged = -own.filter(account__code=Account.Code.CONTRIBUTIONS).aggregate(n=Coalesce(Sum("amount_minor"), 0))["n"]
    paid = own.filter(account__code=Account.Code.CASH).aggregate(n=Coalesce(Sum("amount_minor"), 0))["n"]
    everyone = Posting.objects.filter(account__code=Account.Code.CASH, amount_minor__gt=0, nation__isnull=False)
    total_paid = everyone.aggregate(n=Coalesce(Sum("amount_minor"), 0))["n"]
    share = f"{paid * 100 / total_paid:.1f}" if total_paid else "0.0"
    return Statement(
        nation=nation,
        pledged=pledged,
        paid=paid,
        outstanding=by_account.get(Account.Code.RECEIVABLE, 0),
        exchange_differences=-by_account.get(Account.Code.FX, 0),
        share_percent=share,
    )


def statement_nations(user: Any) -> list[Nation]:
    """The nations whose statements `user` may open."""
    if may_manage(user):
        return list(Nation.objects.filter(Q(pk__in=Pledge.objects.values("nation"))).order_by("code"))
    code = _nation_of(user)
    return list(Nation.objects.filter(pk=code)) if code else []


def panel(user: Any) -> dict[str, Any]:
    found = totals(user)
    return {"fund": found} if found else {}
