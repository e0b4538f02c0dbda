"""Transport paid by the fund for an allocation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance.models import Allocation
from aidx.core.errors import BusinessError
from aidx.fund.models import (
    Transaction,
    TransportPayment,
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


@transaction.atomic
def transport_pay(
    *,
    actor: Any,
    amount_minor: int,
    currency: str,
    description: str,
    paid_on: dt.date | None = None,
    recipient: Nation | None = None,
    allocation: Allocation | None = None,
    scenario_key: str = "",
) -> TransportPayment:
    """Pay for moving aid (a charter, a flight) out of uncommitted cash."""
    _require_manager(actor)
    currency, amount_minor = currency_code(currency), _amount(amount_minor)
    description = (description or "").strip()
    if not description or len(description) > 300:
        raise BusinessError(_("Describe the payment (at most 300 characters)."), field="description")
    paid_on = _date(paid_on or timezone.localdate(), "paid_on")
    if allocation is not None and recipient is None:
        recipient = allocation.request_line.request.owner_nation
    rate, rate_date = rate_on(currency, paid_on)
    eur = to_eur_minor(amount_minor, currency, rate)
    payment = TransportPayment.objects.create(
        recipient=recipient,
        allocation=allocation,
        description=description,
        amount_minor=amount_minor,
        currency=currency,
        paid_on=paid_on,
        rate=rate,
        eur_minor=eur,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        scenario_key=scenario_key,
    )
    _book(
        actor=actor,
        kind=Transaction.Kind.TRANSPORT,
        occurred_on=paid_on,
        currency=currency,
        amount_minor=amount_minor,
        rate=rate,
        rate_date=rate_date,
        legs=[Leg("expenditure", eur, recipient=recipient), Leg("cash", -eur)],
        description=description,
        nation=None,
        payment=payment,
    )
    return payment
