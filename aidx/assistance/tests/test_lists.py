"""The lists' pages and answers: the same rows in the same order however they are read, in few queries."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django import forms as django_forms
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aidx.accounts.services import token_create
from aidx.assistance import selectors
from aidx.assistance.forms import ALL, FastSelect
from aidx.assistance.models import AssistanceRequest
from aidx.core import paging


@pytest.fixture
def spread(exchange):
    """40 requests by two nations needed over six days, made in an order unrelated to their days (with ties)."""
    w, rng = exchange.world, random.Random(5)
    now, first_day = timezone.now(), exchange.today
    for n in range(40):
        record = exchange.request(
            w.ally_a if n % 3 else w.ally_b,
            releasability=rng.choice(["allies", "allies_partners"]),
            submit=n % 7 != 0,  # some drafts: only their owner sees them
        )
        AssistanceRequest.objects.filter(pk=record.pk).update(
            needed_by=first_day + dt.timedelta(days=rng.randint(0, 5)),
            created_at=now - dt.timedelta(minutes=rng.randint(0, 25)),
        )
    return first_day


def _ranges(first_day):
    day = dt.timedelta(days=1)
    return [
        (first_day, first_day + 5 * day),
        (first_day + day, first_day + 3 * day),
        (first_day + 2 * day, first_day + 2 * day),  # one day
        (first_day + 3 * day, first_day + day),  # backwards: nothing
        (first_day - 40 * day, first_day + 40 * day),  # too long to read a day at a time
        (first_day, None),
    ]


@pytest.mark.parametrize("who", ["coordinator", "ally_a", "ally_b", "partner"])
def test_it_reads_a_needed_by_range_day_by_day_in_list_order(exchange, spread, who):
    viewer = getattr(exchange.world, who)
    for needed_from, needed_until in _ranges(spread):
        plain = selectors.requests_visible_to(viewer, needed_from=needed_from, needed_until=needed_until)
        expected = list(plain.values_list("pk", flat=True))
        read = selectors.requests_by_day(plain, needed_from, needed_until)
        for start, stop in [(0, 7), (7, 14), (30, 45), (0, 100)]:
            assert [record.pk for record in read[start:stop]] == expected[start:stop], (needed_from, needed_until)
        page = paging.page_of(RequestFactory().get("/", {"page": "2"}), read, per_page=6)  # or the last, if fewer
        assert page.paginator.count == len(expected)
        assert [record.pk for record in page.object_list] == expected[page.start_index() - 1 : page.end_index()]


def test_the_page_and_the_answer_list_a_range_as_the_plain_list_does(client, exchange, spread):
    w = exchange.world
    needed = {"needed_from": str(spread + dt.timedelta(days=1)), "needed_until": str(spread + dt.timedelta(days=4))}
    expected = list(
        selectors.requests_visible_to(
            w.ally_b, needed_from=spread + dt.timedelta(days=1), needed_until=spread + dt.timedelta(days=4)
        ).values_list("pk", flat=True)
    )
    assert len(expected) > 10
    token = token_create(actor=w.ally_b, user=w.ally_b, name="test")[1]
    answer = client.get("/api/v1/requests", {**needed, "page_size": 5, "page": 2}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert [row["id"] for row in answer.json()["items"]] == expected[5:10]
    assert answer.json()["count"] == len(expected)
    client.force_login(w.ally_b)
    page = client.get("/exchange/requests/", needed).context["page"]
    assert [record.pk for record in page.object_list] == expected[:50] and page.paginator.count == len(expected)


def _queries(client, path, params, **headers):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params, **headers).status_code == 200
    return len(captured)


def test_a_range_costs_the_same_queries_however_many_rows_match(client, exchange, spread):
    w = exchange.world
    needed = {"needed_from": str(spread), "needed_until": str(spread + dt.timedelta(days=5))}
    token = token_create(actor=w.ally_a, user=w.ally_a, name="test")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.force_login(w.ally_a)
    paths = ["/api/v1/requests", "/exchange/requests/"]
    for path in paths:
        client.get(path, **auth)  # warm-up: the token's first use is written down
    few = {path: _queries(client, path, needed, **auth) for path in paths}
    for _ in range(10):
        exchange.request(w.ally_b)  # needed in ten days: in a range of its own
    later = {"needed_from": str(spread), "needed_until": str(spread + dt.timedelta(days=10))}
    for path, count in few.items():
        assert _queries(client, path, later, **auth) == count, path


def test_the_allocation_answer_names_owners_and_what_by_code(client, exchange):
    w = exchange.world
    request = exchange.request()
    offer = exchange.offer(w.coordinator, lines=(("mask-ffp2", 100),))  # the centre's own: owned by an organisation
    client.force_login(w.coordinator)
    pair = f"{offer.lines.get().pk}:{request.lines.get().pk}"
    assert client.post(f"/exchange/requests/{request.pk}/", {"pair": pair, "quantity": "20"}).status_code == 302
    token = token_create(actor=w.ally_a, user=w.ally_a, name="test")[1]
    listed = client.get("/api/v1/allocations", HTTP_AUTHORIZATION=f"Bearer {token}").json()["items"]
    assert [(a["offering"], a["requesting"], a["item"], a["capability"]) for a in listed] == [
        ("centre", "ITA", "mask-ffp2", None)
    ]
    detail = client.get(f"/api/v1/allocations/{listed[0]['id']}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert {key: value for key, value in detail.items() if key != "actions"} == listed[0]
    assert detail["actions"] == ["accept", "decline"]  # the detail adds what the caller may do
    page = client.get("/exchange/allocations/")
    assert "Coordination centre" in page.content.decode() and "FFP2 mask" in page.content.decode()


def test_the_list_rows_escape_what_users_wrote(client, exchange):
    w = exchange.world
    request = exchange.request()
    AssistanceRequest.objects.filter(pk=request.pk).update(title="<b>Masks</b> & more", incident="<i>wave</i>")
    client.force_login(w.ally_a)
    page = client.get("/exchange/requests/").content.decode()
    assert "&lt;b&gt;Masks&lt;/b&gt; &amp; more" in page and "&lt;i&gt;wave&lt;/i&gt;" in page
    assert "<b>Masks" not in page and "<i>wave" not in page


@pytest.mark.parametrize("value", [None, "", "ITA", "mask-ffp2", ["ESP"], "unknown"])
def test_the_fast_select_marks_the_same_options_as_djangos(value):
    choices = [
        ALL,
        ("ITA", "Italy <IT>"),
        ("Items", [("mask-ffp2", 'FFP2 "mask"'), ("ESP", "again")]),
        ("ESP", "Spain"),
    ]

    def options(html):
        return [line.strip() for line in html.splitlines() if line.strip()]

    fast = FastSelect(choices=choices).render("nation", value, {"id": "id_nation"})
    django = django_forms.Select(choices=choices).render("nation", value, {"id": "id_nation"})
    assert options(fast) == options(django)
