"""The life cycle of a lot in the stockpile. Anything but "available" blocks the lot everywhere at once."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.core.workflow import CENTRE, Rule, Transition, Workflow
from aidx.stockpile.models import Lot

S = Lot.Status
# The stockpile managers, and coordinators of the centre (stockpile.services.may_manage says the same in words)
MANAGER = (Rule(roles={Role.STOCKPILE}), Rule(roles={Role.COORDINATOR}, relations={CENTRE}))
REASON = (("reason", _("Reason")),)


def _relations(actor: Any, lot: Lot) -> set[str]:
    return {CENTRE} if actor.is_centre else set()


def _past_expiry(lot: Lot) -> bool:
    return lot.expiry_date is not None and lot.expiry_date < timezone.localdate()


def _not_yet_expired(lot: Lot) -> Any:
    return None if _past_expiry(lot) else _("The lot has not reached its expiry date.")


def _expired(lot: Lot) -> Any:
    return _("The lot is past its expiry date.") if _past_expiry(lot) else None


LOT = Workflow(
    "stockpile.lot",
    model=Lot,
    states=S,
    relations=_relations,
    transitions=[
        Transition(
            "quarantine",
            _("Quarantine"),
            source=[S.AVAILABLE],
            target=S.QUARANTINED,
            rules=MANAGER,
            inputs=REASON,
            required=["reason"],
            danger=True,
        ),
        Transition(
            "damage",
            _("Mark damaged"),
            source=[S.AVAILABLE, S.QUARANTINED],
            target=S.DAMAGED,
            rules=MANAGER,
            inputs=REASON,
            required=["reason"],
            danger=True,
        ),
        Transition(
            "recall",
            _("Recall (final)"),
            source=[S.AVAILABLE, S.QUARANTINED, S.DAMAGED, S.EXPIRED],
            target=S.RECALLED,
            rules=MANAGER,
            inputs=REASON,
            required=["reason"],
            danger=True,
        ),
        Transition(
            "free",
            _("Make available again"),
            source=[S.QUARANTINED, S.DAMAGED, S.EXPIRED],
            target=S.AVAILABLE,
            rules=MANAGER,
            inputs=REASON,
            guard=_expired,
        ),
        # The schedule expires lots past their date (stockpile.tasks.stock_daily); reads count them out at once.
        Transition(
            "expire",
            _("Expire"),
            source=[S.AVAILABLE, S.QUARANTINED],
            target=S.EXPIRED,
            rules=[Rule(system=True)],
            guard=_not_yet_expired,
        ),
    ],
)
