"""Deployments of medical teams and field hospitals, and patient transport on medevac flights."""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.assistance import services as exchange
from aidx.assistance.services import LineInput
from aidx.core.errors import BusinessError
from aidx.logistics import selectors, services
from aidx.logistics.models import Deployment, Mission


def capability_allocation(airlift, code, quantity, *, offer_site="madrid", request_site=None):
    world, today = airlift.world, airlift.today
    request = exchange.request_create(
        actor=world.ally_a,
        title=f"{code} for Italy",
        needed_by=today + dt.timedelta(days=5),
        delivery_site=request_site or airlift.rome,
        lines=[LineInput(capability=code, quantity=quantity)],
    )
    exchange.request_submit(actor=world.ally_a, request=request)
    offer = exchange.offer_create(
        actor=world.ally_b,
        title=f"{code} from Spain",
        lines=[LineInput(capability=code, quantity=quantity, available_from=today, origin_site=offer_site)],
    )
    exchange.offer_publish(actor=world.ally_b, offer=offer)
    allocation = exchange.allocation_propose(
        actor=world.ally_b, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=quantity
    )
    return exchange.allocation_accept(actor=world.ally_a, allocation=allocation)


def test_it_deploys_a_team_and_tracks_arrival_and_return(airlift):
    allocation = capability_allocation(airlift, "medical-team", 1)
    day = airlift.today
    deployment = services.deployment_create(
        actor=airlift.world.ally_b,
        allocation=allocation,
        site="milan",
        starts=day,
        ends=day + dt.timedelta(days=30),
        doctors=9,
        paramedics=6,
        languages="pl, EN",
    )
    assert (deployment.staff, deployment.languages, deployment.status) == (15, "en,pl", "planned")
    with pytest.raises(BusinessError):
        services.deployment_return(actor=airlift.world.ally_b, deployment=deployment)
    services.deployment_arrive(actor=airlift.world.ally_a, deployment=deployment, on=day)
    services.deployment_return(actor=airlift.world.ally_b, deployment=deployment, on=day + dt.timedelta(days=14))
    deployment.refresh_from_db()
    assert (deployment.status, deployment.returned_on) == ("returned", day + dt.timedelta(days=14))
    assert selectors.logistics_figures(airlift.world.ally_a)["medical_staff"] == 15
    assert selectors.logistics_figures(airlift.world.ally_a, since=day + dt.timedelta(days=15))["medical_staff"] == 0
    assert list(selectors.deployments_visible_to(airlift.world.partner)) == []
    assert list(selectors.deployments_visible_to(airlift.world.late_ally)) == []
    assert list(selectors.deployments_visible_to(airlift.world.coordinator)) == [deployment]


def test_it_counts_field_hospital_beds_and_refuses_to_deploy_cargo(airlift):
    hospital = capability_allocation(airlift, "field-hospital-50", 2)
    deployment = services.deployment_create(
        actor=airlift.world.coordinator, allocation=hospital, site="milan", starts=airlift.today, ends=airlift.today
    )
    assert (deployment.beds, deployment.icu_beds) == (100, 20)
    services.deployment_arrive(actor=airlift.world.ally_b, deployment=deployment)
    figures = selectors.logistics_figures(airlift.world.ally_b)
    assert (figures["field_hospitals"], figures["beds"], figures["icu_beds"]) == (2, 100, 20)
    (cargo,) = airlift.accepted()
    with pytest.raises(BusinessError):
        services.deployment_create(
            actor=airlift.world.coordinator, allocation=cargo, site="milan", starts=airlift.today, ends=airlift.today
        )
    with pytest.raises(BusinessError):
        services.deployment_create(
            actor=airlift.world.coordinator,
            allocation=hospital,
            site="milan",
            starts=airlift.today,
            ends=airlift.today - dt.timedelta(days=1),
        )
    assert Deployment.objects.count() == 1


def test_it_flies_patients_within_the_intensive_care_beds(airlift):
    """12 patients from Milan to Madrid's hospitals on an A310 with 6 intensive-care beds: two flights."""
    allocation = capability_allocation(airlift, "a310-medevac", 12, offer_site="madrid", request_site=airlift.milan)
    leg = airlift.leg
    legs = [leg("madrid", "limc"), leg("limc", "madrid", hour=13)]
    with pytest.raises(BusinessError) as refused:
        services.mission_create(
            actor=airlift.spain_log,
            aircraft=airlift.medevac,
            legs=legs,
            loads=[services.LoadInput(allocation=allocation.pk, quantity=7, board=2)],
        )
    assert refused.value.code == "overloaded" and "patients" in str(refused.value)
    assert Mission.objects.count() == 0
    for day in (1, 2):
        mission = services.mission_create(
            actor=airlift.spain_log,
            aircraft=airlift.medevac,
            legs=[leg("madrid", "limc", day=day), leg("limc", "madrid", day=day, hour=13)],
            loads=[services.LoadInput(allocation=allocation.pk, quantity=6, board=2)],
        )
        services.mission_approve(actor=airlift.spain_log, mission=mission)
        for flown in mission.legs.order_by("sequence"):
            services.leg_depart(actor=airlift.spain_log, leg=flown, at=flown.etd)
            services.leg_land(actor=airlift.spain_log, leg=flown, at=flown.eta)
    services.receipt_confirm(actor=airlift.world.ally_a, mission=mission)
    allocation.refresh_from_db()
    assert allocation.status == "delivered"
    figures = selectors.logistics_figures(airlift.world.ally_a)
    assert (figures["patients"], figures["flights"], figures["tonnes"]) == (12, 2, 0)
