from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from aidx.accounts.models import User
from aidx.accounts.services import token_create


@pytest.fixture
def italy(scenario):
    user = User.objects.get(username="italy")
    _token, secret = token_create(actor=user, user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_it_publishes_a_valid_openapi_3_document(client, db):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    spec = answer.json()
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert {"/api/v1/nations", "/api/v1/me", "/api/v1/items", "/api/v1/sites"} <= set(spec["paths"])


def test_it_serves_the_docs_page_without_outside_network(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_it_answers_which_nations_are_allies_on_a_date(client, italy):
    def allies(day):
        answer = client.get("/api/v1/nations", {"on": day, "standing": "ally", "page_size": 100}, **italy).json()
        return answer["count"], {n["code"] for n in answer["items"]}

    count, codes = allies("2020-06-18")
    assert count == 30 and "MKD" in codes and "FIN" not in codes
    assert allies("2020-03-26")[0] == 29
    assert allies("2023-04-04")[0] == 31
    count, codes = allies("2024-03-07")
    assert count == 32 and {"FIN", "SWE"} <= codes
    members = client.get("/api/v1/nations", {"on": "2020-06-18", "page_size": 100}, **italy).json()["items"]
    standing = {n["code"]: n["standing"] for n in members}
    assert standing["SWE"] == "partner" and standing["AUS"] == "partner" and standing["ITA"] == "ally"
    assert sum(1 for s in standing.values() if s == "ally") == 30


def test_it_gives_a_nations_history(client, italy):
    answer = client.get("/api/v1/nations/swe", **italy).json()
    assert [m["kind"] for m in answer["memberships"]] == ["partner", "ally"]
    assert answer["memberships"][1]["valid_from"] == "2024-03-07"
    assert client.get("/api/v1/nations/XXX", **italy).status_code == 404


def test_it_rejects_a_malformed_date_with_a_translated_error(client, italy):
    english = client.get("/api/v1/nations", {"on": "2020-02-30"}, HTTP_ACCEPT_LANGUAGE="en", **italy)
    bokmal = client.get("/api/v1/nations", {"on": "2020-02-30"}, HTTP_ACCEPT_LANGUAGE="nb", **italy)
    assert english.status_code == bokmal.status_code == 422
    assert english.json()["error"]["fields"]["on"] == ["Enter a valid date (YYYY-MM-DD)."]
    assert bokmal.json()["error"]["fields"]["on"] != english.json()["error"]["fields"]["on"]


def test_it_pages_lists(client, italy):
    first = client.get("/api/v1/sites", {"page_size": 10}, **italy).json()
    second = client.get("/api/v1/sites", {"page_size": 10, "page": 2}, **italy).json()
    assert first["count"] == second["count"] > 20
    assert len(first["items"]) == 10
    assert not {s["code"] for s in first["items"]} & {s["code"] for s in second["items"]}
    assert client.get("/api/v1/sites", {"page": 0}, **italy).status_code == 422


def test_it_reads_the_reference_data(client, italy, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        items = client.get("/api/v1/items", {"page_size": 100}, **italy).json()["items"]
    surgical = next(i for i in items if i["code"] == "mask-surgical")
    assert {s["code"] for s in surgical["substitutes"]} == {"mask-ffp2", "mask-ffp3"}
    aircraft = client.get("/api/v1/capability-types", {"kind": "aircraft"}, **italy).json()["items"]
    assert {a["code"]: a["payload_kg"] for a in aircraft}["c-17"] == 77519
    airfields = client.get("/api/v1/sites", {"kind": "airfield", "q": "LETO"}, **italy).json()["items"]
    assert [a["nation"] for a in airfields] == ["ESP"]
    organisations = client.get("/api/v1/organisations", **italy).json()["items"]
    assert "eu" in {o["code"] for o in organisations}
    me = client.get("/api/v1/me", **italy).json()
    assert me["standing"] == "ally" and me["roles"] == ["poc"]


def test_it_requires_authentication(client, db):
    for path in ("/api/v1/me", "/api/v1/nations", "/api/v1/documents", "/api/v1/items"):
        answer = client.get(path)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthenticated"
