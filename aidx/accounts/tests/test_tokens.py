from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from aidx.accounts.models import APIToken
from aidx.accounts.services import token_create, token_expiry, token_revoke
from aidx.core import formatting
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


def test_a_bad_token_on_a_post_is_401_not_a_csrf_failure(world):
    """A script's POST with a revoked or mistyped token was answered "CSRF check Failed" (403)."""
    revoked, revoked_secret = token_create(actor=world.ally_a, user=world.ally_a, name="old", write=True)
    token_revoke(actor=world.ally_a, token=revoked)
    script = Client(enforce_csrf_checks=True)
    body = {"title": "Note", "body": "Text"}
    for secret in (revoked_secret, "aidx_not-a-token", "nonsense"):
        answer = script.post("/api/v1/documents", body, content_type="application/json", **bearer(secret))
        assert answer.status_code == 401, (secret, answer.content)
        assert answer.json()["error"]["code"] == "unauthenticated"
    # A signed-in browser still needs its CSRF token on a write: the session is what a forged request would use.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.ally_a)
    answer = browser.post("/api/v1/documents", body, content_type="application/json")
    assert answer.status_code == 403


def test_a_token_stops_working_when_it_expires(client, world):
    soon = timezone.now() + dt.timedelta(hours=1)
    token, secret = token_create(actor=world.ally_a, user=world.ally_a, name="visit", write=True, expires_at=soon)
    me = client.get("/api/v1/me", **bearer(secret))
    assert me.status_code == 200 and me.json()["token_expires_at"] is not None
    APIToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401
    body = {"title": "Note", "body": "Text"}
    answer = Client(enforce_csrf_checks=True).post(
        "/api/v1/documents", body, content_type="application/json", **bearer(secret)
    )
    assert answer.status_code == 401
    with pytest.raises(BusinessError) as refused:
        token_create(actor=world.ally_a, user=world.ally_a, name="past", expires_at=timezone.now())
    assert refused.value.field == "expires_at"


def test_it_sets_and_shows_a_tokens_last_day_in_the_ui(client, world):
    client.force_login(world.ally_b)
    last_day = timezone.now().date() + dt.timedelta(days=30)
    page = client.post("/accounts/tokens/", {"name": "month", "expires_on": last_day.isoformat()})
    assert page.status_code == 200 and page.context["new_secret"]
    token = world.ally_b.api_tokens.get()
    assert token.expires_at == token_expiry(last_day) and token.is_active
    listing = client.get("/accounts/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    expiry = listing.split('data-testid="token-expiry">', 1)[1].split("<", 1)[0]
    assert expiry == formatting.moment(token.expires_at, language="en")
    yesterday = timezone.now().date() - dt.timedelta(days=1)
    refused = client.post("/accounts/tokens/", {"name": "late", "expires_on": yesterday.isoformat()})
    assert "Choose today or a later day." in refused.content.decode() and world.ally_b.api_tokens.count() == 1
    APIToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert ">expired<" in client.get("/accounts/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_command_line_makes_a_token_with_a_last_day(world):
    out = io.StringIO()
    call_command("token", "create", "ally_b", "--until", "2099-12-31", stdout=out)
    token = world.ally_b.api_tokens.get()
    assert token.expires_at == dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    listing = io.StringIO()
    call_command("token", "list", "ally_b", stdout=listing)
    assert "\tactive\t2100-01-01T00:00:00+00:00\t" in listing.getvalue()
