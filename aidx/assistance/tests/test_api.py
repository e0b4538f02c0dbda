from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from aidx.accounts.services import token_create
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.audit.models import AuditEntry


@pytest.fixture
def api(exchange):
    def client_for(user, write=True):
        _token, secret = token_create(actor=user, user=user, name="t", write=write)
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return client_for


def _request_body(exchange, **changes):
    body = {
        "title": "Ventilators for Bergamo",
        "needed_by": str(exchange.today + dt.timedelta(days=5)),
        "delivery_site": "rome",
        "priority": 1,
        "submit": True,
        "lines": [{"item": "mask-surgical", "quantity": 500}],
    }
    return {**body, **changes}


def test_it_runs_the_whole_exchange_through_the_api(client, exchange, api):
    w = exchange.world
    italy, spain, centre = api(w.ally_a), api(w.ally_b), api(w.coordinator)
    created = client.post("/api/v1/requests", _request_body(exchange), content_type="application/json", **italy)
    assert created.status_code == 201, created.content
    request = created.json()
    assert request["status"] == "submitted" and request["owner"] == "ITA"
    assert request["lines"][0]["quantity"] == 500 and request["delivery_site"] == "rome"
    offer = client.post(
        "/api/v1/offers",
        {
            "title": "Masks",
            "publish": True,
            "in_reply_to": request["id"],
            "lines": [
                {"item": "mask-ffp2", "quantity": 300, "available_from": str(exchange.today), "origin_site": "madrid"}
            ],
        },
        content_type="application/json",
        **spain,
    ).json()
    assert offer["status"] == "open" and offer["lines"][0]["remaining"] == 300
    proposed = client.post(
        "/api/v1/allocations",
        {"offer_line": offer["lines"][0]["id"], "request_line": request["lines"][0]["id"], "quantity": 300},
        content_type="application/json",
        **centre,
    )
    assert proposed.status_code == 201, proposed.content
    allocation = proposed.json()
    assert (allocation["offering"], allocation["requesting"], allocation["status"]) == ("ESP", "ITA", "proposed")
    path = f"/api/v1/allocations/{allocation['id']}"
    assert client.post(f"{path}/accept", **spain).status_code == 403  # not Spain's to accept
    assert client.post(f"{path}/accept", **italy).json()["status"] == "accepted"
    assert client.post(f"{path}/ship", **spain).json()["status"] == "shipped"
    delivered = client.post(
        f"{path}/deliver", {"received_quantity": 300}, content_type="application/json", **italy
    ).json()
    assert delivered["status"] == "delivered" and delivered["received_quantity"] == 300
    line = client.get(f"/api/v1/requests/{request['id']}", **italy).json()["lines"][0]
    assert (line["allocated"], line["accepted"], line["shipped"], line["delivered"]) == (300, 300, 300, 300)
    figures = client.get("/api/v1/figures", **italy).json()
    assert figures["by_item"] == [
        {
            "item": figures["by_item"][0]["item"],
            "capability": None,
            "unit": "piece",
            "requested": 500,
            "met": 300,
            "tonnes_requested": figures["by_item"][0]["tonnes_requested"],
        }
    ]
    assert figures["share_met"] == 0.6


