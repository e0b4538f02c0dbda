"""A mission's manifest shows each viewer only the loads whose allocation it may see (issue #11, defect 1).

Allocations are seen by their two parties (the offering and the requesting nation) and the centre; a mission is
seen by more (the aircraft's operator, every member of its pool, every party of any load). On the mission's page
and API answer the other loads on a leg are one line, "other loads: N, X kg", so that the load factor is clear
without telling what they are, whose, or for whom."""

from __future__ import annotations

import pytest

from aidx.accounts.models import User
from aidx.accounts.services import token_create
from aidx.assistance import services as exchange_services
from aidx.assistance.services import LineInput
from aidx.core.actors import SYSTEM
from aidx.logistics import selectors, services
from aidx.logistics.models import Mission

pytestmark = pytest.mark.urls("aidx.logistics.tests.urls")


@pytest.fixture
def mixed(airlift):
    """Spain's A400M flies Madrid → Rome → Milan with two allocations that share no party:
    Spain → Italy (the offer named Italy only, the request allies only), picked up at Madrid for Milan,
    and Italy → Australia, picked up at Rome for Milan."""
    world, today = airlift.world, airlift.today
    request = exchange_services.request_create(
        actor=world.ally_a,
        title="Respirators for Milan (allies only)",
        needed_by=today.replace(year=today.year + 1),
        delivery_site=airlift.milan,
        releasability="allies",
        lines=[LineInput(item="mask-ffp2", quantity=100)],
    )
    exchange_services.request_submit(actor=world.ally_a, request=request)
    offer = exchange_services.offer_create(
        actor=world.ally_b,
        title="Respirators from Spain for Italy",
        releasability="named",
        release_to=["ITA"],
        lines=[LineInput(item="mask-ffp2", quantity=100, available_from=today, origin_site="madrid")],
    )
    exchange_services.offer_publish(actor=world.ally_b, offer=offer)
    spain_italy = exchange_services.allocation_propose(
        actor=world.ally_b, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=100
    )
    exchange_services.allocation_accept(actor=world.ally_a, allocation=spain_italy)
    wanted = exchange_services.request_create(
        actor=world.partner,
        title="Ventilators for the Australian contingent in Milan",
        needed_by=today.replace(year=today.year + 1),
        delivery_site=airlift.milan,
        lines=[LineInput(item="ventilator", quantity=20)],
    )
    exchange_services.request_submit(actor=world.partner, request=wanted)
    given = exchange_services.offer_create(
        actor=world.ally_a,
        title="Ventilators from Rome",
        lines=[LineInput(item="ventilator", quantity=20, available_from=today, origin_site="rome")],
    )
    exchange_services.offer_publish(actor=world.ally_a, offer=given)
    italy_australia = exchange_services.allocation_propose(
        actor=world.ally_a, offer_line=given.lines.get(), request_line=wanted.lines.get(), quantity=20
    )
    exchange_services.allocation_accept(actor=world.partner, allocation=italy_australia)
    mission = services.mission_create(
        actor=SYSTEM,
        aircraft=airlift.a400m,
        legs=[airlift.leg("madrid", "rome"), airlift.leg("rome", "limc", hour=13, hours=1)],
        loads=[
            services.LoadInput(allocation=spain_italy.pk, board=1, unload=2),
            services.LoadInput(allocation=italy_australia.pk, board=2, unload=2),
        ],
    )
    return mission, spain_italy, italy_australia


def _manifest(who: User, mission: Mission) -> list[tuple[set[int], tuple[int, int]]]:
    """Per leg: the allocations shown, and (count, kg) of the other loads."""
    return [
        ({load.allocation_id for load in leg.manifest}, (leg.others.count, leg.others.kg))
        for leg in selectors.mission_legs(mission, who)
    ]


def test_it_shows_each_viewer_only_the_loads_it_may_see(airlift, mixed):
    mission, spain_italy, italy_australia = mixed
    world = airlift.world
    both = {spain_italy.pk, italy_australia.pk}
    # 100 FFP2 masks: 1.2 kg (2 kg rounded up); 20 ventilators: 900 kg
    assert _manifest(world.coordinator, mission) == [({spain_italy.pk}, (0, 0)), (both, (0, 0))]
    assert _manifest(world.ally_a, mission) == [({spain_italy.pk}, (0, 0)), (both, (0, 0))]
    assert _manifest(world.ally_b, mission) == [({spain_italy.pk}, (0, 0)), ({spain_italy.pk}, (1, 900))]
    assert _manifest(world.partner, mission) == [(set(), (1, 2)), ({italy_australia.pk}, (1, 2))]
    # the totals on board are the aircraft's, whoever looks: the load factor stays readable
    for who in (world.coordinator, world.ally_b, world.partner):
        assert [leg.kg for leg in selectors.mission_legs(mission, who)] == [2, 902]


