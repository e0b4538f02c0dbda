"""Webhooks: the fan-out honours need-to-know per subscriber, deliveries are signed and retried with backoff, a
subscription that keeps failing is paused and its owner told, and signatures are checked on the way in."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from aidx.accounts.services import token_create
from aidx.assistance import services as assistance
from aidx.core.errors import BusinessError
from aidx.interchange.edxl import MessageRefused
from aidx.interchange.models import Delivery, FanOutSeen, InboundLink, Subscription
from aidx.interchange.services import webhooks
from aidx.notifications.models import Notification


@pytest.fixture
def receiver():
    """A local HTTP server that records what it receives and answers with a given status."""
    received: list[tuple[dict[str, str], bytes]] = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, state
    server.shutdown()
    server.server_close()


def _fan_out():
    return webhooks.fan_out()


def _subscribe(user, url, events=("request.submitted",), format="json"):
    return webhooks.subscription_create(actor=user, name="hook", url=url, events=events, format=format)


def test_the_fan_out_sends_only_what_each_subscriber_may_see(exchange, receiver):
    url, received, _state = receiver
    world = exchange.world
    subscriptions = {who: _subscribe(getattr(world, who), url) for who in ("ally_b", "partner", "outsider")}
    exchange.request(releasability="allies")  # Italy's, for allies only
    _fan_out()
    made = {who: Delivery.objects.filter(subscription=s).count() for who, s in subscriptions.items()}
    assert made == {"ally_b": 1, "partner": 0, "outsider": 0}
    assert webhooks.deliver_due() == 1
    headers, body = received[0]
    timestamp = headers["X-Aidx-Timestamp"]
    secret = subscriptions["ally_b"].secret
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Aidx-Signature"] == expected
    assert json.loads(body)["request"]["nation"] == "ITA"


def test_the_fan_out_is_idempotent_and_keeps_nothing_twice(exchange, receiver):
    url, _received, _state = receiver
    subscription = _subscribe(exchange.world.ally_b, url)
    exchange.request()
    _fan_out()
    FanOutSeen.objects.all().delete()  # as if the fan-out had forgotten what it read
    _fan_out()
    assert Delivery.objects.filter(subscription=subscription).count() == 1


def test_failures_back_off_then_pause_the_subscription_and_tell_its_owner(exchange, receiver, settings):
    url, _received, state = receiver
    settings.AIDX_WEBHOOK_PAUSE_AFTER = 3
    state["status"] = 503
    subscription = _subscribe(exchange.world.ally_b, url)
    exchange.request()
    _fan_out()
    delivery = Delivery.objects.get(subscription=subscription)
    waits = []
    for _attempt in range(3):
        webhooks.deliver_due(now=timezone.now() + dt.timedelta(days=1))
        delivery.refresh_from_db()
        waits.append(delivery.next_attempt_at - timezone.now())
    assert waits[0] < waits[1] < waits[2]  # exponential backoff
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PAUSED
    assert Notification.objects.filter(user=exchange.world.ally_b, kind="subscription_paused").exists()
    state["status"] = 200
    webhooks.subscription_resume(actor=exchange.world.ally_b, subscription=subscription)
    assert webhooks.deliver_due() == 1  # caught up


def test_a_signature_is_checked_against_the_link_and_the_clock(db):
    InboundLink.objects.create(key="sub_x", secret="s" * 32, name="node b")
    body, now = b"<x/>", time.time()
    good = webhooks.sign("s" * 32, str(int(now)), body)
    assert webhooks.verify(key="sub_x", timestamp=str(int(now)), signature=good, body=body).key == "sub_x"
    cases = [
        ("sub_x", str(int(now)), good.replace("a", "b", 1), "bad_signature"),
        ("sub_y", str(int(now)), good, "bad_signature"),
        ("sub_x", str(int(now) - 301), webhooks.sign("s" * 32, str(int(now) - 301), body), "stale_timestamp"),
    ]
    for key, timestamp, signature, code in cases:
        with pytest.raises(MessageRefused) as refused:
            webhooks.verify(key=key, timestamp=timestamp, signature=signature, body=body)
        assert refused.value.code == code


def test_a_link_sends_only_the_changes_made_for_the_nation_it_speaks_for(exchange, receiver):
    """A link's token acts on the other node for one nation: another nation's record sent through it would be made
    there in that nation's name. Records from before the subscription are not sent."""
    url, _received, _state = receiver
    world = exchange.world
    exchange.request()  # Italy's, before the link
    link = webhooks.subscription_create(
        actor=world.partner,
        name="partner node",
        url=url,
        events=["request.submitted", "offer.published"],
        format="edxl",
        remote_token="aidx_token_of_the_other_node",
        speaks_for="ITA",
    )
    italy = exchange.request()
    exchange.offer()  # Spain's: Australia may see it, but the link speaks for Italy
    _fan_out()
    assert list(Delivery.objects.filter(subscription=link).values_list("target_type", "target_id")) == [
        ("request", italy.pk)
    ]


