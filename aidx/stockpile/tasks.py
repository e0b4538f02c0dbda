"""Background work of the stockpile, on the schedule `aidx worker` keeps (aidx/core/schedule.py)."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone
from django_tasks import task

from aidx.core.schedule import scheduled
from aidx.stockpile import selectors, services


@scheduled(cron="10 0 * * *")
@task()
def stock_daily() -> dict[str, int]:
    """Expire lots past their expiry date (the stockpile managers are told), count the 30/60/90-day expiry
    alerts, and bring the stockpile's exchange offers up to date. Returns the figures (kept by the task result)."""
    today = timezone.localdate()
    expired = services.expire_lots(today=today)
    bands = Counter(alert.band for alert in selectors.lots_expiring(today=today))
    offers = 0
    agent = services.agency_user()
    if agent is not None:
        offers = len(services.offer_sync(actor=agent, today=today))
    return {
        "expired": len(expired),
        "within_30": bands[30],
        "within_60": bands[60],
        "within_90": bands[90],
        "offers": offers,
    }


@task()
def stock_check() -> int:
    """How many balance rows differ from the replayed ledger (0 when all is well)."""
    return len(services.check_balances())
