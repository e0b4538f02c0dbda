"""`aidx worker`: django-tasks' database worker, with a heartbeat, the schedule, and the clean-up of lost tasks.

- **Heartbeat.** Each worker process writes `WorkerHeartbeat.beat_at` every `BEAT_EVERY`. A task is lost when
  the worker that claimed it has not beaten for `LOST_AFTER`, or when that worker's process is gone from this host.
- **Lost tasks.** `reap_lost()` marks such tasks failed and calls their registered handler (`schedule.on_lost`),
  which ends the record the task kept running (a match run shows "failed: the worker stopped"). The schedule runs
  it every 15 seconds, so a run whose worker was killed is failed within `LOST_AFTER` + 15 s; a worker also runs
  it when it starts, so a restarted worker picks up nothing its predecessor left half-done.
- **Schedule.** One worker at a time keeps the schedule: it holds a PostgreSQL advisory lock (a file lock on
  SQLite); the others retry every `LOCK_RETRY`, so when the keeper dies another takes over. The lock belongs to
  the keeper's database session: when that connection dies the lock goes with it, the keeper notices (its
  session is no longer the one that took the lock) and takes it again, unless another worker was faster.
- **A lost database.** A PostgreSQL restart, a terminated backend or a cut network ends the worker's connections
  but not the worker. Each loop (tasks, heartbeat, schedule) drops its broken connection and opens a new one
  when the database answers again, trying again after a growing pause (`RETRY_FIRST` doubling up to
  `RETRY_MOST`), never spinning. A task that was running when its connection went fails, and so does the run it
  kept (its `on_lost` handler, with `schedule.DATABASE_LOST` as the reason), as soon as the database is back; a
  task still queued stays queued and is taken then. Which errors are a lost connection: `core/database.py`.
GET requests never do any of this: a page shows the state as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, OperationalError, close_old_connections, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import TaskContext, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from aidx.core import schedule as schedules
from aidx.core.database import connection_lost
from aidx.core.models import WorkerHeartbeat

logger = logging.getLogger("aidx.worker")

BEAT_EVERY = dt.timedelta(seconds=5)
LOST_AFTER = dt.timedelta(seconds=30)
LOCK_RETRY = dt.timedelta(seconds=15)
RETRY_FIRST = 0.5  # seconds before trying an unreachable database again; doubled each time, up to
RETRY_MOST = 10.0
_LOCK_KEY = 0x41494458  # "AIDX": the advisory lock of the schedule keeper

# The workers this process runs: alive whatever their last beat says (a beat may be late after an outage).
_SERVING: set[str] = set()


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker stopped before it finished."""


class DatabaseLost(Exception):
    """Recorded as the failure of a task whose worker lost its database connection while it ran."""


def _drop_connection() -> None:
    """Close this thread's connection, broken or not; the next query opens a new one."""
    with contextlib.suppress(DatabaseError):
        connection.close()


class Backoff:
    """The pauses between tries at an unreachable database: `RETRY_FIRST`, doubling, at most `RETRY_MOST`."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.delay = RETRY_FIRST

    def failed(self) -> float:
        """Note a failed try; the seconds to wait before the next."""
        if self.since is None:
            self.since = time.monotonic()
        delay, self.delay = self.delay, min(self.delay * 2, RETRY_MOST)
        return delay

    def succeeded(self) -> float | None:
        """Note a try that reached the database; the seconds the outage lasted, if there was one."""
        since, self.since, self.delay = self.since, None, RETRY_FIRST
        return None if since is None else time.monotonic() - since


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
    return {row.worker_id for row in rows if _alive_here(row)} | _SERVING


def _fail_task(result: DBTaskResult, error: BaseException, reason: str) -> None:
    """In the caller's transaction, with `result` locked: the task fails with `error`, and its app ends the record
    the task kept running, with `reason` (the task's `on_lost` handler)."""
    result.set_failed(error)
    with contextlib.suppress(ImportError):
        import_string(result.task_path)  # importing the task's module registers its handler
    handler = schedules.LOST_HANDLERS.get(result.task_path)
    if handler is None:
        return
    try:
        with transaction.atomic():  # a savepoint: a handler that fails leaves the task failed all the same
            handler(*result.args_kwargs.get("args", []), **result.args_kwargs.get("kwargs", {}), reason=reason)
    except Exception as error:
        if connection_lost(error):
            raise  # nothing was written: the caller tries it all again on a new connection
        logger.exception("task %s (%s): its on_lost handler failed", result.pk, result.task_path)


def _fail_own(result: DBTaskResult, error: BaseException) -> None:
    """A task of this worker raised an error: it fails, and so does the run it kept if the task left it running
    (an error the run's own code did not record), so that no run waits for a task that has ended."""
    with transaction.atomic():
        _fail_task(result, error, schedules.TASK_FAILED)


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
            lost = WorkerLost(f"worker {worker} stopped before the task finished")
            _fail_task(result, lost, schedules.WORKER_STOPPED)
        logger.warning("task %s (%s) lost with worker %s", result.pk, result.task_path, worker)
        reaped += 1
    WorkerHeartbeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()
    return reaped


class _Loop(threading.Thread):
    """A daemon thread that repeats `tick` until stopped, on its own database connection.

    A lost connection is dropped and the tick tried again after a growing pause (at most `every`); any other
    error of a tick is logged, and the loop goes on."""

    every: dt.timedelta

    def __init__(self, name: str):
        super().__init__(name=name, daemon=True)
        self.stopping = threading.Event()
        self.backoff = Backoff()

    def tick(self) -> float | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                wait = self.every.total_seconds()
                try:
                    wait = self.tick() or wait
                except DatabaseError as error:
                    _drop_connection()  # (a session's advisory lock ends with it)
                    self.database_error()
                    if connection_lost(error):
                        if self.backoff.since is None:
                            logger.warning("%s: database unreachable (%s); trying again", self.name, error)
                        wait = min(self.backoff.failed(), wait)
                        self.stopping.wait(wait)
                        continue
                    logger.warning("%s: database error, will retry", self.name, exc_info=True)
                except Exception:
                    logger.exception("%s: the tick failed, will retry", self.name)
                else:
                    outage = self.backoff.succeeded()
                    if outage is not None:
                        logger.warning("%s: database back after %.1f s", self.name, outage)
                self.stopping.wait(wait)
        finally:
            self.finish()
            connections.close_all()

    def database_error(self) -> None:
        """Called after a database error, its connection closed."""

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
        _SERVING.add(worker_id)

    def register(self, now: dt.datetime | None = None) -> None:
        """The worker's row: its first beat."""
        now = now or timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"host": socket.gethostname(), "pid": os.getpid(), "started_at": now, "beat_at": now},
        )

    def tick(self) -> None:
        now = timezone.now()
        if not WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(beat_at=now):
            self.register(now)  # its row is gone (a database restored from a backup): beat anew

    def finish(self) -> None:
        _SERVING.discard(self.worker_id)
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

    def forget(self) -> None:
        pass  # a file lock does not depend on the database connection


