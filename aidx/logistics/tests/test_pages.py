"""The logistics officer's forms in the web UI: register an aircraft, deploy a team or field hospital and record
its arrival and return, plan a mission by hand, and name the tasking nation when approving a planner proposal
that flies a pool aircraft. Bad input answers 400 (a refused actor 403) and writes nothing; success redirects."""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.accounts.services import user_create
from aidx.core.actors import SYSTEM
from aidx.logistics import planning, services
from aidx.logistics.models import Aircraft, Deployment, Mission
from aidx.logistics.tests.test_deployments import capability_allocation

pytestmark = pytest.mark.urls("aidx.logistics.tests.urls")


def rows(prefix, *filled, total=None):
    """POST data for a formset: the management form plus the filled rows (field -> value)."""
    data = {f"{prefix}-TOTAL_FORMS": str(total or max(len(filled), 1)), f"{prefix}-INITIAL_FORMS": "0"}
    for n, row in enumerate(filled):
        data.update({f"{prefix}-{n}-{field}": value for field, value in row.items()})
    return data


def aircraft_data(**overrides):
    return {
        "capability": "a400m",
        "tail": "T.23-02",
        "owner": "nation:ESP",
        "home": "madrid",
        **rows("windows", {"starts": "2030-01-01T00:00", "ends": "2030-02-01T00:00"}),
        **overrides,
    }


def leg(origin, destination, etd="2030-01-01T08:00", eta="2030-01-01T11:00"):
    return {"origin": origin, "destination": destination, "etd": etd, "eta": eta}


def mission_data(aircraft, legs, loads=(), **overrides):
    return {"aircraft": str(aircraft.pk), "notes": "", **rows("legs", *legs), **rows("loads", *loads), **overrides}


# --- aircraft ------------------------------------------------------------------------------------------------


def test_it_registers_an_aircraft_through_the_page(client, airlift):
    client.force_login(airlift.spain_log)
    assert "Register an aircraft" in client.get("/logistics/fleet/").content.decode()
    assert client.get("/logistics/fleet/new/").status_code == 200
    answer = client.post("/logistics/fleet/new/", aircraft_data())
    assert answer.status_code == 302 and answer["Location"] == "/logistics/fleet/"
    aircraft = Aircraft.objects.get(tail="T.23-02")
    assert (aircraft.capability.code, aircraft.owner_nation_id, aircraft.home.code) == ("a400m", "ESP", "madrid")
    assert aircraft.windows.get().ends == dt.datetime(2030, 2, 1, tzinfo=dt.UTC)


def test_it_lets_a_coordinator_register_a_pool_aircraft(client, airlift):
    client.force_login(airlift.world.coordinator)
    answer = client.post("/logistics/fleet/new/", aircraft_data(capability="c-17", tail="SAC 02", owner="pool:sac"))
    assert answer.status_code == 302
    assert Aircraft.objects.get(tail="SAC 02").pool == airlift.pool


@pytest.mark.parametrize(
    "bad",
    [
        {"home": "nowhere"},  # unknown airfield
        {"home": "milan"},  # a city, not an airfield
        {"capability": "medical-team"},  # not an aircraft type
        {"tail": ""},
        {"tail": "T.23-01"},  # already registered (the service says so, on the field)
        {"owner": "nation:ITA"},  # a Spanish officer registers Spanish aircraft only
        rows("windows", {"starts": "2030-02-01T00:00", "ends": "2030-01-01T00:00"}),  # ends before it starts
    ],
)
def test_it_refuses_a_bad_aircraft_and_writes_nothing(client, airlift, bad):
    client.force_login(airlift.spain_log)
    before = Aircraft.objects.count()
    answer = client.post("/logistics/fleet/new/", aircraft_data(**bad))
    assert answer.status_code == 400
    assert 'class="field invalid' in answer.content.decode() or 'class="line invalid' in answer.content.decode()
    assert Aircraft.objects.count() == before


# --- who may use the forms -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/logistics/fleet/new/", "/logistics/missions/new/", "/logistics/deployments/new/"])
def test_it_forbids_the_forms_to_a_user_without_the_logistics_role(client, airlift, url):
    client.force_login(airlift.world.ally_b)  # Spain's point of contact, not a logistics officer
    assert client.get(url).status_code == 403
    assert client.post(url, aircraft_data()).status_code == 403
    assert "Plan a mission" not in client.get("/logistics/").content.decode()
    assert Aircraft.objects.filter(tail="T.23-02").count() == 0


# --- deployments -----------------------------------------------------------------------------------------------


def deployment_data(allocation, **overrides):
    return {
        "allocation": str(allocation.pk),
        "site": "milan",
        "starts": "2030-01-01",
        "ends": "2030-01-31",
        "doctors": "9",
        "nurses": "0",
        "paramedics": "6",
        "other_staff": "0",
        "languages": "pl, EN",
        "notes": "",
        **overrides,
    }


