"""Match runs: build the engine's problem from the exchange, solve it on the worker, store it, publish it.

The problem is written in the engine's documented JSON format (docs/allocation-format.md) and stored
with the run, so any run can be re-run exactly, in the platform or with `aidx optimize allocate`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aidx.accounts.models import Role, User
from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Substitution
from aidx.core.actors import SYSTEM
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.matching.models import MatchRun, Proposal
from aidx.matching.workflow import MATCH_RUN
from aidx.nations.models import Membership
from aidx.nations.policy import Releasability
from aidx.optimize.allocation import solve
from aidx.optimize.allocation.cli import problem_from_json, result_to_json


class Cancelled(Exception):
    pass


def _require_coordinator(actor: User) -> None:
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only a coordinator can run the matching."))


def _party(record: Any) -> str:
    """The engine's name for a record's owner: a nation code, or org:<code> for an organisation."""
    return record.owner_nation_id or f"org:{record.owner_organisation.code}"


def _standings(on: dt.date) -> dict[str, str]:
    live = Membership.objects.filter(valid_from__lte=on).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=on))
    result = {m.nation_id: m.kind for m in live.filter(nation__isnull=False) if m.nation_id is not None}
    result.update(
        {
            f"org:{m.organisation.code}": m.kind
            for m in live.filter(organisation__isnull=False).select_related("organisation")
            if m.organisation is not None
        }
    )
    return result


def _readers(record: Any, standings: dict[str, str]) -> set[str]:
    """Parties that may see `record` on the run's day (the same rule as nations.policy, for whole sets)."""
    if record.releasability == Releasability.NAMED:
        readers = {n.code for n in record.release_to.all()}
    elif record.releasability == Releasability.ALLIES:
        readers = {p for p, kind in standings.items() if kind == Membership.Kind.ALLY}
    else:
        readers = set(standings)
    return readers | {_party(record)}


def _remaining(lines: Any) -> Any:
    live = Coalesce(Sum("allocations__quantity", filter=Q(allocations__status__in=Allocation.LIVE)), 0)
    return lines.annotate(live=live)