def test_it_does_not_duplicate_a_retried_create(client, exchange, api):
    italy = api(exchange.world.ally_a)
    body = _request_body(exchange)
    first = client.post("/api/v1/requests", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **italy)
    again = client.post("/api/v1/requests", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **italy)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert AssistanceRequest.objects.count() == 1
    other = client.post(
        "/api/v1/requests",
        {**body, "title": "Other"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        **italy,
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert AssistanceRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_creates_once_when_the_same_key_arrives_in_parallel(exchange, api):
    if connection.vendor != "postgresql":
        pytest.skip("parallel requests are proved on PostgreSQL (make test runs this file again there)")
    italy = api(exchange.world.ally_a)
    body = _request_body(exchange)
    answers: list[int] = []
    barrier = threading.Barrier(8)

    def post() -> None:
        try:
            barrier.wait(timeout=30)
            answer = Client().post(
                "/api/v1/requests", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same", **italy
            )
            answers.append(answer.json()["id"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 8 and len(set(answers)) == 1
    assert AssistanceRequest.objects.count() == 1


@pytest.mark.parametrize(
    "change, status, field",
    [
        ({"lines": [{"item": "mask-surgical", "quantity": -5}]}, 400, "lines.1"),
        ({"lines": [{"item": "mask-surgical", "quantity": 0}]}, 400, "lines.1"),
        ({"lines": [{"item": "mask-surgical", "quantity": "many"}]}, 422, "lines.0.quantity"),
        ({"lines": [{"item": "unobtainium", "quantity": 5}]}, 400, "lines.1"),
        ({"lines": []}, 400, "lines"),
        ({"needed_by": "2020-01-01"}, 400, "needed_by"),
        ({"needed_by": "01/02/2030"}, 422, "needed_by"),
        ({"priority": 7}, 422, "priority"),
        ({"delivery_site": "atlantis"}, 400, "delivery_site"),
        ({"releasability": "named"}, 400, "release_to"),
    ],
)
def test_it_rejects_bad_requests_and_writes_nothing(client, exchange, api, change, status, field):
    italy = api(exchange.world.ally_a)
    before = AssistanceRequest.objects.count(), AuditEntry.objects.count()
    answer = client.post(
        "/api/v1/requests",
        _request_body(exchange, **change),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="nb",
        **italy,
    )
    assert answer.status_code == status, answer.content
    error = answer.json()["error"]
    assert field in error["fields"] and error["message"]
    assert (AssistanceRequest.objects.count(), AuditEntry.objects.count()) == before


def test_it_shows_each_user_only_what_they_may_see_through_the_api(client, exchange, api):
    w = exchange.world
    allies_request = exchange.request(releasability="allies")
    shared_request = exchange.request()
    allies_offer = exchange.offer(releasability="allies")
    allocation = Allocation.objects.create(
        offer_line=allies_offer.lines.get(), request_line=allies_request.lines.get(), quantity=5
    )
    expectations = {
        "coordinator": ({allies_request.pk, shared_request.pk}, {allies_offer.pk}, {allocation.pk}),
        "ally_a": ({allies_request.pk, shared_request.pk}, {allies_offer.pk}, {allocation.pk}),
        "ally_b": ({allies_request.pk, shared_request.pk}, {allies_offer.pk}, {allocation.pk}),
        "partner": ({shared_request.pk}, set(), set()),
        "outsider": (set(), set(), set()),
        "late_ally": ({allies_request.pk, shared_request.pk}, {allies_offer.pk}, set()),  # not a party
    }
    for who, (requests, offers, allocations) in expectations.items():
        auth = api(getattr(w, who), write=False)
        listed = client.get("/api/v1/requests", **auth).json()
        assert {r["id"] for r in listed["items"]} == requests and listed["count"] == len(requests), who
        assert {o["id"] for o in client.get("/api/v1/offers", **auth).json()["items"]} == offers, who
        assert {a["id"] for a in client.get("/api/v1/allocations", **auth).json()["items"]} == allocations, who
        searched = client.get("/api/v1/requests", {"q": "Lombardy", "item": "mask-surgical"}, **auth).json()
        assert {r["id"] for r in searched["items"]} == requests, who
        for pk in {allies_request.pk, shared_request.pk} - requests:
            assert client.get(f"/api/v1/requests/{pk}", **auth).status_code == 404
        if not offers:
            assert client.get(f"/api/v1/offers/{allies_offer.pk}", **auth).status_code == 404
        if not allocations:
            assert client.get(f"/api/v1/allocations/{allocation.pk}", **auth).status_code == 404
    partner_figures = client.get("/api/v1/figures", **api(w.partner, write=False)).json()
    assert partner_figures["open_requests"] == 1 and partner_figures["open_offers"] == 0


def test_it_lists_in_a_constant_number_of_queries(client, exchange, api, django_assert_max_num_queries):
    italy = api(exchange.world.ally_a, write=False)
    for _ in range(3):
        exchange.request()
        exchange.offer()
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/requests", **italy)
    for _ in range(30):
        exchange.request()
        exchange.offer()
    for path in ("/api/v1/requests", "/api/v1/offers", "/api/v1/allocations"):
        with django_assert_max_num_queries(len(few.captured_queries) + 1):
            assert client.get(path, **italy).status_code == 200
    assert Offer.objects.count() == 33


def test_an_action_the_records_state_does_not_allow_is_a_409_conflict(client, exchange, api):
    """A refusal by the workflow (not by the input) is a conflict with the record's state, as the OpenAPI says."""
    italy = api(exchange.world.ally_a)
    request = client.post("/api/v1/requests", _request_body(exchange), content_type="application/json", **italy)
    path = f"/api/v1/requests/{request.json()['id']}/withdraw"
    assert client.post(path, {}, content_type="application/json", **italy).status_code == 200
    again = client.post(path, {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="nb", **italy)
    assert again.status_code == 409 and again.json()["error"]["code"] == "bad_state"
    assert again.json()["error"]["message"]
