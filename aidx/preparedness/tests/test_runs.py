"""Simulation runs on the worker: the exact input is what the runner may see; results are stored and reproducible."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError

from aidx.core.errors import BusinessError
from aidx.core.schedule import DATABASE_LOST
from aidx.preparedness import runs, services
from aidx.preparedness.models import SimulationRun


def _run(prep, user, **kw):
    run = services.run_start(actor=user, plan=prep.plan, scenario=prep.wave, runs=kw.pop("runs", 20), **kw)
    return runs.run_execute(run.pk)


def test_it_runs_on_the_worker_and_stores_input_and_output(prep):
    run = _run(prep, prep.world.coordinator, seed=3)
    assert run.status == SimulationRun.Status.SUCCEEDED and run.percent == 100
    assert run.result["nations"] == ["ITA", "ESP"] and run.result["items"] == ["ventilator", "mask-ffp2"]
    sources = {s["id"] for s in run.problem["sources"]}
    assert sources == {f"pledge:{p.pk}" for p in (prep.spain_open, prep.italy_allies, prep.spain_bilateral)}
    assert run.problem["own_stock"] == [["ITA", "ventilator", 17.0]]
    again = services.run_start(
        actor=prep.world.coordinator, plan=prep.plan, scenario=prep.wave, runs=20, seed=3, rerun_of=run, exact=True
    )
    again = runs.run_execute(again.pk)
    assert again.problem == run.problem and again.result["shortfall"] == run.result["shortfall"]


def test_a_nations_run_sees_only_what_that_nation_may_see(prep):
    run = _run(prep, prep.world.partner)  # Australia: a partner
    sources = {s["id"] for s in run.problem["sources"]}
    assert sources == {f"pledge:{prep.spain_open.pk}"}  # not Italy's (allies only), not Spain's bilateral to Italy
    assert run.problem["own_stock"] == []  # Italy's declared stock is the centre's to see
    assert run.problem["fund_cash_minor"] == 0
    italy = _run(prep, prep.world.ally_a)
    assert {s["id"] for s in italy.problem["sources"]} == sources | {
        f"pledge:{prep.italy_allies.pk}",
        f"pledge:{prep.spain_bilateral.pk}",
    }
    # a bilateral pledge serves only the nations it is released to (and never its owner)
    bilateral = next(s for s in italy.problem["sources"] if s["id"] == f"pledge:{prep.spain_bilateral.pk}")
    assert bilateral["serves"] == ["ITA"]


def test_it_cancels_a_queued_run_and_a_running_one_at_its_next_report(prep):
    run = services.run_start(actor=prep.world.coordinator, plan=prep.plan, scenario=prep.wave, runs=5)
    services.run_cancel(actor=prep.world.coordinator, run=run)
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.CANCELLED
    assert runs.run_execute(run.pk).status == SimulationRun.Status.CANCELLED  # the worker finds it cancelled
    running = services.run_start(actor=prep.world.coordinator, plan=prep.plan, scenario=prep.wave, runs=5)
    SimulationRun.objects.filter(pk=running.pk).update(status="running", cancel_requested=True)
    SimulationRun.objects.filter(pk=running.pk).update(status="queued")  # claimed, then asked to stop
    assert runs.run_execute(running.pk).status == SimulationRun.Status.CANCELLED


def test_a_run_that_loses_the_database_leaves_it_to_the_worker(prep, monkeypatch):
    """The run's catch-all does not record a lost connection as its own error: the worker fails the run in words
    once the database answers (aidx/core/worker.py; the same path as a match run, proved end to end there)."""
    lost = OperationalError("terminating connection due to administrator command")
    lost.__cause__ = psycopg.errors.AdminShutdown("terminating connection due to administrator command")

    def lose(*args, **kwargs):
        raise lost

    monkeypatch.setattr(runs, "build_problem", lose)
    run = services.run_start(actor=prep.world.coordinator, plan=prep.plan, scenario=prep.wave, runs=5)
    with pytest.raises(OperationalError):
        runs.run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.RUNNING and run.error == ""
    runs.run_lost(run.pk, reason=DATABASE_LOST)  # what the worker calls then
    run.refresh_from_db()
    assert (run.status, run.error) == (SimulationRun.Status.FAILED, DATABASE_LOST)


def test_it_refuses_bad_run_input_all_at_once(prep):
    with pytest.raises(BusinessError) as caught:
        services.run_start(actor=prep.world.coordinator, plan=prep.plan, scenario=prep.wave, runs=5001, seed="x")
    assert "At most 5000 runs" in str(caught.value) and "seed" in str(caught.value)
    assert not SimulationRun.objects.exists()


def test_another_nation_cannot_see_or_cancel_a_run(prep):
    from django.http import Http404

    from aidx.preparedness import selectors

    run = services.run_start(actor=prep.world.ally_a, plan=prep.plan, scenario=prep.wave, runs=5)
    for other in (prep.world.ally_b, prep.world.partner, prep.world.outsider):
        assert not selectors.runs(other).exists()
        with pytest.raises(Http404):
            selectors.run(other, run.pk)
    assert selectors.runs(prep.world.coordinator).get() == run
