"""The OpenAPI document states every operation's error answers, and the answers are what it states."""

from __future__ import annotations

import jsonschema
import pytest
from django.test import Client

from aidx.accounts.services import token_create

ERRORS = {"400", "401", "403", "404", "409", "422"}


@pytest.fixture
def spec(client, db):
    return client.get("/api/v1/openapi.json").json()


def _error_schema(spec):
    """The Error schema with the document's components, for jsonschema."""
    return {"$ref": "#/components/schemas/Error", "components": spec["components"]}


def test_every_operation_documents_its_error_answers(spec):
    undocumented = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = ERRORS | ({"413"} if "requestBody" in operation else set())
            missing = expected - set(responses)
            wrong = [
                status
                for status in expected & set(responses)
                if responses[status]["content"]["application/json"]["schema"] != {"$ref": "#/components/schemas/Error"}
            ]
            if missing or wrong:
                undocumented.append((method, path, sorted(missing), wrong))
    assert undocumented == []
    detail = spec["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "fields"}


def test_the_error_answers_match_the_documented_schema(spec, world):
    _token, secret = token_create(actor=world.partner, user=world.partner, name="read")
    reader = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    script = Client(enforce_csrf_checks=True)
    answers = {
        401: script.post("/api/v1/documents", {}, "application/json", HTTP_AUTHORIZATION="Bearer aidx_revoked"),
        403: script.post("/api/v1/documents", {"title": "T", "body": "B"}, "application/json", **reader),
        404: script.get("/api/v1/requests/999999", **reader),
        422: script.get("/api/v1/requests", {"page_size": 501}, **reader),
        400: script.get("/api/v1/requests", {"q": "a\x00b"}, **reader),
    }
    for status, answer in answers.items():
        assert answer.status_code == status, (status, answer.content)
        jsonschema.validate(answer.json(), _error_schema(spec))
