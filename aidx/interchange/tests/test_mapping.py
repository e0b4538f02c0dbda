"""The mapping queue: foreign types wait for a coordinator, are remembered per sender, and the request is created as
a draft once every line is mapped; quantities as text are read where they can be and flagged where not."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidx.assistance.models import AssistanceRequest
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.interchange.models import PendingMessage, TypeMapping
from aidx.interchange.services import inbound, mapping

DATA = Path(__file__).parent / "data"


def _receive(actor, message_id="LOMB-1"):
    data = (DATA / "request-handwritten.xml").read_bytes().replace(b"LOMB-EOC-2020-0042", message_id.encode())
    return inbound.receive(actor=actor, data=data)


def test_it_queues_unknown_types_and_reads_or_flags_the_quantities(exchange):
    outcome = _receive(exchange.world.coordinator)
    assert outcome.pending is not None and outcome.records == [{"type": "pending", "id": outcome.pending.pk}]
    first, second = outcome.pending.lines.all()
    assert (first.type_value, first.quantity, first.flag) == ("N95 respirator", 200, "")
    assert (second.type_value, second.quantity, second.flag) == ("Ventilator, ICU", None, "quantity")
    assert not AssistanceRequest.objects.exists()


def test_mapping_every_line_creates_the_draft_and_is_remembered_for_the_sender(exchange):
    world = exchange.world
    pending = _receive(world.coordinator).pending
    first, second = pending.lines.all()
    mapping.line_map(actor=world.coordinator, line=first, item="mask-ffp2")
    assert PendingMessage.objects.get(pk=pending.pk).status == "waiting"
    with pytest.raises(BusinessError):
        mapping.line_map(actor=world.coordinator, line=second, item="ventilator")  # its quantity is still unread
    mapping.line_map(actor=world.coordinator, line=second, item="ventilator", quantity=3)
    pending.refresh_from_db()
    assert pending.status == "created"
    request = AssistanceRequest.objects.get(pk=pending.request_id)
    assert request.status == "draft" and request.owner_organisation == world.centre
    assert sorted((line.item.code, line.quantity) for line in request.lines.all()) == [
        ("mask-ffp2", 200),
        ("ventilator", 3),
    ]
    assert TypeMapping.objects.filter(sender="user:coord").count() == 2
    # the next message from the same sender needs only the unreadable quantity
    again = _receive(world.coordinator, "LOMB-2").pending
    assert [line.mapped for line in again.lines.all()] == [True, True]


def test_only_a_coordinator_of_the_centre_maps(exchange):
    pending = _receive(exchange.world.coordinator).pending
    with pytest.raises(PermissionDenied):
        mapping.line_map(actor=exchange.world.ally_a, line=pending.lines.first(), item="mask-ffp2")


def test_a_nation_sees_only_the_queue_of_messages_it_received(exchange, client):
    world = exchange.world
    _receive(world.ally_a)
    client.force_login(world.ally_b)
    assert client.get("/api/v1/interchange/queue").json()["items"] == []
    client.force_login(world.ally_a)
    assert len(client.get("/api/v1/interchange/queue").json()["items"]) == 1
    client.force_login(world.coordinator)
    assert len(client.get("/api/v1/interchange/queue").json()["items"]) == 1
