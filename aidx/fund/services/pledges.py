"""Pledges to the fund and the contributions that pay them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.core import formatting
from aidx.core.errors import BusinessError
from aidx.fund.models import (
    Contribution,
    Pledge,
    Posting,
    Transaction,
)
from aidx.fund.services.common import (
    _amount,
    _require_manager,
    currency_code,
    rate_on,
    to_eur_minor,
)
from aidx.fund.services.ledger import Leg, _book, _date
from aidx.nations.models import Nation

# --- pledges and contributions ----------------------------------------------------------------------------------


@transaction.atomic
def pledge_create(
    *,
    actor: Any,
    nation: Nation | str,
    amount_minor: int,
    currency: str,
    pledged_on: dt.date | None = None,
    earmark: str = "",
    illustrative: bool = False,
    scenario_key: str = "",
) -> Pledge:
    _require_manager(actor)
    pledger = nation if isinstance(nation, Nation) else Nation.objects.filter(code=str(nation).upper()).first()
    if pledger is None:
        raise BusinessError(_("Unknown nation."), field="nation")
    currency, amount_minor = currency_code(currency), _amount(amount_minor)
    pledged_on = _date(pledged_on or timezone.localdate(), "pledged_on")
    earmark = (earmark or "").strip()
    if len(earmark) > 200:
        raise BusinessError(_("The text is too long (at most %(n)s characters).") % {"n": 200}, field="earmark")
    rate, rate_date = rate_on(currency, pledged_on)
    eur = to_eur_minor(amount_minor, currency, rate)
    if eur <= 0:
        raise BusinessError(_("The amount is worth less than one cent."), field="amount")
    pledge = Pledge.objects.create(
        nation=pledger,
        amount_minor=amount_minor,
        currency=currency,
        pledged_on=pledged_on,
        earmark=earmark,
        rate=rate,
        eur_minor=eur,
        illustrative=illustrative,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        scenario_key=scenario_key,
    )
    _book(
        actor=actor,
        kind=Transaction.Kind.PLEDGE,
        occurred_on=pledged_on,
        currency=currency,
        amount_minor=amount_minor,
        rate=rate,
        rate_date=rate_date,
        legs=[Leg("receivable", eur, pledger), Leg("contributions", -eur, pledger)],
        description=earmark,
        nation=pledger,
        pledge=pledge,
    )
    return pledge


@transaction.atomic
def contribution_receive(
    *, actor: Any, pledge: Pledge | int, amount_minor: int, received_on: dt.date | None = None
) -> Contribution:
    """Money received against a pledge, in its currency, at most what is still outstanding."""
    _require_manager(actor)
    pledge = Pledge.objects.select_for_update().select_related("nation").get(pk=getattr(pledge, "pk", pledge))
    amount_minor = _amount(amount_minor)
    received_on = _date(received_on or timezone.localdate(), "received_on")
    paid = pledge.contributions.aggregate(n=Sum("amount_minor"))["n"] or 0
    outstanding = pledge.amount_minor - paid
    if amount_minor > outstanding:
        raise BusinessError(
            _("Only %(n)s is outstanding on this pledge.") % {"n": formatting.money(outstanding, pledge.currency)},
            code="over_payment",
            field="amount",
        )
    rate, rate_date = rate_on(pledge.currency, received_on)
    eur = to_eur_minor(amount_minor, pledge.currency, rate)
    credited = -(
        Posting.objects.filter(transaction__pledge=pledge, account__code="receivable", amount_minor__lt=0).aggregate(
            n=Sum("amount_minor")
        )["n"]
        or 0
    )
    if amount_minor == outstanding:
        settle = pledge.eur_minor - credited  # the last payment clears the receivable exactly
    else:
        settle = int((Decimal(pledge.eur_minor) * amount_minor / pledge.amount_minor).quantize(Decimal(1)))
    contribution = Contribution.objects.create(
        pledge=pledge,
        amount_minor=amount_minor,
        received_on=received_on,
        rate=rate,
        eur_minor=eur,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    nation = pledge.nation
    _book(
        actor=actor,
        kind=Transaction.Kind.CONTRIBUTION,
        occurred_on=received_on,
        currency=pledge.currency,
        amount_minor=amount_minor,
        rate=rate,
        rate_date=rate_date,
        legs=[Leg("cash", eur, nation), Leg("receivable", -settle, nation), Leg("fx", settle - eur, nation)],
        nation=nation,
        pledge=pledge,
        contribution=contribution,
    )
    return contribution
