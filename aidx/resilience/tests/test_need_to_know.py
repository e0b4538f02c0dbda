"""Need-to-know on every surface of resilience: pages, print view, exports, API answers, the heat map and its
means, actions, comments, documents inside an answer, evidence from live data, and the supply figures. For an
outsider, a partner, another ally, the owner and the centre. A hidden assessment is never named, counted or
scored: its detail answers 404, never 403."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from aidx.documents.services import document_create
from aidx.resilience import services
from aidx.resilience.tests.conftest import submitted

VIEWERS = ("outsider", "partner", "ally_b", "ally_a", "coordinator")


@pytest.fixture
def records(world, template):
    ita = submitted(world.ally_a, template, level=4, title="Zq-ITA-private")  # default: Italy and the centre only
    esp = submitted(world.ally_b, template, level=1, title="Zq-ESP-allies")
    services.assessment_release(actor=world.ally_b, assessment=esp, releasability="allies")
    aus = submitted(world.partner, template, level=3, title="Zq-AUS-named")
    services.assessment_release(actor=world.partner, assessment=aus, releasability="named", release_to=[world.ita])
    for found, user in ((ita, world.ally_a), (esp, world.ally_b), (aus, world.partner)):
        services.action_create(
            actor=user,
            assessment=found,
            description=f"Zq-action-{found.owner_nation_id}",
            responsible="x",
            due=dt.date(2020, 1, 1),
        )
    return {"ITA": ita, "ESP": esp, "AUS": aus}


# who sees which assessment: (viewer, nation of the assessment) → visible
SEES = {
    "outsider": set(),
    "partner": {"AUS"},
    "ally_b": {"ESP"},
    "ally_a": {"ITA", "ESP", "AUS"},
    "coordinator": {"ITA", "ESP", "AUS"},
}


def _client(world, name):
    client = Client()
    client.force_login(getattr(world, name))
    return client


@pytest.mark.parametrize("viewer", VIEWERS)
def test_it_shows_each_assessment_exactly_to_those_who_may_see_it(world, records, viewer):
    client = _client(world, viewer)
    overview = client.get("/resilience/").content.decode()
    api_list = client.get("/api/v1/resilience/assessments").json()["items"]
    scores = {row["nation"] for row in client.get("/api/v1/resilience/scores").json()}
    heat_csv = client.get("/resilience/?format=csv").getvalue().decode("utf-8-sig")
    heat_nations = {row["nation"] for row in csv.DictReader(io.StringIO(heat_csv))}
    actions_page = client.get("/resilience/actions/").content.decode()
    overdue_page = client.get("/resilience/actions/?overdue=1").content.decode()
    api_actions = {a["description"] for a in client.get("/api/v1/resilience/actions").json()["items"]}
    for nation, found in records.items():
        seen = nation in SEES[viewer]
        assert (found.title in overview) == seen, (viewer, nation, "overview")
        assert (f'data-nation="{nation}"' in overview) == seen, (viewer, nation, "heat map")
        assert (found.pk in [a["id"] for a in api_list]) == seen, (viewer, nation, "api list")
        assert (nation in scores) == seen, (viewer, nation, "api scores")
        assert (nation in heat_nations) == seen, (viewer, nation, "heat map export")
        marker = f"Zq-action-{nation}"
        assert (marker in actions_page) == seen and (marker in overdue_page) == seen, (viewer, nation, "actions")
        assert (marker in api_actions) == seen, (viewer, nation, "api actions")
        for url in (
            f"/resilience/assessments/{found.pk}/",
            f"/resilience/assessments/{found.pk}/print/",
            f"/resilience/assessments/{found.pk}/?format=xlsx",
            f"/api/v1/resilience/assessments/{found.pk}",
        ):
            assert client.get(url).status_code == (200 if seen else 404), (viewer, nation, url)
        # acting on a hidden assessment does not tell that it exists
        posted = client.post(f"/resilience/assessments/{found.pk}/review/")
        assert posted.status_code in ((302,) if seen else (404,)), (viewer, nation, "transition")
        api_posted = client.post(
            f"/api/v1/resilience/assessments/{found.pk}/review", {}, content_type="application/json"
        )
        if not seen:
            assert api_posted.status_code == 404, (viewer, nation, "api transition")


def test_it_computes_the_heat_maps_means_over_the_rows_shown_only(world, records):
    # Italy sees its own 4s, Spain's 1s and Australia's 3s: mean (4 + 1 + 3) / 3 = 2.67
    italy = _client(world, "ally_a").get("/resilience/").content.decode()
    assert "2.67" in italy
    # Spain sees only its own row: the mean is its own score, nothing of Italy's private 4s
    spain = _client(world, "ally_b").get("/resilience/").content.decode()
    assert "2.67" not in spain and "4.00" not in spain


def test_it_shows_inside_an_answer_only_the_documents_the_viewer_may_see(world, template, records):
    esp = records["ESP"]
    services.assessment_transition(actor=world.coordinator, assessment=esp, action="return", reason="more")
    note = document_create(
        actor=world.ally_b, title="Zq-doc-for-australia", body="x", releasability="named", release_to=[world.aus]
    )
    services.answers_save(
        actor=world.ally_b, assessment=esp, answers=[{"indicator": "1.1", "level": 2, "documents": [note.pk]}]
    )
    # Spain's assessment is released to allies; the document inside only to Australia (and Spain, the centre)
    assert "Zq-doc-for-australia" in _client(world, "ally_b").get(f"/resilience/assessments/{esp.pk}/").content.decode()
    assert (
        "Zq-doc-for-australia"
        not in _client(world, "ally_a").get(f"/resilience/assessments/{esp.pk}/").content.decode()
    )
    answer = next(
        a
        for a in _client(world, "ally_a").get(f"/api/v1/resilience/assessments/{esp.pk}").json()["answers"]
        if a["indicator"] == "1.1"
    )
    assert answer["documents"] == []


def test_it_refuses_to_attach_a_document_the_nation_may_not_see(world, template, records):
    secret = document_create(
        actor=world.ally_a, title="Italian", body="x", releasability="named", release_to=[world.aus]
    )
    draft = services.assessment_start(actor=world.ally_b, template=template)
    with pytest.raises(Exception) as error:
        services.answers_save(
            actor=world.ally_b, assessment=draft, answers=[{"indicator": "1.1", "documents": [secret.pk]}]
        )
    assert "document" in str(error.value)


def test_it_hides_national_stock_evidence_from_other_nations_reading_a_released_assessment(world, records):
    esp = records["ESP"]
    own = _client(world, "ally_b").get(f"/api/v1/resilience/assessments/{esp.pk}").json()
    other = _client(world, "ally_a").get(f"/api/v1/resilience/assessments/{esp.pk}").json()
    live_own = next(a["live"] for a in own["answers"] if a["indicator"] == "5.2")
    live_other = next(a["live"] for a in other["answers"] if a["indicator"] == "5.2")
    assert live_own["hidden"] is False and live_own["figures"]
    assert live_other["hidden"] is True and live_other["figures"] == []


@pytest.mark.parametrize("viewer", ("outsider", "partner", "ally_b", "ally_a"))
def test_it_keeps_supply_figures_for_the_centre_and_stockpile_managers(world, viewer):
    client = _client(world, viewer)
    assert client.get("/resilience/supply/").status_code == 403
    for url in ("/api/v1/resilience/vulnerability", "/api/v1/resilience/manufacturers", "/api/v1/resilience/screening"):
        assert client.get(url).status_code == 403, url
    assert "Supply vulnerability" not in client.get("/resilience/").content.decode()


def test_it_opens_supply_figures_to_the_centre(world):
    client = _client(world, "coordinator")
    assert client.get("/resilience/supply/").status_code == 200
    assert client.get("/api/v1/resilience/vulnerability").status_code == 200
