"""The status of a lot, moved along its declared workflow (stockpile/workflow.py); expiry by the schedule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance.models import Allocation
from aidx.audit.services import record, snapshot
from aidx.core.errors import BusinessError
from aidx.stockpile.models import Balance, Entry, Lot
from aidx.stockpile.services.common import _lot_of, _reason, _require_manager
from aidx.stockpile.services.ledger import _lock_balances
from aidx.stockpile.services.releases import _cancel

# --- transfers, counts, disposals ---------------------------------------------------------------------------


@transaction.atomic
def lot_set_status(*, actor: Any, lot: Lot | int, status: str, reason: str = "") -> Lot:
    """Quarantine, recall, expire, damage or free a lot. Anything but "available" blocks it everywhere at once:
    its reservations are cancelled and its balance rows flagged under their locks, so no release can slip in.
    A recall is final."""
    _require_manager(actor)
    if status not in Lot.Status.values:
        raise BusinessError(_("Unknown status: %(value)s.") % {"value": status}, field="status")
    # NO KEY UPDATE: ledger inserts take KEY SHARE locks on the lot (their foreign key); a plain FOR UPDATE here
    # would wait for them while they wait for the balance rows this recall locks next.
    lot = Lot.objects.select_for_update(no_key=True).get(pk=_lot_of(lot).pk)
    reason = _reason(reason, required=status != Lot.Status.AVAILABLE)
    if lot.status == status:
        return lot
    if lot.status == Lot.Status.RECALLED:
        raise BusinessError(_("A recalled lot stays recalled."), code="bad_state")
    before = snapshot(lot)
    keys = list(Balance.objects.filter(lot=lot).values_list("lot_id", "warehouse_id"))
    _lock_balances(keys)
    blocked = status != Lot.Status.AVAILABLE
    if blocked:
        reservations = (
            Entry.objects.filter(lot=lot, movement__allocation__isnull=False)
            .values("movement__allocation")
            .annotate(reserved=Sum("reserved_delta"))
            .filter(reserved__gt=0)
        )
        for allocation in Allocation.objects.filter(pk__in=[r["movement__allocation"] for r in reservations]):
            _cancel(actor, allocation, _("Lot %(lot)s: %(status)s") % {"lot": lot.lot_number, "status": status}, lot)
    Balance.objects.filter(lot=lot).update(blocked=blocked)
    lot.status, lot.status_reason = status, reason
    lot.save(update_fields=["status", "status_reason"])
    record(actor=actor, action=f"stock.lot_{status}", target=lot, before=before, after=snapshot(lot))
    return lot


def expire_lots(*, today: dt.date | None = None) -> int:
    """Mark available lots past their expiry date as expired (the daily task)."""
    today = today or timezone.localdate()
    count = 0
    for lot_id in Lot.objects.filter(status=Lot.Status.AVAILABLE, expiry_date__lt=today).values_list("pk", flat=True):
        lot_set_status(actor=None, lot=lot_id, status=Lot.Status.EXPIRED, reason=_("past its expiry date"))
        count += 1
    return count
