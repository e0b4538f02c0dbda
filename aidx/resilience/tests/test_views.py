"""Pages and API: bad input answered with every problem at once and nothing written; the centre's versioning."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from aidx.resilience import services
from aidx.resilience.models import Answer, Assessment, Manufacturer, Ownership, Template
from aidx.resilience.tests.conftest import fill, indicators


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_it_starts_and_answers_an_assessment_on_its_page(world, template):
    client = _client(world.ally_a)
    response = client.post("/resilience/", {"title": "Italy 2021"})
    found = Assessment.objects.get(title="Italy 2021")
    assert response.status_code == 302 and response["Location"] == f"/resilience/assessments/{found.pk}/"
    posted = {"form": "answers", "level-1.1": "3", "evidence-1.1": "Plans tested in May", "level-1.2": ""}
    assert client.post(f"/resilience/assessments/{found.pk}/", posted).status_code == 302
    answer = Answer.objects.get(assessment=found, indicator__code="1.1")
    assert (answer.level, answer.evidence) == (3, "Plans tested in May")


def test_it_shows_every_bad_level_on_the_page_and_saves_none(world, template):
    found = services.assessment_start(actor=world.ally_a, template=template)
    posted = {"form": "answers", "level-1.1": "2", "level-1.2": "7", "level-2.1": "-1", "level-2.2": "x"}
    response = _client(world.ally_a).post(f"/resilience/assessments/{found.pk}/", posted)
    assert response.status_code == 400
    page = response.content.decode()
    for code in ("1.2", "2.1", "2.2"):
        assert f"Indicator {code}: the level must be a whole number from 0 to 4." in page
    assert not Answer.objects.filter(assessment=found, level__isnull=False).exists()


def test_it_lists_the_unanswered_indicators_when_submitting_too_early(world, template):
    found = services.assessment_start(actor=world.ally_a, template=template)
    client = _client(world.ally_a)
    response = client.post(f"/resilience/assessments/{found.pk}/submit/", follow=True)
    page = response.content.decode()
    assert "Indicator 1.1 is not answered." in page and "Indicator 7.2 is not answered." in page
    found.refresh_from_db()
    assert found.status == "draft"


def test_it_answers_bad_api_input_with_every_field_at_once(world, template):
    found = services.assessment_start(actor=world.ally_a, template=template)
    response = _client(world.ally_a).put(
        f"/api/v1/resilience/assessments/{found.pk}/answers",
        {
            "answers": [
                {"indicator": "1.1", "level": 9},
                {"indicator": "5.2", "level": -2},
                {"indicator": "x", "level": 1},
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"1.1.level", "5.2.level", "indicator"}
    assert not Answer.objects.filter(assessment=found, level__isnull=False).exists()


def test_it_answers_a_change_to_a_used_template_with_a_new_version_hint(world, template):
    services.assessment_start(actor=world.ally_a, template=template)
    body = {"code": "baseline", "title_en": "B", "title_nb": "B", "title_nn": "B", "indicators": indicators()}
    client = _client(world.coordinator)
    refused = client.put(f"/api/v1/resilience/templates/{template.pk}", body, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "template_in_use"
    made = client.post("/api/v1/resilience/templates", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["version"] == 2
    # the page's button copies the version it shows
    assert client.post(f"/resilience/templates/{template.pk}/").status_code == 302
    assert Template.objects.filter(code="baseline").count() == 3


def test_it_refuses_overlapping_owners_and_unknown_countries_on_the_page_and_in_the_api(world):
    maker = services.manufacturer_create(
        actor=world.coordinator,
        code="m",
        name="M",
        production_country="DEU",
        ownerships=[
            {
                "owner_name": "A",
                "owner_country": "DEU",
                "valid_from": dt.date(2000, 1, 1),
                "valid_until": dt.date(2010, 1, 1),
            }
        ],
    )
    client = _client(world.coordinator)
    page = client.post(
        f"/resilience/supply/manufacturers/{maker.pk}/",
        {"owner_name": "", "owner_country": "XYZ", "valid_from": "2005-01-01", "valid_until": "2007-01-01"},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "Unknown country: XYZ." in text and "name the ultimate owner" in text and "overlaps" in text
    api = client.post(
        "/api/v1/resilience/manufacturers",
        {"code": "n", "name": "N", "production_country": "QQQ", "items": ["nothing"], "ownerships": []},
        content_type="application/json",
    )
    assert api.status_code == 400 and set(api.json()["error"]["fields"]) == {"production_country", "items"}
    assert Ownership.objects.count() == 1 and Manufacturer.objects.count() == 1


def test_it_shows_the_radar_data_with_the_previous_assessment(world, template):
    first = services.assessment_start(actor=world.ally_a, template=template, title="Before")
    fill(world.ally_a, first, level=1)
    services.assessment_transition(actor=world.ally_a, assessment=first, action="submit")
    second = services.assessment_start(actor=world.ally_a, template=template, title="After")
    fill(world.ally_a, second, level=3)
    page = _client(world.ally_a).get(f"/resilience/assessments/{second.pk}/").content.decode()
    assert 'id="radar-data"' in page and '"previous": [1.0, 1.0' in page and '"current": [3.0' in page
    assert f'href="/resilience/assessments/{first.pk}/"' in page


def test_it_translates_the_template_into_nynorsk(world, template):
    found = services.assessment_start(actor=world.ally_a, template=template)
    client = _client(world.ally_a)
    client.cookies["django_language"] = "nn"
    page = client.get(f"/resilience/assessments/{found.pk}/", HTTP_ACCEPT_LANGUAGE="nn").content.decode()
    assert "Question 1.1 (nn)" in page and "nn level 4" in page
