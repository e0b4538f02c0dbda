"""Deployment status end to end through the API: a team offered on one node for a request made on another is
deployed; ReportResourceDeploymentStatus carries its arrival and return to the requester's node, and
RequestResourceDeploymentStatus asks for it (answered with a report, nothing stored). Two nodes are simulated in one
database by switching the node's name, as in test_roundtrip.py; every message goes through POST /messages."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from aidx.accounts.services import token_create
from aidx.assistance import services as exchange_services
from aidx.assistance.models import Allocation, AssistanceRequest
from aidx.assistance.services import LineInput
from aidx.catalogue.services import capability_type_upsert
from aidx.interchange import edxl
from aidx.interchange.models import InboundMessage
from aidx.interchange.services import outbound
from aidx.logistics.models import Deployment
from aidx.logistics.services import deployments


class Nodes:
    """Posting a message to node `a` or `b` as a user, through the API."""

    def __init__(self, client, settings, world):
        self.client, self.settings = client, settings
        self.tokens = {
            user: token_create(actor=user, user=user, name="t", write=True)[1] for user in (world.ally_a, world.ally_b)
        }

    def at(self, node: str) -> None:
        self.settings.AIDX_NODE_ID = node

    def post(self, node: str, user, data: bytes):
        self.at(node)
        return self.client.post(
            "/api/v1/interchange/messages",
            data=data,
            content_type="application/xml",
            HTTP_AUTHORIZATION=f"Bearer {self.tokens[user]}",
        )


@pytest.fixture
def deployed(exchange, client, settings):
    """Italy asks for a medical team on node a; it arrives on node b, where Spain proposes one; the proposal comes
    back to node a, Italy accepts, the acceptance goes to node b. Each node plans its side of the deployment."""
    w = exchange.world
    nodes = Nodes(client, settings, w)
    capability_type_upsert(actor=None, code="medical-team", kind="medical_team", name_en="Medical team", staff=12)
    today = timezone.localdate()
    nodes.at("a")
    request = exchange_services.request_create(
        actor=w.ally_a,
        title="A medical team for Rome",
        needed_by=today + dt.timedelta(days=7),
        delivery_site="rome",
        lines=[LineInput(capability="medical-team", quantity=1)],
    )
    exchange_services.request_submit(actor=w.ally_a, request=request)
    answer = nodes.post("b", w.ally_a, outbound.as_xml(request))
    assert answer.status_code == 201, answer.json()
    there = AssistanceRequest.objects.get(pk=answer.json()["records"][0]["id"])
    offer = exchange_services.offer_create(
        actor=w.ally_b,
        title="Spanish team",
        lines=[LineInput(capability="medical-team", quantity=1, available_from=today, origin_site="madrid")],
    )
    exchange_services.offer_publish(actor=w.ally_b, offer=offer)
    remote = exchange_services.allocation_propose(
        actor=w.ally_b, offer_line=offer.lines.get(), request_line=there.lines.get(), quantity=1
    )
    answer = nodes.post("a", w.ally_b, outbound.as_xml(remote, event="propose"))
    assert answer.status_code == 201, answer.json()
    made = next(r for r in answer.json()["records"] if r["type"] == "allocation")
    local = exchange_services.allocation_accept(actor=w.ally_a, allocation=Allocation.objects.get(pk=made["id"]))
    assert nodes.post("b", w.ally_a, outbound.as_xml(local, event="accept")).status_code == 201
    remote.refresh_from_db()
    assert remote.status == local.status == "accepted"
    plan = {"site": "rome", "starts": today, "ends": today + dt.timedelta(days=30), "doctors": 4, "nurses": 8}
    return SimpleNamespace(
        world=w,
        nodes=nodes,
        today=today,
        local=local,
        remote=remote,
        at_b=deployments.deployment_create(actor=w.ally_b, allocation=remote, **plan),  # the provider's
        at_a=deployments.deployment_create(actor=w.ally_a, allocation=local, **plan),  # the requester's
    )


def _status_request(allocation: Allocation) -> bytes:
    message = outbound.status_request_message(allocation)
    envelope = outbound.envelope(message, outbound.governing_record(allocation))
    return edxl.to_bytes(edxl.write_envelope(envelope))


def test_a_report_carries_the_arrival_and_the_return_to_the_requesters_node(deployed):
    w, nodes, day = deployed.world, deployed.nodes, deployed.today
    nodes.at("b")
    deployments.deployment_arrive(actor=w.ally_b, deployment=deployed.at_b, on=day + dt.timedelta(days=1))
    report = outbound.as_xml(Deployment.objects.get(pk=deployed.at_b.pk))
    assert b"<ReportResourceDeploymentStatus" in report and edxl.validate(edxl.parse(report)) == []
    answer = nodes.post("a", w.ally_b, report)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["records"] == [{"type": "deployment", "id": deployed.at_a.pk}]
    deployed.at_a.refresh_from_db()
    assert (deployed.at_a.status, deployed.at_a.arrived_on) == ("deployed", day + dt.timedelta(days=1))

    nodes.at("b")
    deployments.deployment_return(actor=w.ally_b, deployment=deployed.at_b, on=day + dt.timedelta(days=20))
    answer = nodes.post("a", w.ally_b, outbound.as_xml(Deployment.objects.get(pk=deployed.at_b.pk)))
    assert answer.status_code == 201, answer.json()
    deployed.at_a.refresh_from_db()
    assert (deployed.at_a.status, deployed.at_a.returned_on) == ("returned", day + dt.timedelta(days=20))
    assert nodes.post("a", w.ally_b, report).json()["error"]["code"] == "duplicate_message"  # the first, again


def test_a_status_request_is_answered_with_a_report_and_stores_nothing(deployed):
    """The report of the arrival was lost: the requester's node asks, and applies the answer."""
    w, nodes, day = deployed.world, deployed.nodes, deployed.today
    nodes.at("b")
    deployments.deployment_arrive(actor=w.ally_b, deployment=deployed.at_b, on=day)
    nodes.at("a")
    question = _status_request(deployed.local)
    assert b"<RequestResourceDeploymentStatus" in question and edxl.validate(edxl.parse(question)) == []
    stored = InboundMessage.objects.count()
    answer = nodes.post("b", w.ally_a, question)
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["kind"], body["records"]) == (
        "RequestResourceDeploymentStatus",
        [{"type": "deployment", "id": deployed.at_b.pk}],
    )
    assert InboundMessage.objects.count() == stored
    reply = body["reply"].encode()
    assert b"<ReportResourceDeploymentStatus" in reply and edxl.validate(edxl.parse(reply)) == []
    assert nodes.post("b", w.ally_a, question).status_code == 200  # a question may be asked again
    assert nodes.post("a", w.ally_b, reply).status_code == 201
    deployed.at_a.refresh_from_db()
    assert (deployed.at_a.status, deployed.at_a.arrived_on) == ("deployed", day)


