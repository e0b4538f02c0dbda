"""A body the API cannot parse is answered in the language of Accept-Language."""

from __future__ import annotations

import pytest

from aidx.accounts.services import token_create


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "The body is not valid JSON."), ("nn", "Innhaldet i førespurnaden er ikkje gyldig JSON.")],
)
def test_it_answers_a_body_that_is_not_json_in_the_readers_language(client, world, language, message):
    _token, secret = token_create(actor=world.ally_a, user=world.ally_a, name="t", write=True)
    answer = client.post(
        "/api/v1/requests",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": {"code": "bad_json", "message": message, "fields": {}}}
