"""The airlift's workflows (missions, planner runs, deployments), driven by the generated test in
aidx/core/tests/test_workflows.py.

The world: Italy requests and Spain offers (ventilators, a medical team), a Spanish A400M at Madrid, and the
two nations' logistics officers. Each record is made in its state through the services, as people would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from aidx.accounts.services import user_create
from aidx.assistance import services as exchange
from aidx.assistance.services import LineInput
from aidx.catalogue.services import capability_type_upsert, item_upsert
from aidx.core.actors import SYSTEM
from aidx.core.tests.workflow_driver import Driver
from aidx.logistics import planning, services
from aidx.logistics.models import Deployment, Leg, Mission, PlanRun
from aidx.logistics.workflow import DEPLOYMENT, MISSION, PLAN_RUN
from aidx.nations.services import site_create

NAMES = {"name_en": "", "name_nb": "", "name_nn": ""}


def _setup(world):
    item_upsert(
        actor=None,
        code="ventilator",
        category="respiratory",
        unit="piece",
        unit_weight_kg="45",
        unit_volume_m3="0.2",
        **{**NAMES, "name_en": "Ventilator"},
    )
    capability_type_upsert(
        actor=None,
        code="a400m",
        kind="aircraft",
        payload_kg=37000,
        volume_m3=340,
        cruise_speed_kmh=780,
        range_km=4500,
        **{**NAMES, "name_en": "A400M"},
    )
    capability_type_upsert(
        actor=None, code="medical-team", kind="medical_team", staff=15, **{**NAMES, "name_en": "Medical team"}
    )
    for code, nation, lat, lon in (("rome", world.ita, "41.8", "12.25"), ("madrid", world.esp, "40.49", "-3.57")):
        site_create(actor=None, code=code, name=code, kind="airfield", nation=nation, latitude=lat, longitude=lon)
    return SimpleNamespace(
        world=world,
        spain_log=user_create(
            actor=None, username="spain_log", password=world.password, nation=world.esp, roles={"logistics"}
        ),
        italy_log=user_create(
            actor=None, username="italy_log", password=world.password, nation=world.ita, roles={"logistics"}
        ),
        aircraft=services.aircraft_register(
            actor=SYSTEM, capability="a400m", tail="T.23-01", home="madrid", owner_nation="ESP"
        ),
    )


def _actors(context):
    return {"spain_log": context.spain_log, "italy_log": context.italy_log}


def _allocation(context, line: LineInput):
    """Italy requests, Spain offers from Madrid, Spain proposes, Italy accepts."""
    world, today = context.world, timezone.localdate()
    request = exchange.request_create(
        actor=world.ally_a,
        title="For Lombardy",
        needed_by=today + dt.timedelta(days=10),
        delivery_site="rome",
        lines=[line],
    )
    exchange.request_submit(actor=world.ally_a, request=request)
    offer = exchange.offer_create(
        actor=world.ally_b,
        title="From Spain",
        lines=[dataclasses.replace(line, available_from=today, origin_site="madrid")],
    )
    exchange.offer_publish(actor=world.ally_b, offer=offer)
    allocation = exchange.allocation_propose(
        actor=world.ally_b, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=line.quantity
    )
    return exchange.allocation_accept(actor=world.ally_a, allocation=allocation)


# --- missions ----------------------------------------------------------------------------------------------------


def _flight_plan(context):
    """Madrid → Rome with ten ventilators unloaded in Rome, and back to Madrid empty."""
    allocation = _allocation(context, LineInput(item="ventilator", quantity=10))
    etd = timezone.now() + dt.timedelta(hours=1)
    legs = [
        services.LegInput(origin="madrid", destination="rome", etd=etd, eta=etd + dt.timedelta(hours=3)),
        services.LegInput(
            origin="rome", destination="madrid", etd=etd + dt.timedelta(hours=4), eta=etd + dt.timedelta(hours=7)
        ),
    ]
    return legs, [services.LoadInput(allocation=allocation.pk, board=1, unload=1)]


def _next_leg(mission: Mission) -> Leg:
    legs = list(mission.legs.order_by("sequence"))
    return next((leg for leg in legs if leg.status != Leg.Status.LANDED), legs[-1])


# the coordinator flies each record to its state; airborne: on the way back, with the ventilators landed in Rome
# and waiting for Italy's receipt
FLOWN = {
    Mission.Status.PLANNED: [],
    Mission.Status.APPROVED: ["approve"],
    Mission.Status.LANDED: ["approve", "depart", "land"],
    Mission.Status.AIRBORNE: ["approve", "depart", "land", "depart"],
    Mission.Status.COMPLETED: ["approve", "depart", "land", "depart", "land"],
    Mission.Status.CANCELLED: ["cancel"],
}


def _make_mission(context, state):
    legs, loads = _flight_plan(context)
    mission = services.mission_create(
        actor=context.world.coordinator, aircraft=context.aircraft, legs=legs, loads=loads
    )
    for name in FLOWN[state]:
        _perform_mission(context, context.world.coordinator, Mission.objects.get(pk=mission.pk), name)
    return Mission.objects.get(pk=mission.pk)


def _perform_mission(context, actor, mission, name):
    if name == "approve":
        return services.mission_approve(actor=actor, mission=mission)
    if name == "cancel":
        return services.mission_cancel(actor=actor, mission=mission, reason="weather")
    if name == "depart":
        return services.leg_depart(actor=actor, leg=_next_leg(mission))
    if name == "land":
        return services.leg_land(actor=actor, leg=_next_leg(mission))
    if name == "drop_load":
        return services.load_drop(actor=actor, load=mission.loads.first())
    if name == "receipt":
        return services.receipt_confirm(actor=actor, mission=mission)
    raise AssertionError(name)


# --- planner runs ------------------------------------------------------------------------------------------------


def _proposal(context):
    """A proposal as the planner writes it (planning.proposal_of): one mission, Madrid → Rome, one load."""
    (leg, _back), (load,) = _flight_plan(context)
    return {
        "missions": [
            {
                "number": 0,
                "aircraft": context.aircraft.pk,
                "aircraft_label": str(context.aircraft),
                "tasked_by": None,
                "flight_hours": 3.0,
                "legs": [
                    {
                        "origin": leg.origin,
                        "destination": leg.destination,
                        "etd": leg.etd.isoformat(),
                        "eta": leg.eta.isoformat(),
                        "distance_km": 1360,
                        "kg": 450,
                        "from": [40.49, -3.57],
                        "to": [41.8, 12.25],
                        "from_name": "Madrid",
                        "to_name": "Rome",
                    }
                ],
                "loads": [
                    {
                        "key": f"0-a{load.allocation}-1",
                        "allocation": load.allocation,
                        "label": "10 × Ventilator (ESP → ITA)",
                        "quantity": 10,
                        "kg": 450,
                        "m3": 2.0,
                        "board": 1,
                        "unload": 1,
                        "dropped": False,
                    }
                ],
                "dropped": False,
            }
        ],
        "unplaced": [],
        "summary": {"missions": 1, "flight_hours": 3.0, "placed_kg": 450, "shipments": 1, "aircraft": 1},
    }


def _make_run(context, state):
    """A run Spain's logistics officer started, as the worker left it in `state`."""
    return PlanRun.objects.create(
        created_by=context.spain_log,
        owner_nation=context.world.esp,
        status=state,
        not_before=timezone.now(),
        proposal=_proposal(context) if state == PlanRun.Status.SUCCEEDED else {},
    )


