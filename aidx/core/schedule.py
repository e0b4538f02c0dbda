"""Time-driven work: which tasks run when, and what happens to a task whose worker is lost.

An app marks a django-tasks task as scheduled in its `tasks.py`:

    @scheduled(cron="5 0 * * *")           # 00:05 UTC every day
    @task()
    def stock_daily() -> dict[str, int]: ...

    @scheduled(every=dt.timedelta(seconds=15))
    @task()
    def reap_lost_tasks() -> int: ...

`aidx worker` keeps the schedule (one worker at a time holds it, see aidx/core/worker.py) and enqueues each task
when it is due, and once when the schedule starts so that nothing waits a day after a restart. Scheduled tasks
take no arguments and must be safe to run twice. django-crontask does this for Django's own task framework but
needs Python 3.12; APScheduler (which it builds on) gives the cron and interval triggers here.

A task that keeps a record "running" (a match run, a planner run) registers what to do when the task cannot
finish, because its worker died or lost its database connection half-way, or the task raised an error it did
not record on its run itself:

    @on_lost(execute_match_run)
    def _match_run_lost(run_id: int, *, reason: str) -> None: ...

It is called with the task's arguments and `reason`, the untranslated words saying why (`WORKER_STOPPED` from
the reaper, `DATABASE_LOST` or `TASK_FAILED` from the worker itself), in the transaction that marks the task
failed; it records the reason on its run, which shows it translated like any other failure. It must do nothing
to a run that has already ended (its workflow's transition is then not allowed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_noop

WORKER_STOPPED = gettext_noop("the worker stopped before the run finished")
DATABASE_LOST = gettext_noop("the worker lost its connection to the database before the run finished")
TASK_FAILED = gettext_noop("the run stopped on an unexpected error; the worker's log has the details")


@dataclass(frozen=True)
class Schedule:
    task: Any  # a django_tasks Task
    cron: str | None = None
    every: dt.timedelta | None = None
    inline: bool = False  # light housekeeping the schedule keeper runs itself, so it never waits behind long tasks

    @property
    def name(self) -> str:
        return str(self.task.module_path)

    def trigger(self) -> BaseTrigger:
        if self.cron is not None:
            return CronTrigger.from_crontab(self.cron, timezone=dt.UTC)
        assert self.every is not None
        return IntervalTrigger(seconds=self.every.total_seconds(), timezone=dt.UTC)

    def describe(self) -> str:
        return f"cron {self.cron} (UTC)" if self.cron else f"every {self.every}"


SCHEDULES: dict[str, Schedule] = {}
LOST_HANDLERS: dict[str, Callable[..., None]] = {}


def scheduled(
    *, cron: str | None = None, every: dt.timedelta | None = None, inline: bool = False
) -> Callable[[Any], Any]:
    if (cron is None) == (every is None):
        raise ValueError("give either cron or every")
    if cron is not None:
        CronTrigger.from_crontab(cron)  # refuse a bad expression when the module is imported
    if every is not None and every < dt.timedelta(seconds=1):
        raise ValueError("a schedule runs at most once a second")

    def register(task: Any) -> Any:
        schedule = Schedule(task=task, cron=cron, every=every, inline=inline)
        SCHEDULES[schedule.name] = schedule
        return task

    return register


def on_lost(task: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(handler: Callable[..., None]) -> Callable[..., None]:
        LOST_HANDLERS[str(task.module_path)] = handler
        return handler

    return register


def discover() -> None:
    """Import every installed app's `tasks` module, which registers its schedules and lost-task handlers."""
    autodiscover_modules("tasks")


def schedules() -> list[Schedule]:
    discover()
    return sorted(SCHEDULES.values(), key=lambda s: s.name)
