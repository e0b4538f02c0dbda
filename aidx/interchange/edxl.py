"""EDXL-RM 1.0 messages and the EDXL-DE 2.0 envelope: read and written as plain data, nothing about the database.

Element names and nesting follow the OASIS standards (EDXL-RM 1.0, 22 December 2009; EDXL-DE 2.0, 2013): the message
element and its own children are in the `...:RM:1.0:msg` namespace; the content of the standard's shared types
(ValueListType, IncidentInformationType, ContactInformationType, QuantityType, LocationType,
ResponseInformationType) in `...:RM:1.0`. `schemas/` holds the XML Schema of the subset aidx writes; what aidx
writes is valid against it (tests), and docs/interchange.md lists what is read, written and ignored.

Reading is hardened: the size is checked before parsing; a document type declaration (the carrier of entity
expansion "billion laughs" and external entities) is refused outright, before the parser sees it; the parser itself
resolves no entity, loads no DTD, touches no network and refuses huge trees.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from aidx.core.errors import BusinessError

MSG = "urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg"
RM = "urn:oasis:names:tc:emergency:EDXL:RM:1.0"
DE = "urn:oasis:names:tc:emergency:EDXL:DE:2.0"
MAX_BYTES = 2 * 1024 * 1024  # a request of 10,000 lines is well under 1 MB
SCHEMAS = Path(__file__).parent / "schemas"

KINDS = (
    "RequestResource",
    "ResponseToRequestResource",
    "RequisitionResource",
    "CommitResource",
    "OfferUnsolicitedResource",
    "ReleaseResource",
    "RequestResourceDeploymentStatus",
    "ReportResourceDeploymentStatus",
)
RESPONSE_TYPES = ("Accept", "Decline", "Provisional")
SCHEDULE_TYPES = (
    "RequestedArrival",
    "EstimatedArrival",
    "ActualArrival",
    "RequestedDeparture",
    "EstimatedDeparture",
    "ActualDeparture",
    "EstimatedReturnDeparture",
    "EstimatedReturnArrival",
    "ActualReturnArrival",
    "RequestedReturnDeparture",
    "RequestedReturnArrival",
    "ActualReturnDeparture",
    "BeginAvailable",
    "EndAvailable",
    "Committed",
    "Current",
    "ReportTo",
    "Route",
)
STATUSES = ("Actual", "Exercise", "Test")
# What each message is in an EDXL-DE distributionKind.
DISTRIBUTION_KIND = {
    "RequestResource": "Request",
    "RequisitionResource": "Request",
    "RequestResourceDeploymentStatus": "Request",
    "ResponseToRequestResource": "Response",
    "CommitResource": "Response",
    "OfferUnsolicitedResource": "Report",
    "ReleaseResource": "Update",
    "ReportResourceDeploymentStatus": "Report",
}


class MessageRefused(BusinessError):
    """A message that cannot be read or applied, with every problem found: `refusals` as (code, message, where),
    and `problems` as business errors like any other service's."""

    def __init__(self, problems: list[tuple[str, str, str]], *, status: int = 400):
        first_code, first_message, _where = problems[0]
        super().__init__(first_message, code=first_code, status=status)
        self.refusals = problems  # (code, message, where): the API answers each with its machine code
        self.problems = [BusinessError(message, code=code, field=where) for code, message, where in problems]


def refuse(code: str, message: str, *, where: str = "message", status: int = 400) -> MessageRefused:
    return MessageRefused([(code, message, where)], status=status)


@dataclass
class Schedule:
    kind: str  # one of SCHEDULE_TYPES
    when: dt.datetime | None = None
    location: str = ""  # LocationDescription: aidx writes a site code