class _AdvisoryLock:
    """Session-level: held as long as the database session that took it lives. A restart, a terminated backend
    or a closed connection ends it; Django then opens a new session on the next query, which does not hold it. So
    the lock remembers the session (the driver's connection) that took it, and takes it again on any other."""

    def __init__(self) -> None:
        self.session: Any = None  # the DB-API connection that took the lock

    def acquire(self) -> bool:
        with connection.cursor() as cursor:
            if self.session is not None and connection.connection is self.session:
                cursor.execute("SELECT 1")  # the same session, and it answers: still held
                return True
            if self.session is not None:
                logger.warning("the schedule's lock ended with its database session; taking it again")
                self.session = None
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
            if cursor.fetchone()[0]:
                self.session = connection.connection
        return self.session is not None

    def release(self) -> None:
        if self.session is not None and connection.connection is self.session:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
        self.session = None

    def forget(self) -> None:
        self.session = None


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
        if not self.lock.acquire():
            if self.next_at:  # it kept the schedule, and another worker took it while its session was gone
                logger.warning("worker %s no longer keeps the schedule", self.worker_id)
                self.next_at.clear()
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(keeps_schedule=False)
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
        wait = min(self.next_at.values(), default=now + LOCK_RETRY) - timezone.now()
        return max(0.2, min(wait.total_seconds(), LOCK_RETRY.total_seconds()))

    def database_error(self) -> None:
        # The connection was closed, and an advisory lock with it: take it again (and fire what is due once more,
        # as a new keeper does) when the database answers.
        if isinstance(self.lock, _AdvisoryLock):
            self.lock.forget()
            self.next_at.clear()

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
    """django-tasks-db's worker, with its loop and its task runner made to outlive the database: a lost connection
    is dropped and opened again once the database answers, a task that lost it fails with its run, and no queued
    task is lost (it stays queued until a worker can take it)."""

    def __init__(self, *, keep_schedule: bool, **kwargs: Any):
        super().__init__(**kwargs)
        self.keep_schedule = keep_schedule
        self.backoff = Backoff()
        self.after_outage = False  # a claim may have committed unseen: look for this worker's orphans

    def run(self) -> None:
        with self.alongside():
            self.serve()

    @contextlib.contextmanager
    def alongside(self) -> Iterator[None]:
        # A worker started while the database is away (restarted with it) waits for it rather than dying.
        heart = Heart(self.worker_id)
        self.until_reachable(heart.register)
        heart.start()
        reaped: list[int] = []
        self.until_reachable(lambda: reaped.append(reap_lost()))
        if sum(reaped):
            logger.warning("%s task(s) left by a stopped worker marked failed", sum(reaped))
        keeper = ScheduleKeeper(self.worker_id) if self.keep_schedule else None
        if keeper is not None:
            keeper.start()
        try:
            yield
        finally:
            if keeper is not None:
                keeper.stop()
            heart.stop()

    # --- the loop ------------------------------------------------------------------------------------------------

    def serve(self) -> None:
        """Take the next ready task and run it, or wait `interval` when there is none, until stopped."""
        logger.info("worker %s serves the queues %s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers started together, not a secret
        while self.running:
            try:
                if self.after_outage:
                    self.fail_orphans()
                result = self.claim_next()
            except DatabaseError as error:
                if not connection_lost(error):
                    raise
                self.database_lost(error)
                continue
            self.database_answers()
            if result is not None:
                self.run_task(result)
            elif self.batch:
                logger.info("worker %s: no more tasks, it ends", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("worker %s ran its %d tasks, it ends", self.worker_id, self._run_tasks)
                return
            close_old_connections()  # as after a request: a connection past its age or unusable is closed
            if self.running and result is None:
                time.sleep(self.interval)

    def claim_next(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        # Every ready task is locked for the length of this transaction: keep it short.
        with exclusive_transaction(tasks.db):
            try:
                result = tasks.get_locked()
            except OperationalError as error:
                if "is locked" in str(error):  # SQLite busy: the next round tries again
                    return None
                raise
            if result is not None:
                result.claim(self.worker_id)  # so that no other worker takes it
        return result

    def database_lost(self, error: BaseException) -> None:
        """The connection went: drop it, and pause before the next try (the pause grows while it lasts)."""
        _drop_connection()
        if self.backoff.since is None:
            logger.warning("worker %s: database unreachable (%s); trying again", self.worker_id, error)
        self.after_outage = True
        self.pause(self.backoff.failed())

    def database_answers(self) -> None:
        outage = self.backoff.succeeded()
        if outage is not None:
            logger.warning("worker %s: database back after %.1f s", self.worker_id, outage)

    def pause(self, seconds: float) -> None:
        """Sleep, but no longer than the worker runs (a signal ends an idle worker at once, a busy one here)."""
        end = time.monotonic() + seconds
        while self.running and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))

    def until_reachable(self, write: Callable[[], Any]) -> bool:
        """Do `write` (the bookkeeping of a task), on a new connection after each loss, until the database takes it.
        False if the worker is told to stop first: the reaper fails the task once this worker is gone."""
        while True:
            try:
                write()
            except DatabaseError as error:
                if not connection_lost(error):
                    raise
                if not self.running:
                    logger.warning("worker %s stops before the database is back; its task is reaped", self.worker_id)
                    return False
                self.database_lost(error)
                continue
            self.database_answers()
            return True

    def fail_orphans(self) -> None:
        """Between tasks nothing runs under this worker's name: a task that does was claimed in a transaction whose
        commit the worker never heard of, when the connection went. It fails, with its run."""
        for candidate in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids"):
            if candidate.worker_ids[-1:] == [self.worker_id]:
                self.fail_lost(candidate.pk, DatabaseLost("the worker lost the database as it took the task"))
        self.after_outage = False

    # --- one task ------------------------------------------------------------------------------------------------

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task and record how it ended; a task that lost the database connection fails, and so does the
        run it kept (its `on_lost` handler), once the database answers again."""
        self.running_task = True
        try:
            self._run(db_task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _run(self, result: DBTaskResult) -> None:
        try:
            task, task_result = result.task, result.task_result
            task_started.send(sender=type(task.get_backend()), task_result=task_result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
        except BaseException as error:  # the task's failure is recorded, whatever it was; the worker goes on
            if connection_lost(error):
                logger.warning("task %s (%s) lost the database connection", result.pk, result.task_path)
                _drop_connection()
                lost = DatabaseLost("the worker lost its database connection while the task ran")
                lost.__cause__ = error
                failed = self.fail_lost(result.pk, lost)
                if failed is not None:
                    self.finished(failed)
            elif self.until_reachable(functools.partial(_fail_own, result, error)):
                self.finished(result)
            return

        def succeed() -> None:
            try:
                result.set_successful(value)
            except DatabaseError:
                raise
            except Exception as error:  # e.g. a return value that JSON cannot hold
                result.set_failed(error)

        if self.until_reachable(succeed):
            self.finished(result)

    def fail_lost(self, pk: Any, error: DatabaseLost) -> DBTaskResult | None:
        """Fail a task of this worker that lost the database, and its run, in one transaction once the database
        answers. None if another worker's reaper was first, or this worker stops before the database is back."""
        failed: list[DBTaskResult] = []

        def fail() -> None:
            failed.clear()
            with transaction.atomic():
                row = DBTaskResult.objects.select_for_update().filter(pk=pk).first()
                if row is None or row.status != TaskResultStatus.RUNNING or row.worker_ids[-1:] != [self.worker_id]:
                    return
                _fail_task(row, error, schedules.DATABASE_LOST)
                failed.append(row)

        if not self.until_reachable(fail) or not failed:
            return None
        logger.warning("task %s (%s) failed: %s", pk, failed[0].task_path, schedules.DATABASE_LOST)
        return failed[0]

    def finished(self, result: DBTaskResult) -> None:
        try:
            sender, task_result = type(result.task.get_backend()), result.task_result
        except (ImportError, SuspiciousOperation):
            logger.exception("task %s ended, and its task can no longer be imported", result.pk)
        else:
            task_finished.send(sender=sender, task_result=task_result)
