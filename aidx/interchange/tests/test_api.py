"""The API: POST a message (answers with what it made, or every problem with a machine code), GET a record as
EDXL-RM under need-to-know."""

from __future__ import annotations

import time

import pytest

from aidx.accounts.services import token_create
from aidx.assistance.models import AssistanceRequest
from aidx.interchange.models import InboundLink
from aidx.interchange.services import outbound, webhooks


def _token(user, scope="write"):
    return token_create(actor=user, user=user, name="t", write=scope == "write")[1]


def _post(client, user, data, **headers):
    return client.post(
        "/api/v1/interchange/messages",
        data=data,
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {_token(user)}",
        **headers,
    )


def test_it_receives_a_message_and_answers_with_the_records(exchange, client, settings):
    settings.AIDX_NODE_ID = "a"
    data = outbound.as_xml(exchange.request())
    settings.AIDX_NODE_ID = "b"
    answer = _post(client, exchange.world.ally_a, data)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["kind"] == "RequestResource" and body["records"][0]["type"] == "request"
    again = _post(client, exchange.world.ally_a, data)
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_message"


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"<not xml", 400, "malformed_xml"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 400, "dtd_forbidden"),
        (b"<RequestResource xmlns='urn:other'/>", 400, "wrong_namespace"),
    ],
)
def test_bad_input_gets_a_machine_code_and_writes_nothing(exchange, client, data, status, code):
    answer = _post(client, exchange.world.ally_a, data)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["problems"][0]["code"] == code
    assert not AssistanceRequest.objects.exists()


def test_a_message_of_50_mb_is_refused(exchange, client):
    answer = _post(client, exchange.world.ally_a, b"<x>" + b" " * (50 * 1024 * 1024) + b"</x>")
    assert answer.status_code == 413


def test_a_signed_delivery_must_match_its_link(exchange, client, settings):
    InboundLink.objects.create(key="sub_b", secret="k" * 32, name="node b")
    settings.AIDX_NODE_ID = "a"
    data = outbound.as_xml(exchange.request())
    settings.AIDX_NODE_ID = "b"
    stamp = str(int(time.time()))
    bad = _post(
        client,
        exchange.world.ally_a,
        data,
        HTTP_X_AIDX_SUBSCRIPTION="sub_b",
        HTTP_X_AIDX_TIMESTAMP=stamp,
        HTTP_X_AIDX_SIGNATURE="sha256=00",
    )
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_signature"
    good = _post(
        client,
        exchange.world.ally_a,
        data,
        HTTP_X_AIDX_SUBSCRIPTION="sub_b",
        HTTP_X_AIDX_TIMESTAMP=stamp,
        HTTP_X_AIDX_SIGNATURE=webhooks.sign("k" * 32, stamp, data),
    )
    assert good.status_code == 201


def test_a_record_as_edxl_follows_need_to_know(exchange, client):
    world = exchange.world
    request = exchange.request(releasability="allies")
    url = f"/api/v1/interchange/requests/{request.pk}.xml"
    for user, status in ((world.ally_b, 200), (world.partner, 404), (world.outsider, 404), (world.coordinator, 200)):
        client.force_login(user)
        answer = client.get(url)
        assert answer.status_code == status, user
        if status == 200:
            assert b"RequestResource" in answer.content and b"RELEASABLE TO ALLIES" in answer.content
    offer = exchange.offer()
    allocation = __import__("aidx.assistance.services", fromlist=["x"]).allocation_propose(
        actor=world.coordinator, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=10
    )
    for user, status in ((world.ally_a, 200), (world.ally_b, 200), (world.late_ally, 404), (world.partner, 404)):
        client.force_login(user)
        assert client.get(f"/api/v1/interchange/allocations/{allocation.pk}.xml").status_code == status


def test_the_3w_export_is_hxl_and_shows_only_the_readers_allocations(exchange, client):
    from aidx.assistance import services

    world = exchange.world
    request = exchange.request()
    offer = exchange.offer()
    allocation = services.allocation_propose(
        actor=world.coordinator, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=10
    )
    services.allocation_accept(actor=world.ally_a, allocation=allocation)
    client.force_login(world.ally_a)
    text = b"".join(client.get("/interchange/hxl/3w.csv").streaming_content).decode()
    assert "#org +name" in text and "#country +code" in text and "mask-surgical" in text
    client.force_login(world.partner)
    text = b"".join(client.get("/interchange/hxl/3w.csv").streaming_content).decode()
    assert "mask-surgical" not in text