@dataclass
class ResourceInfo:
    """One ResourceInformation: one line of a request or an offer, or one allocation."""

    element_id: str
    type_list: str = ""  # Resource/TypeStructure/ValueListURN
    type_value: str = ""  # Resource/TypeStructure/Value
    name: str = ""
    resource_id: str = ""
    description: str = ""
    keywords: dict[str, str] = field(default_factory=dict)  # Resource/Keyword: ValueListURN -> Value
    deployment_status: str = ""  # Resource/ResourceStatus/DeploymentStatus/Value
    preceding_element_id: str = ""  # ResponseInformation/PrecedingResourceInfoElementID
    response_type: str = ""  # ResponseInformation/ResponseType
    response_reason: str = ""  # ResponseInformation/ResponseReason
    amount: Decimal | None = None  # AssignmentInformation/Quantity/MeasuredQuantity/Amount
    unit: str = ""  # .../MeasuredQuantity/UnitOfMeasure/Value
    quantity_text: str = ""  # AssignmentInformation/Quantity/QuantityText
    schedules: list[Schedule] = field(default_factory=list)

    def schedule(self, kind: str) -> Schedule | None:
        return next((s for s in self.schedules if s.kind == kind), None)


@dataclass
class Message:
    kind: str
    message_id: str
    sent: dt.datetime
    description: str = ""
    originating_id: str = ""
    preceding_id: str = ""
    incident_id: str = ""
    incident_description: str = ""
    contact_description: str = ""
    contact_role: str = ""
    resources: list[ResourceInfo] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # elements read but not supported


@dataclass
class Envelope:
    distribution_id: str
    sender: str
    sent: dt.datetime
    status: str  # Actual, Exercise, Test
    kind: str  # distributionKind
    confidentiality: str
    recipients: list[str]  # explicit addresses of the aidx nation scheme (ISO 3166 alpha-3)
    keywords: dict[str, str]
    message: Message


NATION_SCHEME = "urn:aidx:nation"
RELEASABILITY_LIST = "urn:aidx:releasability"


# --- reading -------------------------------------------------------------------------------------------------------


