"""The worker beats, a task whose worker died is failed by the schedule (not by a page view), and one worker
keeps the schedule."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from aidx.core import worker
from aidx.core.models import WorkerHeartbeat
from aidx.core.schedule import WORKER_STOPPED
from aidx.core.tests import worker_tasks
from aidx.core.tests.worker_process import AIDX, database_env, wait


def _running_row(worker_id: str, marker: pathlib.Path) -> DBTaskResult:
    result = worker_tasks.sleep_for.enqueue(60, str(marker))
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    return row


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_it_fails_a_task_whose_worker_stopped_beating_and_keeps_one_that_beats(db, db_tasks, tmp_path):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="gone", host="elsewhere", pid=1, started_at=now, beat_at=now - dt.timedelta(seconds=31)
    )
    WorkerHeartbeat.objects.create(worker_id="alive", host="elsewhere", pid=1, started_at=now, beat_at=now)
    gone, alive = _running_row("gone", tmp_path / "m"), _running_row("alive", tmp_path / "n")

    assert worker.reap_lost(now=now) == 1

    gone.refresh_from_db()
    alive.refresh_from_db()
    assert gone.status == TaskResultStatus.FAILED
    assert gone.exception_class_path.endswith("WorkerLost")
    assert alive.status == TaskResultStatus.RUNNING
    assert (tmp_path / "m.lost").read_text() == WORKER_STOPPED  # the task's own clean-up ran, told why


def test_it_fails_a_task_of_a_dead_process_on_this_host_at_once(db, db_tasks, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="dead", host=worker.socket.gethostname(), pid=dead.pid, started_at=now, beat_at=now
    )
    row = _running_row("dead", tmp_path / "m")
    assert worker.reap_lost(now=now) == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_it_fails_a_killed_workers_task_within_a_minute_by_the_schedule(db_tasks, tmp_path):
    """kill -9 a worker in the middle of a task: another worker's schedule fails the task (and runs its clean-up)
    within 60 s, with no page opened; the killed worker's task is never left RUNNING."""
    env = database_env(tmp_path)
    marker = str(tmp_path / "sleep")
    command = [AIDX, "worker", "--interval", "0.2", "--no-reload", "--no-startup-delay", "-v0"]
    first = subprocess.Popen([*command, "--no-schedule"], env=env, start_new_session=True)
    second = None
    try:
        enqueue = f"from aidx.core.tests.worker_tasks import sleep_for; sleep_for.enqueue(600, {marker!r})"
        subprocess.run([AIDX, "shell", "-c", enqueue], env=env, check=True, timeout=60)
        wait(lambda: pathlib.Path(marker + ".started").exists(), 60)
        second = subprocess.Popen(command, env=env, start_new_session=True)
        wait(lambda: pathlib.Path(marker + ".started").exists(), 5)
        time.sleep(2)  # the second worker is up and keeps the schedule
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        took = wait(lambda: pathlib.Path(marker + ".lost").exists(), 60)
        print(f"lost task failed {took:.1f} s after the kill")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
    check = (
        "from django_tasks_db.models import DBTaskResult as R; "
        "print(sorted(R.objects.values_list('status', flat=True).filter(task_path__endswith='sleep_for')))"
    )
    out = subprocess.run(
        [AIDX, "shell", "-v0", "-c", check], env=env, check=True, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "['FAILED']"
