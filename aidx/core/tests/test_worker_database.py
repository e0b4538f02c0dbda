"""A worker whose database connection is cut (PostgreSQL restarted, a backend terminated, a network cut) lives on:
it fails the run it was executing, with the reason in words, serves the next task on a fresh connection, beats
again, and one worker takes the schedule's advisory lock again (issue #11's load test).

The outage is made without touching the server, which others share: the worker's backends are terminated
(`pg_terminate_backend`), and while the test database refuses new connections (`ALLOW_CONNECTIONS false`) the
worker cannot reconnect, as during a restart."""

from __future__ import annotations

import contextlib
import pathlib
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from aidx.core import worker
from aidx.core.database import connection_lost
from aidx.core.models import WorkerHeartbeat
from aidx.core.schedule import DATABASE_LOST
from aidx.core.tests.worker_process import AIDX, database_env, stop, wait
from aidx.matching import services
from aidx.matching.models import MatchRun
from aidx.matching.tasks import execute_match_run


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a lost PostgreSQL connection is made on PostgreSQL (make test runs this file again there)")


def _connect(dbname: str | None = None) -> psycopg.Connection[Any]:
    s = connection.settings_dict
    return psycopg.connect(
        dbname=dbname or s["NAME"],
        user=s["USER"],
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        autocommit=True,
    )


class Worker:
    """An `aidx worker` process whose connections carry one application name, so the test can cut exactly them."""

    def __init__(self, tmp_path: pathlib.Path, *, schedule: bool):
        self.id = f"dbfault-{uuid.uuid4().hex[:10]}"
        self.log = tmp_path / f"{self.id}.log"
        env = {**database_env(tmp_path), "PGAPPNAME": self.id}
        command = [AIDX, "worker", "--interval", "0.2", "--no-reload", "--no-startup-delay", "--worker-id", self.id]
        with self.log.open("wb") as out:
            self.process: subprocess.Popen[bytes] = subprocess.Popen(
                command + ([] if schedule else ["--no-schedule"]),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def said(self, text: str) -> bool:
        return text in self.log.read_text(errors="replace")

    def backends(self, admin: psycopg.Connection[Any], *, waiting_on_lock: bool = False) -> list[int]:
        query = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
        if waiting_on_lock:
            query += " AND wait_event_type = 'Lock'"
        return [row[0] for row in admin.execute(query, [self.id]).fetchall()]

    def holds_schedule_lock(self, admin: psycopg.Connection[Any]) -> list[int]:
        rows = admin.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
            " AND l.granted AND l.objid = %s AND a.application_name = %s",
            [worker._LOCK_KEY, self.id],
        ).fetchall()
        return [row[0] for row in rows]

    def cut(self, admin: psycopg.Connection[Any], pids: list[int] | None = None) -> list[int]:
        pids = self.backends(admin) if pids is None else pids
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        wait(lambda: not set(pids) & set(self.backends(admin)), 10, "the backends to end")
        return pids


@contextlib.contextmanager
def _outage(admin: psycopg.Connection[Any]) -> Iterator[None]:
    """The test database refuses new connections (as while PostgreSQL restarts); open ones are kept."""
    name = connection.settings_dict["NAME"]
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        yield
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def _stop(process: Worker | None) -> None:
    if process is not None:
        stop(process.process)
        print(f"--- the worker's log ---\n{process.log.read_text(errors='replace')}")  # shown when a test fails


