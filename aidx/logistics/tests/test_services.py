"""Missions: capacity, range and load checks (refusals write nothing), the status machine, shipping and
delivering through the exchange, and pool flight hours."""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.assistance.models import Allocation
from aidx.audit.models import AuditEntry
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.logistics import selectors, services
from aidx.logistics.models import Leg, Load, Mission

UTC = dt.UTC


def counts():
    return Mission.objects.count(), Leg.objects.count(), Load.objects.count(), AuditEntry.objects.count()


def fly(actor, mission, *, start=None):
    """Depart and land every leg in order, at their planned times."""
    for leg in mission.legs.order_by("sequence"):
        services.leg_depart(actor=actor, leg=leg, at=leg.etd)
        services.leg_land(actor=actor, leg=leg, at=leg.eta)
    mission.refresh_from_db()
    return mission


def test_it_creates_a_mission_with_loads_on_every_leg_they_span(airlift):
    (allocation,) = airlift.accepted((("ventilator", 100),))
    mission = services.mission_create(
        actor=airlift.spain_log,
        aircraft=airlift.a400m,
        legs=[airlift.leg("madrid", "rome"), airlift.leg("rome", "madrid", hour=14)],
        loads=[services.LoadInput(allocation=allocation.pk, board=1, unload=1)],
    )
    first, back = selectors.mission_legs(mission, airlift.world.coordinator)
    assert [ld.quantity for ld in first.manifest] == [100] and first.kg == 4500
    assert back.manifest == [] and back.kg == 0
    assert mission.status == Mission.Status.PLANNED
    assert AuditEntry.objects.filter(action="mission.create", target_id=str(mission.pk)).exists()


def test_it_refuses_an_overloaded_leg_and_writes_nothing(airlift):
    (allocation,) = airlift.accepted((("ventilator", 900),))  # 40,500 kg > 37,000 kg
    before = counts()
    with pytest.raises(BusinessError) as refused:
        services.mission_create(
            actor=airlift.spain_log,
            aircraft=airlift.a400m,
            legs=[airlift.leg("madrid", "rome")],
            loads=[services.LoadInput(allocation=allocation.pk)],
        )
    assert refused.value.code == "overloaded"
    assert "40500 kg" in str(refused.value) and "37000" in str(refused.value)
    assert counts() == before


def test_it_refuses_a_load_over_the_hold_volume(airlift):
    (allocation,) = airlift.accepted((("mask-surgical", 1_800_000),))  # 360 m³ > 340 m³, only 7,200 kg
    allocation.request_line.request  # noqa: B018
    before = counts()
    with pytest.raises(BusinessError) as refused:
        services.mission_create(
            actor=airlift.spain_log,
            aircraft=airlift.a400m,
            legs=[airlift.leg("madrid", "rome")],
            loads=[services.LoadInput(allocation=allocation.pk)],
        )
    assert refused.value.code == "overloaded" and "m³" in str(refused.value)
    assert counts() == before


def test_it_refuses_a_leg_beyond_the_range_and_writes_nothing(airlift):
    before = counts()
    with pytest.raises(BusinessError) as refused:
        services.mission_create(
            actor=airlift.spain_log,
            aircraft=airlift.a400m,
            legs=[airlift.leg("madrid", "canberra", hours=20)],
        )
    assert refused.value.code == "out_of_range" and "4500 km" in str(refused.value)
    assert counts() == before


@pytest.mark.parametrize("status", ["proposed", "declined"])
def test_it_refuses_a_load_that_is_not_an_accepted_allocation(airlift, status):
    (allocation,) = airlift.accepted(status="proposed")
    if status == "declined":
        from aidx.assistance.services import allocation_decline

        allocation_decline(actor=airlift.world.ally_a, allocation=allocation, reason="no")
    before = counts()
    with pytest.raises(BusinessError) as refused:
        services.mission_create(
            actor=airlift.spain_log,
            aircraft=airlift.a400m,
            legs=[airlift.leg("madrid", "rome")],
            loads=[services.LoadInput(allocation=allocation.pk)],
        )
    assert refused.value.code == "not_accepted"
    assert counts() == before


