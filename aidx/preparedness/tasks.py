"""Background work of preparedness: simulation runs on the worker, and the daily expiry of pledges."""

from __future__ import annotations

from django_tasks import task

from aidx.core.schedule import on_lost, scheduled
from aidx.preparedness import services
from aidx.preparedness.runs import run_execute, run_lost


@task()
def execute_simulation(run_id: int) -> str:
    """Runs on the worker: build, simulate and store one simulation run."""
    return run_execute(run_id).status


on_lost(execute_simulation)(run_lost)


@scheduled(cron="15 0 * * *")
@task()
def pledges_daily() -> int:
    """Pledges on standby past their validity expire. Returns how many."""
    return services.pledges_expire()
