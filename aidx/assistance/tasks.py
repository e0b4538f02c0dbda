"""Background work of the exchange, on the schedule `aidx worker` keeps (aidx/core/schedule.py)."""

from __future__ import annotations

from django_tasks import task

from aidx.assistance import services
from aidx.core.schedule import scheduled


@scheduled(cron="5 0 * * *")
@task()
def expire_overdue() -> dict[str, int]:
    """Each night: requests past their needed-by date and offers past their availability expire."""
    requests, offers = services.expire_overdue()
    return {"requests": requests, "offers": offers}
