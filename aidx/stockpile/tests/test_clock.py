"""The clock passes a request's needed-by date and a lot's expiry date: the reads count both out at once, and
the schedule `aidx worker` keeps expires both (as the system) and tells the stockpile managers."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from aidx.assistance import selectors as exchange_selectors
from aidx.assistance.models import AssistanceRequest
from aidx.audit.models import AuditEntry
from aidx.core.worker import ScheduleKeeper
from aidx.notifications.models import Notification
from aidx.stockpile import selectors
from aidx.stockpile.models import Lot


def test_it_expires_a_request_and_a_lot_once_the_clock_passes_their_dates(stock, exchange):
    today = timezone.localdate()
    lot = stock.lot("SOON", 5, days=3)
    stock.lot("LATER", 7, days=60)
    request = exchange.request()  # needed by today + 10
    assert request.is_open

    later = dt.datetime.combine(today + dt.timedelta(days=12), dt.time(0, 30), tzinfo=dt.UTC)
    with time_machine.travel(later, tick=False):
        # Before the schedule runs, nothing that decides availability counts them.
        assert not AssistanceRequest.objects.get(pk=request.pk).is_open
        assert not exchange_selectors.requests_visible_to(exchange.world.ally_b, open_only=True).exists()
        assert exchange_selectors.figures(exchange.world.coordinator).open_requests == 0
        available = {row.lot.lot_number: row.available_now for row in selectors.balances(stock.manager)}
        assert available == {"SOON": 0, "LATER": 7}
        assert (Lot.objects.get(pk=lot.pk).status, AssistanceRequest.objects.get(pk=request.pk).status) == (
            "available",
            "submitted",
        )

        keeper = ScheduleKeeper("test-clock")  # what `aidx worker` runs; its first turn fires every schedule
        try:
            keeper.tick()
        finally:
            keeper.finish()

    request.refresh_from_db(), lot.refresh_from_db()
    assert (request.status, lot.status) == ("expired", "expired")
    assert AuditEntry.objects.filter(action="request.expire", actor_name="system", target_id=str(request.pk)).exists()
    assert AuditEntry.objects.filter(action="stock.lot_expire", actor_name="system", target_id=str(lot.pk)).exists()
    notice = Notification.objects.get(user=stock.manager, kind="lot_expired")
    assert "SOON" in notice.text
