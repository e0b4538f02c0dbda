"""The airlift's rules that the workflow tables made explicit: who operates a pool's mission, when a receipt is
due, when a planner run can be approved, a deployment called off, and a run whose worker was lost."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from aidx.audit.models import AuditEntry
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.core.schedule import DATABASE_LOST
from aidx.core.worker import reap_lost
from aidx.logistics import planning, services
from aidx.logistics.models import Deployment, Mission, PlanRun
from aidx.logistics.tests.test_deployments import capability_allocation
from aidx.logistics.workflow import MISSION, PLAN_RUN
from aidx.optimize.geo import distance_matrix_km, haversine_km

pytestmark = pytest.mark.urls("aidx.logistics.tests.urls")


def test_a_pool_mission_is_flown_by_the_member_that_tasked_it_not_by_every_member(airlift):
    mission = services.mission_create(
        actor=airlift.italy_log, aircraft=airlift.c17, legs=[airlift.leg("rome", "madrid")], tasked_by="ITA"
    )
    # Spain is a member of the pool too, but the flight hours are Italy's: Spain sees the mission, nothing more
    assert MISSION.action_names(airlift.spain_log, mission) == []
    with pytest.raises(PermissionDenied):
        services.mission_approve(actor=airlift.spain_log, mission=mission)
    with pytest.raises(PermissionDenied):
        services.mission_cancel(actor=airlift.spain_log, mission=mission)
    assert MISSION.action_names(airlift.italy_log, mission) == ["approve", "cancel"]
    services.mission_approve(actor=airlift.italy_log, mission=mission)


def test_a_logistics_officer_cannot_spend_another_members_pool_hours(airlift):
    with pytest.raises(PermissionDenied):
        services.mission_create(
            actor=airlift.italy_log, aircraft=airlift.c17, legs=[airlift.leg("rome", "madrid")], tasked_by="ESP"
        )
    assert not Mission.objects.exists()
    # the centre tasks for any member
    mission = services.mission_create(
        actor=airlift.world.coordinator, aircraft=airlift.c17, legs=[airlift.leg("rome", "madrid")], tasked_by="ESP"
    )
    assert mission.tasked_by_id == "ESP"


def test_the_receipt_is_asked_for_only_when_the_whole_allocation_has_landed(airlift, client):
    (ventilators,) = airlift.accepted((("ventilator", 100),))
    officer, italy = airlift.spain_log, airlift.world.ally_a

    def flight(day):
        mission = services.mission_create(
            actor=officer,
            aircraft=airlift.a400m,
            legs=[airlift.leg("madrid", "rome", day=day)],
            loads=[services.LoadInput(allocation=ventilators.pk, quantity=50)],
        )
        services.mission_approve(actor=officer, mission=mission)
        return mission

    first, second = flight(1), flight(2)
    for leg in first.legs.all():
        services.leg_depart(actor=officer, leg=leg, at=leg.etd)
        services.leg_land(actor=officer, leg=leg, at=leg.eta)
    client.force_login(italy)
    # half of it is still in Madrid: nothing can be delivered yet, so nothing is asked of Italy
    assert "receipt" not in client.get(f"/api/v1/logistics/missions/{first.pk}").json()["actions"]
    assert 'data-action="receipt"' not in client.get(f"/logistics/missions/{first.pk}/").content.decode()
    with pytest.raises(PermissionDenied):
        services.receipt_confirm(actor=italy, mission=first)
    for leg in second.legs.all():
        services.leg_depart(actor=officer, leg=leg, at=leg.etd)
        services.leg_land(actor=officer, leg=leg, at=leg.eta)
    assert "receipt" in client.get(f"/api/v1/logistics/missions/{first.pk}").json()["actions"]
    assert 'data-action="receipt"' in client.get(f"/logistics/missions/{second.pk}/").content.decode()
    assert services.receipt_confirm(actor=italy, mission=first) == 1
    ventilators.refresh_from_db()
    assert ventilators.status == "delivered"
    assert "receipt" not in MISSION.action_names(italy, Mission.objects.get(pk=second.pk))


def test_a_proposal_with_every_mission_dropped_offers_no_approval(airlift, django_capture_on_commit_callbacks):
    airlift.accepted((("ventilator", 100),))
    with django_capture_on_commit_callbacks(execute=True):
        run = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)
    run = planning.plan_run_edit(actor=airlift.spain_log, run=run, drop_missions=[0])
    assert PLAN_RUN.action_names(airlift.spain_log, run) == ["edit"]
    with pytest.raises(BusinessError):
        planning.plan_run_approve(actor=airlift.spain_log, run=run)


def test_a_planned_deployment_can_be_called_off_and_only_before_it_arrives(airlift, client):
    team = capability_allocation(airlift, "medical-team", 1)
    today = timezone.localdate()
    planned = services.deployment_create(
        actor=airlift.spain_log, allocation=team, site="milan", starts=today, ends=today + dt.timedelta(days=9)
    )
    client.force_login(airlift.world.ally_a)  # Italy, the receiving nation, calls it off
    assert client.get(f"/api/v1/logistics/deployments/{planned.pk}").json()["actions"] == ["arrive", "cancel"]
    listed = client.get("/logistics/deployments/").content.decode()
    assert 'data-action="arrive"' in listed and 'data-action="return"' not in listed
    assert client.post(f"/logistics/deployments/{planned.pk}/cancel/").status_code == 302
    planned.refresh_from_db()
    assert planned.status == Deployment.Status.CANCELLED
    assert AuditEntry.objects.filter(action="deployment.cancel", target_id=str(planned.pk)).exists()
    arrived = services.deployment_create(
        actor=airlift.spain_log, allocation=team, site="milan", starts=today, ends=today + dt.timedelta(days=9)
    )
    services.deployment_arrive(actor=airlift.spain_log, deployment=arrived)
    with pytest.raises(BusinessError):
        services.deployment_cancel(actor=airlift.spain_log, deployment=arrived)
    assert client.get(f"/api/v1/logistics/deployments/{arrived.pk}").json()["actions"] == ["return"]
    listed = client.get("/logistics/deployments/").content.decode()
    assert 'data-action="return"' in listed and 'data-action="arrive"' not in listed


def test_a_planner_run_whose_worker_died_fails_by_the_schedule(airlift):
    run = PlanRun.objects.create(
        created_by=airlift.spain_log,
        owner_nation=airlift.world.esp,
        status=PlanRun.Status.RUNNING,
        not_before=timezone.now(),
    )
    DBTaskResult.objects.create(
        task_path="aidx.logistics.tasks.run_planner",
        args_kwargs={"args": [run.pk], "kwargs": {}},
        status=TaskResultStatus.RUNNING,
        worker_ids=["a-worker-that-never-beat"],
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )
    assert reap_lost() == 1
    run.refresh_from_db()
    assert run.status == PlanRun.Status.FAILED and "worker stopped" in run.error
    assert AuditEntry.objects.filter(action="planrun.fail", actor_name="system", target_id=str(run.pk)).exists()
    assert PLAN_RUN.action_names(airlift.spain_log, run) == []  # over: start another


def test_a_planner_run_that_loses_the_database_leaves_it_to_the_worker(airlift, monkeypatch):
    """The run's catch-all does not record a lost connection as its own error: the worker fails the run in words
    once the database answers (aidx/core/worker.py; the same path as a match run, proved end to end there)."""
    run = PlanRun.objects.create(
        created_by=airlift.spain_log, owner_nation=airlift.world.esp, not_before=timezone.now()
    )
    lost = OperationalError("terminating connection due to administrator command")
    lost.__cause__ = psycopg.errors.AdminShutdown("terminating connection due to administrator command")

    def lose(*args, **kwargs):
        raise lost

    monkeypatch.setattr(planning, "build_problem", lose)
    with pytest.raises(OperationalError):
        planning.plan_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == PlanRun.Status.RUNNING and run.error == ""
    planning.plan_run_lost(run.pk, reason=DATABASE_LOST)  # what the worker calls then
    run.refresh_from_db()
    assert (run.status, run.error) == (PlanRun.Status.FAILED, DATABASE_LOST)


def test_a_leg_is_as_long_as_the_planner_measures_it(airlift):
    mission = services.mission_create(
        actor=airlift.spain_log, aircraft=airlift.a400m, legs=[airlift.leg("madrid", "rome")]
    )
    leg = mission.legs.get()
    madrid, rome = airlift.madrid, airlift.rome
    points = [float(madrid.latitude), float(rome.latitude)], [float(madrid.longitude), float(rome.longitude)]
    planner = distance_matrix_km(*points)
    assert leg.distance_km == round(planner[0, 1]) == round(planner[1, 0])
    assert planner[0, 1] == haversine_km(points[0][0], points[1][0], points[0][1], points[1][1])
