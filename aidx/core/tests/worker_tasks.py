"""Tasks for the worker tests (imported by the worker processes those tests start)."""

from __future__ import annotations

import pathlib
import time

from django_tasks import task

from aidx.core.schedule import on_lost


@task()
def sleep_for(seconds: float, marker: str) -> str:
    pathlib.Path(marker + ".started").write_text("started")
    time.sleep(seconds)
    return "slept"


@on_lost(sleep_for)
def _sleep_lost(seconds: float, marker: str, *, reason: str) -> None:
    pathlib.Path(marker + ".lost").write_text(reason)
