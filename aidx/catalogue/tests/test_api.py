"""The catalogue is reference data: every signed-in user and token reads all of it, nobody else any of it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidx.accounts.services import token_create
from aidx.catalogue.services import substitution_set
from aidx.catalogue.tests.conftest import item
from aidx.core.actors import SYSTEM


@pytest.fixture
def token(world):
    def for_user(user):
        _token, secret = token_create(actor=user, user=user, name="catalogue")  # read-only
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return for_user


@pytest.fixture
def italy(token, world):
    return token(world.ally_a)


def test_it_answers_nobody_without_a_token_or_a_session(client, catalogue):
    for path in ("/api/v1/items", "/api/v1/items/mask-surgical", "/api/v1/capability-types"):
        answer = client.get(path, HTTP_AUTHORIZATION="Bearer aidx_not-a-token")
        assert answer.status_code == 401, path
        assert answer.json()["error"]["code"] == "unauthenticated"
        assert client.get(path).status_code == 401


@pytest.mark.parametrize("who", ["coordinator", "ally_a", "partner", "outsider", "late_ally", "viewer"])
def test_it_gives_every_reader_the_whole_catalogue(client, catalogue, world, token, who):
    headers = token(getattr(world, who))
    items = client.get("/api/v1/items", **headers).json()
    assert items["count"] == 5 and len(items["items"]) == 5
    assert client.get("/api/v1/items/mask-surgical", **headers).status_code == 200
    assert client.get("/api/v1/capability-types", **headers).json()["count"] == 2


def test_it_reads_with_the_browsers_session_too(client, catalogue, world):
    client.force_login(world.partner)
    assert client.get("/api/v1/items/ventilator-icu").json()["code"] == "ventilator-icu"


def test_it_describes_an_item_with_its_substitutes_the_most_fitting_first(client, catalogue, italy):
    answer = client.get("/api/v1/items/mask-surgical", **italy)
    assert answer.status_code == 200
    assert answer.json() == {
        "code": "mask-surgical",
        "name": "Surgical mask",
        "category": "ppe",
        "unit": "piece",
        "unit_weight_kg": "0.0040",
        "unit_volume_m3": "0.000050",
        "shelf_life_days": 1825,
        "substitutes": [{"code": "mask-ffp2", "penalty": 2}, {"code": "mask-ffp3", "penalty": 4}],
        "illustrative": False,
    }


def test_it_answers_an_unknown_code_with_the_one_error_shape(client, catalogue, italy):
    english = client.get("/api/v1/items/mask-unknown", **italy, HTTP_ACCEPT_LANGUAGE="en")
    bokmal = client.get("/api/v1/items/mask-unknown", **italy, HTTP_ACCEPT_LANGUAGE="nb")
    assert english.status_code == bokmal.status_code == 404
    assert english.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    assert bokmal.json()["error"]["message"] not in ("", "Not found.")


@pytest.mark.parametrize(
    "language, surgical, ffp3, hospital",
    [
        ("en", "Surgical mask", "FFP3 respirator", "Field hospital, 50 beds"),
        ("nb", "Kirurgisk munnbind", "FFP3-maske", "Felthospital, 50 senger"),
        ("nn", "Kirurgisk munnbind", "FFP3 respirator", "Felthospital, 50 senger"),  # no Nynorsk name: English
        ("nb-NO", "Kirurgisk munnbind", "FFP3-maske", "Felthospital, 50 senger"),
        ("de", "Surgical mask", "FFP3 respirator", "Field hospital, 50 beds"),
    ],
)
def test_it_names_things_in_the_readers_language(client, catalogue, italy, language, surgical, ffp3, hospital):
    names = {
        row["code"]: row["name"]
        for row in client.get("/api/v1/items", **italy, HTTP_ACCEPT_LANGUAGE=language).json()["items"]
    }
    assert (names["mask-surgical"], names["mask-ffp3"]) == (surgical, ffp3)
    detail = client.get("/api/v1/items/mask-ffp3", **italy, HTTP_ACCEPT_LANGUAGE=language).json()
    assert detail["name"] == ffp3
    types = client.get("/api/v1/capability-types", **italy, HTTP_ACCEPT_LANGUAGE=language).json()["items"]
    assert {row["code"]: row["name"] for row in types}["field-hospital-50"] == hospital


def test_it_pages_the_items(client, catalogue, italy):
    for number in range(7):
        item(f"mask-{number}")
    pages = [client.get("/api/v1/items", {"page": page, "page_size": 5}, **italy).json() for page in (1, 2, 3)]
    assert [len(page["items"]) for page in pages] == [5, 5, 2]
    assert {page["count"] for page in pages} == {12} and not any(page["count_capped"] for page in pages)
    codes = [row["code"] for page in pages for row in page["items"]]
    assert len(set(codes)) == 12 and codes[:2] == ["gloves-nitrile", "mask-0"]
    assert client.get("/api/v1/items", {"page": 4, "page_size": 5}, **italy).json()["items"] == []


@pytest.mark.parametrize("query", [{"page": 0}, {"page_size": 0}, {"page": "second"}])
def test_it_refuses_a_page_that_cannot_be(client, catalogue, italy, query):
    answer = client.get("/api/v1/items", query, **italy)
    assert answer.status_code == 422
    assert set(answer.json()["error"]["fields"]) == set(query)


def test_it_reads_a_page_of_items_in_the_same_queries_however_many_there_are(client, catalogue, world):
    client.force_login(world.ally_a)  # a token's first use is noted once, which would count here

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/items", {"page_size": 100}).status_code == 200
        return len(captured)

    few = queries()
    for number in range(20):
        substitution_set(actor=SYSTEM, item=catalogue.gloves, substitute=item(f"mask-{number}"), penalty=number)
    assert queries() == few


def test_it_filters_items_by_category_and_by_search(client, catalogue, italy):
    def codes(**query):
        answer = client.get("/api/v1/items", query, **italy).json()
        assert answer["count"] == len(answer["items"])
        return [row["code"] for row in answer["items"]]

    assert codes(category="respiratory") == ["ventilator-icu"]
    assert codes(q="munnbind") == ["mask-surgical"]
    assert codes(q="mask", category="ppe") == ["mask-ffp2", "mask-ffp3", "mask-surgical"]
    assert codes(q="mask", category="respiratory") == []


def test_it_filters_capability_types_by_kind(client, catalogue, italy):
    answer = client.get("/api/v1/capability-types", {"kind": "aircraft"}, **italy).json()
    assert answer["count"] == 1
    [c17] = answer["items"]
    assert c17["code"] == "c-17" and c17["payload_kg"] == 77519 and c17["beds"] is None


@pytest.mark.parametrize(
    "path, query, field",
    [
        ("/api/v1/items", {"category": "weapons"}, "category"),
        ("/api/v1/items", {"q": "x" * 101}, "q"),
        ("/api/v1/capability-types", {"kind": "submarine"}, "kind"),
    ],
)
def test_it_refuses_an_unknown_filter_in_the_readers_language(client, catalogue, italy, path, query, field):
    english = client.get(path, query, **italy, HTTP_ACCEPT_LANGUAGE="en")
    bokmal = client.get(path, query, **italy, HTTP_ACCEPT_LANGUAGE="nb")
    assert english.status_code == bokmal.status_code == 422
    assert list(english.json()["error"]["fields"]) == [field]
    assert english.json()["error"]["fields"][field] != bokmal.json()["error"]["fields"][field]
