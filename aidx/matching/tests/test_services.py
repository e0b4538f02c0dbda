from __future__ import annotations

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from aidx.assistance import services as exchange_services
from aidx.assistance.models import Allocation
from aidx.audit.models import AuditEntry
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.core.worker import reap_lost
from aidx.matching import runs, selectors, services
from aidx.matching.models import MatchRun, Proposal
from aidx.optimize.allocation import solve
from aidx.optimize.allocation.cli import problem_from_json


def _run(exchange, capture, **kwargs):
    with capture(execute=True):
        run = services.run_start(actor=exchange.world.coordinator, time_limit=30, **kwargs)
    run.refresh_from_db()
    return run


def test_it_matches_the_most_urgent_need_first_and_publishes_through_the_exchange(
    exchange, django_capture_on_commit_callbacks
):
    w = exchange.world
    urgent = exchange.request(lines=(("mask-surgical", 500),), priority=1)
    routine = exchange.request(user=w.partner, lines=(("mask-surgical", 500),), priority=4)
    exchange.offer(lines=(("mask-surgical", 600),))
    run = _run(exchange, django_capture_on_commit_callbacks)
    assert run.status == MatchRun.Status.SUCCEEDED, run.error
    assert run.result["certificate"]["verified"] is True
    given = {p.request_line.request_id: p.quantity for p in selectors.proposals(run)}
    assert given == {urgent.pk: 500, routine.pk: 100}
    assert services.run_publish(actor=w.coordinator, run=run) == 2
    allocations = Allocation.objects.filter(match_run_id=run.pk)
    assert allocations.count() == 2 and set(allocations.values_list("status", flat=True)) == {"proposed"}
    run.refresh_from_db()
    assert run.status == MatchRun.Status.PUBLISHED


def test_it_respects_releasability_in_both_directions(exchange, django_capture_on_commit_callbacks):
    w = exchange.world
    partner_request = exchange.request(user=w.partner, lines=(("mask-surgical", 100),))
    exchange.offer(lines=(("mask-surgical", 100),), releasability="allies")  # partners may not see it
    allies_request = exchange.request(lines=(("mask-surgical", 100),), releasability="allies")
    exchange.offer(user=w.partner, lines=(("mask-surgical", 100),))  # a partner's offer, Italy allies-only
    run = _run(exchange, django_capture_on_commit_callbacks)
    pairs = {(p.offer_line.offer.owner_nation_id, p.request_line.request_id) for p in selectors.proposals(run)}
    assert ("ESP", partner_request.pk) not in pairs
    assert ("AUS", allies_request.pk) not in pairs
    assert ("ESP", allies_request.pk) in pairs


def test_it_never_proposes_a_declined_pair_again_nor_a_refused_substitute(exchange, django_capture_on_commit_callbacks):
    w = exchange.world
    request = exchange.request(lines=(("mask-surgical", 100),))
    offer = exchange.offer(lines=(("mask-surgical", 100),))
    allocation = exchange_services.allocation_propose(
        actor=w.coordinator, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=100
    )
    exchange_services.allocation_decline(actor=w.ally_a, allocation=allocation, reason="wrong size")
    strict = exchange.request(submit=False, lines=(("mask-surgical", 50),))
    strict.lines.update(substitutes_ok=False)
    exchange_services.request_submit(actor=w.ally_a, request=strict)
    exchange.offer(lines=(("mask-ffp2", 50),))
    run = _run(exchange, django_capture_on_commit_callbacks)
    assert not selectors.proposals(run).filter(request_line__request=request, offer_line__offer=offer).exists()
    assert (
        not selectors.proposals(run).filter(request_line__request=strict, offer_line__item__code="mask-ffp2").exists()
    )


def test_it_stores_the_exact_input_so_a_run_can_be_repeated(exchange, django_capture_on_commit_callbacks):
    exchange.request()
    exchange.offer()
    run = _run(exchange, django_capture_on_commit_callbacks)
    again = solve(problem_from_json(run.problem), mode=run.mode, seed=run.seed)
    assert again.kg_km == run.result["objective"]["kg_km"]
    with django_capture_on_commit_callbacks(execute=True):
        rerun = services.run_start(actor=exchange.world.coordinator, rerun_of=run)
    rerun.refresh_from_db()
    assert rerun.problem == run.problem and rerun.result["objective"] == run.result["objective"]