def _api(client, user: User, url: str):
    _token, secret = token_create(actor=user, user=user, name="t")
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")


def test_it_keeps_the_partner_from_reading_the_allies_only_load_in_the_api(client, airlift, mixed):
    mission, spain_italy, italy_australia = mixed
    partner = airlift.world.partner
    assert _api(client, partner, f"/api/v1/allocations/{spain_italy.pk}").status_code == 404
    answer = _api(client, partner, f"/api/v1/logistics/missions/{mission.pk}")
    assert answer.status_code == 200, answer.content
    legs = answer.json()["legs"]
    assert [[load["allocation"] for load in leg["manifest"]] for leg in legs] == [[], [italy_australia.pk]]
    assert [leg["other_loads"] for leg in legs] == [
        {"count": 1, "kg": 2, "m3": "0.020", "patients": 0},
        {"count": 1, "kg": 2, "m3": "0.020", "patients": 0},
    ]
    text = answer.content.decode()
    assert "ESP" not in text and "FFP2" not in text


def test_it_keeps_the_aircraft_owner_from_reading_loads_it_is_no_party_to(client, airlift, mixed):
    mission, spain_italy, _italy_australia = mixed
    answer = _api(client, airlift.world.ally_b, f"/api/v1/logistics/missions/{mission.pk}")
    loads = [load for leg in answer.json()["legs"] for load in leg["manifest"]]
    assert {load["allocation"] for load in loads} == {spain_italy.pk}
    assert "AUS" not in answer.content.decode() and "Ventilator" not in answer.content.decode()


def test_it_keeps_hidden_loads_off_the_mission_page(client, airlift, mixed):
    mission, _spain_italy, _italy_australia = mixed
    client.force_login(airlift.world.partner)
    page = client.get(f"/logistics/missions/{mission.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "FFP2 mask" not in text
    assert "Ventilator" in text and "Australia" in text
    assert text.count('data-testid="other-loads"') == 2
    client.force_login(airlift.world.ally_a)
    assert 'data-testid="other-loads"' not in client.get(f"/logistics/missions/{mission.pk}/").content.decode()


def test_it_counts_in_the_picture_only_the_loads_the_viewer_may_see(airlift, mixed):
    mission, _spain_italy, _italy_australia = mixed
    centre = airlift.world.coordinator
    services.mission_approve(actor=centre, mission=mission)
    for leg in mission.legs.order_by("sequence"):
        services.leg_depart(actor=centre, leg=leg, at=leg.etd)
        services.leg_land(actor=centre, leg=leg, at=leg.eta)
    figures = {who: selectors.logistics_figures(getattr(airlift.world, who)) for who in ("ally_a", "ally_b", "partner")}
    # tonnes: 902 kg for Italy, the party of both; Spain's 2 kg; Australia's 900 kg
    assert {who: f["tonnes"] for who, f in figures.items()} == {"ally_a": 0.9, "ally_b": 0.0, "partner": 0.9}
    # flights with a load of one's own: Australia's flew on the second leg only
    assert {who: f["flights"] for who, f in figures.items()} == {"ally_a": 2, "ally_b": 2, "partner": 1}


def test_it_shows_spain_only_its_own_loads_on_the_turkish_a400m(client, scenario):
    mission = Mission.objects.get(scenario_key="covid-2020/tuaf-a400m-2020-04-01")
    spain = User.objects.get(username="spain")
    shown = {
        load.allocation.request_line.request.owner_nation_id
        for leg in selectors.mission_legs(mission, spain)
        for load in leg.manifest
    }
    assert shown == {"ESP"}
    answer = _api(client, spain, f"/api/v1/logistics/missions/{mission.pk}")
    assert answer.status_code == 200
    requesting = {load["requesting_nation"] for leg in answer.json()["legs"] for load in leg["manifest"]}
    assert requesting == {"ESP"}
    assert answer.json()["legs"][1]["other_loads"]["count"] == 3  # Italy's three lines, Torrejón → Rome