def build_problem(run: MatchRun) -> dict[str, Any]:
    """The engine's input for the run's scope, as of its day: what is still needed and still offered."""
    scope, today = run.scope or {}, run.as_of
    standings = _standings(today)
    requests = AssistanceRequest.objects.filter(status__in=("submitted", "partially_met"), needed_by__gte=today)
    if scope.get("incident"):
        requests = requests.filter(incident=scope["incident"])
    if scope.get("nations"):
        requests = requests.filter(owner_nation_id__in=scope["nations"])
    request_lines = _remaining(
        RequestLine.objects.filter(request__in=requests, item__isnull=False).select_related(
            "request__owner_organisation", "request__delivery_site", "item"
        )
    )
    if scope.get("items"):
        request_lines = request_lines.filter(item__code__in=scope["items"])
    offers = Offer.objects.filter(status__in=("open", "partially_allocated"))
    offer_lines = _remaining(
        OfferLine.objects.filter(offer__in=offers, item__isnull=False, origin_site__isnull=False)
        .filter(Q(available_until__isnull=True) | Q(available_until__gte=today))
        .select_related("offer__owner_organisation", "origin_site", "item")
    )
    sites: dict[str, dict[str, Any]] = {}
    items: dict[str, dict[str, Any]] = {}

    def site(s: Any) -> str:
        sites.setdefault(s.code, {"id": s.code, "lat": float(s.latitude), "lon": float(s.longitude)})
        return s.code

    def item(i: Any) -> str:
        items.setdefault(i.code, {"id": i.code, "unit_weight_kg": float(i.unit_weight_kg)})
        return i.code

    request_rows, strict, restricted = [], [], []
    request_cache: dict[int, Any] = {}
    for line in request_lines:
        left = line.quantity - line.live
        if left <= 0:
            continue
        request = line.request
        request_rows.append(
            {
                "id": line.pk,
                "nation": _party(request),
                "item": item(line.item),
                "quantity": left,
                "priority": request.priority,
                "needed_by": request.needed_by.isoformat(),
                "site": site(request.delivery_site),
            }
        )
        if not line.substitutes_ok:
            strict.append(line)
        if request.releasability != Releasability.ALLIES_AND_PARTNERS:
            if request.pk not in request_cache:
                request_cache[request.pk] = _readers(request, standings)
            restricted.append((line, request_cache[request.pk]))
    offer_rows, offer_party, offer_item = [], {}, {}
    offer_cache: dict[int, list[str]] = {}
    for line in offer_lines:
        left = line.quantity - line.live
        if left <= 0:
            continue
        offer = line.offer
        if offer.pk not in offer_cache:
            offer_cache[offer.pk] = sorted(_readers(offer, standings))
        offer_rows.append(
            {
                "id": line.pk,
                "nation": _party(offer),
                "item": item(line.item),
                "quantity": left,
                "available_from": max(line.available_from, today).isoformat(),
                "available_until": (line.available_until or today + dt.timedelta(days=3650)).isoformat(),
                "site": site(line.origin_site),
                "releasable_to": offer_cache[offer.pk],
            }
        )
        offer_party[line.pk], offer_item[line.pk] = _party(offer), line.item.code
    substitutions: list[dict[str, Any]] = [
        {"offered": s.substitute.code, "requested": s.item.code, "penalty": s.penalty}
        for s in Substitution.objects.select_related("item", "substitute")
        if s.item.code in items or s.substitute.code in items
    ]
    for entry in substitutions:
        items.setdefault(entry["offered"], {"id": entry["offered"], "unit_weight_kg": 1.0})
        items.setdefault(entry["requested"], {"id": entry["requested"], "unit_weight_kg": 1.0})
    by_item: dict[str, list[int]] = defaultdict(list)
    for pk, code in offer_item.items():
        by_item[code].append(pk)
    serves: dict[str, set[str]] = defaultdict(set)
    for entry in substitutions:
        serves[entry["requested"]].add(entry["offered"])
    # Pairs the engine cannot see as infeasible: a request line that takes no substitutes, and a request
    # not releasable to the offering party (the engine only knows an offer's releasability).
    excluded: set[tuple[int, int]] = set()
    for line in strict:
        for code in serves[line.item.code]:
            excluded.update((offer_pk, line.pk) for offer_pk in by_item[code])
    for line, readers in restricted:
        for code in {line.item.code, *serves[line.item.code]}:
            excluded.update((pk, line.pk) for pk in by_item[code] if offer_party[pk] not in readers)
    # Pairs declined before are not proposed again.
    excluded.update(
        Allocation.objects.filter(
            status=Allocation.Status.DECLINED,
            request_line_id__in=[r["id"] for r in request_rows],
            offer_line_id__in=list(offer_party),
        ).values_list("offer_line_id", "request_line_id")
    )
    return {
        "params": {"base_days": 1, "km_per_day": 2000, "today": today.isoformat()},
        "sites": list(sites.values()),
        "items": list(items.values()),
        "substitutions": substitutions,
        "requests": request_rows,
        "offers": offer_rows,
        "excluded": [{"offer": o, "request": r} for o, r in sorted(excluded)],
    }