def _perform_run(context, actor, run, name):
    if name == "cancel":
        return planning.plan_run_cancel(actor=actor, run=run)
    if name == "edit":
        return planning.plan_run_edit(actor=actor, run=run, drop_missions=[], drop_loads=[])
    if name == "approve":
        return planning.plan_run_approve(actor=actor, run=run)
    raise AssertionError(name)


# --- deployments -------------------------------------------------------------------------------------------------


def _make_deployment(context, state):
    coordinator, today = context.world.coordinator, timezone.localdate()
    team = _allocation(context, LineInput(capability="medical-team", quantity=1))
    deployment = services.deployment_create(
        actor=coordinator, allocation=team, site="rome", starts=today, ends=today + dt.timedelta(days=30), doctors=9
    )
    if state == Deployment.Status.CANCELLED:
        services.deployment_cancel(actor=coordinator, deployment=deployment)
    if state in (Deployment.Status.DEPLOYED, Deployment.Status.RETURNED):
        services.deployment_arrive(actor=coordinator, deployment=deployment)
    if state == Deployment.Status.RETURNED:
        services.deployment_return(actor=coordinator, deployment=deployment)
    return Deployment.objects.get(pk=deployment.pk)


def _perform_deployment(context, actor, deployment, name):
    calls = {
        "arrive": services.deployment_arrive,
        "return": services.deployment_return,
        "cancel": services.deployment_cancel,
    }
    return calls[name](actor=actor, deployment=deployment)


DRIVERS = [
    Driver(
        workflow=MISSION,
        setup=_setup,
        actors=_actors,
        make=_make_mission,
        perform=_perform_mission,
        page=lambda mission: f"/logistics/missions/{mission.pk}/",
        api=lambda mission: f"/api/v1/logistics/missions/{mission.pk}",
    ),
    Driver(
        workflow=PLAN_RUN,
        setup=_setup,
        actors=_actors,
        make=_make_run,
        perform=_perform_run,
        page=lambda run: f"/logistics/planner/{run.pk}/",
        api=lambda run: f"/api/v1/logistics/plan-runs/{run.pk}",
    ),
    Driver(
        workflow=DEPLOYMENT,
        setup=_setup,
        actors=_actors,
        make=_make_deployment,
        perform=_perform_deployment,
        page=lambda deployment: f"/logistics/deployments/{deployment.pk}/",
        api=lambda deployment: f"/api/v1/logistics/deployments/{deployment.pk}",
    ),
]
