"""Need-to-know on every surface of documents: list, count, search, detail, API list and detail."""

from __future__ import annotations

import pytest

from aidx.accounts.services import token_create
from aidx.audit.models import AuditEntry
from aidx.core.errors import BusinessError
from aidx.documents.models import Document
from aidx.documents.services import document_create


@pytest.fixture
def library(world):
    make = lambda title, releasability, to=None: document_create(  # noqa: E731
        actor=world.ally_a, title=title, body=f"body of {title}", releasability=releasability, release_to=to
    )
    return {
        "allies": make("Allies secret", "allies"),
        "shared": make("Shared guidance", "allies_partners"),
        "spain": make("For Spain", "named", [world.esp]),
    }


EXPECTED = {
    "coordinator": {"allies", "shared", "spain"},
    "ally_a": {"allies", "shared", "spain"},
    "ally_b": {"allies", "shared", "spain"},
    "partner": {"shared"},
    "outsider": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_it_shows_each_user_only_releasable_documents_everywhere(client, world, library, who):
    user = getattr(world, who if who != "coordinator" else "coordinator")
    allowed, denied = EXPECTED[who], set(library) - EXPECTED[who]
    client.force_login(user)
    listing = client.get("/documents/").content.decode()
    searched = client.get("/documents/", {"q": "body of"}).content.decode()
    home = client.get("/")
    assert home.context["documents_count"] == len(allowed)
    for key, document in library.items():
        shown = key in allowed
        assert (document.title in listing) is shown
        assert (document.title in searched) is shown
        assert client.get(f"/documents/{document.pk}/").status_code == (200 if shown else 404)
    _token, secret = token_create(actor=user, user=user, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    api = client.get("/api/v1/documents", **auth).json()
    assert {d["title"] for d in api["items"]} == {library[k].title for k in allowed}
    assert api["count"] == len(allowed)
    for key in denied:
        answer = client.get(f"/api/v1/documents/{library[key].pk}", **auth)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def test_it_lists_documents_in_a_constant_number_of_queries(client, world, library, django_assert_max_num_queries):
    for i in range(20):
        document_create(actor=world.ally_b, title=f"n{i}", body="x", releasability="named", release_to=[world.ita])
    _token, secret = token_create(actor=world.ally_a, user=world.ally_a, name="t")
    with django_assert_max_num_queries(8):
        answer = client.get("/api/v1/documents", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.json()["count"] == 23


def test_it_rejects_bad_documents_and_writes_nothing(client, world):
    _token, secret = token_create(actor=world.ally_a, user=world.ally_a, name="t", write=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}
    before = Document.objects.count(), AuditEntry.objects.count()
    cases = [
        ({"title": "", "body": "x"}, 422),
        ({"title": "x", "body": "x", "releasability": "everyone"}, 422),
        ({"title": "x", "body": "x", "releasability": "named"}, 400),
        ({"title": "x", "body": "x", "releasability": "named", "release_to": ["QQQ"]}, 400),
        ({"title": "x", "body": "x", "release_to": ["ESP"]}, 400),
    ]
    for body, status in cases:
        answer = client.post("/api/v1/documents", body, content_type="application/json", **auth)
        assert answer.status_code == status, (body, answer.content)
        assert answer.json()["error"]["message"]
    answer = client.post("/api/v1/documents", "{not json", content_type="application/json", **auth)
    assert answer.status_code in (400, 422)
    assert (Document.objects.count(), AuditEntry.objects.count()) == before


def test_it_refuses_an_oversize_payload(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    _token, secret = token_create(actor=world.ally_a, user=world.ally_a, name="t", write=True)
    answer = client.post(
        "/api/v1/documents",
        {"title": "x", "body": "y" * 5000},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert answer.status_code == 413
    assert not Document.objects.exists()


def test_it_translates_api_errors(client, world):
    _token, secret = token_create(actor=world.ally_a, user=world.ally_a, name="t", write=True)
    answer = client.post(
        "/api/v1/documents",
        {"title": "x", "body": "x", "releasability": "named"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE="nn",
    )
    english = client.post(
        "/api/v1/documents",
        {"title": "x", "body": "x", "releasability": "named"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == english.status_code == 400
    assert answer.json()["error"]["message"] != english.json()["error"]["message"]


def test_it_lets_viewers_and_outsiders_publish_nothing(world):
    with pytest.raises(BusinessError):
        document_create(actor=world.viewer, title="x", body="y")


def test_it_publishes_through_the_form_and_shows_errors_inline(client, world):
    client.force_login(world.ally_b)
    answer = client.post(
        "/documents/new/", {"title": "", "body": "", "kind": "note", "releasability": "allies_partners"}
    )
    assert answer.status_code == 400 and not Document.objects.exists()
    assert answer.context["form"].errors.keys() >= {"title", "body"}
    answer = client.post(
        "/documents/new/", {"title": "Report", "body": "Text", "kind": "sitrep", "releasability": "named"}
    )
    assert answer.status_code == 400 and "release_to" in answer.context["form"].errors
    answer = client.post(
        "/documents/new/",
        {"title": "Report", "body": "Text", "kind": "sitrep", "releasability": "named", "release_to": ["ITA"]},
    )
    document = Document.objects.get()
    assert answer.status_code == 302 and document.owner_nation_id == "ESP"
    assert list(document.release_to.values_list("code", flat=True)) == ["ITA"]
