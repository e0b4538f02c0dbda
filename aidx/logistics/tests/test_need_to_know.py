"""Missions are seen by the centre, the aircraft's owner (every member of its pool) and the nations whose
allocations are on board; never by an outsider, a partner or another ally. Same answer on every surface."""

from __future__ import annotations

import pytest

from aidx.accounts.services import token_create
from aidx.assistance.models import Allocation
from aidx.logistics import selectors, services

pytestmark = pytest.mark.urls("aidx.logistics.tests.urls")


@pytest.fixture
def missions(airlift):
    (allocation,) = airlift.accepted()
    cargo = services.mission_create(
        actor=airlift.spain_log,
        aircraft=airlift.a400m,
        legs=[airlift.leg("madrid", "rome")],
        loads=[services.LoadInput(allocation=allocation.pk)],
    )
    pooled = services.mission_create(
        actor=airlift.italy_log, aircraft=airlift.c17, legs=[airlift.leg("rome", "madrid")]
    )
    return {"cargo": cargo, "pooled": pooled}


EXPECTED = {
    "coordinator": {"cargo", "pooled"},
    "ally_a": {"cargo", "pooled"},  # Italy: requesting nation; SAC member
    "ally_b": {"cargo", "pooled"},  # Spain: owner of the A400M and offering nation; SAC member
    "late_ally": set(),  # another ally, not concerned
    "partner": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_it_shows_missions_only_to_the_nations_concerned(client, airlift, missions, who):
    user = getattr(airlift.world, who)
    allowed = EXPECTED[who]
    assert set(selectors.missions_visible_to(user).values_list("pk", flat=True)) == {missions[k].pk for k in allowed}
    client.force_login(user)
    listing = client.get("/logistics/")
    assert listing.status_code == 200
    assert len(listing.context["page"].object_list) == len(allowed)
    _token, secret = token_create(actor=user, user=user, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    api = client.get("/api/v1/logistics/missions", **auth)
    assert api.status_code == 200, api.content
    assert {m["id"] for m in api.json()["items"]} == {missions[k].pk for k in allowed}
    for key, mission in missions.items():
        shown = key in allowed
        assert client.get(f"/logistics/missions/{mission.pk}/").status_code == (200 if shown else 404)
        answer = client.get(f"/api/v1/logistics/missions/{mission.pk}", **auth)
        assert answer.status_code == (200 if shown else 404)
        if not shown:
            assert answer.json()["error"]["code"] == "not_found"


def test_it_lists_each_mission_once_however_many_loads_it_carries(airlift):
    allocations = airlift.accepted((("ventilator", 10), ("mask-surgical", 100), ("mask-ffp2", 100)))
    services.mission_create(
        actor=airlift.spain_log,
        aircraft=airlift.a400m,
        legs=[airlift.leg("madrid", "rome")],
        loads=[services.LoadInput(allocation=a.pk) for a in allocations],
    )
    assert selectors.missions_visible_to(airlift.world.ally_a).count() == 1


def test_it_shows_the_figures_and_arcs_only_of_visible_missions(airlift, missions):
    cargo = missions["cargo"]
    services.mission_approve(actor=airlift.spain_log, mission=cargo)
    (leg,) = cargo.legs.all()
    services.leg_depart(actor=airlift.spain_log, leg=leg, at=leg.etd)
    services.leg_land(actor=airlift.spain_log, leg=leg, at=leg.eta)
    figures = selectors.logistics_figures(airlift.world.ally_a)
    assert (figures["missions"], figures["flights"], figures["tonnes"]) == (2, 1, 4.5)
    assert figures["series"] == [
        {"week": "2029-12-31", "flights": 1, "tonnes": 4.5, "patients": 0, "missions": 2, "staff": 0, "beds": 0}
    ]
    assert selectors.logistics_figures(airlift.world.ally_a, since=leg.eta.date().replace(day=2))["tonnes"] == 0
    assert selectors.logistics_figures(airlift.world.partner)["missions"] == 0
    arcs = selectors.mission_arcs(airlift.world.ally_a)
    assert {(a["from"]["code"], a["to"]["code"], a["status"]) for a in arcs} == {
        ("madrid", "rome", "landed"),
        ("rome", "madrid", "planned"),
    }
    assert selectors.mission_arcs(airlift.world.late_ally) == []


def test_it_renders_the_fleet_deployments_and_planner_pages(client, airlift, missions):
    client.force_login(airlift.spain_log)
    for url in ("/logistics/fleet/", "/logistics/deployments/", "/logistics/planner/"):
        assert client.get(url).status_code == 200, url
    assert "Strategic Airlift Capability" in client.get("/logistics/fleet/").content.decode()


def test_it_plans_and_flies_a_mission_through_the_api(client, airlift):
    (allocation,) = airlift.accepted()
    _token, secret = token_create(actor=airlift.spain_log, user=airlift.spain_log, name="t", write=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}
    leg = airlift.leg("madrid", "rome")
    body = {
        "aircraft": airlift.a400m.pk,
        "legs": [{"origin": "madrid", "destination": "rome", "etd": leg.etd.isoformat(), "eta": leg.eta.isoformat()}],
        "loads": [{"allocation": allocation.pk, "quantity": 1000}],
    }
    refused = client.post("/api/v1/logistics/missions", body, content_type="application/json", **auth)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "over_allocation"
    body["loads"][0]["quantity"] = 100
    created = client.post("/api/v1/logistics/missions", body, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    mission = created.json()
    assert mission["legs"][0]["kg"] == 4500 and mission["legs"][0]["manifest"][0]["requesting_nation"] == "ITA"
    base = f"/api/v1/logistics/missions/{mission['id']}"
    assert client.post(f"{base}/approve", **auth).json()["status"] == "approved"
    flown = client.post(f"{base}/legs/1/depart", {"at": leg.etd.isoformat()}, content_type="application/json", **auth)
    assert flown.status_code == 200, flown.content
    early = client.post(f"{base}/legs/1/land", content_type="application/json", **auth)  # now: before the take-off
    assert early.status_code == 400 and early.json()["error"]["fields"] == {"at": [early.json()["error"]["message"]]}
    landed = client.post(f"{base}/legs/1/land", {"at": leg.eta.isoformat()}, content_type="application/json", **auth)
    assert landed.json()["status"] == "completed"
    assert Allocation.objects.get(pk=allocation.pk).status == "shipped"
