"""The plan's, the pledge's and the run's workflows, driven by the generated test in
aidx/core/tests/test_workflows.py, over the world of `factory.build`."""

from __future__ import annotations

import datetime as dt

from aidx.core.tests.workflow_driver import Driver
from aidx.preparedness import runs, services
from aidx.preparedness.models import Plan, Pledge, SimulationRun
from aidx.preparedness.services import RateInput
from aidx.preparedness.tests.factory import build
from aidx.preparedness.workflow import PLAN, PLEDGE, RUN


def _plan(context, state):
    """A plan of its own incident in `state`."""
    coordinator = context.world.coordinator
    plan = services.plan_create(actor=coordinator, name="Plan", incident=f"wave-{state}", valid_from=context.today)
    if state == Plan.Status.DRAFT:
        return plan
    services.plan_agree(actor=coordinator, plan=plan)
    if state == Plan.Status.SUPERSEDED:
        services.plan_agree(actor=coordinator, plan=services.plan_new_version(actor=coordinator, plan=plan))
    return Plan.objects.get(pk=plan.pk)


def _plan_perform(context, actor, plan, name):
    if name == "agree":
        return services.plan_agree(actor=actor, plan=plan)
    if name == "rates":
        return services.rates_set(actor=actor, plan=plan, rates=[RateInput(item="mask-ffp2", basis="bed", rate="2")])
    return services.plan_new_version(actor=actor, plan=plan)


def _pledge(context, state):
    pledge = context.pledge(context.world.ally_b, quantity=5)
    if state == Pledge.Status.USED:
        services.pledge_activate(actor=context.world.ally_b, pledge=pledge, quantity=5)
    elif state == Pledge.Status.WITHDRAWN:
        services.pledge_withdraw(actor=context.world.ally_b, pledge=pledge)
    elif state == Pledge.Status.EXPIRED:
        Pledge.objects.filter(pk=pledge.pk).update(valid_until=context.today)
        services.pledges_expire(today=context.today + dt.timedelta(days=1))
    return Pledge.objects.get(pk=pledge.pk)


def _pledge_perform(context, actor, pledge, name):
    if name == "activate":
        return services.pledge_activate(actor=actor, pledge=pledge, quantity=1)
    return services.pledge_withdraw(actor=actor, pledge=pledge)


def _run(context, state):
    run = services.run_start(actor=context.world.ally_a, plan=context.plan, scenario=context.wave, runs=3)
    if state == SimulationRun.Status.SUCCEEDED:
        runs.run_execute(run.pk)
    elif state == SimulationRun.Status.RUNNING:
        runs._system_transition(run.pk, "claim")
    elif state == SimulationRun.Status.FAILED:
        runs._system_transition(run.pk, "fail", error="lost")
    elif state == SimulationRun.Status.CANCELLED:
        services.run_cancel(actor=context.world.ally_a, run=run)
    return SimulationRun.objects.get(pk=run.pk)


def _run_perform(context, actor, run, name):
    if name == "cancel":
        return services.run_cancel(actor=actor, run=run)
    return services.run_start(actor=actor, plan=run.plan, scenario=run.scenario, runs=run.runs, rerun_of=run)


DRIVERS = [
    Driver(
        workflow=PLAN,
        setup=build,
        actors=lambda context: {},
        make=_plan,
        perform=_plan_perform,
        page=lambda plan: f"/preparedness/plans/{plan.pk}/",
        api=lambda plan: f"/api/v1/preparedness/plans/{plan.pk}",
    ),
    Driver(
        workflow=PLEDGE,
        setup=build,
        actors=lambda context: {},
        make=_pledge,
        perform=_pledge_perform,
        page=lambda pledge: f"/preparedness/pledges/{pledge.pk}/",
        api=lambda pledge: f"/api/v1/preparedness/pledges/{pledge.pk}",
    ),
    Driver(
        workflow=RUN,
        setup=build,
        actors=lambda context: {},
        make=_run,
        perform=_run_perform,
        page=lambda run: f"/preparedness/runs/{run.pk}/",
        api=lambda run: f"/api/v1/preparedness/runs/{run.pk}",
    ),
]
