"""The codec: what aidx writes is valid against its schemas and reads back the same; hostile input is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from aidx.interchange import edxl
from aidx.interchange.edxl import MessageRefused

DATA = Path(__file__).parent / "data"


def _message(**overrides):
    values = {
        "kind": "RequestResource",
        "message_id": "urn:aidx:a:request:1",
        "sent": dt.datetime(2020, 3, 20, 8, 0, tzinfo=dt.UTC),
        "description": "Masks",
        "incident_id": "covid-2020",
        "resources": [
            edxl.ResourceInfo(
                element_id="urn:aidx:a:request-line:1",
                type_list="urn:aidx:catalogue:item",
                type_value="mask-surgical",
                keywords={"urn:aidx:priority": "1"},
                amount=Decimal(1000),
                unit="piece",
                schedules=[edxl.Schedule("RequestedArrival", dt.datetime(2020, 3, 30, tzinfo=dt.UTC), "rome")],
            )
        ],
    }
    return edxl.Message(**{**values, **overrides})


@pytest.mark.parametrize("kind", edxl.KINDS)
def test_it_writes_every_message_type_valid_against_its_schema_and_reads_it_back(kind):
    message = _message(kind=kind)
    element = edxl.write_message(message)
    assert edxl.validate(element) == []
    again = edxl.read(edxl.to_bytes(element))
    assert isinstance(again, edxl.Message)
    assert (again.kind, again.message_id, again.description, again.incident_id) == (
        kind,
        message.message_id,
        "Masks",
        "covid-2020",
    )
    assert again.resources == message.resources


def test_it_wraps_a_message_in_a_valid_envelope_and_unwraps_it():
    envelope = edxl.Envelope(
        distribution_id="urn:aidx:a:distribution:1",
        sender="aidx@a",
        sent=dt.datetime(2020, 3, 20, tzinfo=dt.UTC),
        status="Exercise",
        kind="Request",
        confidentiality="RELEASABLE TO ALLIES",
        recipients=["ITA", "ESP"],
        keywords={edxl.RELEASABILITY_LIST: "allies"},
        message=_message(),
    )
    element = edxl.write_envelope(envelope)
    assert edxl.validate(element) == []
    again = edxl.read(edxl.to_bytes(element))
    assert isinstance(again, edxl.Envelope)
    assert (again.status, again.recipients, again.keywords, again.sender) == (
        "Exercise",
        ["ITA", "ESP"],
        {edxl.RELEASABILITY_LIST: "allies"},
        "aidx@a",
    )
    assert again.message.resources == envelope.message.resources


def test_it_reads_a_request_written_by_hand_from_the_standard():
    message = edxl.read((DATA / "request-handwritten.xml").read_bytes())
    assert isinstance(message, edxl.Message)
    assert message.kind == "RequestResource" and message.message_id == "LOMB-EOC-2020-0042"
    assert message.sent == dt.datetime(2020, 3, 20, 8, 30, tzinfo=dt.UTC)
    assert message.incident_id == "covid-2020"
    assert message.contact_role == "Requester"
    first, second = message.resources
    assert (first.type_list, first.type_value, first.quantity_text) == (
        "urn:example:lombardy:supply-list",
        "N95 respirator",
        "approx. 200 boxes",
    )
    assert first.schedule("RequestedArrival").location == "rome"
    assert second.quantity_text == "a few"
    assert message.ignored == ["RequestResource/Funding"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<RequestResource xmlns="urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg"><MessageID>&lol2;</MessageID></RequestResource>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<RequestResource xmlns="urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg"><MessageID>&xxe;</MessageID></RequestResource>"""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"<RequestResource", "malformed_xml"),
        (b"", "malformed_xml"),
        (BILLION_LAUGHS, "dtd_forbidden"),
        (EXTERNAL_ENTITY, "dtd_forbidden"),
        (b"<RequestResource xmlns='urn:example:other'/>", "wrong_namespace"),
        (b"<Other xmlns='urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg'/>", "unsupported_message"),
        (b"<x>" + b" " * (edxl.MAX_BYTES + 1) + b"</x>", "too_large"),
    ],
)
def test_it_refuses_hostile_or_broken_input_with_a_machine_code(data, code):
    with pytest.raises(MessageRefused) as refused:
        edxl.read(data)
    assert refused.value.code == code


def test_it_reports_every_problem_of_a_message_at_once():
    data = b"""<RequestResource xmlns="urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg">
      <SentDateTime>yesterday</SentDateTime><MessageContentType>CommitResource</MessageContentType>
    </RequestResource>"""
    with pytest.raises(MessageRefused) as refused:
        edxl.read(data)
    where = [w for _c, _m, w in refused.value.refusals]
    assert where == ["MessageID", "SentDateTime", "MessageContentType", "ResourceInformation"]
