"""A coordinator's writes on match runs: start one (the worker builds and solves it, see runs.py), cancel it,
review its proposals, publish them through the exchange.

The problem is written in the engine's documented JSON format (docs/allocation-format.md) and stored
with the run, so any run can be re-run exactly, in the platform or with `aidx optimize allocate`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import Role, User
from aidx.assistance import services as exchange
from aidx.audit.services import record, snapshot
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.matching.models import MatchRun
from aidx.matching.tasks import execute_match_run
from aidx.matching.workflow import MATCH_RUN


def _require_coordinator(actor: User) -> None:
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only a coordinator can run the matching."))


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
    transaction.on_commit(lambda: execute_match_run.enqueue(run.pk))
    return run


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
