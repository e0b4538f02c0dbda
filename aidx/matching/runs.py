"""The worker's side of a match run: claim it, build and solve its problem, store the proposals, all through the
run's workflow as the system. A worker lost half-way leaves no partial proposals: `run_lost` fails the run."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aidx.audit.services import record
from aidx.core.actors import SYSTEM
from aidx.core.database import connection_lost, retrying
from aidx.matching import reasons
from aidx.matching.models import MatchRun, Proposal
from aidx.matching.problem import build_problem
from aidx.matching.workflow import MATCH_RUN
from aidx.optimize.allocation import solve
from aidx.optimize.allocation.cli import excluded_causes, problem_from_json, result_to_json


class Cancelled(Exception):
    pass


def _progress(run_id: int) -> Any:
    def report(phase: str, percent: float) -> None:
        # Each report is its own small write, visible to the page at once; it also carries the cancel flag.
        MatchRun.objects.filter(pk=run_id).update(phase=phase[:60], percent=max(0.0, min(100.0, percent)))
        if MatchRun.objects.filter(pk=run_id, cancel_requested=True).exists():
            raise Cancelled

    return report


def match_workers() -> int:
    """Processes a large run's substitution families are solved in (setting AIDX_MATCH_WORKERS; by default
    one per core, at most 2). Small runs stay in the task worker's own process whatever this says."""
    return settings.AIDX_MATCH_WORKERS


@transaction.atomic
def _system_transition(run_id: int, name: str, *, note: dict[str, Any] | None = None, **fields: Any) -> MatchRun | None:
    """Move a run as the system (the worker), through the run's workflow table; None if it may not move now
    (a coordinator cancelled it first). `note` adds to the audit entry."""
    run = MatchRun.objects.select_for_update().get(pk=run_id)
    if not MATCH_RUN.allows(SYSTEM, run, name):
        return None
    before = {"status": run.status}
    MATCH_RUN.advance(run, name)
    for key, value in fields.items():
        setattr(run, key, value)
    run.save(update_fields=["status", *fields])
    after = {"status": run.status, **({"error": run.error} if "error" in fields else {}), **(note or {})}
    record(actor=SYSTEM, action=f"matchrun.{name}", target=run, before=before, after=after)
    return run


def run_execute(run_id: int) -> MatchRun:
    """Build (unless re-running a stored input), solve, and store proposals in one transaction at the end,
    so a worker killed half-way leaves no partial proposals."""
    if _system_transition(run_id, "claim", started_at=timezone.now(), phase="build") is None:
        return MatchRun.objects.get(pk=run_id)
    run = MatchRun.objects.get(pk=run_id)
    report = _progress(run_id)
    try:
        report("build", 1)
        document = run.problem or build_problem(run)
        MatchRun.objects.filter(pk=run_id).update(problem=document)
        report("solve", 5)
        problem = problem_from_json(document)
        result = solve(
            problem,
            mode=run.mode,
            time_limit=run.time_limit,
            seed=run.seed,
            progress=lambda phase, percent: report(phase, 5 + 0.9 * percent),
            workers=match_workers(),
        )
        output = reasons.complete(run, result_to_json(problem, result, excluded_why=excluded_causes(document)))
        report("store", 96)
        distances = _ton_km(document)
        retrying(lambda: _store(run_id, output, distances))
    except Cancelled:
        _system_transition(run_id, "stop", finished_at=timezone.now())
        return MatchRun.objects.get(pk=run_id)
    except Exception as error:  # the run records what went wrong; the worker goes on
        if connection_lost(error):
            raise  # the worker fails the run once the database answers again (aidx/core/worker.py)
        message = f"{type(error).__name__}: {error}"[:2000]
        _system_transition(run_id, "fail", finished_at=timezone.now(), error=message)
        return MatchRun.objects.get(pk=run_id)
    return MatchRun.objects.get(pk=run_id)


def _store(run_id: int, output: dict[str, Any], distances: Any) -> None:
    """The run's proposals and result, and its move to "ready for review", in one transaction (or its stop, when
    it was cancelled meanwhile). Proposals lock the lines they name for a moment (foreign
    keys), as proposals made by hand do: PostgreSQL may break a deadlock between them by aborting this one, which
    `retrying` then tries again."""
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().get(pk=run_id)
        if run.cancel_requested:
            _system_transition(run_id, "stop", finished_at=timezone.now())
            return
        Proposal.objects.bulk_create(
            [
                Proposal(
                    run=run,
                    offer_line_id=row["offer"],
                    request_line_id=row["request"],
                    quantity=row["quantity"],
                    ton_km=distances(row["offer"], row["request"]) * row["quantity"],
                )
                for row in output["allocations"]
                if not row["fixed"]
            ],
            batch_size=5000,
        )
        MatchRun.objects.filter(pk=run_id).update(result=output)
        note = {
            "solver": output["status"],
            "allocations": len(output["allocations"]),
            "ton_km": output["objective"]["ton_km"],
        }
        _system_transition(run_id, "succeed", note=note, phase="done", percent=100, finished_at=timezone.now())


def run_lost(run_id: int, *, reason: str) -> None:
    """The worker running this run stopped or lost the database (aidx/core/worker.py): the run fails with the
    reason, and can be run again."""
    _system_transition(run_id, "fail", finished_at=timezone.now(), error=reason)


def _ton_km(document: dict[str, Any]) -> Any:
    """Tonne-kilometres per unit for an (offer line, request line) pair, from the stored input."""
    from aidx.optimize.allocation.feasibility import haversine_km

    sites = {s["id"]: (s["lat"], s["lon"]) for s in document["sites"]}
    weight = {i["id"]: i["unit_weight_kg"] for i in document["items"]}
    offers = {o["id"]: o for o in document["offers"]}
    requests = {r["id"]: r for r in document["requests"]}

    def per_unit(offer_id: int, request_id: int) -> float:
        offer, request = offers[offer_id], requests[request_id]
        (lat1, lon1), (lat2, lon2) = sites[offer["site"]], sites[request["site"]]
        return weight[offer["item"]] / 1000 * float(haversine_km(*map(np.asarray, (lat1, lon1, lat2, lon2))))

    return per_unit
