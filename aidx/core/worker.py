"""`aidx worker`: django-tasks' database worker, with a heartbeat, the schedule, and the clean-up of lost tasks.

- **Heartbeat.** Each worker process writes `WorkerHeartbeat.beat_at` every `BEAT_EVERY`. A task is lost when
  the worker that claimed it has not beaten for `LOST_AFTER`, or when that worker's process is gone from this host.
- **Lost tasks.** `reap_lost()` marks such tasks failed and calls their registered handler (`schedule.on_lost`),
  which ends the record the task kept running (a match run shows "failed: the worker stopped"). The schedule runs
  it every 15 seconds, so a run whose worker was killed is failed within `LOST_AFTER` + 15 s; a worker also runs
  it when it starts, so a restarted worker picks up nothing its predecessor left half-done.
- **Schedule.** One worker at a time keeps the schedule: it holds a PostgreSQL advisory lock (a file lock on
  SQLite); the others retry every `LOCK_RETRY`, so when the keeper dies another takes over.
GET requests never do any of this: a page shows the state as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import socket
import threading
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from aidx.core import schedule as schedules
from aidx.core.models import WorkerHeartbeat

logger = logging.getLogger("aidx.worker")

BEAT_EVERY = dt.timedelta(seconds=5)
LOST_AFTER = dt.timedelta(seconds=30)
LOCK_RETRY = dt.timedelta(seconds=15)
_LOCK_KEY = 0x41494458  # "AIDX": the advisory lock of the schedule keeper


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker stopped before it finished."""


def _alive_here(row: WorkerHeartbeat) -> bool:
    if row.host != socket.gethostname():
        return True  # another machine: only its beat can tell
    try:
        os.kill(row.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def live_workers(now: dt.datetime | None = None) -> set[str]:
    now = now or timezone.now()
    rows = WorkerHeartbeat.objects.filter(beat_at__gte=now - LOST_AFTER)
    return {row.worker_id for row in rows if _alive_here(row)}


def reap_lost(*, now: dt.datetime | None = None) -> int:
    """Fail every running task whose worker is gone, and let its app end the record it kept running."""
    now = now or timezone.now()
    live = live_workers(now)
    reaped = 0
    for candidate in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids"):
        if candidate.worker_ids and candidate.worker_ids[-1] in live:
            continue
        with transaction.atomic():
            result = DBTaskResult.objects.select_for_update().filter(pk=candidate.pk).first()
            if result is None or result.status != TaskResultStatus.RUNNING or result.worker_ids != candidate.worker_ids:
                continue
            worker = result.worker_ids[-1] if result.worker_ids else "?"
            result.set_failed(WorkerLost(f"worker {worker} stopped before the task finished"))
            with contextlib.suppress(ImportError):
                import_string(result.task_path)  # importing the task's module registers its handler
            handler = schedules.LOST_HANDLERS.get(result.task_path)
            if handler is not None:
                handler(*result.args_kwargs.get("args", []), **result.args_kwargs.get("kwargs", {}))
        logger.warning("task %s (%s) lost with worker %s", result.pk, result.task_path, worker)
        reaped += 1
    WorkerHeartbeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()
    return reaped


class _Loop(threading.Thread):
    """A daemon thread that repeats `tick` until stopped, on its own database connection."""

    every: dt.timedelta

    def __init__(self, name: str):
        super().__init__(name=name, daemon=True)
        self.stopping = threading.Event()

    def tick(self) -> float | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                wait = self.every.total_seconds()
                try:
                    wait = self.tick() or wait
                except DatabaseError:
                    logger.warning("%s: database unavailable, will retry", self.name, exc_info=True)
                    connection.close()
                self.stopping.wait(wait)
        finally:
            self.finish()
            connections.close_all()

    def finish(self) -> None:
        pass

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


class Heart(_Loop):
    every = BEAT_EVERY

    def __init__(self, worker_id: str):
        super().__init__("aidx-heartbeat")
        self.worker_id = worker_id
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"host": socket.gethostname(), "pid": os.getpid(), "started_at": now, "beat_at": now},
        )

    def tick(self) -> None:
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(beat_at=timezone.now())

    def finish(self) -> None:
        with contextlib.suppress(DatabaseError):
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


class _FileLock:
    def __init__(self) -> None:
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        if self.handle is not None:
            return True
        path = settings.VAR_DIR / "scheduler.lock"
        handle = open(path, "a")  # noqa: SIM115 - held open for as long as the lock is held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


class _AdvisoryLock:
    """Session-level: held as long as this thread's connection lives; a database restart drops it."""

    def __init__(self) -> None:
        self.held = False

    def acquire(self) -> bool:
        with connection.cursor() as cursor:
            if self.held:
                cursor.execute("SELECT 1")  # still connected, so still held
                return True
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
            self.held = bool(cursor.fetchone()[0])
        return self.held

    def release(self) -> None:
        if self.held:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
            self.held = False


class ScheduleKeeper(_Loop):
    """Enqueues each scheduled task when due (and once when it starts keeping the schedule)."""

    every = LOCK_RETRY

    def __init__(self, worker_id: str):
        super().__init__("aidx-schedule")
        self.worker_id = worker_id
        self.lock: _FileLock | _AdvisoryLock = _AdvisoryLock() if connection.vendor == "postgresql" else _FileLock()
        self.next_at: dict[str, dt.datetime] = {}
        self.schedules = schedules.schedules()

    def tick(self) -> float:
        try:
            holding = self.lock.acquire()
        except DatabaseError:
            if isinstance(self.lock, _AdvisoryLock):
                self.lock.held = False
            self.next_at.clear()
            raise
        if not holding:
            return LOCK_RETRY.total_seconds()
        if not self.next_at:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(keeps_schedule=True)
            logger.info("worker %s keeps the schedule: %s", self.worker_id, [s.name for s in self.schedules])
        now = timezone.now()
        for item in self.schedules:
            due = self.next_at.get(item.name)
            if due is None or due <= now:
                self.fire(item)
                self.next_at[item.name] = item.trigger().get_next_fire_time(due, now) or now + dt.timedelta(days=1)
        wait = min(self.next_at.values()) - timezone.now()
        return max(0.2, min(wait.total_seconds(), LOCK_RETRY.total_seconds()))

    def fire(self, item: schedules.Schedule) -> None:
        if item.inline:
            item.task.call()
            return
        # A task still waiting in the queue from its last turn is not queued twice.
        if not DBTaskResult.objects.filter(task_path=item.name, status=TaskResultStatus.READY).exists():
            item.task.enqueue()

    def finish(self) -> None:
        self.lock.release()


class AidxWorker(Worker):
    def __init__(self, *, keep_schedule: bool, **kwargs: Any):
        super().__init__(**kwargs)
        self.keep_schedule = keep_schedule

    def run(self) -> None:
        with self.alongside():
            super().run()

    @contextlib.contextmanager
    def alongside(self) -> Iterator[None]:
        heart = Heart(self.worker_id)
        heart.start()
        reaped = reap_lost()
        if reaped:
            logger.warning("%s task(s) left by a stopped worker marked failed", reaped)
        keeper = ScheduleKeeper(self.worker_id) if self.keep_schedule else None
        if keeper is not None:
            keeper.start()
        try:
            yield
        finally:
            if keeper is not None:
                keeper.stop()
            heart.stop()