_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse(data: bytes) -> etree._Element:
    """The root of an XML document from another system, or MessageRefused: never an entity expanded, never a fetch."""
    if len(data) > MAX_BYTES:
        raise refuse(
            "too_large",
            _("The message is too large: at most %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            status=413,
        )
    if _DOCTYPE.search(data):
        raise refuse("dtd_forbidden", _("The message declares a document type or entities, which are not accepted."))
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise refuse(
            "malformed_xml", _("The message is not well-formed XML (line %(line)s).") % {"line": error.lineno}
        ) from None
    if root is None:
        raise refuse("malformed_xml", _("The message is empty."))
    return root


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _ns(element: etree._Element) -> str | None:
    return etree.QName(element).namespace


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    """Children called `name` in either EDXL-RM namespace (systems differ in which one they qualify a child with)."""
    return [c for c in element if isinstance(c.tag, str) and _local(c) == name and _ns(c) in (MSG, RM)]


def _child(element: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element: etree._Element | None, *path: str) -> str:
    found = _child(element, *path) if path else element
    return (found.text or "").strip() if found is not None else ""


def _datetime(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None  # EDXL-RM datetimes carry an offset


class _Reader:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str, str]] = []
        self.ignored: list[str] = []

    def problem(self, code: str, message: str, where: str) -> None:
        self.problems.append((code, message, where))

    def note_ignored(self, element: etree._Element, known: set[str], where: str) -> None:
        for child in element:
            if isinstance(child.tag, str) and _local(child) not in known:
                self.ignored.append(f"{where}/{_local(child)}")

    def message(self, root: etree._Element) -> Message:
        kind = _local(root)
        if _ns(root) != MSG:
            raise refuse(
                "wrong_namespace",
                _("The message is not in the EDXL-RM 1.0 namespace (%(ns)s).") % {"ns": MSG},
            )
        if kind not in KINDS:
            raise refuse("unsupported_message", _("Unsupported EDXL-RM message: %(kind)s.") % {"kind": kind})
        message_id = _text(root, "MessageID")
        if not message_id:
            self.problem("missing_element", _("The message has no MessageID."), "MessageID")
        elif len(message_id) > 300:
            self.problem("invalid_value", _("The MessageID is too long (at most 300 characters)."), "MessageID")
        sent = _datetime(_text(root, "SentDateTime"))
        if sent is None:
            self.problem(
                "invalid_value", _("SentDateTime is missing or not a date and time with an offset."), "SentDateTime"
            )
        content_type = _text(root, "MessageContentType")
        if content_type and content_type != kind:
            self.problem(
                "invalid_value",
                _("MessageContentType %(value)s does not match the message %(kind)s.")
                % {"value": content_type, "kind": kind},
                "MessageContentType",
            )
        self.note_ignored(
            root,
            {
                "MessageID",
                "SentDateTime",
                "MessageContentType",
                "MessageDescription",
                "OriginatingMessageID",
                "PrecedingMessageID",
                "IncidentInformation",
                "ContactInformation",
                "ResourceInformation",
            },
            kind,
        )
        infos = _children(root, "ResourceInformation")
        if not infos:
            self.problem("missing_element", _("The message has no ResourceInformation."), "ResourceInformation")
        message = Message(
            kind=kind,
            message_id=message_id,
            sent=sent or dt.datetime.now(dt.UTC),
            description=_text(root, "MessageDescription"),
            originating_id=_text(root, "OriginatingMessageID"),
            preceding_id=_text(root, "PrecedingMessageID"),
            incident_id=_text(root, "IncidentInformation", "IncidentID"),
            incident_description=_text(root, "IncidentInformation", "IncidentDescription"),
            contact_description=_text(root, "ContactInformation", "ContactDescription"),
            contact_role=_text(root, "ContactInformation", "ContactRole"),
            resources=[self.resource(info, number) for number, info in enumerate(infos, start=1)],
        )
        message.ignored = self.ignored
        return message

    def resource(self, info: etree._Element, number: int) -> ResourceInfo:
        where = f"ResourceInformation[{number}]"
        self.note_ignored(
            info,
            {
                "ResourceInfoElementID",
                "ResponseInformation",
                "Resource",
                "AssignmentInformation",
                "ScheduleInformation",
            },
            where,
        )
        element_id = _text(info, "ResourceInfoElementID")
        if not element_id:
            self.problem("missing_element", _("Resource %(n)s has no ResourceInfoElementID.") % {"n": number}, where)
        resource = _child(info, "Resource")
        result = ResourceInfo(
            element_id=element_id,
            type_list=_text(resource, "TypeStructure", "ValueListURN"),
            type_value=_text(resource, "TypeStructure", "Value"),
            name=_text(resource, "Name"),
            resource_id=_text(resource, "ResourceID"),
            description=_text(resource, "Description"),
            deployment_status=_text(resource, "ResourceStatus", "DeploymentStatus", "Value"),
            preceding_element_id=_text(info, "ResponseInformation", "PrecedingResourceInfoElementID"),
            response_type=_text(info, "ResponseInformation", "ResponseType"),
            response_reason=_text(info, "ResponseInformation", "ResponseReason"),
        )
        if resource is not None:
            for keyword in _children(resource, "Keyword"):
                result.keywords[_text(keyword, "ValueListURN")] = _text(keyword, "Value")
        if result.response_type and result.response_type not in RESPONSE_TYPES:
            self.problem(
                "invalid_value",
                _("Resource %(n)s: ResponseType must be Accept, Decline or Provisional.") % {"n": number},
                where,
            )
        quantity = _child(info, "AssignmentInformation", "Quantity")
        amount = _text(quantity, "MeasuredQuantity", "Amount")
        if amount:
            try:
                result.amount = Decimal(amount)
            except InvalidOperation:
                self.problem("invalid_value", _("Resource %(n)s: the amount is not a number.") % {"n": number}, where)
        result.unit = _text(quantity, "MeasuredQuantity", "UnitOfMeasure", "Value")
        result.quantity_text = (
            " ".join(_text(text) for text in _children(quantity, "QuantityText")) if quantity is not None else ""
        )
        for schedule in _children(info, "ScheduleInformation"):
            kind = _text(schedule, "ScheduleType")
            if kind not in SCHEDULE_TYPES:
                self.problem(
                    "invalid_value",
                    _("Resource %(n)s: unknown ScheduleType %(value)s.") % {"n": number, "value": kind},
                    where,
                )
                continue
            raw_when = _text(schedule, "DateTime")
            when = _datetime(raw_when) if raw_when else None
            if raw_when and when is None:
                self.problem(
                    "invalid_value",
                    _("Resource %(n)s: %(kind)s is not a date and time with an offset.") % {"n": number, "kind": kind},
                    where,
                )
            result.schedules.append(Schedule(kind, when, _text(schedule, "Location", "LocationDescription")))
        return result