def test_it_refuses_a_load_unloaded_elsewhere_than_its_delivery_airfield(airlift):
    (allocation,) = airlift.accepted(site=airlift.milan)  # Milan's nearest airfield is Malpensa, not Rome
    with pytest.raises(BusinessError) as refused:
        services.mission_create(
            actor=airlift.spain_log,
            aircraft=airlift.a400m,
            legs=[airlift.leg("madrid", "rome")],
            loads=[services.LoadInput(allocation=allocation.pk)],
        )
    assert refused.value.code == "wrong_airfield" and "Milan Malpensa" in str(refused.value)
    services.mission_create(
        actor=airlift.spain_log,
        aircraft=airlift.a400m,
        legs=[airlift.leg("madrid", "limc")],
        loads=[services.LoadInput(allocation=allocation.pk)],
    )


def test_it_does_not_load_an_allocation_twice(airlift):
    (allocation,) = airlift.accepted()
    make = lambda: services.mission_create(  # noqa: E731
        actor=airlift.spain_log,
        aircraft=airlift.a400m,
        legs=[airlift.leg("madrid", "rome")],
        loads=[services.LoadInput(allocation=allocation.pk, quantity=60)],
    )
    first = make()
    with pytest.raises(BusinessError) as refused:
        make()
    assert refused.value.code == "over_allocation"
    services.mission_cancel(actor=airlift.spain_log, mission=first)
    make()


def test_it_lets_only_the_owner_or_a_coordinator_operate(airlift):
    for outsider in (airlift.italy_log, airlift.world.ally_b):  # another nation's officer; Spain's POC lacks the role
        with pytest.raises(PermissionDenied):
            services.mission_create(actor=outsider, aircraft=airlift.a400m, legs=[airlift.leg("madrid", "rome")])
    services.mission_create(
        actor=airlift.world.coordinator, aircraft=airlift.a400m, legs=[airlift.leg("madrid", "rome")]
    )


