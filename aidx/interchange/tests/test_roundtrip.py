"""Every message aidx writes reads back into the same records, and a conversation between two nodes (simulated here
in one database by switching the node's name) threads requests, offers, allocations and decisions."""

from __future__ import annotations

import pytest

from aidx.assistance import services as assistance
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.interchange import edxl
from aidx.interchange.edxl import MessageRefused
from aidx.interchange.models import InboundMessage
from aidx.interchange.services import inbound, outbound


def _lines(record):
    return sorted((line.item.code, line.quantity) for line in record.lines.select_related("item"))


def _receive(actor, data, settings, node):
    settings.AIDX_NODE_ID = node
    return inbound.receive(actor=actor, data=data)


def test_it_reads_back_a_request_it_wrote(exchange, settings):
    settings.AIDX_NODE_ID = "a"
    original = exchange.request(lines=(("mask-surgical", 1000), ("ventilator", 5)), priority=1)
    data = outbound.as_xml(original)
    assert edxl.validate(edxl.parse(data)) == []
    outcome = _receive(exchange.world.ally_a, data, settings, "b")
    (made,) = outcome.records
    copy = AssistanceRequest.objects.get(pk=made["id"])
    assert copy.pk != original.pk
    fields = ("title", "needed_by", "delivery_site_id", "priority", "releasability", "owner_nation_id")
    assert [getattr(copy, f) for f in fields] == [getattr(original, f) for f in fields]
    assert _lines(copy) == _lines(original)
    assert copy.status == AssistanceRequest.Status.SUBMITTED


def test_it_reads_back_a_requisition_to_named_nations(exchange, settings):
    settings.AIDX_NODE_ID = "a"
    original = exchange.request(releasability="named", release_to=["ESP"])
    data = outbound.as_xml(original)
    assert b"<RequisitionResource" in data
    outcome = _receive(exchange.world.ally_a, data, settings, "b")
    copy = AssistanceRequest.objects.get(pk=outcome.records[0]["id"])
    assert copy.releasability == "named"
    assert list(copy.release_to.values_list("code", flat=True)) == ["ESP"]


def test_it_reads_back_an_unsolicited_offer(exchange, settings):
    settings.AIDX_NODE_ID = "a"
    original = exchange.offer(lines=(("mask-ffp2", 300),))
    outcome = _receive(exchange.world.ally_b, outbound.as_xml(original), settings, "b")
    copy = Offer.objects.get(pk=outcome.records[0]["id"])
    assert (copy.title, copy.terms, copy.status, copy.owner_nation_id) == (original.title, "donation", "open", "ESP")
    assert _lines(copy) == _lines(original)
    line, copied = original.lines.get(), copy.lines.get()
    assert (copied.available_from, copied.origin_site_id) == (line.available_from, line.origin_site_id)


def test_two_nodes_thread_a_request_an_offer_and_the_decisions(exchange, settings):
    world = exchange.world
    # node a: Italy asks
    settings.AIDX_NODE_ID = "a"
    request = exchange.request(lines=(("mask-surgical", 1000),))
    # node b receives it; Spain offers in reply there and proposes
    outcome = _receive(world.ally_a, outbound.as_xml(request), settings, "b")
    remote_request = AssistanceRequest.objects.get(pk=outcome.records[0]["id"])
    offer = exchange.offer(lines=(("mask-surgical", 600),))
    remote_allocation = assistance.allocation_propose(
        actor=world.ally_b, offer_line=offer.lines.get(), request_line=remote_request.lines.get(), quantity=400
    )
    proposed = outbound.as_xml(remote_allocation, event="propose")
    # node a receives the proposal: an offer in reply and a proposed allocation to the original request
    outcome = _receive(world.ally_b, proposed, settings, "a")
    allocation = Allocation.objects.get(pk=next(r for r in outcome.records if r["type"] == "allocation")["id"])
    assert allocation.request_line.request == request and allocation.quantity == 400
    assert allocation.offer_line.offer.in_reply_to == request and allocation.status == "proposed"
    # Italy accepts on node a; node b's allocation follows
    assistance.allocation_accept(actor=world.ally_a, allocation=allocation)
    _receive(world.ally_a, outbound.as_xml(allocation, event="accept"), settings, "b")
    remote_allocation.refresh_from_db()
    assert remote_allocation.status == "accepted"
    # Spain ships on node b (CommitResource); node a's allocation follows
    assistance.allocation_ship(actor=world.ally_b, allocation=remote_allocation)
    settings.AIDX_NODE_ID = "b"
    _receive(world.ally_b, outbound.as_xml(remote_allocation, event="ship"), settings, "a")
    allocation.refresh_from_db()
    assert allocation.status == "shipped"