def read_message(root: etree._Element) -> Message:
    reader = _Reader()
    message = reader.message(root)
    if reader.problems:
        raise MessageRefused(reader.problems)
    return message


def read(data: bytes) -> Envelope | Message:
    """An EDXL-DE envelope with its EDXL-RM message, or a bare EDXL-RM message."""
    root = parse(data)
    if _ns(root) == DE and _local(root) == "EDXLDistribution":
        return read_envelope(root)
    return read_message(root)


def read_envelope(root: etree._Element) -> Envelope:
    def text(*path: str) -> str:
        element: etree._Element | None = root
        for name in path:
            element = element.find(f"{{{DE}}}{name}") if element is not None else None
        return (element.text or "").strip() if element is not None else ""

    problems: list[tuple[str, str, str]] = []
    status = text("distributionStatus", "StatusKindDefault")
    if status not in STATUSES:
        problems.append(
            ("invalid_value", _("distributionStatus must be Actual, Exercise or Test."), "distributionStatus")
        )
    sent = _datetime(text("dateTimeSent"))
    if sent is None:
        problems.append(("invalid_value", _("dateTimeSent is missing or not a date and time."), "dateTimeSent"))
    recipients = []
    for address in root.iter(f"{{{DE}}}explicitAddress"):
        if (address.findtext(f"{{{DE}}}explicitAddressScheme") or "").strip() == NATION_SCHEME:
            recipients += [(v.text or "").strip().upper() for v in address.iter(f"{{{DE}}}explicitAddressValue")]
    keywords = {
        (k.findtext(f"{{{DE}}}valueListURI") or "").strip(): (k.findtext(f"{{{DE}}}value") or "").strip()
        for k in root.iter(f"{{{DE}}}keyword")
    }
    embedded = root.find(f"{{{DE}}}content/{{{DE}}}contentObject/{{{DE}}}xmlContent/{{{DE}}}embeddedXMLContent")
    payload = next((c for c in embedded if isinstance(c.tag, str)), None) if embedded is not None else None
    if payload is None:
        problems.append(("missing_element", _("The envelope carries no EDXL-RM message."), "content"))
    if problems:
        raise MessageRefused(problems)
    assert payload is not None and sent is not None
    return Envelope(
        distribution_id=text("distributionID"),
        sender=text("senderID"),
        sent=sent,
        status=status,
        kind=text("distributionKind", "DistributionKindDefault"),
        confidentiality=text("combinedConfidentiality"),
        recipients=recipients,
        keywords=keywords,
        message=read_message(payload),
    )