def test_a_link_names_the_nation_it_speaks_for(exchange):
    with pytest.raises(BusinessError) as refused:
        webhooks.subscription_create(
            actor=exchange.world.partner, name="n", url="ftp://x", events=["nope"], remote_token="t", speaks_for=""
        )
    assert set(refused.value.fields) == {"url", "events", "speaks_for"}  # every problem at once


def test_the_delivery_log_answers_through_the_api(exchange, receiver, client):
    url, _received, _state = receiver
    subscription = _subscribe(exchange.world.ally_b, url)
    exchange.request()
    _fan_out()
    token = token_create(actor=exchange.world.ally_b, user=exchange.world.ally_b, name="t")[1]
    answer = client.get(
        f"/api/v1/interchange/subscriptions/{subscription.pk}/deliveries", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert answer.status_code == 200
    assert [d["event"] for d in answer.json()["items"]] == ["request.submitted"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_whose_transaction_commits_late_is_still_sent(exchange, receiver):
    """On PostgreSQL an entry's id is taken when it is written and seen when its transaction commits: a later entry
    can be read first. The fan-out must not pass the earlier one by."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: its ids are in commit order")
    url, _received, _state = receiver
    world = exchange.world
    subscription = _subscribe(world.ally_b, url)
    late, early = exchange.request(submit=False), exchange.request(submit=False)
    written, commit = threading.Event(), threading.Event()

    def slow() -> None:
        try:
            with transaction.atomic():
                assistance.request_submit(actor=world.ally_a, request=late)  # its audit entry takes the lower id
                written.set()
                commit.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        assert written.wait(30)
        assistance.request_submit(actor=world.ally_a, request=early)  # a higher id, committed first
        time.sleep(1.1)  # older than any settling time: the fan-out reads it now
        webhooks.fan_out()
        assert _targets(subscription) == {early.pk}
    finally:
        commit.set()
        thread.join(30)
    webhooks.fan_out()
    assert _targets(subscription) == {early.pk, late.pk}


def _targets(subscription: Subscription) -> set[int]:
    return set(Delivery.objects.filter(subscription=subscription).values_list("target_id", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_fan_outs_at_once_make_each_delivery_once(exchange, receiver):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once are proved on PostgreSQL")
    url, _received, _state = receiver
    subscriptions = [_subscribe(getattr(exchange.world, who), url) for who in ("ally_b", "partner", "coordinator")]
    requests = [exchange.request() for _n in range(6)]
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(30)
            webhooks.fan_out()
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    for subscription in subscriptions:
        made = list(Delivery.objects.filter(subscription=subscription).values_list("target_id", flat=True))
        assert sorted(made) == sorted(r.pk for r in requests)


def test_the_fan_out_reads_no_further_back_than_its_window(exchange, receiver, settings):
    url, _received, _state = receiver
    subscription = _subscribe(exchange.world.ally_b, url)
    exchange.request()
    settings.AIDX_WEBHOOK_LOOKBACK_SECONDS = 60
    assert webhooks.fan_out(now=timezone.now() + dt.timedelta(minutes=2)) == 0
    assert not Delivery.objects.filter(subscription=subscription).exists()
    assert webhooks.fan_out() == 1
    webhooks.fan_out(now=timezone.now() + dt.timedelta(minutes=2))
    assert not FanOutSeen.objects.exists()  # what is past the window is forgotten