@transaction.atomic
def run_start(
    *,
    actor: User,
    mode: str = MatchRun.Mode.PRIORITY,
    scope: dict[str, Any] | None = None,
    seed: int = 0,
    time_limit: float = 60,
    rerun_of: MatchRun | None = None,
) -> MatchRun:
    """Queue a run; the worker builds and solves it (see tasks.py). A re-run solves the same stored input."""
    _require_coordinator(actor)
    if rerun_of is not None:
        MATCH_RUN.check(actor, rerun_of, "rerun")
    if mode not in MatchRun.Mode.values:
        raise BusinessError(_("Unknown mode: %(value)s.") % {"value": mode}, field="mode")
    if not 0 < time_limit <= 3600:
        raise BusinessError(_("The time limit must be between 1 second and 1 hour."), field="time_limit")
    scope = {key: value for key, value in (scope or {}).items() if value}
    unknown = set(scope) - {"incident", "items", "nations", "scenario"}
    if unknown:
        raise BusinessError(_("Unknown scope: %(value)s.") % {"value": ", ".join(sorted(unknown))}, field="scope")
    run = MatchRun.objects.create(
        mode=mode,
        scope=scope,
        seed=seed,
        time_limit=time_limit,
        created_by=actor,
        as_of=timezone.localdate(),
        rerun_of=rerun_of,
    )
    if rerun_of is not None:
        run.problem, run.as_of = rerun_of.problem, rerun_of.as_of
        run.save(update_fields=["problem", "as_of"])
    record(actor=actor, action="matchrun.start", target=run, after=snapshot(run, exclude=("problem", "result")))
    from aidx.matching.tasks import execute_match_run

    transaction.on_commit(lambda: execute_match_run.enqueue(run.pk))
    return run


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
        output = result_to_json(problem, result)
        report("store", 96)
    except Cancelled:
        _system_transition(run_id, "stop", finished_at=timezone.now())
        return MatchRun.objects.get(pk=run_id)
    except Exception as error:  # the run records what went wrong; the worker goes on
        message = f"{type(error).__name__}: {error}"[:2000]
        _system_transition(run_id, "fail", finished_at=timezone.now(), error=message)
        return MatchRun.objects.get(pk=run_id)
    distances = _ton_km(document)
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().get(pk=run_id)
        if run.cancel_requested:
            stopped = _system_transition(run_id, "stop", finished_at=timezone.now())
            return stopped or run
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
    return MatchRun.objects.get(pk=run_id)


def run_lost(run_id: int) -> None:
    """The worker running this run stopped (aidx/core/worker.py): the run fails, and can be run again."""
    _system_transition(
        run_id,
        "fail",
        finished_at=timezone.now(),
        error=gettext_noop("the worker stopped before the run finished"),
    )


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


@transaction.atomic
def run_cancel(*, actor: User, run: MatchRun) -> MatchRun:
    run = MatchRun.objects.select_for_update().get(pk=run.pk)
    MATCH_RUN.check(actor, run, "cancel")
    if run.status == MatchRun.Status.RUNNING:
        run.cancel_requested = True  # the worker stops at its next progress report
    else:
        run.status, run.finished_at = MatchRun.Status.CANCELLED, run.finished_at or timezone.now()
    run.save(update_fields=["status", "finished_at", "cancel_requested"])
    record(actor=actor, action="matchrun.cancel", target=run, after={"status": run.status})
    return run


@transaction.atomic
def proposal_drop(*, actor: User, run: MatchRun, proposal_ids: list[int], dropped: bool = True) -> int:
    run = MatchRun.objects.select_for_update().get(pk=run.pk)
    MATCH_RUN.check(actor, run, "drop" if dropped else "keep")
    changed = run.proposals.filter(pk__in=proposal_ids).exclude(dropped=dropped).update(dropped=dropped)
    record(
        actor=actor,
        action="matchrun.drop" if dropped else "matchrun.keep",
        target=run,
        after={"proposals": sorted(proposal_ids)},
    )
    return changed


@transaction.atomic
def run_publish(*, actor: User, run: MatchRun) -> int:
    """Turn the kept proposals into proposed allocations through the exchange's own service, all or none:
    every invariant and need-to-know rule is checked again, exactly as for a hand-made proposal."""
    run = MatchRun.objects.select_for_update().get(pk=run.pk)
    MATCH_RUN.check(actor, run, "publish")
    made = 0
    for proposal in run.proposals.filter(dropped=False).order_by("id"):
        try:
            allocation = exchange.allocation_propose(
                actor=actor,
                offer_line=proposal.offer_line_id,
                request_line=proposal.request_line_id,
                quantity=proposal.quantity,
                match_run_id=run.pk,
            )
        except BusinessError as error:
            raise BusinessError(
                _("Proposal %(n)s can no longer be made (%(reason)s). Re-run the matching.")
                % {"n": proposal.pk, "reason": error.message},
                code="stale_run",
            ) from None
        proposal.allocation_id = allocation.pk
        proposal.save(update_fields=["allocation_id"])
        made += 1
    MATCH_RUN.advance(run, "publish")
    run.published_at = timezone.now()
    run.save(update_fields=["status", "published_at"])
    record(actor=actor, action="matchrun.publish", target=run, after={"allocations": made})
    return made