@pytest.fixture
def db_tasks(exchange, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return exchange


def _status(run: MatchRun) -> str:
    return MatchRun.objects.values_list("status", flat=True).get(pk=run.pk)


def _task(run: MatchRun) -> DBTaskResult:
    return DBTaskResult.objects.get(task_path=execute_match_run.module_path, args_kwargs__args=[run.pk])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_whose_connection_is_cut_fails_with_its_reason_and_the_same_worker_runs_the_next(
    db_tasks, tmp_path, client
):
    postgres_only()
    exchange = db_tasks
    coordinator = exchange.world.coordinator
    exchange.request(lines=(("mask-surgical", 500),))
    exchange.offer(lines=(("mask-surgical", 600),))
    first = services.run_start(actor=coordinator, time_limit=30)
    process = None
    with _connect("postgres") as admin, _connect() as holder:
        # The test holds the run's row, so the worker's task waits on it in the database, mid-task.
        holder.execute("BEGIN")
        holder.execute("SELECT id FROM matching_matchrun WHERE id = %s FOR UPDATE", [first.pk])
        try:
            process = Worker(tmp_path, schedule=False)
            wait(lambda: process.backends(admin, waiting_on_lock=True), 60, "the task to wait on the run's row")
            with _outage(admin):
                process.cut(admin)
                holder.execute("ROLLBACK")
                wait(lambda: process.said("database unreachable"), 30, "the worker to try again")
                assert process.alive()
            took = wait(lambda: _status(first) == MatchRun.Status.FAILED, 60, "the run to fail")
            print(f"the run failed {took:.1f} s after the database came back")
            first.refresh_from_db()
            assert first.error == DATABASE_LOST
            task = _task(first)
            assert task.status == TaskResultStatus.FAILED
            assert task.exception_class_path == "aidx.core.worker.DatabaseLost"

            second = services.run_start(actor=coordinator, time_limit=30)
            wait(lambda: _status(second) == MatchRun.Status.SUCCEEDED, 60, "the second run to succeed")
            assert process.alive()
            assert _task(second).worker_ids == [process.id]
        finally:
            _stop(process)

    client.force_login(coordinator)
    page = client.get(reverse("matching:detail", args=[first.pk]), headers={"accept-language": "en"})
    assert "the worker lost its connection to the database before the run finished" in page.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_whose_connections_are_cut_reconnects_beats_keeps_the_schedule_and_takes_a_queued_run(
    db_tasks, tmp_path
):
    postgres_only()
    exchange = db_tasks
    exchange.request(lines=(("mask-surgical", 500),))
    exchange.offer(lines=(("mask-surgical", 600),))
    process = None
    with _connect("postgres") as admin:
        try:
            process = Worker(tmp_path, schedule=True)
            wait(lambda: process.holds_schedule_lock(admin), 60, "the worker to keep the schedule")
            wait(lambda: len(process.backends(admin)) >= 3, 30, "the task loop, the heart and the schedule")
            with _outage(admin):
                process.cut(admin)
                cut_at = timezone.now()
                # Queued while the worker cannot reach the database: it is taken when the database is back.
                run = services.run_start(actor=exchange.world.coordinator, time_limit=30)
                wait(lambda: process.said("database unreachable"), 30, "the worker to try again")
                assert process.alive()
            wait(lambda: _status(run) == MatchRun.Status.SUCCEEDED, 60, "the queued run to succeed")
            assert _task(run).worker_ids == [process.id]
            wait(
                lambda: WorkerHeartbeat.objects.filter(worker_id=process.id, beat_at__gt=cut_at).exists(),
                30,
                "a heartbeat after the cut",
            )
            wait(lambda: process.holds_schedule_lock(admin), 30, "the schedule's lock taken again")
            assert process.alive()
        finally:
            _stop(process)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_started_while_the_database_is_away_waits_for_it_and_takes_the_queued_run(db_tasks, tmp_path):
    """As when the worker and PostgreSQL are restarted together: the worker does not die at its first beat."""
    postgres_only()
    exchange = db_tasks
    exchange.request(lines=(("mask-surgical", 500),))
    exchange.offer(lines=(("mask-surgical", 600),))
    run = services.run_start(actor=exchange.world.coordinator, time_limit=30)
    process = None
    with _connect("postgres") as admin:
        try:
            with _outage(admin):
                process = Worker(tmp_path, schedule=True)
                wait(lambda: process.said("database unreachable"), 60, "the worker to try")
                assert process.alive()
            wait(lambda: _status(run) == MatchRun.Status.SUCCEEDED, 60, "the queued run to succeed")
            assert _task(run).worker_ids == [process.id]
            wait(lambda: process.holds_schedule_lock(admin), 30, "the worker to keep the schedule")
        finally:
            _stop(process)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_schedule_keeper_takes_its_lock_again_when_its_connection_was_replaced(db):
    """A session's advisory lock ends with its connection: a keeper whose connection Django replaced (after an
    error in a transaction, or a close after a failed tick) must not believe it still holds the schedule."""
    postgres_only()
    keeper = worker.ScheduleKeeper("keeper-test")
    keeper.schedules = [item for item in keeper.schedules if item.name.endswith(".reap_lost_tasks")]
    with _connect() as admin:

        def held_by_this_connection() -> bool:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            rows = admin.execute(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = %s AND pid = %s",
                [worker._LOCK_KEY, pid],
            ).fetchall()
            return bool(rows)

        try:
            keeper.tick()
            assert held_by_this_connection()
            connection.close()  # what `_Loop` does after a database error (and Django after a failed rollback)
            keeper.tick()
            assert held_by_this_connection()
        finally:
            keeper.finish()


def _lost_error() -> Exception:
    """What Django raises when PostgreSQL ends the session under a query."""
    from django.db import OperationalError

    try:
        try:
            raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")
        except psycopg.Error as cause:
            raise OperationalError(str(cause)) from cause
    except OperationalError as error:
        return error


def _serve(row: DBTaskResult) -> None:
    row.claim("in-process")
    worker.AidxWorker(
        keep_schedule=False,
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
    ).run_task(row)


@pytest.mark.django_db(transaction=True)
def test_a_run_that_loses_the_database_mid_solve_is_failed_by_the_worker_with_the_reason(db_tasks, monkeypatch):
    """The run's own catch-all leaves a lost connection to the worker, which fails the run in words (rather than
    "OperationalError: terminating connection ..."), on any database."""
    from aidx.matching import runs

    def lose(*args: Any, **kwargs: Any) -> Any:
        raise _lost_error()

    monkeypatch.setattr(runs, "build_problem", lose)
    run = services.run_start(actor=db_tasks.world.coordinator, time_limit=30)
    row = _task(run)
    _serve(row)
    run.refresh_from_db()
    assert (run.status, run.error) == (MatchRun.Status.FAILED, DATABASE_LOST)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "aidx.core.worker.DatabaseLost"


def test_a_lost_connection_is_told_from_other_database_errors():
    from django.db import InterfaceError, OperationalError

    def wrapped(driver_error: Exception, django_error: type[Exception] = OperationalError) -> Exception:
        try:
            try:
                raise driver_error
            except Exception as cause:
                raise django_error(str(cause)) from cause
        except Exception as error:
            return error

    assert connection_lost(wrapped(psycopg.errors.AdminShutdown("terminating connection")))
    assert connection_lost(wrapped(psycopg.OperationalError("server closed the connection unexpectedly")))
    assert connection_lost(wrapped(psycopg.InterfaceError("the connection is closed"), InterfaceError))
    assert not connection_lost(wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    assert not connection_lost(wrapped(psycopg.errors.QueryCanceled("canceling statement")))
    assert not connection_lost(ValueError("not a database error"))
    # A task that caught the loss and raised its own error is still a task that lost the database.
    try:
        try:
            raise wrapped(psycopg.errors.AdminShutdown("terminating connection"))
        except OperationalError as lost:
            raise RuntimeError("could not store the result") from lost
    except RuntimeError as error:
        assert connection_lost(error)


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_proposals_cannot_be_stored_fails_with_the_error(db_tasks, monkeypatch):
    """The store phase is inside the run's own catch-all (it was after it: an error there left the run running
    while its task had failed; #11's load run found one such run of 83)."""
    from aidx.matching import runs

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("no distance for this pair")

    monkeypatch.setattr(runs, "_ton_km", broken)
    run = services.run_start(actor=db_tasks.world.coordinator, time_limit=30)
    _serve(_task(run))
    run.refresh_from_db()
    assert (run.status, run.error) == (MatchRun.Status.FAILED, "ValueError: no distance for this pair")


@pytest.mark.django_db(transaction=True)
def test_a_task_that_ends_on_an_error_never_leaves_its_run_running(db_tasks, monkeypatch):
    """Whatever a task raises, the worker fails the run it kept (its on_lost handler), with the reason in words."""
    from aidx.core.schedule import TASK_FAILED
    from aidx.matching import runs, tasks

    def claim_then_break(run_id: int) -> Any:
        runs._system_transition(run_id, "claim")
        raise RuntimeError("a fault outside the run's own catch-all")

    monkeypatch.setattr(tasks, "run_execute", claim_then_break)
    run = services.run_start(actor=db_tasks.world.coordinator, time_limit=30)
    row = _task(run)
    _serve(row)
    run.refresh_from_db()
    assert (run.status, run.error) == (MatchRun.Status.FAILED, TASK_FAILED)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED and row.exception_class_path == "builtins.RuntimeError"


@pytest.mark.django_db(transaction=True)
def test_a_run_that_meets_a_deadlock_as_it_stores_tries_again(db_tasks, monkeypatch):
    """PostgreSQL breaks a deadlock between a run's proposals and proposals made at the same moment by aborting
    one transaction; the run tries its store again instead of failing (the full load run saw 3 of 91 fail so)."""
    from django.db import OperationalError
    from django.db.models.query import QuerySet

    from aidx.matching import runs
    from aidx.matching.models import Proposal

    real = QuerySet.bulk_create
    tries: list[int] = []

    def deadlock_once(self: Any, objs: Any, *args: Any, **kwargs: Any) -> Any:
        if self.model is Proposal and not tries:
            tries.append(1)
            try:
                raise psycopg.errors.DeadlockDetected("deadlock detected")
            except psycopg.Error as error:
                raise OperationalError("deadlock detected") from error
        return real(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", deadlock_once)
    run = services.run_start(actor=db_tasks.world.coordinator, time_limit=30)
    runs.run_execute(run.pk)
    run.refresh_from_db()
    assert tries == [1] and run.status == MatchRun.Status.SUCCEEDED, run.error
