"""The status of a lot, moved along its declared workflow (stockpile/workflow.py); expiry by the schedule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aidx.assistance.models import Allocation
from aidx.audit.services import record, snapshot
from aidx.core.actors import SYSTEM
from aidx.core.errors import BusinessError
from aidx.notifications import services as notifications
from aidx.stockpile.models import Balance, Entry, Lot
from aidx.stockpile.services.common import _lot_of, _reason
from aidx.stockpile.services.ledger import _lock_balances
from aidx.stockpile.services.releases import _cancel
from aidx.stockpile.workflow import LOT


@transaction.atomic
def lot_transition(*, actor: Any, lot: Lot | int, action: str, reason: str = "") -> Lot:
    """Move a lot along its workflow (stockpile/workflow.py). Anything but "available" blocks it everywhere at
    once: its reservations are cancelled and its balance rows flagged under their locks, so no release can slip
    in. A recall is final."""
    if action not in {t.name for t in LOT.transitions}:
        raise BusinessError(_("Unknown action: %(value)s.") % {"value": action}, field="action")
    # NO KEY UPDATE: ledger inserts take KEY SHARE locks on the lot (their foreign key); a plain FOR UPDATE here
    # would wait for them while they wait for the balance rows this recall locks next.
    lot = Lot.objects.select_for_update(no_key=True).get(pk=_lot_of(lot).pk)
    transition = LOT.check(actor, lot, action)
    reason = _reason(reason, required="reason" in transition.required)
    before = snapshot(lot)
    keys = list(Balance.objects.filter(lot=lot).values_list("lot_id", "warehouse_id"))
    _lock_balances(keys)
    LOT.advance(lot, action)
    blocked = lot.status != Lot.Status.AVAILABLE
    if blocked:
        reservations = (
            Entry.objects.filter(lot=lot, movement__allocation__isnull=False)
            .values("movement__allocation")
            .annotate(reserved=Sum("reserved_delta"))
            .filter(reserved__gt=0)
        )
        for allocation in Allocation.objects.filter(pk__in=[r["movement__allocation"] for r in reservations]):
            _cancel(
                actor,
                allocation,
                _("Lot %(lot)s: %(status)s") % {"lot": lot.lot_number, "status": lot.get_status_display()},
                lot,
            )
    Balance.objects.filter(lot=lot).update(blocked=blocked)
    lot.status_reason = reason
    lot.save(update_fields=["status", "status_reason"])
    record(actor=actor, action=f"stock.lot_{action}", target=lot, before=before, after=snapshot(lot))
    return lot


def lot_set_status(*, actor: Any, lot: Lot | int, status: str, reason: str = "") -> Lot:
    """The same, named by the status wanted (the API's form): the transition from the lot's status to it."""
    current = Lot.objects.get(pk=_lot_of(lot).pk)
    if status not in Lot.Status.values:
        raise BusinessError(_("Unknown status: %(value)s.") % {"value": status}, field="status")
    if current.status == status:
        return current
    names = [t.name for t in LOT.transitions if t.target == status and current.status in t.source]
    if not names:
        raise BusinessError(
            _("A lot cannot go from %(from)s to %(to)s.")
            % {"from": current.get_status_display(), "to": Lot.Status(status).label},
            code="bad_state",
        )
    return lot_transition(actor=actor, lot=current, action=names[0], reason=reason)


def expire_lots(*, today: dt.date | None = None) -> list[Lot]:
    """Expire the lots past their expiry date, as the system (the daily task), and tell the stockpile managers."""
    today = today or timezone.localdate()
    expiring = Lot.objects.filter(status__in=LOT["expire"].source, expiry_date__lt=today).order_by("expiry_date", "pk")
    expired = [
        lot_transition(actor=SYSTEM, lot=lot_id, action="expire", reason=gettext_noop("past its expiry date"))
        for lot_id in expiring.values_list("pk", flat=True)
    ]
    if expired:
        notifications.lots_expired(expired)
    return expired