def test_a_status_request_about_an_allocation_with_no_deployment_says_so(deployed):
    w, nodes = deployed.world, deployed.nodes
    nodes.at("b")
    deployments.deployment_cancel(actor=w.ally_b, deployment=deployed.at_b)
    nodes.at("a")
    answer = nodes.post("b", w.ally_a, _status_request(deployed.local))
    assert answer.status_code == 200
    assert answer.json()["reply"] is None
    assert answer.json()["warnings"] == ["No deployment is known here for these allocations."]


def test_a_status_request_from_someone_not_party_to_the_allocation_is_refused(deployed, client):
    w, nodes = deployed.world, deployed.nodes
    nodes.at("a")
    question = _status_request(deployed.local)
    nodes.tokens[w.partner] = token_create(actor=w.partner, user=w.partner, name="t", write=True)[1]
    answer = nodes.post("b", w.partner, question)
    assert answer.status_code == 400
    assert [p["code"] for p in answer.json()["error"]["problems"]] == ["unknown_reference"]


def test_an_exercise_report_changes_nothing(deployed):
    w, nodes = deployed.world, deployed.nodes
    nodes.at("b")
    deployments.deployment_arrive(actor=w.ally_b, deployment=deployed.at_b)
    nodes.at("b")
    exercise = outbound.as_xml(Deployment.objects.get(pk=deployed.at_b.pk), status="Exercise")
    answer = nodes.post("a", w.ally_b, exercise)
    assert answer.status_code == 200 and answer.json()["dry_run"] is True
    deployed.at_a.refresh_from_db()
    assert deployed.at_a.status == "planned"


def test_a_bad_report_names_every_problem_and_changes_nothing(deployed):
    w, nodes = deployed.world, deployed.nodes
    nodes.at("b")
    deployments.deployment_arrive(actor=w.ally_b, deployment=deployed.at_b)
    report = outbound.as_xml(Deployment.objects.get(pk=deployed.at_b.pk))
    stranger = report.replace(f"allocation:{deployed.remote.pk}<".encode(), b"allocation:999999<")
    for data, codes in (
        (report.replace(b">deployed<", b">lost<"), ["invalid_value"]),
        (stranger, ["unknown_reference"]),
    ):
        answer = nodes.post("a", w.ally_b, data)
        assert answer.status_code == 400, answer.json()
        assert [p["code"] for p in answer.json()["error"]["problems"]] == codes
    deployed.at_a.refresh_from_db()
    assert deployed.at_a.status == "planned"
    assert not InboundMessage.objects.filter(kind="ReportResourceDeploymentStatus").exists()


def test_a_return_reported_after_a_lost_arrival_report_records_both(deployed):
    w, nodes, day = deployed.world, deployed.nodes, deployed.today
    nodes.at("b")
    deployments.deployment_arrive(actor=w.ally_b, deployment=deployed.at_b, on=day)
    deployments.deployment_return(actor=w.ally_b, deployment=deployed.at_b, on=day + dt.timedelta(days=9))
    answer = nodes.post("a", w.ally_b, outbound.as_xml(Deployment.objects.get(pk=deployed.at_b.pk)))
    assert answer.status_code == 201, answer.json()
    deployed.at_a.refresh_from_db()
    assert (deployed.at_a.status, deployed.at_a.arrived_on, deployed.at_a.returned_on) == (
        "returned",
        day,
        day + dt.timedelta(days=9),
    )


def test_a_report_that_cannot_be_followed_changes_nothing_and_says_so(deployed):
    """Italy recorded the team's arrival on its node; Spain's node still reports it planned."""
    w, nodes = deployed.world, deployed.nodes
    nodes.at("a")
    deployments.deployment_arrive(actor=w.ally_a, deployment=deployed.at_a)
    nodes.at("b")
    answer = nodes.post("a", w.ally_b, outbound.as_xml(deployed.at_b))
    assert answer.status_code == 201, answer.json()
    assert answer.json()["warnings"] == [
        "Resource 1: reported planned, but the deployment here is deployed: not changed."
    ]
    deployed.at_a.refresh_from_db()
    assert deployed.at_a.status == "deployed"
