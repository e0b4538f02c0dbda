from __future__ import annotations

from django_tasks import task

from aidx.core.schedule import on_lost
from aidx.matching.runs import run_execute, run_lost


@task()
def execute_match_run(run_id: int) -> str:
    """Runs on the worker: build, solve and store one match run."""
    return run_execute(run_id).status


on_lost(execute_match_run)(run_lost)
