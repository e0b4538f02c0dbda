from __future__ import annotations

from django_tasks import task

from aidx.core.schedule import on_lost
from aidx.logistics.planning import plan_run_execute, plan_run_lost


@task()
def run_planner(run_id: int) -> str:
    """Plan missions for a queued planner run; progress and the outcome are stored on the run."""
    return plan_run_execute(run_id)


on_lost(run_planner)(plan_run_lost)