def test_it_deploys_a_team_and_records_arrival_and_return_through_the_pages(client, airlift):
    team = capability_allocation(airlift, "medical-team", 1)
    client.force_login(airlift.spain_log)
    assert "Deploy a team or field hospital" in client.get("/logistics/deployments/").content.decode()
    answer = client.post("/logistics/deployments/new/", deployment_data(team))
    assert answer.status_code == 302 and answer["Location"] == "/logistics/deployments/"
    deployment = Deployment.objects.get()
    assert (deployment.site.code, deployment.staff, deployment.languages) == ("milan", 15, "en,pl")
    url = f"/logistics/deployments/{deployment.pk}/record/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"on": "2030-01-02"}).status_code == 302
    deployment.refresh_from_db()
    assert (deployment.status, deployment.arrived_on) == ("deployed", dt.date(2030, 1, 2))
    refused = client.post(url, {"on": "2030-01-01"})  # back home before it arrived
    assert refused.status_code == 400 and "before the arrival" in refused.content.decode()
    deployment.refresh_from_db()
    assert (deployment.status, deployment.returned_on) == ("deployed", None)
    assert client.post(url, {"on": "2030-01-20"}).status_code == 302
    deployment.refresh_from_db()
    assert (deployment.status, deployment.returned_on) == ("returned", dt.date(2030, 1, 20))


@pytest.mark.parametrize(
    "bad",
    [
        {"ends": "2029-12-31"},  # ends before it starts
        {"site": "atlantis"},
        {"doctors": "-1"},
        {"starts": "not a date"},
    ],
)
def test_it_refuses_a_bad_deployment_and_writes_nothing(client, airlift, bad):
    team = capability_allocation(airlift, "medical-team", 1)
    client.force_login(airlift.spain_log)
    answer = client.post("/logistics/deployments/new/", deployment_data(team, **bad))
    assert answer.status_code == 400 and 'class="field invalid' in answer.content.decode()
    assert not Deployment.objects.exists()


def test_it_refuses_to_deploy_cargo(client, airlift):
    (cargo,) = airlift.accepted()
    client.force_login(airlift.spain_log)
    assert client.post("/logistics/deployments/new/", deployment_data(cargo)).status_code == 400
    assert not Deployment.objects.exists()


def test_it_does_not_let_another_nation_deploy_or_record_your_team(client, airlift):
    team = capability_allocation(airlift, "medical-team", 1)
    aus_log = user_create(
        actor=None, username="aus_log", password=airlift.world.password, nation=airlift.world.aus, roles={"logistics"}
    )
    client.force_login(aus_log)
    page = client.get("/logistics/deployments/new/").content.decode()
    assert f'<option value="{team.pk}"' not in page  # not even offered
    assert client.post("/logistics/deployments/new/", deployment_data(team)).status_code in (400, 403)
    assert not Deployment.objects.exists()
    client.force_login(airlift.spain_log)
    client.post("/logistics/deployments/new/", deployment_data(team))
    deployment = Deployment.objects.get()
    client.force_login(aus_log)
    assert client.post(f"/logistics/deployments/{deployment.pk}/record/", {"on": "2030-01-02"}).status_code == 404
    deployment.refresh_from_db()
    assert deployment.status == "planned"


# --- missions --------------------------------------------------------------------------------------------------


def test_it_plans_a_mission_by_hand_through_the_page(client, airlift):
    (ventilators,) = airlift.accepted((("ventilator", 100),))
    client.force_login(airlift.spain_log)
    assert "Plan a mission" in client.get("/logistics/").content.decode()
    assert client.get("/logistics/missions/new/").status_code == 200
    data = mission_data(
        airlift.a400m,
        [leg("madrid", "rome"), leg("rome", "madrid", "2030-01-01T13:00", "2030-01-01T16:00")],
        [{"allocation": str(ventilators.pk), "quantity": "", "board": "1", "unload": "1"}],
    )
    answer = client.post("/logistics/missions/new/", data)
    mission = Mission.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/logistics/missions/{mission.pk}/"
    assert [(lg.origin.code, lg.destination.code) for lg in mission.legs.order_by("sequence")] == [
        ("madrid", "rome"),
        ("rome", "madrid"),
    ]
    load = mission.loads.get()
    assert (load.allocation_id, load.quantity, load.kg, load.unload_leg.sequence) == (ventilators.pk, 100, 4500, 1)
    assert mission.status == "planned" and mission.created_by == airlift.spain_log


def test_it_refuses_an_overloaded_leg_and_says_which(client, airlift):
    (ventilators,) = airlift.accepted((("ventilator", 1000),))  # 45 t on a 37 t A400M
    client.force_login(airlift.spain_log)
    data = mission_data(
        airlift.a400m, [leg("madrid", "rome")], [{"allocation": str(ventilators.pk), "board": "1", "unload": ""}]
    )
    answer = client.post("/logistics/missions/new/", data)
    page = answer.content.decode()
    assert answer.status_code == 400 and "overloaded" in page
    assert 'id="legs-1"' in page and page.index("overloaded") > page.index('id="legs-1"')  # on the leg's row
    assert not Mission.objects.exists()


