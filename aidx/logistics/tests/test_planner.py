"""The planner in the platform: a run on the task worker (ImmediateBackend here), progress, cancel, review and
approval into missions; and the covid-2020 Turkish A400M trip coming out of it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from aidx.assistance import services as exchange
from aidx.assistance.services import LineInput
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.logistics import planning
from aidx.logistics.models import Mission, PlanRun
from aidx.nations.services import nation_set_home_site

UTC = dt.UTC


def start(actor, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        run = planning.plan_run_start(actor=actor, time_limit=1, **kwargs)
    return PlanRun.objects.get(pk=run.pk)


def test_it_runs_the_planner_on_the_worker_and_approves_the_proposal(airlift, django_capture_on_commit_callbacks):
    (ventilators,) = airlift.accepted((("ventilator", 100),))
    run = start(airlift.spain_log, django_capture_on_commit_callbacks)
    assert run.status == "succeeded", run.error
    assert (run.phase, run.percent) == ("done", 100)
    (proposed,) = run.proposal["missions"]
    (load,) = proposed["loads"]
    assert (load["allocation"], load["quantity"]) == (ventilators.pk, 100)
    assert proposed["legs"][load["board"] - 1]["origin"] == "madrid"
    assert proposed["legs"][load["unload"] - 1]["destination"] == "rome"
    assert proposed["legs"][0]["origin"] == proposed["legs"][-1]["destination"]  # home and back
    (mission,) = planning.plan_run_approve(actor=airlift.spain_log, run=run)
    assert mission.status == Mission.Status.APPROVED and mission.plan_run_id == run.pk
    assert mission.loads.get().kg == 4500
    with pytest.raises(BusinessError):
        planning.plan_run_approve(actor=airlift.spain_log, run=run)  # once only
    again = start(airlift.spain_log, django_capture_on_commit_callbacks)
    assert again.proposal["missions"] == [] and again.proposal["summary"]["shipments"] == 0  # nothing left to fly


def test_it_lets_the_officer_drop_a_load_or_a_mission_before_approving(airlift, django_capture_on_commit_callbacks):
    ventilators, masks = airlift.accepted((("ventilator", 100), ("mask-surgical", 1000)))
    run = start(airlift.spain_log, django_capture_on_commit_callbacks)
    (proposed,) = run.proposal["missions"]
    masks_key = next(ld["key"] for ld in proposed["loads"] if ld["allocation"] == masks.pk)
    planning.plan_run_edit(actor=airlift.spain_log, run=run, drop_loads=[masks_key])
    (mission,) = planning.plan_run_approve(actor=airlift.spain_log, run=run)
    assert list(mission.loads.values_list("allocation_id", flat=True)) == [ventilators.pk]
    other = start(airlift.spain_log, django_capture_on_commit_callbacks)
    planning.plan_run_edit(actor=airlift.spain_log, run=other, drop_missions=[0])
    with pytest.raises(BusinessError):
        planning.plan_run_approve(actor=airlift.spain_log, run=other)
    assert Mission.objects.count() == 1


def test_it_approves_nothing_when_a_proposed_mission_no_longer_fits(airlift, django_capture_on_commit_callbacks):
    (ventilators,) = airlift.accepted((("ventilator", 100),))
    run = start(airlift.spain_log, django_capture_on_commit_callbacks)
    exchange.allocation_cancel(actor=airlift.world.ally_b, allocation=ventilators, reason="sent by road")
    with pytest.raises(BusinessError) as refused:
        planning.plan_run_approve(actor=airlift.spain_log, run=run)
    assert refused.value.code == "not_accepted"
    assert Mission.objects.count() == 0 and PlanRun.objects.get(pk=run.pk).approved_at is None


def test_it_cancels_a_queued_run_and_a_running_one(airlift, monkeypatch):
    airlift.accepted()
    queued = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)  # on_commit never fires in this test
    planning.plan_run_cancel(actor=airlift.spain_log, run=queued)
    assert planning.plan_run_execute(queued.pk) == "skipped"
    assert PlanRun.objects.get(pk=queued.pk).status == "cancelled"

    def cancelled_midway(problem, *, time_limit, seed, progress):
        progress("solve", 10.0)
        PlanRun.objects.filter(pk=running.pk).update(status="cancelled")  # the cancel button, from another request
        progress("solve", 50.0)
        raise AssertionError("the progress callback should have stopped the engine")

    running = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)
    monkeypatch.setattr(planning, "plan", cancelled_midway)
    assert planning.plan_run_execute(running.pk) == "cancelled"
    running.refresh_from_db()
    assert running.status == "cancelled" and running.proposal == {}


def test_it_records_a_failed_run(airlift, monkeypatch):
    def broken(problem, **kwargs):
        raise ValueError("engine exploded")

    monkeypatch.setattr(planning, "plan", broken)
    run = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)
    assert planning.plan_run_execute(run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and "engine exploded" in run.error


def test_it_lets_only_logistics_officers_and_coordinators_plan(airlift):
    with pytest.raises(PermissionDenied):
        planning.plan_run_start(actor=airlift.world.ally_a, time_limit=1)
    with pytest.raises(BusinessError):
        planning.plan_run_start(actor=airlift.spain_log, time_limit=0)
    run = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)
    with pytest.raises(PermissionDenied):
        planning.plan_run_cancel(actor=airlift.italy_log, run=run)


@pytest.mark.urls("aidx.logistics.tests.urls")
def test_it_shows_progress_to_htmx_polling_and_the_proposal_when_done(client, airlift):
    airlift.accepted()
    run = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)
    PlanRun.objects.filter(pk=run.pk).update(status="running", phase="solve", percent=42)
    client.force_login(airlift.spain_log)
    polled = client.get(f"/logistics/planner/{run.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in polled and 'value="42"' in polled and "solving" in polled  # the phase in words
    client.force_login(airlift.italy_log)  # another nation's run: not found
    assert client.get(f"/logistics/planner/{run.pk}/progress/").status_code == 404


def test_it_plans_the_turkish_a400m_trip_of_the_covid_scenario(scenario, django_capture_on_commit_callbacks, settings):
    """Ankara Etimesgut → Torrejón → Rome → Ankara with fresh accepted allocations like those of 2020-04-01."""
    from aidx.accounts.models import User
    from aidx.logistics.scenario import load

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    load(json.loads((settings.BASE_DIR / "scenarios" / "covid-2020" / "logistics.json").read_text()))
    users = {u.username: u for u in User.objects.filter(username__in=["turkey", "italy", "spain"])}
    when = dt.date(2020, 3, 25)
    offer = exchange.offer_create(
        actor=users["turkey"],
        title="Medical supplies by A400M (replay)",
        lines=[
            LineInput(item=code, quantity=qty, available_from=dt.date(2020, 3, 31), origin_site="ltad")
            for code, qty in (("mask-ffp2", 240000), ("disinfectant", 2000), ("gown-isolation", 6000))
        ],
    )
    offer = exchange.offer_publish(actor=users["turkey"], offer=offer)
    for nation, site in (("spain", "leto"), ("italy", "lirf")):
        request = exchange.request_create(
            actor=users[nation],
            title=f"Supplies for {nation} (replay)",
            needed_by=dt.date(2020, 4, 10),
            delivery_site=site,
            today=when,
            lines=[
                LineInput(item=c, quantity=q)
                for c, q in (("mask-ffp2", 120000), ("disinfectant", 1000), ("gown-isolation", 3000))
            ],
        )
        request = exchange.request_submit(actor=users[nation], request=request, today=when)
        for offer_line, request_line in zip(offer.lines.order_by("id"), request.lines.order_by("id"), strict=True):
            allocation = exchange.allocation_propose(
                actor=users["turkey"],
                offer_line=offer_line,
                request_line=request_line,
                quantity=request_line.quantity,
                today=dt.date(2020, 3, 30),
            )
            exchange.allocation_accept(actor=users[nation], allocation=allocation)
    run = start(users["turkey"], django_capture_on_commit_callbacks, not_before=dt.datetime(2020, 3, 31, 6, tzinfo=UTC))
    assert run.status == "succeeded", run.error
    (proposed,) = run.proposal["missions"]
    assert proposed["aircraft_label"].startswith("A400M")
    route = [leg["origin"] for leg in proposed["legs"]] + [proposed["legs"][-1]["destination"]]
    assert route in (["ltad", "leto", "lirf", "ltad"], ["ltad", "lirf", "leto", "ltad"])
    assert sum(ld["kg"] for ld in proposed["loads"]) == 2 * (1440 + 1050 + 360)
    assert run.proposal["unplaced"] == []


def test_it_flies_a_line_without_origin_from_its_nations_home_airfield(airlift):
    """Issue #11, defect 4: the planner used to leave such a line unplaced ("no origin site")."""
    world = airlift.world
    request = airlift.request(lines=(("ventilator", 10),))
    offer = exchange.offer_create(
        actor=world.ally_b,
        title="Ventilators, origin not given",
        lines=[LineInput(item="ventilator", quantity=10, available_from=airlift.today)],
    )
    exchange.offer_publish(actor=world.ally_b, offer=offer)
    allocation = exchange.allocation_propose(
        actor=world.ally_b, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=10
    )
    exchange.allocation_accept(actor=world.ally_a, allocation=allocation)
    not_before = dt.datetime.combine(airlift.today, dt.time(0, 0), tzinfo=dt.UTC)
    unplaced = planning.build_problem(airlift.spain_log, not_before=not_before).unplaced
    assert [row["allocation"] for row in unplaced] == [allocation.pk]
    nation_set_home_site(actor=None, nation="ESP", site="madrid")
    built = planning.build_problem(airlift.spain_log, not_before=not_before)
    assert built.unplaced == []
    (shipment,) = built.problem.shipments
    assert (shipment.pickup, shipment.delivery) == ("madrid", "rome")
