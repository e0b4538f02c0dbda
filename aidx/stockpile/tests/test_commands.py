from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from aidx.stockpile.models import Balance
from aidx.stockpile.tasks import stock_check, stock_daily


def test_stock_check_finds_a_tampered_projection_and_rebuild_repairs_it(stock, capsys):
    stock.lot("C", 10, days=100)
    call_command("stock", "check")
    Balance.objects.update(on_hand=3)
    with pytest.raises(CommandError):
        call_command("stock", "check")
    call_command("stock", "rebuild")
    call_command("stock", "check")
    call_command("fund", "check")
    assert "agrees with the ledger" in capsys.readouterr().out


def test_the_daily_task_expires_lots_counts_alerts_and_syncs_the_offer(stock, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    stock.lot("PAST", 5, days=-2)
    stock.lot("SOON", 5, days=40)
    stock.lot("LONG", 7, days=400)
    figures = stock_daily.enqueue().return_value
    assert figures == {"expired": 1, "within_30": 0, "within_60": 1, "within_90": 0, "offers": 1}
    assert stock_check.enqueue().return_value == 0
