"""Receiving an EDXL-RM message (bare or in an EDXL-DE envelope): checked whole, then applied through the exchange's
own services in one transaction, or refused with every problem found and nothing written.

- An exercise or a test (EDXL-DE distributionStatus) is checked as a real message would be, and answered with what it
  would do; it never becomes a real record.
- A (sender, MessageID) seen before is refused: a message delivered twice makes nothing twice.
- A request whose resource types this node does not know waits in the mapping queue (services/mapping.py).
- Every refusal is logged (logger `aidx.interchange`), with who sent what and why.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import Role
from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.assistance.services import LineInput
from aidx.catalogue.models import CapabilityType, Item
from aidx.core.errors import BusinessError
from aidx.interchange import edxl
from aidx.interchange.edxl import MessageRefused, refuse
from aidx.interchange.models import DistributionStatus, InboundMessage, PendingLine, PendingMessage, TypeMapping
from aidx.interchange.quantity import read_quantity
from aidx.interchange.services import outbound
from aidx.interchange.services.references import local_pk, remember
from aidx.logistics.models import Deployment
from aidx.logistics.services import deployments
from aidx.nations.models import Nation, Site
from aidx.nations.policy import Releasability, may_see, visible_to_parties
from aidx.nations.selectors import nations_on

logger = logging.getLogger("aidx.interchange")


@dataclass
class Outcome:
    kind: str
    message_id: str
    sender: str
    status: str
    dry_run: bool = False
    inbound: InboundMessage | None = None
    pending: PendingMessage | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reply: bytes | None = None  # a report answering a status request


@dataclass
class Context:
    actor: Any
    sender: str
    message: edxl.Message
    envelope: edxl.Envelope | None
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, code: str, text: str, where: str) -> None:
        self.problems.append((code, text, where))


# --- resolving what a message names --------------------------------------------------------------------------------


@dataclass
class Line:
    number: int
    resource: edxl.ResourceInfo
    item: Item | None = None
    capability: CapabilityType | None = None
    quantity: int | None = None
    flagged: bool = False

    @property
    def known(self) -> bool:
        return self.item is not None or self.capability is not None


def _resolve_type(context: Context, resource: edxl.ResourceInfo) -> tuple[Item | None, CapabilityType | None]:
    if resource.type_list == outbound.ITEM_LIST:
        return Item.objects.filter(code=resource.type_value).first(), None
    if resource.type_list == outbound.CAPABILITY_LIST:
        return None, CapabilityType.objects.filter(code=resource.type_value).first()
    value = resource.type_value or resource.name
    mapping = (
        TypeMapping.objects.filter(sender=context.sender, type_list=resource.type_list, type_value=value)
        .select_related("item", "capability")
        .first()
    )
    if mapping is not None:
        return mapping.item, mapping.capability
    return None, None


def _quantity(resource: edxl.ResourceInfo) -> tuple[int | None, bool]:
    """(quantity, approximate); None when it cannot be read."""
    if resource.amount is not None:
        if resource.amount != resource.amount.to_integral_value() or not 0 < resource.amount <= 2_000_000_000:
            return None, False
        return int(resource.amount), False
    reading = read_quantity(resource.quantity_text)
    return reading.quantity, reading.approximate


def _lines(context: Context) -> list[Line]:
    lines = []
    for number, resource in enumerate(context.message.resources, start=1):
        item, capability = _resolve_type(context, resource)
        if resource.type_list in (outbound.ITEM_LIST, outbound.CAPABILITY_LIST) and not (item or capability):
            context.problem(
                "unknown_type",
                _("Resource %(n)s: unknown catalogue code %(code)s.") % {"n": number, "code": resource.type_value},
                f"ResourceInformation[{number}]",
            )
        if not (resource.type_value or resource.name):
            context.problem(
                "missing_element",
                _("Resource %(n)s names no resource type (TypeStructure or Name).") % {"n": number},
                f"ResourceInformation[{number}]",
            )
        quantity, approximate = _quantity(resource)
        if approximate:
            context.warnings.append(
                _("Resource %(n)s: the quantity %(text)s was read as %(quantity)s.")
                % {"n": number, "text": resource.quantity_text, "quantity": quantity}
            )
        lines.append(Line(number, resource, item, capability, quantity, flagged=quantity is None))
    return lines


def _day(when: dt.datetime | None) -> dt.date | None:
    return when.astimezone(dt.UTC).date() if when is not None else None


def _site(code_or_name: str) -> Site | None:
    text = code_or_name.strip()
    if not text:
        return None
    return Site.objects.filter(Q(code__iexact=text) | Q(name__iexact=text) | Q(icao__iexact=text)).first()


def _releasability(context: Context) -> tuple[str, list[str]]:
    envelope = context.envelope
    requested = envelope.keywords.get(edxl.RELEASABILITY_LIST, "") if envelope else ""
    recipients = envelope.recipients if envelope else []
    own = getattr(context.actor, "acting_nation_id", None)
    named = sorted(set(Nation.objects.filter(code__in=recipients).values_list("code", flat=True)) - {own})
    if requested in Releasability.values:
        releasability = requested
    elif context.message.kind == "RequisitionResource":
        releasability = Releasability.NAMED
    else:
        releasability = Releasability.ALLIES_AND_PARTNERS
    if releasability != Releasability.NAMED:
        return releasability, []
    if not named:
        context.problem(
            "no_recipients",
            _("A requisition must name the nations it is for (EDXL-DE explicitAddress)."),
            "explicitAddress",
        )
    return releasability, named


def _request_header(context: Context) -> dict[str, Any]:
    message = context.message
    arrivals = [s for r in message.resources for s in r.schedules if s.kind == "RequestedArrival"]
    needed_by = min((d for d in (_day(s.when) for s in arrivals) if d), default=None)
    if needed_by is None:
        context.problem(
            "missing_element",
            _("The request gives no RequestedArrival date (ScheduleInformation)."),
            "ScheduleInformation",
        )
    where = next((s.location for s in arrivals if s.location), "")
    site = _site(where)
    if site is None:
        context.problem(
            "unknown_site",
            _("The delivery location %(where)s is not a site known here.") % {"where": where or "—"},
            "ScheduleInformation/Location",
        )
    priority = next(
        (r.keywords.get(outbound.PRIORITY) for r in message.resources if outbound.PRIORITY in r.keywords), ""
    )
    releasability, release_to = _releasability(context)
    title = message.description or next((r.name for r in message.resources if r.name), "") or message.message_id
    return {
        "title": title[:200],
        "description": _("Received as EDXL-RM %(kind)s %(id)s from %(sender)s.")
        % {"kind": message.kind, "id": message.message_id, "sender": context.sender},
        "incident": (message.incident_id or message.incident_description)[:100],
        "contact": message.contact_description[:200],
        "needed_by": needed_by.isoformat() if needed_by else None,
        "delivery_site": site.code if site else None,
        "priority": int(priority) if priority in ("1", "2", "3", "4") else 2,
        "releasability": releasability,
        "release_to": release_to,
    }


def _line_input(line: Line) -> LineInput:
    resource = line.resource
    return LineInput(
        quantity=line.quantity or 0,
        item=line.item.code if line.item else None,
        capability=line.capability.code if line.capability else None,
        notes=(resource.description or resource.quantity_text or "")[:500],
        substitutes_ok=resource.keywords.get(outbound.SUBSTITUTES, "yes") != "no",
    )


def create_request(*, actor: Any, header: dict[str, Any], lines: list[LineInput], submit: bool) -> AssistanceRequest:
    request = exchange.request_create(
        actor=actor,
        title=header["title"],
        description=header["description"],
        incident=header["incident"],
        contact=header["contact"],
        needed_by=dt.date.fromisoformat(header["needed_by"]),
        delivery_site=header["delivery_site"],
        priority=header["priority"],
        releasability=header["releasability"],
        release_to=header["release_to"],
        lines=lines,
    )
    if submit:
        exchange.request_submit(actor=actor, request=request)
    return request


# --- the message types ---------------------------------------------------------------------------------------------


Apply = Callable[[InboundMessage | None], list[dict[str, Any]]]


def _plan_request(context: Context, outcome: Outcome) -> Apply:
    header = _request_header(context)
    lines = _lines(context)
    waiting = [line for line in lines if not line.known or line.flagged]

    def apply(inbound: InboundMessage | None) -> list[dict[str, Any]]:
        assert inbound is not None
        if waiting:
            outcome.pending = _queue(inbound, context, header, lines)
            return [{"type": "pending", "id": outcome.pending.pk}]
        request = create_request(
            actor=context.actor, header=header, lines=[_line_input(line) for line in lines], submit=True
        )
        remember(inbound, context.message.message_id, "request", request.pk)
        for line, made in zip(lines, request.lines.order_by("id"), strict=True):
            remember(inbound, line.resource.element_id, "request-line", made.pk)
        return [{"type": "request", "id": request.pk}]

    return apply


def _queue(inbound: InboundMessage, context: Context, header: dict[str, Any], lines: list[Line]) -> PendingMessage:
    pending = PendingMessage.objects.create(
        message=inbound,
        sender=context.sender,
        title=header["title"],
        header=header,
        owner_nation=inbound.owner_nation,
        owner_organisation=inbound.owner_organisation,
    )
    PendingLine.objects.bulk_create(
        [
            PendingLine(
                pending=pending,
                number=line.number,
                element_id=line.resource.element_id[:300],
                type_list=line.resource.type_list[:300],
                type_value=(line.resource.type_value or line.resource.name)[:300],
                name=line.resource.name[:300],
                quantity=line.quantity,
                quantity_text=(
                    line.resource.quantity_text
                    or (str(line.resource.amount) if line.resource.amount is not None else "")
                )[:300],
                flag=PendingLine.Flag.QUANTITY if line.flagged else PendingLine.Flag.NONE,
                notes=_line_input(line).notes,
                item=line.item,
                capability=line.capability,
            )
            for line in lines
        ]
    )
    return pending


def _offer_lines(context: Context, lines: list[Line]) -> list[LineInput]:
    result = []
    for line in lines:
        where = f"ResourceInformation[{line.number}]"
        if not line.known:
            context.problem(
                "unknown_type",
                _("Resource %(n)s: the type %(type)s is not mapped to the catalogue here.")
                % {"n": line.number, "type": line.resource.type_value or line.resource.name},
                where,
            )
        if line.flagged:
            context.problem(
                "bad_quantity", _("Resource %(n)s: the quantity cannot be read.") % {"n": line.number}, where
            )
        begin = line.resource.schedule("BeginAvailable")
        end = line.resource.schedule("EndAvailable")
        origin = line.resource.schedule("Current")
        site = _site(origin.location) if origin else None
        if origin and origin.location and site is None:
            context.warnings.append(
                _("Resource %(n)s: the location %(where)s is not known here; the line has no origin.")
                % {"n": line.number, "where": origin.location}
            )
        result.append(
            LineInput(
                quantity=line.quantity or 0,
                item=line.item.code if line.item else None,
                capability=line.capability.code if line.capability else None,
                notes=line.resource.description[:500],
                available_from=_day(begin.when if begin else None) or timezone.localdate(),
                available_until=_day(end.when if end else None),
                origin_site=site.code if site else None,
            )
        )
    return result


def _offer_terms(lines: list[Line]) -> dict[str, Any]:
    keywords = lines[0].resource.keywords if lines else {}
    terms = keywords.get(outbound.TERMS, Offer.Terms.DONATION)
    return {
        "terms": terms if terms in (Offer.Terms.DONATION, Offer.Terms.LOAN) else Offer.Terms.DONATION,
        "transport_included": keywords.get(outbound.TRANSPORT) == "yes",
    }


def _plan_offer(context: Context, outcome: Outcome) -> Apply:
    lines = _lines(context)
    inputs = _offer_lines(context, lines)
    releasability, release_to = _releasability(context)
    title = context.message.description or context.message.message_id

    def apply(inbound: InboundMessage | None) -> list[dict[str, Any]]:
        assert inbound is not None
        offer = exchange.offer_create(
            actor=context.actor,
            title=title[:200],
            description=_("Received as EDXL-RM %(kind)s %(id)s from %(sender)s.")
            % {"kind": context.message.kind, "id": context.message.message_id, "sender": context.sender},
            lines=inputs,
            releasability=releasability,
            release_to=release_to,
            **_offer_terms(lines),
        )
        exchange.offer_publish(actor=context.actor, offer=offer)
        remember(inbound, context.message.message_id, "offer", offer.pk)
        for line, made in zip(lines, offer.lines.order_by("id"), strict=True):
            remember(inbound, line.resource.element_id, "offer-line", made.pk)
        return [{"type": "offer", "id": offer.pk}]

    return apply


def _allocation(context: Context, resource: edxl.ResourceInfo, number: int) -> Allocation | None:
    pk = local_pk(resource.preceding_element_id, "allocation")
    found = (
        visible_to_parties(Allocation.objects.all(), context.actor, "request_line__request", "offer_line__offer")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if found is None:
        context.problem(
            "unknown_reference",
            _("Resource %(n)s: %(id)s names no allocation known here.")
            % {"n": number, "id": resource.preceding_element_id or "—"},
            f"ResourceInformation[{number}]",
        )
    return found


def _request_line(context: Context, resource: edxl.ResourceInfo) -> RequestLine | None:
    pk = local_pk(resource.preceding_element_id, "request-line")
    line = RequestLine.objects.select_related("request").filter(pk=pk).first() if pk is not None else None
    return line if line is not None and may_see(context.actor, line.request) else None


def _plan_response(context: Context, outcome: Outcome) -> Apply:
    """Provisional: an offer proposed for request lines; Accept / Decline: the requester's decision on allocations
    (or, naming request lines, the provider's answer: Accept proposes like Provisional, Decline is recorded)."""
    proposals: list[Line] = []
    decisions: list[tuple[edxl.ResourceInfo, Allocation]] = []
    lines = _lines(context)
    for line in lines:
        resource = line.resource
        request_line = _request_line(context, resource)
        if request_line is not None and resource.response_type in ("Provisional", "Accept"):
            proposals.append(line)
        elif request_line is not None:
            context.warnings.append(
                _("Resource %(n)s: the provider declined: %(reason)s")
                % {"n": line.number, "reason": resource.response_reason or "—"}
            )
        else:
            allocation = _allocation(context, resource, line.number)
            if allocation is not None:
                if resource.response_type == "Provisional":
                    context.problem(
                        "invalid_value",
                        _("Resource %(n)s: an allocation is accepted or declined, not provisional.")
                        % {"n": line.number},
                        f"ResourceInformation[{line.number}]",
                    )
                decisions.append((resource, allocation))
    proposal_inputs = _offer_lines(context, proposals)
    request_lines = [_request_line(context, line.resource) for line in proposals]

    def apply(inbound: InboundMessage | None) -> list[dict[str, Any]]:
        assert inbound is not None
        records = []
        if proposals:
            records += _propose(context, inbound, proposals, proposal_inputs, request_lines)
        for resource, allocation in decisions:
            if resource.response_type == "Accept":
                exchange.allocation_accept(actor=context.actor, allocation=allocation)
            else:
                reason = resource.response_reason or _("Declined by %(sender)s.") % {"sender": context.sender}
                exchange.allocation_decline(actor=context.actor, allocation=allocation, reason=reason)
            records.append({"type": "allocation", "id": allocation.pk})
        return records

    return apply


def _propose(
    context: Context,
    inbound: InboundMessage,
    proposals: list[Line],
    inputs: list[LineInput],
    request_lines: list[RequestLine | None],
) -> list[dict[str, Any]]:
    known = {line.number: local_pk(line.resource.resource_id, "offer-line") for line in proposals}
    new = [(line, value) for line, value in zip(proposals, inputs, strict=True) if known[line.number] is None]
    if new:
        request = request_lines[0].request if request_lines[0] is not None else None
        offer = exchange.offer_create(
            actor=context.actor,
            title=(context.message.description or context.message.message_id)[:200],
            description=_("Received as EDXL-RM %(kind)s %(id)s from %(sender)s.")
            % {"kind": context.message.kind, "id": context.message.message_id, "sender": context.sender},
            lines=[value for _line, value in new],
            in_reply_to=request,
            releasability=request.releasability if request else Releasability.ALLIES_AND_PARTNERS,
            release_to=list(request.release_to.values_list("code", flat=True)) if request else None,
            **_offer_terms([line for line, _value in new]),
        )
        exchange.offer_publish(actor=context.actor, offer=offer)
        for (line, _value), made in zip(new, offer.lines.order_by("id"), strict=True):
            known[line.number] = made.pk
            remember(inbound, line.resource.resource_id, "offer-line", made.pk)
    records = []
    for line, request_line in zip(proposals, request_lines, strict=True):
        assert request_line is not None
        _make_room(context, known[line.number], line.quantity or 0)  # type: ignore[arg-type]
        allocation = exchange.allocation_propose(
            actor=context.actor,
            offer_line=known[line.number],  # type: ignore[arg-type]
            request_line=request_line,
            quantity=line.quantity or 0,
        )
        remember(inbound, line.resource.element_id, "allocation", allocation.pk)
        records.append({"type": "allocation", "id": allocation.pk})
    return records


def _make_room(context: Context, offer_line: int, quantity: int) -> None:
    """A remembered offer line carries what was proposed from it so far; a further proposal from the same line of
    the other node's offer widens it by what is missing."""
    line = OfferLine.objects.get(pk=offer_line)
    taken = sum(line.allocations.filter(status__in=Allocation.LIVE).values_list("quantity", flat=True))
    if line.quantity - taken < quantity:
        exchange.offer_line_set_quantity(
            actor=context.actor,
            offer_line=line,
            quantity=taken + quantity,
            reason=_("Received as EDXL-RM %(id)s.") % {"id": context.message.message_id},
        )


def _plan_allocations(action: str) -> Callable[[Context, Outcome], Apply]:
    def plan(context: Context, outcome: Outcome) -> Apply:
        found = [
            (resource, _allocation(context, resource, number))
            for number, resource in enumerate(context.message.resources, start=1)
        ]

        def apply(inbound: InboundMessage | None) -> list[dict[str, Any]]:
            for resource, allocation in found:
                if action == "ship":
                    exchange.allocation_ship(actor=context.actor, allocation=allocation)  # type: ignore[arg-type]
                else:
                    exchange.allocation_cancel(
                        actor=context.actor,
                        allocation=allocation,  # type: ignore[arg-type]
                        reason=resource.response_reason or _("Released by %(sender)s.") % {"sender": context.sender},
                    )
            return [{"type": "allocation", "id": a.pk} for _r, a in found if a is not None]

        return apply

    return plan


def _deployment_of(allocation: Allocation) -> Deployment | None:
    return (
        Deployment.objects.filter(allocation=allocation)
        .exclude(status=Deployment.Status.CANCELLED)
        .order_by("id")
        .first()
    )


# How a deployment here follows the status another node reports: the steps from its status to the reported one. A
# report that was lost is made up by the next (a team reported back home arrives, then returns).
D = Deployment.Status
REPORT_STEPS: dict[tuple[str, str], tuple[str, ...]] = {
    (D.PLANNED, D.DEPLOYED): ("arrive",),
    (D.PLANNED, D.RETURNED): ("arrive", "return"),
    (D.DEPLOYED, D.RETURNED): ("return",),
    (D.PLANNED, D.CANCELLED): ("cancel",),
}


def _follow(actor: Any, deployment: Deployment, resource: edxl.ResourceInfo, steps: tuple[str, ...]) -> None:
    for step in steps:
        if step == "arrive":
            arrival = resource.schedule("ActualArrival")
            deployment = deployments.deployment_arrive(
                actor=actor, deployment=deployment, on=_day(arrival.when if arrival else None)
            )
        elif step == "return":
            back = resource.schedule("ActualReturnArrival")
            deployment = deployments.deployment_return(
                actor=actor, deployment=deployment, on=_day(back.when if back else None)
            )
        else:
            deployment = deployments.deployment_cancel(actor=actor, deployment=deployment)


def _plan_report(context: Context, outcome: Outcome) -> Apply:
    found = []
    for number, resource in enumerate(context.message.resources, start=1):
        allocation = _allocation(context, resource, number)
        deployment = _deployment_of(allocation) if allocation else None
        if allocation is not None and deployment is None:
            context.problem(
                "unknown_reference",
                _("Resource %(n)s: the allocation has no deployment here.") % {"n": number},
                f"ResourceInformation[{number}]",
            )
        reported = resource.deployment_status
        if reported not in D.values:
            context.problem(
                "invalid_value",
                _("Resource %(n)s: unknown deployment status %(value)s.") % {"n": number, "value": reported or "—"},
                f"ResourceInformation[{number}]",
            )
        elif (
            deployment is not None
            and deployment.status != reported
            and (deployment.status, reported) not in REPORT_STEPS
        ):
            context.warnings.append(
                _("Resource %(n)s: reported %(reported)s, but the deployment here is %(status)s: not changed.")
                % {"n": number, "reported": reported, "status": deployment.status}
            )
        found.append((resource, deployment))

    def apply(inbound: InboundMessage | None) -> list[dict[str, Any]]:
        records = []
        for resource, deployment in found:
            assert deployment is not None
            steps = REPORT_STEPS.get((deployment.status, resource.deployment_status), ())
            _follow(context.actor, deployment, resource, steps)
            records.append({"type": "deployment", "id": deployment.pk})
        return records

    return apply


def _plan_status_request(context: Context, outcome: Outcome) -> Apply:
    found = [
        _allocation(context, resource, number) for number, resource in enumerate(context.message.resources, start=1)
    ]
    reports = [d for d in (_deployment_of(a) for a in found if a is not None) if d is not None]
    if not context.problems and not reports:
        context.warnings.append(_("No deployment is known here for these allocations."))
    outcome.reply = outbound.as_xml(reports[0]) if reports else None
    return lambda inbound: [{"type": "deployment", "id": d.pk} for d in reports]


PLANS: dict[str, Callable[[Context, Outcome], Apply]] = {
    "RequestResource": _plan_request,
    "RequisitionResource": _plan_request,
    "OfferUnsolicitedResource": _plan_offer,
    "ResponseToRequestResource": _plan_response,
    "CommitResource": _plan_allocations("ship"),
    "ReleaseResource": _plan_allocations("cancel"),
    "ReportResourceDeploymentStatus": _plan_report,
    "RequestResourceDeploymentStatus": _plan_status_request,
}
QUERIES = {"RequestResourceDeploymentStatus"}  # answered, never stored


# --- receiving ----------------------------------------------------------------------------------------------------


def served_nations() -> set[str]:
    configured = set(settings.AIDX_INTERCHANGE_NATIONS)
    return configured or set(nations_on(timezone.localdate()).values_list("code", flat=True))


def _check_envelope(envelope: edxl.Envelope) -> None:
    if envelope.recipients and not set(envelope.recipients) & served_nations():
        raise refuse(
            "not_addressed_here",
            _("The message is addressed to %(nations)s, which this node does not serve.")
            % {"nations": ", ".join(envelope.recipients)},
            where="explicitAddress",
            status=422,
        )


def _check_actor(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR):
        raise refuse("forbidden", _("Only a point of contact or a coordinator can send messages."), status=403)


def receive(*, actor: Any, data: bytes, sender: str = "") -> Outcome:
    """Read, check and apply one message; MessageRefused (logged) with every problem if anything is wrong."""
    try:
        return _receive(actor=actor, data=data, sender=sender)
    except MessageRefused as refused:
        logger.warning(
            "interchange: refused a message from %s (%s): %s",
            sender or getattr(actor, "username", "?"),
            len(data),
            "; ".join(f"{code} at {where}: {text}" for code, text, where in refused.refusals),
        )
        raise


def _receive(*, actor: Any, data: bytes, sender: str) -> Outcome:
    _check_actor(actor)
    document = edxl.read(data)
    envelope = document if isinstance(document, edxl.Envelope) else None
    message = envelope.message if envelope is not None else document
    assert isinstance(message, edxl.Message)
    if envelope is not None:
        _check_envelope(envelope)
    sender = (envelope.sender if envelope is not None and envelope.sender else "") or sender or f"user:{actor.username}"
    status = envelope.status if envelope is not None else DistributionStatus.ACTUAL
    outcome = Outcome(kind=message.kind, message_id=message.message_id, sender=sender[:200], status=status)
    if (
        message.kind not in QUERIES
        and InboundMessage.objects.filter(sender=outcome.sender, message_id=message.message_id).exists()
    ):
        raise refuse(
            "duplicate_message",
            _("This message (%(id)s) was received before.") % {"id": message.message_id},
            status=409,
        )
    context = Context(actor=actor, sender=outcome.sender, message=message, envelope=envelope)
    apply = PLANS[message.kind](context, outcome)
    if context.problems:
        raise MessageRefused(context.problems)
    outcome.warnings = context.warnings + [_("Not read: %(path)s") % {"path": path} for path in message.ignored]
    if status != DistributionStatus.ACTUAL:
        outcome.dry_run = True  # an exercise or a test never becomes a real record
        return outcome
    if message.kind in QUERIES:
        outcome.records = apply(None)
        return outcome
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                sender=outcome.sender,
                message_id=message.message_id,
                kind=message.kind,
                distribution_status=status,
                outcome=InboundMessage.Outcome.APPLIED,
                received_by=actor,
                owner_nation_id=getattr(actor, "acting_nation_id", None),
                owner_organisation=None if getattr(actor, "acting_nation_id", None) else actor.organisation,
                warnings=outcome.warnings,
            )
            records = apply(inbound)
            inbound.records = records
            if outcome.pending is not None:
                inbound.outcome = InboundMessage.Outcome.QUEUED
            inbound.save(update_fields=["records", "outcome"])
    except IntegrityError:
        # Two deliveries of one message at once: the loser sees the winner's row.
        if InboundMessage.objects.filter(sender=outcome.sender, message_id=message.message_id).exists():
            raise refuse(
                "duplicate_message",
                _("This message (%(id)s) was received before.") % {"id": message.message_id},
                status=409,
            ) from None
        raise
    except MessageRefused:
        raise
    except BusinessError as error:
        every = [(p.code, str(p.message), p.field or "message") for p in error.problems]  # each, not the first
        raise MessageRefused(every, status=error.status) from None
    outcome.inbound, outcome.records = inbound, records
    return outcome
