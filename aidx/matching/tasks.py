from __future__ import annotations

from django_tasks import task

from aidx.matching.services import run_execute


@task()
def execute_match_run(run_id: int) -> str:
    """Runs on the worker: build, solve and store one match run."""
    return run_execute(run_id).status