def test_a_decline_and_a_release_travel_back(exchange, settings):
    world = exchange.world
    settings.AIDX_NODE_ID = "a"
    request = exchange.request(lines=(("mask-surgical", 1000),))
    outcome = _receive(world.ally_a, outbound.as_xml(request), settings, "b")
    remote_request = AssistanceRequest.objects.get(pk=outcome.records[0]["id"])
    offer = exchange.offer(lines=(("mask-surgical", 600),))
    first = assistance.allocation_propose(
        actor=world.ally_b, offer_line=offer.lines.get(), request_line=remote_request.lines.get(), quantity=100
    )
    second = assistance.allocation_propose(
        actor=world.ally_b, offer_line=offer.lines.get(), request_line=remote_request.lines.get(), quantity=200
    )
    messages = [outbound.as_xml(a, event="propose") for a in (first, second)]  # written on node b
    made = [_receive(world.ally_b, data, settings, "a").records for data in messages]
    local_first, local_second = (Allocation.objects.get(pk=r[-1]["id"]) for r in made)
    assert local_first.offer_line.offer == local_second.offer_line.offer  # one offer line, remembered
    assistance.allocation_decline(actor=world.ally_a, allocation=local_first, reason="Too late for us")
    _receive(world.ally_a, outbound.as_xml(local_first, event="decline"), settings, "b")
    first.refresh_from_db()
    assert (first.status, first.decline_reason) == ("declined", "Too late for us")
    settings.AIDX_NODE_ID = "b"
    assistance.allocation_cancel(actor=world.ally_b, allocation=second, reason="Stock gone")
    _receive(world.ally_b, outbound.as_xml(second, event="cancel"), settings, "a")
    local_second.refresh_from_db()
    assert local_second.status == "cancelled"


def test_an_exercise_never_becomes_a_real_request(exchange, settings):
    settings.AIDX_NODE_ID = "a"
    original = exchange.request()
    before = AssistanceRequest.objects.count()
    outcome = _receive(exchange.world.ally_a, outbound.as_xml(original, status="Exercise"), settings, "b")
    assert outcome.dry_run and outcome.records == []
    assert AssistanceRequest.objects.count() == before
    assert not InboundMessage.objects.exists()


def test_a_message_id_seen_before_is_refused_and_writes_nothing(exchange, settings):
    settings.AIDX_NODE_ID = "a"
    data = outbound.as_xml(exchange.request())
    _receive(exchange.world.ally_a, data, settings, "b")
    before = AssistanceRequest.objects.count()
    with pytest.raises(MessageRefused) as refused:
        _receive(exchange.world.ally_a, data, settings, "b")
    assert (refused.value.code, refused.value.status) == ("duplicate_message", 409)
    assert AssistanceRequest.objects.count() == before


def test_an_envelope_for_nations_this_node_does_not_serve_is_refused(exchange, settings):
    settings.AIDX_NODE_ID = "a"
    data = outbound.as_xml(exchange.request(releasability="named", release_to=["ESP"]))
    settings.AIDX_INTERCHANGE_NATIONS = ["FIN"]
    with pytest.raises(MessageRefused) as refused:
        _receive(exchange.world.ally_a, data, settings, "b")
    assert refused.value.code == "not_addressed_here"
    assert not InboundMessage.objects.exists()


def test_a_bad_request_reports_every_problem_and_writes_nothing(exchange, settings):
    data = (
        outbound.as_xml(exchange.request())
        .replace(b">rome<", b">atlantis<")
        .replace(b">mask-surgical<", b">no-such-item<")
    )
    before = AssistanceRequest.objects.count()
    with pytest.raises(MessageRefused) as refused:
        _receive(exchange.world.ally_a, data, settings, "b")
    assert {code for code, _m, _w in refused.value.refusals} == {"unknown_site", "unknown_type"}
    assert AssistanceRequest.objects.count() == before
