from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from aidx.accounts.models import APIToken
from aidx.accounts.services import token_create, token_revoke
from aidx.core.errors import BusinessError, PermissionDenied


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_it_stores_only_a_digest_and_authenticates_with_the_token(client, world):
    token, secret = token_create(actor=world.ally_a, user=world.ally_a, name="script")
    assert secret not in {token.digest, token.prefix} and len(token.digest) == 64
    assert not APIToken.objects.filter(digest=secret).exists()
    answer = client.get("/api/v1/me", **bearer(secret))
    assert answer.status_code == 200
    assert answer.json()["nation"] == "ITA" and answer.json()["token_scope"] == "read"
    assert client.get("/api/v1/me", **bearer(secret + "x")).status_code == 401


def test_it_refuses_a_revoked_token(client, world):
    token, secret = token_create(actor=world.ally_a, user=world.ally_a, name="script")
    token_revoke(actor=world.ally_a, token=token)
    answer = client.get("/api/v1/me", **bearer(secret))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"
    with pytest.raises(BusinessError):
        token_revoke(actor=world.ally_a, token=token)


def test_it_refuses_writes_with_a_read_only_token(client, world):
    _token, read_only = token_create(actor=world.ally_a, user=world.ally_a, name="read")
    _token, writer = token_create(actor=world.ally_a, user=world.ally_a, name="write", write=True)
    body = {"title": "Note", "body": "Text"}
    answer = client.post("/api/v1/documents", body, content_type="application/json", **bearer(read_only))
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "read_only_token"
    answer = client.post("/api/v1/documents", body, content_type="application/json", **bearer(writer))
    assert answer.status_code == 201


def test_it_lets_nobody_make_or_revoke_tokens_for_someone_else(world):
    with pytest.raises(PermissionDenied):
        token_create(actor=world.ally_b, user=world.ally_a, name="x")
    token, _secret = token_create(actor=world.ally_a, user=world.ally_a, name="x")
    with pytest.raises(PermissionDenied):
        token_revoke(actor=world.ally_b, token=token)


def test_it_prints_a_working_token_from_the_command_line(client, world):
    out = io.StringIO()
    call_command("token", "create", "ally_b", "--write", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("aidx_")
    me = client.get("/api/v1/me", **bearer(secret)).json()
    assert me["username"] == "ally_b" and me["token_scope"] == "write"


def test_it_makes_shows_once_and_revokes_tokens_in_the_ui(client, world):
    client.force_login(world.partner)
    page = client.post("/accounts/tokens/", {"name": "export", "write": "on"})
    assert page.status_code == 200
    secret = page.context["new_secret"]
    assert secret.encode() in page.content
    assert secret.encode() not in client.get("/accounts/tokens/").content  # shown once only
    token = world.partner.api_tokens.get()
    assert token.scope == "write"
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Another user's token is not theirs to revoke: 404, unchanged.
    other, _secret = token_create(actor=world.ally_a, user=world.ally_a, name="mine")
    assert client.post(f"/accounts/tokens/{other.pk}/revoke/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_it_rejects_an_empty_token_name_with_a_translated_error(client, world):
    client.force_login(world.ally_a)
    page = client.post("/accounts/tokens/", {"name": ""}, HTTP_ACCEPT_LANGUAGE="nb")
    assert page.status_code == 200 and not world.ally_a.api_tokens.exists()
    with translation.override("nb"):
        required = gettext("This field is required.")
    assert required != "This field is required." and required in page.content.decode()
