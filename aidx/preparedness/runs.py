"""The worker's side of a simulation run: claim it, build its input (unless re-running a stored one), simulate,
store the output, all through the run's workflow as the system. A lost worker leaves the run failed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from aidx.audit.services import record
from aidx.core.actors import SYSTEM
from aidx.core.database import connection_lost
from aidx.optimize.preparedness import Problem, Result, gaps, simulate
from aidx.preparedness.models import SimulationRun
from aidx.preparedness.problem import build_problem
from aidx.preparedness.workflow import RUN


class Cancelled(Exception):
    pass


def _progress(run_id: int) -> Any:
    def report(phase: str, percent: float) -> None:
        SimulationRun.objects.filter(pk=run_id).update(phase=phase[:60], percent=max(0.0, min(100.0, percent)))
        if SimulationRun.objects.filter(pk=run_id, cancel_requested=True).exists():
            raise Cancelled

    return report


@transaction.atomic
def _system_transition(run_id: int, name: str, **fields: Any) -> SimulationRun | None:
    run = SimulationRun.objects.select_for_update().get(pk=run_id)
    if not RUN.allows(SYSTEM, run, name):
        return None
    before = {"status": run.status}
    RUN.advance(run, name)
    for key, value in fields.items():
        setattr(run, key, value)
    run.save(update_fields=["status", *fields])
    record(actor=SYSTEM, action=f"simrun.{name}", target=run, before=before, after={"status": run.status})
    return run


def run_execute(run_id: int) -> SimulationRun:
    if _system_transition(run_id, "claim", started_at=timezone.now(), phase="build") is None:
        return SimulationRun.objects.get(pk=run_id)
    run = SimulationRun.objects.select_related("plan", "scenario", "created_by").get(pk=run_id)
    report = _progress(run_id)
    try:
        report("build", 1)
        document = run.problem or build_problem(run)
        SimulationRun.objects.filter(pk=run_id).update(problem=document)
        problem = Problem.from_json(document)
        result = simulate(problem, runs=run.runs, seed=run.seed, progress=report)
        output = result_to_json(problem, result, start=run.scenario.start.isoformat())
    except Cancelled:
        _system_transition(run_id, "stop", finished_at=timezone.now())
        return SimulationRun.objects.get(pk=run_id)
    except Exception as error:  # the run records what went wrong; the worker goes on
        if connection_lost(error):
            raise  # the worker fails the run once the database answers again (aidx/core/worker.py)
        _system_transition(run_id, "fail", finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000])
        return SimulationRun.objects.get(pk=run_id)
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        if run.cancel_requested:
            return _system_transition(run_id, "stop", finished_at=timezone.now()) or run
        SimulationRun.objects.filter(pk=run_id).update(result=output)
        _system_transition(run_id, "succeed", phase="done", percent=100, finished_at=timezone.now())
    return SimulationRun.objects.get(pk=run_id)


def run_lost(run_id: int, *, reason: str) -> None:
    """The worker running this run stopped or lost the database (aidx/core/worker.py): the run fails with the
    reason, and can be run again."""
    _system_transition(run_id, "fail", finished_at=timezone.now(), error=reason)


def _num(a: np.ndarray, digits: int = 0) -> Any:
    """Plain JSON numbers: rounded, NaN as None."""
    if np.ndim(a) == 0:
        value = float(a)
        return None if math.isnan(value) else round(value, digits) if digits else round(value)
    return [_num(x, digits) for x in a]


def _bands(values: np.ndarray) -> dict[str, float]:
    p10, p50, p90 = np.percentile(values, (10, 50, 90))
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90)}


def result_to_json(problem: Problem, result: Result, *, start: str) -> dict[str, Any]:
    """The stored output: medians per nation × item × week, bands for the charts, the gaps and the headline."""
    first = result.first_p1_unmet_day
    hit = first[first >= 0]
    return {
        "start": start,
        "nations": list(result.nations),
        "items": list(result.resources),
        "priority": [r.priority for r in problem.resources],
        "durable": [r.durable for r in problem.resources],
        "weeks": result.weeks,
        "step_days": result.step_days,
        "runs": result.runs,
        "seed": result.seed,
        "demand": _num(result.demand[1]),
        "covered": _num(result.covered[1]),
        "shortfall": _num(result.shortfall[1]),
        "item_shortfall": _num(result.item_shortfall),
        "coverage": _num(result.coverage[1], 3),
        "days_of_cover": _num(result.days_of_cover),
        "first_p1_unmet": {**(_bands(hit) if hit.size else {}), "share_of_runs": hit.size / max(first.size, 1)},
        "unmet_share": _bands(result.unmet_share),
        "p1_unmet_share": _bands(result.p1_unmet_share),
        "airlift": {"needed": _num(result.airlift_needed_t, 1), "pledged": _num(result.airlift_pledged_t, 1)},
        "gaps": [
            {
                "item": g.resource,
                "priority": g.priority,
                "quantity": int(g.quantity),
                "by_day": g.by_day,
                "nations": list(g.nations),
            }
            for g in gaps(problem, result)
        ],
        "seconds": round(float(result.stats.get("seconds", 0.0)), 3),
    }
