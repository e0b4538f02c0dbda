"""Housekeeping on the schedule."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from aidx.core import worker
from aidx.core.schedule import scheduled


@scheduled(every=dt.timedelta(seconds=15), inline=True)
@task()
def reap_lost_tasks() -> int:
    """Fail the tasks whose worker is gone (and the runs they kept running): within 45 s of the worker's end."""
    return worker.reap_lost()
