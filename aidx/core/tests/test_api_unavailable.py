"""When the database goes away under a call (restarted, failed over, its connection ended), the API answers 503 in
its JSON error shape with Retry-After, and nothing was written: the client tries again (bench/load.py does)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from aidx.accounts.services import token_create
from aidx.assistance import api as exchange_api


@pytest.mark.django_db
def test_it_answers_503_in_json_when_the_database_is_unavailable(world, client, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(exchange_api.selectors, "requests_visible_to", unavailable)
    secret = token_create(actor=world.ally_a, user=world.ally_a, name="t")[1]
    answer = client.get("/api/v1/requests", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "2"
    error = answer.json()["error"]
    assert error["code"] == "unavailable"
    assert error["message"] == "The service is briefly unavailable. Try again in a few seconds."
