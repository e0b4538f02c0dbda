"""No 500 on any input: every operation of the OpenAPI document is tried with values past what the database holds.

The operations come from the API's own OpenAPI document, so a new endpoint joins these tests without being named.
Each refusal is the one JSON error shape: {"error": {"code", "message", "fields"}}.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from aidx.accounts.services import token_create, user_create
from aidx.api import api
from aidx.core.paging import MAX_PAGE, MAX_PAGE_SIZE

SPEC: dict[str, Any] = api.get_openapi_schema(path_prefix="/api/v1/")
OPERATIONS = [(method.upper(), path, op) for path, ops in SPEC["paths"].items() for method, op in ops.items()]
TOO_BIG = 2**63  # one past the largest 64-bit integer
NUL = "a\x00b"


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _kinds(schema: dict[str, Any]) -> set[str]:
    schema = _resolve(schema)
    found = {schema["type"]} if isinstance(schema.get("type"), str) else set()
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        found |= _kinds(branch)
    return found


def _unbounded_integers(schema: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Where an integer in `schema` lacks a minimum or a maximum, as "where.field" paths."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen = seen | {name}
    schema = _resolve(schema)
    bounded = "maximum" in schema and ("minimum" in schema or "exclusiveMinimum" in schema)
    found = [where] if schema.get("type") == "integer" and not bounded else []
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        found += _unbounded_integers(branch, where, seen)
    for name, field in schema.get("properties", {}).items():
        found += _unbounded_integers(field, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        found += _unbounded_integers(schema["items"], f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        found += _unbounded_integers(schema["additionalProperties"], f"{where}{{}}", seen)
    return found


def _parameters(kind: str, location: str) -> list[tuple[str, str, str]]:
    """(method, path, parameter) for every `location` parameter of type `kind`."""
    return [
        (method, path, parameter["name"])
        for method, path, op in OPERATIONS
        for parameter in op.get("parameters", [])
        if parameter["in"] == location and kind in _kinds(parameter["schema"]) and not _is_enum(parameter["schema"])
    ]


def _is_enum(schema: dict[str, Any]) -> bool:
    schema = _resolve(schema)
    return "enum" in schema or any("enum" in _resolve(branch) for branch in schema.get("anyOf", []))


def _url(path: str, **values: Any) -> str:
    """`path` with every {parameter} filled: integers with 1 unless given, strings with "x"."""

    def fill(match: re.Match[str]) -> str:
        return str(values.get(match.group(1), 1))

    return re.sub(r"{(\w+)}", fill, path)


LISTS = sorted({(method, path) for method, path, name in _parameters("integer", "query") if name == "page"})
INTEGER_QUERIES = [entry for entry in _parameters("integer", "query") if entry[2] not in {"page", "page_size"}]
INTEGER_PATHS = sorted({(method, path) for method, path, _name in _parameters("integer", "path")})
TEXT_QUERIES = _parameters("string", "query")
TEXT_PATHS = sorted({(method, path) for method, path, _name in _parameters("string", "path")})


@pytest.fixture
def client(world) -> Client:
    """A write token of the centre with every role, so that calls get past the role checks to the look-ups; CSRF
    enforced as for a real client; errors answer as in production."""
    roles = {"coordinator", "stockpile", "logistics"}
    user = user_create(actor=None, username="fuzzer", password=None, organisation=world.centre, roles=roles)
    _token, secret = token_create(actor=user, user=user, name="bounds", write=True)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.raise_request_exception = False
    return client


def _assert_refused(answer: Any, *statuses: int) -> dict[str, Any]:
    assert answer.status_code in statuses, (answer.status_code, answer.content[:300])
    assert answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_the_document_finds_the_lists_and_filters():
    """The parametrised tests below are only as good as what they find: the known lists and filters are there."""
    assert len(LISTS) >= 15
    assert {("GET", "/api/v1/offers", "in_reply_to"), ("GET", "/api/v1/allocations", "offer")} <= set(INTEGER_QUERIES)
    assert ("GET", "/api/v1/stockpile/ledger", "lot") in INTEGER_QUERIES
    assert ("POST", "/api/v1/stockpile/allocations/{allocation_id}/reserve") in INTEGER_PATHS


def test_it_documents_the_range_of_every_integer_a_client_sends():
    unbounded = []
    for method, path, op in OPERATIONS:
        for parameter in op.get("parameters", []):
            unbounded += _unbounded_integers(parameter["schema"], f"{method} {path} {parameter['name']}", set())
        for content in op.get("requestBody", {}).get("content", {}).values():
            unbounded += _unbounded_integers(content["schema"], f"{method} {path} body", set())
    assert unbounded == []


@pytest.mark.parametrize(("method", "path"), LISTS, ids=[f"{m} {p}" for m, p in LISTS])
def test_it_refuses_a_page_number_past_what_a_database_can_skip(client, method, path):
    error = _assert_refused(client.get(_url(path), {"page": 2**63 - 1}), 422)
    assert set(error["fields"]) == {"page"}
    assert _assert_refused(client.get(_url(path), {"page": MAX_PAGE + 1}), 422)["fields"].keys() == {"page"}
    error = _assert_refused(client.get(_url(path), {"page_size": MAX_PAGE_SIZE + 1}), 422)
    assert set(error["fields"]) == {"page_size"}


@pytest.mark.parametrize(("method", "path", "name"), INTEGER_QUERIES, ids=[" ".join(e) for e in INTEGER_QUERIES])
def test_it_refuses_an_integer_filter_past_64_bits(client, method, path, name):
    error = _assert_refused(client.generic(method, _url(path) + f"?{name}={TOO_BIG}"), 422)
    assert set(error["fields"]) == {name}


@pytest.mark.parametrize(("method", "path"), INTEGER_PATHS, ids=[f"{m} {p}" for m, p in INTEGER_PATHS])
def test_it_answers_an_id_past_64_bits_in_a_path_with_a_clean_refusal(client, method, path):
    names = re.findall(r"{(\w+)}", path)
    for value in (TOO_BIG, 10**30, 999_999_999):
        answer = client.generic(method, _url(path, **dict.fromkeys(names, value)), "{}", "application/json")
        _assert_refused(answer, 400, 403, 404, 422)


@pytest.mark.parametrize(("method", "path", "name"), TEXT_QUERIES, ids=[" ".join(e) for e in TEXT_QUERIES])
def test_it_refuses_a_nul_character_in_a_text_filter(client, method, path, name):
    error = _assert_refused(client.generic(method, _url(path) + f"?{name}=a%00b"), 400)
    assert error["code"] == "nul_character"


@pytest.mark.parametrize(("method", "path"), TEXT_PATHS, ids=[f"{m} {p}" for m, p in TEXT_PATHS])
def test_it_refuses_a_nul_character_in_a_path(client, method, path):
    names = re.findall(r"{(\w+)}", path)
    answer = client.generic(method, _url(path, **dict.fromkeys(names, "a%00b")), "{}", "application/json")
    assert _assert_refused(answer, 400)["code"] == "nul_character"


def test_it_refuses_a_nul_character_in_a_json_body_naming_the_field(client):
    body = {"title": NUL, "lines": [{"item": "x", "quantity": 1, "available_from": "2020-04-01", "notes": NUL}]}
    answer = client.post("/api/v1/offers", json.dumps(body), "application/json", HTTP_ACCEPT_LANGUAGE="en")
    error = _assert_refused(answer, 400)
    assert error["code"] == "nul_character"
    assert error["fields"] == {
        "title": ["The text contains a NUL character."],
        "lines.0.notes": ["The text contains a NUL character."],
    }
    norwegian = client.post("/api/v1/offers", json.dumps(body), "application/json", HTTP_ACCEPT_LANGUAGE="nb")
    assert _assert_refused(norwegian, 400)["fields"]["title"] != error["fields"]["title"]


def test_it_refuses_the_issues_out_of_range_values_in_bodies(client):
    """price_minor ≥ 2**63 (bigint overflow on PostgreSQL) and a match-run seed of 10**20 (integer column)."""
    offer = {
        "title": "For sale",
        "terms": "sale",
        "price_minor": TOO_BIG,
        "currency": "EUR",
        "lines": [{"item": "x", "quantity": 3_000_000_000, "available_from": "2020-04-01"}],
    }
    error = _assert_refused(client.post("/api/v1/offers", json.dumps(offer), "application/json"), 422)
    assert set(error["fields"]) == {"price_minor", "lines.0.quantity"}
    run = {"seed": 10**20}
    error = _assert_refused(client.post("/api/v1/match-runs", json.dumps(run), "application/json"), 422)
    assert set(error["fields"]) == {"seed"}


def test_it_answers_an_unknown_api_path_with_the_json_not_found(client):
    for method in ("GET", "POST", "DELETE"):
        error = _assert_refused(client.generic(method, "/api/v1/no-such-thing/7"), 404)
        assert error["code"] == "not_found"
    assert _assert_refused(client.get("/api/v1/offers/not-a-number"), 404)["code"] == "not_found"


def test_an_unexpected_error_on_the_api_stays_json_in_production(client, monkeypatch, settings):
    settings.DEBUG = False
    from aidx.accounts import api as accounts_api

    def broken(user: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(accounts_api, "viewer_for", broken)
    error = _assert_refused(client.get("/api/v1/me"), 500)
    assert error["code"] == "server_error" and "bug" not in error["message"]


def test_it_refuses_a_mission_for_an_unknown_aircraft_by_its_field(client):
    leg = {"origin": "LIRF", "destination": "LEMD", "etd": "2020-04-01T10:00:00Z", "eta": "2020-04-01T12:00:00Z"}
    answer = client.post(
        "/api/v1/logistics/missions", json.dumps({"aircraft": 999_999, "legs": [leg]}), "application/json"
    )
    error = _assert_refused(answer, 400)
    assert set(error["fields"]) == {"aircraft"}


def test_it_refuses_a_nul_character_on_the_pages_and_in_forms_too(db, world):
    browser = Client()
    browser.force_login(world.ally_a)
    for answer in (
        browser.get("/exchange/requests/", {"q": NUL}, HTTP_ACCEPT_LANGUAGE="en"),
        browser.post("/accounts/tokens/", {"name": NUL}, HTTP_ACCEPT_LANGUAGE="en"),
    ):
        assert answer.status_code == 400
        assert "The request contains a NUL character" in answer.content.decode()
    norwegian = browser.get("/exchange/requests/", {"q": NUL}, HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "The request contains" not in norwegian and "NUL" in norwegian


@pytest.mark.parametrize("action", ["reserve", "release", "cancel"])
def test_a_stockpile_action_on_an_unknown_allocation_is_not_found(client, action):
    error = _assert_refused(client.post(f"/api/v1/stockpile/allocations/999999/{action}"), 404)
    assert error["code"] == "not_found"