def test_it_walks_the_status_machine_in_order(airlift):
    actor = airlift.spain_log
    mission = services.mission_create(
        actor=actor,
        aircraft=airlift.a400m,
        legs=[airlift.leg("madrid", "rome"), airlift.leg("rome", "madrid", hour=14)],
    )
    first, second = mission.legs.order_by("sequence")
    with pytest.raises(BusinessError):
        services.leg_depart(actor=actor, leg=first)  # not approved
    services.mission_approve(actor=actor, mission=mission)
    with pytest.raises(BusinessError):
        services.mission_approve(actor=actor, mission=mission)
    with pytest.raises(BusinessError):
        services.leg_depart(actor=actor, leg=second)  # out of order
    with pytest.raises(BusinessError):
        services.leg_land(actor=actor, leg=first)  # not airborne
    services.leg_depart(actor=actor, leg=first, at=first.etd)
    assert Mission.objects.get(pk=mission.pk).status == "airborne"
    with pytest.raises(BusinessError):
        services.mission_cancel(actor=actor, mission=mission)  # in the air
    services.leg_land(actor=actor, leg=first, at=first.eta)
    assert Mission.objects.get(pk=mission.pk).status == "landed"
    services.leg_depart(actor=actor, leg=second, at=second.etd)
    services.leg_land(actor=actor, leg=second, at=second.eta)
    assert Mission.objects.get(pk=mission.pk).status == "completed"
    actions = list(
        AuditEntry.objects.filter(target_type="logistics.mission", target_id=str(mission.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "mission.create",
        "mission.approve",
        "mission.airborne",
        "mission.landed",
        "mission.airborne",
        "mission.complete",
    ]


def test_it_cancels_a_mission_before_take_off_only(airlift):
    mission = services.mission_create(
        actor=airlift.spain_log, aircraft=airlift.a400m, legs=[airlift.leg("madrid", "rome")]
    )
    services.mission_cancel(actor=airlift.spain_log, mission=mission, reason="weather")
    with pytest.raises(BusinessError):
        services.mission_approve(actor=airlift.spain_log, mission=mission)


def test_it_ships_at_departure_and_delivers_when_the_requester_confirms(airlift):
    ventilators, masks = airlift.accepted((("ventilator", 100), ("mask-surgical", 500)))
    actor = airlift.spain_log
    mission = services.mission_create(
        actor=actor,
        aircraft=airlift.a400m,
        legs=[airlift.leg("madrid", "rome"), airlift.leg("rome", "madrid", hour=14)],
        loads=[
            services.LoadInput(allocation=ventilators.pk, unload=1),
            services.LoadInput(allocation=masks.pk, unload=1),
        ],
    )
    services.mission_approve(actor=actor, mission=mission)
    first = mission.legs.get(sequence=1)
    services.leg_depart(actor=actor, leg=first)
    assert set(Allocation.objects.filter(pk__in=[ventilators.pk, masks.pk]).values_list("status", flat=True)) == {
        "shipped"
    }
    services.leg_land(actor=actor, leg=first)
    # Only the requesting nation confirms receipt (the exchange's rule), so Spain's landing leaves them shipped.
    assert Allocation.objects.get(pk=ventilators.pk).status == "shipped"
    with pytest.raises(BusinessError):
        services.receipt_confirm(actor=airlift.world.ally_b, mission=mission)
    assert services.receipt_confirm(actor=airlift.world.ally_a, mission=mission) == 2
    assert set(Allocation.objects.filter(pk__in=[ventilators.pk, masks.pk]).values_list("status", flat=True)) == {
        "delivered"
    }
    assert (
        ventilators.request_line.request.__class__.objects.get(pk=ventilators.request_line.request_id).status == "met"
    )


def test_it_delivers_a_split_allocation_only_when_all_of_it_has_landed(airlift):
    (allocation,) = airlift.accepted((("ventilator", 100),))
    actor = airlift.spain_log
    missions = [
        services.mission_create(
            actor=actor,
            aircraft=airlift.a400m,
            legs=[airlift.leg("madrid", "rome", day=day)],
            loads=[services.LoadInput(allocation=allocation.pk, quantity=50)],
        )
        for day in (1, 2)
    ]
    for mission in missions:
        services.mission_approve(actor=actor, mission=mission)
    fly(actor, missions[0])
    with pytest.raises(BusinessError):
        services.receipt_confirm(actor=airlift.world.ally_a, mission=missions[0])
    fly(actor, missions[1])
    assert services.receipt_confirm(actor=airlift.world.ally_a, mission=missions[1]) == 1
    assert Allocation.objects.get(pk=allocation.pk).status == "delivered"


def test_it_books_pool_flight_hours_to_the_tasking_member_nation(airlift):
    with pytest.raises(BusinessError):  # a coordinator must name the member nation
        services.mission_create(
            actor=airlift.world.coordinator, aircraft=airlift.c17, legs=[airlift.leg("rome", "madrid")]
        )
    mission = services.mission_create(
        actor=airlift.italy_log,
        aircraft=airlift.c17,
        legs=[airlift.leg("rome", "madrid", hours=2), airlift.leg("madrid", "rome", hour=12, hours=2)],
    )
    assert mission.tasked_by_id == "ITA"
    services.mission_approve(actor=airlift.italy_log, mission=mission)
    first, second = mission.legs.order_by("sequence")
    services.leg_depart(actor=airlift.italy_log, leg=first, at=first.etd)
    services.leg_land(actor=airlift.italy_log, leg=first, at=first.etd + dt.timedelta(hours=2, minutes=30))
    services.leg_depart(actor=airlift.italy_log, leg=second, at=second.etd)
    services.leg_land(actor=airlift.italy_log, leg=second, at=second.etd + dt.timedelta(hours=2))
    assert selectors.pool_hours(airlift.pool) == {"ESP": 0, "ITA": pytest.approx(4.5)}
    other = services.mission_create(
        actor=airlift.world.coordinator,
        aircraft=airlift.c17,
        legs=[airlift.leg("rome", "madrid", day=3)],
        tasked_by="ESP",
    )
    services.mission_approve(actor=airlift.spain_log, mission=other)
    fly(airlift.spain_log, other)
    hours = selectors.pool_hours(airlift.pool)
    assert float(hours["ESP"]) == 3.0 and float(hours["ITA"]) == 4.5