# --- writing -------------------------------------------------------------------------------------------------------


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _sub(parent: etree._Element, namespace: str, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if text is not None:
        element.text = text
    return element


def _value_list(parent: etree._Element, name: str, urn: str, value: str) -> None:
    element = _sub(parent, MSG, name)
    _sub(element, RM, "ValueListURN", urn)
    _sub(element, RM, "Value", value)


def write_message(message: Message) -> etree._Element:
    root = etree.Element(f"{{{MSG}}}{message.kind}", nsmap={None: MSG, "rm": RM})
    _sub(root, MSG, "MessageID", message.message_id)
    _sub(root, MSG, "SentDateTime", _iso(message.sent))
    _sub(root, MSG, "MessageContentType", message.kind)
    if message.description:
        _sub(root, MSG, "MessageDescription", message.description)
    _sub(root, MSG, "OriginatingMessageID", message.originating_id or message.message_id)
    if message.preceding_id:
        _sub(root, MSG, "PrecedingMessageID", message.preceding_id)
    if message.incident_id or message.incident_description:
        incident = _sub(root, MSG, "IncidentInformation")
        if message.incident_description:
            _sub(incident, RM, "IncidentDescription", message.incident_description)
        if message.incident_id:
            _sub(incident, RM, "IncidentID", message.incident_id)
    contact = _sub(root, MSG, "ContactInformation")
    _sub(contact, RM, "ContactDescription", message.contact_description or "aidx")
    _sub(contact, RM, "ContactRole", message.contact_role or "Sender")
    for resource in message.resources:
        _write_resource(root, resource)
    return root


def _write_resource(root: etree._Element, resource: ResourceInfo) -> None:
    info = _sub(root, MSG, "ResourceInformation")
    _sub(info, MSG, "ResourceInfoElementID", resource.element_id)
    if resource.response_type or resource.preceding_element_id:
        # the standard's way to name the element a resource answers; its ResponseType is required with it
        response = _sub(info, MSG, "ResponseInformation")
        _sub(response, RM, "PrecedingResourceInfoElementID", resource.preceding_element_id)
        _sub(response, RM, "ResponseType", resource.response_type or "Accept")
        if resource.response_reason:
            _sub(response, RM, "ResponseReason", resource.response_reason)
    element = _sub(info, MSG, "Resource")
    if resource.resource_id:
        _sub(element, MSG, "ResourceID", resource.resource_id)
    if resource.name:
        _sub(element, MSG, "Name", resource.name)
    if resource.type_value:
        _value_list(element, "TypeStructure", resource.type_list, resource.type_value)
    for urn, value in resource.keywords.items():
        _value_list(element, "Keyword", urn, value)
    if resource.description:
        _sub(element, MSG, "Description", resource.description)
    if resource.deployment_status:
        status = _sub(element, MSG, "ResourceStatus")
        _value_list(status, "DeploymentStatus", "urn:aidx:deployment-status", resource.deployment_status)
    if resource.amount is not None or resource.quantity_text:
        quantity = _sub(_sub(info, MSG, "AssignmentInformation"), MSG, "Quantity")
        if resource.amount is not None:
            measured = _sub(quantity, RM, "MeasuredQuantity")
            _sub(measured, RM, "Amount", str(resource.amount))
            if resource.unit:
                unit = _sub(measured, RM, "UnitOfMeasure")
                _sub(unit, RM, "ValueListURN", "urn:aidx:unit")
                _sub(unit, RM, "Value", resource.unit)
        else:
            _sub(quantity, RM, "QuantityText", resource.quantity_text)
    for schedule in resource.schedules:
        element = _sub(info, MSG, "ScheduleInformation")
        _sub(element, MSG, "ScheduleType", schedule.kind)
        if schedule.when is not None:
            _sub(element, MSG, "DateTime", _iso(schedule.when))
        if schedule.location:
            _sub(_sub(element, MSG, "Location"), RM, "LocationDescription", schedule.location)


def write_envelope(envelope: Envelope) -> etree._Element:
    root = etree.Element(f"{{{DE}}}EDXLDistribution", nsmap={None: DE})
    _sub(root, DE, "distributionID", envelope.distribution_id)
    _sub(root, DE, "senderID", envelope.sender)
    _sub(root, DE, "dateTimeSent", _iso(envelope.sent))
    _sub(root, DE, "dateTimeExpires", _iso(envelope.sent + dt.timedelta(days=7)))
    _sub(_sub(root, DE, "distributionStatus"), DE, "StatusKindDefault", envelope.status)
    _sub(_sub(root, DE, "distributionKind"), DE, "DistributionKindDefault", envelope.kind)
    _sub(root, DE, "combinedConfidentiality", envelope.confidentiality)
    for urn, value in envelope.keywords.items():
        keyword = _sub(root, DE, "keyword")
        _sub(keyword, DE, "valueListURI", urn)
        _sub(keyword, DE, "value", value)
    if envelope.recipients:
        address = _sub(root, DE, "explicitAddress")
        _sub(address, DE, "explicitAddressScheme", NATION_SCHEME)
        for code in envelope.recipients:
            _sub(address, DE, "explicitAddressValue", code)
    embedded = _sub(
        _sub(_sub(_sub(root, DE, "content"), DE, "contentObject"), DE, "xmlContent"), DE, "embeddedXMLContent"
    )
    embedded.append(write_message(envelope.message))
    return root


def to_bytes(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@cache
def schema(name: str) -> etree.XMLSchema:
    """The XML Schema of the subset aidx writes ("rm" or "de"), loaded from local files only."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    document = etree.parse(str(SCHEMAS / f"edxl-{name}-subset.xsd"), parser)
    return etree.XMLSchema(document)


def validate(element: etree._Element) -> list[str]:
    """Schema errors of what aidx wrote (empty when valid)."""
    checker = schema("de" if _ns(element) == DE else "rm")
    if checker.validate(element):
        return []
    return [f"{error.line}: {error.message}" for error in checker.error_log]  # type: ignore[attr-defined]
