"""The webhooks' work on the task worker: the fan-out of new events and the deliveries that are due."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django_tasks import task

from aidx.core.schedule import scheduled
from aidx.interchange.services import webhooks

_TICK = dt.timedelta(seconds=max(1.0, float(settings.AIDX_WEBHOOK_TICK_SECONDS)))


@scheduled(every=_TICK)
@task()
def fan_out() -> int:
    """New events (from the audit log) become deliveries to the subscriptions that may see them."""
    return webhooks.fan_out()


@scheduled(every=_TICK)
@task()
def deliver_due() -> int:
    """Send the deliveries that are due; failed ones wait for their retry with exponential backoff."""
    return webhooks.deliver_due()
