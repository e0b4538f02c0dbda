"""Records written as EDXL-RM messages (in an EDXL-DE envelope when sent), and as webhook JSON.

Which message a record becomes (docs/interchange.md has the table):
request circulated to allies (and partners) → RequestResource; released to named nations → RequisitionResource;
offer made unasked → OfferUnsolicitedResource; allocation proposed / accepted / declined → ResponseToRequestResource
Provisional / Accept / Decline; allocation shipped → CommitResource; cancelled → ReleaseResource; deployment →
ReportResourceDeploymentStatus; asking for one → RequestResourceDeploymentStatus.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.interchange import edxl
from aidx.interchange.services.references import foreign_id, node_id, own_id
from aidx.logistics.models import Deployment
from aidx.nations.policy import Releasability
from aidx.nations.selectors import nations_on

ITEM_LIST = "urn:aidx:catalogue:item"
CAPABILITY_LIST = "urn:aidx:catalogue:capability"
PRIORITY = "urn:aidx:priority"
SUBSTITUTES = "urn:aidx:substitutes"
TERMS = "urn:aidx:terms"
TRANSPORT = "urn:aidx:transport-included"

ALLOCATION_MESSAGES = {
    # event: (message, ResponseType)
    "propose": ("ResponseToRequestResource", "Provisional"),
    "accept": ("ResponseToRequestResource", "Accept"),
    "decline": ("ResponseToRequestResource", "Decline"),
    "ship": ("CommitResource", "Accept"),
    "cancel": ("ReleaseResource", "Accept"),
}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), dt.UTC)


def _what(line: RequestLine | OfferLine) -> dict[str, Any]:
    if line.item_id:
        assert line.item is not None
        return {"type_list": ITEM_LIST, "type_value": line.item.code, "name": line.item.name_en, "unit": line.item.unit}
    assert line.capability is not None
    return {"type_list": CAPABILITY_LIST, "type_value": line.capability.code, "name": line.capability.name_en}


def _offer_schedules(line: OfferLine) -> list[edxl.Schedule]:
    schedules = [edxl.Schedule("BeginAvailable", _midnight(line.available_from))]
    if line.available_until:
        schedules.append(edxl.Schedule("EndAvailable", _midnight(line.available_until)))
    if line.origin_site_id:
        assert line.origin_site is not None
        schedules.append(edxl.Schedule("Current", None, line.origin_site.code))
    return schedules


def _contact(record: AssistanceRequest | Offer) -> str:
    owner = record.owner_nation_id or (record.owner_organisation.code if record.owner_organisation else "")
    contact = getattr(record, "contact", "")
    return f"{owner}: {contact}" if contact else str(owner)


def request_message(request: AssistanceRequest) -> edxl.Message:
    kind = "RequisitionResource" if request.releasability == Releasability.NAMED else "RequestResource"
    lines = request.lines.select_related("item", "capability")
    return edxl.Message(
        kind=kind,
        message_id=own_id("request", request.pk),
        sent=timezone.now(),
        description=request.title,
        originating_id=foreign_id("request", request.pk),
        incident_id=request.incident,
        contact_description=_contact(request),
        contact_role="Requester",
        resources=[
            edxl.ResourceInfo(
                element_id=own_id("request-line", line.pk),
                description=line.notes,
                keywords={PRIORITY: str(request.priority), SUBSTITUTES: "yes" if line.substitutes_ok else "no"},
                amount=Decimal(line.quantity),
                schedules=[edxl.Schedule("RequestedArrival", _midnight(request.needed_by), request.delivery_site.code)],
                **_what(line),
            )
            for line in lines
        ],
    )


def _offer_keywords(offer: Offer) -> dict[str, str]:
    return {TERMS: offer.terms, TRANSPORT: "yes" if offer.transport_included else "no"}


def offer_message(offer: Offer) -> edxl.Message:
    lines = offer.lines.select_related("item", "capability", "origin_site")
    return edxl.Message(
        kind="OfferUnsolicitedResource",
        message_id=own_id("offer", offer.pk),
        sent=timezone.now(),
        description=offer.title,
        originating_id=foreign_id("offer", offer.pk),
        contact_description=_contact(offer),
        contact_role="Provider",
        resources=[
            edxl.ResourceInfo(
                element_id=own_id("offer-line", line.pk),
                description=line.notes,
                keywords=_offer_keywords(offer),
                amount=Decimal(line.quantity),
                schedules=_offer_schedules(line),
                **_what(line),
            )
            for line in lines
        ],
    )


def allocation_message(allocation: Allocation, event: str) -> edxl.Message:
    """One allocation as the message of `event` (propose, accept, decline, ship, cancel)."""
    kind, response = ALLOCATION_MESSAGES[event]
    allocation = Allocation.objects.select_related(
        "offer_line__offer", "offer_line__item", "offer_line__capability", "request_line__request"
    ).get(pk=allocation.pk)  # as stored: a caller may hold the object from before the change
    offer_line, request_line = allocation.offer_line, allocation.request_line
    offer, request = offer_line.offer, request_line.request
    preceding = (
        foreign_id("request-line", request_line.pk) if event == "propose" else foreign_id("allocation", allocation.pk)
    )
    return edxl.Message(
        kind=kind,
        message_id=f"{own_id('allocation', allocation.pk)}:{event}",
        sent=timezone.now(),
        description=offer.title,
        originating_id=foreign_id("request", request.pk),
        contact_description=_contact(offer if event in ("propose", "ship", "cancel") else request),
        contact_role="Provider" if event in ("propose", "ship", "cancel") else "Requester",
        resources=[
            edxl.ResourceInfo(
                element_id=own_id("allocation", allocation.pk),
                resource_id=foreign_id("offer-line", offer_line.pk),
                response_type=response,
                preceding_element_id=preceding,
                response_reason=allocation.decline_reason if event in ("decline", "cancel") else "",
                keywords=_offer_keywords(offer),
                amount=Decimal(allocation.quantity),
                schedules=_offer_schedules(offer_line),
                **_what(offer_line),
            )
        ],
    )


def deployment_message(deployment: Deployment) -> edxl.Message:
    allocation = deployment.allocation
    schedules = [edxl.Schedule("ReportTo", _midnight(deployment.starts), deployment.site.code)]
    if deployment.arrived_on:
        schedules.append(edxl.Schedule("ActualArrival", _midnight(deployment.arrived_on)))
    if deployment.returned_on:
        schedules.append(edxl.Schedule("ActualReturnArrival", _midnight(deployment.returned_on)))
    schedules.append(edxl.Schedule("EstimatedReturnDeparture", _midnight(deployment.ends)))
    return edxl.Message(
        kind="ReportResourceDeploymentStatus",
        message_id=f"{own_id('deployment', deployment.pk)}:{deployment.status}",
        sent=timezone.now(),
        originating_id=foreign_id("request", allocation.request_line.request_id),
        contact_role="Provider",
        resources=[
            edxl.ResourceInfo(
                element_id=own_id("deployment", deployment.pk),
                preceding_element_id=foreign_id("allocation", allocation.pk),
                response_type="Accept",
                deployment_status=deployment.status,
                amount=Decimal(allocation.quantity),
                schedules=schedules,
                **_what(allocation.offer_line),
            )
        ],
    )


def status_request_message(allocation: Allocation) -> edxl.Message:
    return edxl.Message(
        kind="RequestResourceDeploymentStatus",
        message_id=f"{own_id('allocation', allocation.pk)}:status:{uuid.uuid4().hex[:12]}",
        sent=timezone.now(),
        originating_id=foreign_id("request", allocation.request_line.request_id),
        contact_role="Requester",
        resources=[
            edxl.ResourceInfo(
                element_id=own_id("allocation", allocation.pk),
                preceding_element_id=foreign_id("allocation", allocation.pk),
                response_type="Accept",
                **_what(allocation.offer_line),
            )
        ],
    )


# --- the envelope -----------------------------------------------------------------------------------------------


def recipients(record: AssistanceRequest | Offer) -> list[str]:
    """The nations a record is releasable to today, as explicit addresses (its owner's own nation first)."""
    today = timezone.localdate()
    if record.releasability == Releasability.NAMED:
        codes = set(record.release_to.values_list("code", flat=True))
    elif record.releasability == Releasability.ALLIES:
        codes = set(nations_on(today, kind="ally").values_list("code", flat=True))
    else:
        codes = set(nations_on(today).values_list("code", flat=True))
    owner = [record.owner_nation_id] if record.owner_nation_id else []
    return owner + sorted(codes - set(owner))


def confidentiality(record: AssistanceRequest | Offer) -> str:
    """The marking of the content; one content object per envelope, so the combined marking is its own."""
    if record.releasability == Releasability.NAMED:
        named = sorted({record.owner_nation_id or "", *record.release_to.values_list("code", flat=True)} - {""})
        return "RELEASABLE TO " + ", ".join(named)
    if record.releasability == Releasability.ALLIES:
        return "RELEASABLE TO ALLIES"
    return "RELEASABLE TO ALLIES AND PARTNERS"


def envelope(message: edxl.Message, record: AssistanceRequest | Offer, *, status: str = "Actual") -> edxl.Envelope:
    return edxl.Envelope(
        distribution_id=f"urn:aidx:{node_id()}:distribution:{uuid.uuid4()}",
        sender=sender_id(),
        sent=message.sent,
        status=status,
        kind=edxl.DISTRIBUTION_KIND[message.kind],
        confidentiality=confidentiality(record),
        recipients=recipients(record),
        keywords={edxl.RELEASABILITY_LIST: record.releasability},
        message=message,
    )


def sender_id() -> str:
    return f"aidx@{node_id()}"


def governing_record(record: Any) -> AssistanceRequest | Offer:
    """Whose releasability marks an envelope: a request or offer itself; an allocation's or deployment's request."""
    if isinstance(record, Deployment):
        record = record.allocation
    if isinstance(record, Allocation):
        return record.request_line.request
    return record


def message_for(record: Any, event: str = "") -> edxl.Message:
    if isinstance(record, AssistanceRequest):
        return request_message(record)
    if isinstance(record, Offer):
        return offer_message(record)
    if isinstance(record, Allocation):
        return allocation_message(record, event or "propose")
    if isinstance(record, Deployment):
        return deployment_message(record)
    raise TypeError(record)


def as_xml(record: Any, *, event: str = "", wrap: bool = True, status: str = "Actual") -> bytes:
    message = message_for(record, event)
    if not wrap:
        return edxl.to_bytes(edxl.write_message(message))
    return edxl.to_bytes(edxl.write_envelope(envelope(message, governing_record(record), status=status)))


def base_url() -> str:
    return str(getattr(settings, "AIDX_BASE_URL", ""))
