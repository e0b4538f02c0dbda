"""Capped counts: the HTML lists' CappedPaginator and the API's CappedPageNumberPagination agree."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from aidx.accounts.models import User
from aidx.accounts.services import token_create
from aidx.core import paging
from aidx.nations.models import Nation, Site


@pytest.fixture
def italy(scenario):
    user = User.objects.get(username="italy")
    _token, secret = token_create(actor=user, user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_api_pagination_is_the_capped_one(settings):
    assert settings.NINJA_PAGINATION_CLASS == "aidx.core.paging.CappedPageNumberPagination"


@pytest.mark.django_db
def test_capped_count_counts_at_most_cap_plus_one():
    Nation.objects.bulk_create([Nation(code=code) for code in ("AAA", "BBB", "CCC", "DDD", "EEE")])
    nations = Nation.objects.order_by("code")
    assert paging.capped_count(nations, cap=10) == 5
    assert paging.capped_count(nations, cap=3) == 4  # "more than 3"
    assert paging.capped_count(list(nations), cap=3) == 5  # a list is simply measured


@pytest.mark.django_db
def test_the_html_paginator_says_when_it_stopped_counting(monkeypatch):
    Nation.objects.bulk_create([Nation(code=code) for code in ("AAA", "BBB", "CCC", "DDD", "EEE")])
    monkeypatch.setattr(paging.CappedPaginator, "cap", 3)
    page = paging.page_of(RequestFactory().get("/"), Nation.objects.order_by("code"), per_page=2)
    assert page.paginator.capped and page.paginator.count == 3 and page.paginator.num_pages == 2


def test_the_api_counts_exactly_below_the_cap(client, italy):
    answer = client.get("/api/v1/nations", {"page_size": 5}, **italy).json()
    assert answer["count"] == Nation.objects.count() and answer["count_capped"] is False
    assert len(answer["items"]) == 5


def test_the_api_caps_the_count_and_keeps_page_and_page_size(client, italy, monkeypatch):
    monkeypatch.setattr(paging.CappedPageNumberPagination, "cap", 10)
    first = client.get("/api/v1/nations", {"page_size": 4}, **italy).json()
    assert first["count"] == 10 and first["count_capped"] is True and len(first["items"]) == 4
    second = client.get("/api/v1/nations", {"page_size": 4, "page": 2}, **italy).json()
    assert not {n["code"] for n in first["items"]} & {n["code"] for n in second["items"]}


def test_the_openapi_document_describes_count_capped(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    paged = [schema for name, schema in schemas.items() if name.startswith("Paged")]
    assert paged and all("count_capped" in schema["properties"] for schema in paged)


def test_a_capped_list_page_says_10000_plus(client, scenario, monkeypatch):
    monkeypatch.setattr(paging.CappedPaginator, "cap", 2)
    client.force_login(User.objects.get(username="coordinator"))
    page = client.get("/exchange/requests/").content.decode()
    assert "2+ requests" in page
    monkeypatch.setattr(paging.CappedPaginator, "cap", 10_000)
    page = client.get("/exchange/offers/").content.decode()
    assert "10,000+" not in page and " offers" in page


@pytest.mark.django_db
def test_the_api_pages_by_up_to_500_as_the_readme_says(client, world):
    """ninja's own cap (NINJA_MAX_PER_PAGE_SIZE, 100 unless set) clipped page_size=500 to 100 without a word."""
    _token, secret = token_create(actor=world.ally_a, user=world.ally_a, name="test")
    Site.objects.bulk_create(
        [
            Site(code=f"s{n}", name=f"Site {n}", nation=world.ita, kind="airfield", latitude=0, longitude=0)
            for n in range(620)
        ]
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    first = client.get("/api/v1/sites", {"page_size": 500}, **auth).json()
    second = client.get("/api/v1/sites", {"page_size": 500, "page": 2}, **auth).json()
    assert first["count"] == 620 and len(first["items"]) == 500 and len(second["items"]) == 120
    refused = client.get("/api/v1/sites", {"page_size": 501}, **auth)
    assert refused.status_code == 422 and set(refused.json()["error"]["fields"]) == {"page_size"}