def test_it_lets_the_coordinator_drop_lines_before_publishing(exchange, django_capture_on_commit_callbacks):
    w = exchange.world
    exchange.request()
    exchange.request(user=w.partner)
    exchange.offer(lines=(("mask-surgical", 2000),))
    run = _run(exchange, django_capture_on_commit_callbacks)
    first = run.proposals.first()
    services.proposal_drop(actor=w.coordinator, run=run, proposal_ids=[first.pk])
    review = selectors.review(run)
    assert (review.kept, review.dropped) == (1, 1)
    assert services.run_publish(actor=w.coordinator, run=run) == 1
    first.refresh_from_db()
    assert first.allocation_id is None


def test_it_refuses_a_stale_publication_and_writes_nothing(exchange, django_capture_on_commit_callbacks):
    w = exchange.world
    request = exchange.request(lines=(("mask-surgical", 100),))
    offer = exchange.offer(lines=(("mask-surgical", 100),))
    run = _run(exchange, django_capture_on_commit_callbacks)
    exchange_services.allocation_propose(
        actor=w.ally_b, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=100
    )
    with pytest.raises(BusinessError) as error:
        services.run_publish(actor=w.coordinator, run=run)
    assert error.value.code == "stale_run"
    assert Allocation.objects.filter(match_run_id=run.pk).count() == 0


def test_it_lets_only_coordinators_run_and_publish(exchange):
    with pytest.raises(PermissionDenied):
        services.run_start(actor=exchange.world.ally_a)
    with pytest.raises(BusinessError):
        services.run_start(actor=exchange.world.coordinator, mode="random")


def test_it_fails_a_run_whose_worker_died_by_the_schedule_and_leaves_no_proposals(exchange):
    run = MatchRun.objects.create(
        created_by=exchange.world.coordinator, as_of=timezone.localdate(), status=MatchRun.Status.RUNNING
    )
    DBTaskResult.objects.create(
        task_path="aidx.matching.tasks.execute_match_run",
        args_kwargs={"args": [run.pk], "kwargs": {}},
        status=TaskResultStatus.RUNNING,
        worker_ids=["a-worker-that-never-beat"],
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )
    client_view = MatchRun.objects.get(pk=run.pk)  # reading changes nothing: no reaping in GET requests
    assert client_view.status == MatchRun.Status.RUNNING
    assert reap_lost() == 1
    run.refresh_from_db()
    assert run.status == MatchRun.Status.FAILED and "worker stopped" in run.error
    assert not Proposal.objects.filter(run=run).exists()
    assert AuditEntry.objects.filter(action="matchrun.fail", actor_name="system", target_id=str(run.pk)).exists()


def test_it_cancels_a_running_run_at_the_next_progress_report(exchange):
    exchange.request()
    exchange.offer()
    run = MatchRun.objects.create(created_by=exchange.world.coordinator, as_of=timezone.localdate())
    MatchRun.objects.filter(pk=run.pk).update(cancel_requested=True)
    run = runs.run_execute(run.pk)
    assert run.status == MatchRun.Status.CANCELLED and not run.proposals.exists()


def test_it_solves_a_large_run_in_worker_processes_with_the_same_proposals(
    exchange, django_capture_on_commit_callbacks, monkeypatch, settings
):
    # two items that cannot substitute for each other are two families: above PARALLEL_MIN_LINES they are
    # solved in forked workers (AIDX_MATCH_WORKERS), and the run stores exactly what one process finds
    from aidx.optimize.allocation import solver

    w = exchange.world
    exchange.request(lines=(("mask-surgical", 500), ("ventilator", 8)), priority=1)
    exchange.request(user=w.partner, lines=(("mask-surgical", 300), ("ventilator", 4)), priority=3)
    exchange.offer(lines=(("mask-surgical", 600), ("ventilator", 10)))
    settings.AIDX_MATCH_WORKERS = 1
    one = _run(exchange, django_capture_on_commit_callbacks)
    calls = []
    real_pipeline = solver._priority_pipeline

    def spy(problem, progress, t0, time_limit, workers, solver_name):
        calls.append((workers, len(solver.family_parts(problem))))
        return real_pipeline(problem, progress, t0, time_limit, workers, solver_name)

    monkeypatch.setattr(solver, "PARALLEL_MIN_LINES", 0)
    monkeypatch.setattr(solver, "_priority_pipeline", spy)
    settings.AIDX_MATCH_WORKERS = 2
    two = _run(exchange, django_capture_on_commit_callbacks)
    assert calls == [(2, 2)]
    assert one.status == two.status == MatchRun.Status.SUCCEEDED, (one.error, two.error)
    assert one.result["allocations"] == two.result["allocations"] and one.result["allocations"]