@pytest.mark.parametrize(
    "legs",
    [
        [leg("madrid", "atlantis")],  # unknown airfield
        [leg("madrid", "milan")],  # a city
        [leg("madrid", "rome", "2030-01-01T11:00", "2030-01-01T08:00")],  # lands before it takes off
        [leg("madrid", "rome"), leg("rome", "madrid", "2030-01-01T09:00", "2030-01-01T12:00")],  # before leg 1 lands
        [leg("madrid", "rome"), leg("madrid", "rome", "2030-01-01T13:00", "2030-01-01T16:00")],  # not from rome
        [leg("madrid", "canberra")],  # beyond the range
        [],  # no leg
    ],
)
def test_it_refuses_bad_legs_and_writes_nothing(client, airlift, legs):
    client.force_login(airlift.spain_log)
    answer = client.post("/logistics/missions/new/", mission_data(airlift.a400m, legs))
    assert answer.status_code == 400 and 'role="alert"' in answer.content.decode()
    assert not Mission.objects.exists()


def test_it_does_not_let_another_nation_fly_your_aircraft(client, airlift):
    client.force_login(airlift.italy_log)
    page = client.get("/logistics/missions/new/").content.decode()
    assert f'<option value="{airlift.a400m.pk}"' not in page  # Spain's A400M is not offered
    assert f'<option value="{airlift.c17.pk}"' in page  # the pool's C-17 is
    answer = client.post("/logistics/missions/new/", mission_data(airlift.a400m, [leg("madrid", "rome")]))
    assert answer.status_code in (400, 403)
    assert not Mission.objects.exists()


def test_it_does_not_load_an_allocation_of_other_nations(client, airlift):
    (ventilators,) = airlift.accepted()  # Spain offers, Italy requests
    aus_log = user_create(
        actor=None, username="aus_log", password=airlift.world.password, nation=airlift.world.aus, roles={"logistics"}
    )
    aussie = services.aircraft_register(
        actor=SYSTEM, capability="a400m", tail="A40-01", home="canberra", owner_nation="AUS"
    )
    client.force_login(aus_log)
    data = mission_data(aussie, [leg("madrid", "rome")], [{"allocation": str(ventilators.pk), "board": "1"}])
    assert client.post("/logistics/missions/new/", data).status_code == 400
    assert not Mission.objects.exists()


def test_it_books_a_pool_mission_to_the_tasking_nation(client, airlift):
    client.force_login(airlift.italy_log)
    legs = [leg("rome", "madrid")]
    assert client.post("/logistics/missions/new/", mission_data(airlift.c17, legs, tasked_by="ESP")).status_code == 400
    assert not Mission.objects.exists()
    answer = client.post("/logistics/missions/new/", mission_data(airlift.c17, legs, tasked_by="ITA"))
    assert answer.status_code == 302, answer.content.decode()
    assert Mission.objects.get().tasked_by_id == "ITA"


# --- the planner's review: the tasking nation of a pool aircraft ----------------------------------------------


@pytest.fixture
def pool_run(airlift, django_capture_on_commit_callbacks):
    """A coordinator's planner run whose only usable aircraft is the pool's C-17."""
    airlift.accepted((("ventilator", 100),))
    Aircraft.objects.exclude(pk=airlift.c17.pk).update(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        run = planning.plan_run_start(actor=airlift.world.coordinator, time_limit=1)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    assert {m["aircraft"] for m in run.proposal["missions"]} == {airlift.c17.pk}
    return run


def test_it_asks_for_the_tasking_nation_before_approving_a_pool_aircraft(client, airlift, pool_run):
    client.force_login(airlift.world.coordinator)
    page = client.get(f"/logistics/planner/{pool_run.pk}/").content.decode()
    assert 'name="tasked_by"' in page and 'value="ITA"' in page and 'value="ESP"' in page
    answer = client.post(f"/logistics/planner/{pool_run.pk}/approve/", {})
    assert answer.status_code == 400 and 'class="field invalid' in answer.content.decode()
    answer = client.post(f"/logistics/planner/{pool_run.pk}/approve/", {"tasked_by": "BRA"})
    assert answer.status_code == 400
    assert not Mission.objects.exists()
    pool_run.refresh_from_db()
    assert pool_run.approved_at is None


def test_it_approves_a_pool_aircraft_proposal_for_the_tasking_nation(client, airlift, pool_run):
    client.force_login(airlift.world.coordinator)
    answer = client.post(f"/logistics/planner/{pool_run.pk}/approve/", {"tasked_by": "ITA"})
    assert answer.status_code == 302
    assert Mission.objects.get().tasked_by_id == "ITA"


def test_it_shows_no_tasking_field_for_a_nations_own_aircraft(client, airlift, django_capture_on_commit_callbacks):
    airlift.accepted((("ventilator", 100),))
    Aircraft.objects.exclude(pk=airlift.a400m.pk).update(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        run = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)
    client.force_login(airlift.spain_log)
    assert 'name="tasked_by"' not in client.get(f"/logistics/planner/{run.pk}/").content.decode()
    assert client.post(f"/logistics/planner/{run.pk}/approve/", {}).status_code == 302
    assert Mission.objects.get().status == "approved"
