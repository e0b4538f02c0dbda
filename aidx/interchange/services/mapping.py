"""The mapping queue: a received request whose lines name foreign resource types ("Track Dozer", a NIMS type,
"N95 respirator") or quantities that could not be read waits here. A coordinator maps each type to a catalogue item
or capability (remembered for that sender's next message) and reads each flagged quantity; once every line is
mapped the request is created as a draft, owned by whoever sent the message."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance.models import AssistanceRequest
from aidx.assistance.services import LineInput
from aidx.audit.services import record
from aidx.catalogue.models import CapabilityType, Item
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.core.workflow import admitted
from aidx.interchange.models import PendingLine, PendingMessage, TypeMapping
from aidx.interchange.services.inbound import create_request
from aidx.interchange.services.references import remember
from aidx.interchange.workflow import COORDINATOR, PENDING, pending_relations


def _locked(pending: PendingMessage | int) -> PendingMessage:
    return PendingMessage.objects.select_for_update().select_related("message").get(pk=getattr(pending, "pk", pending))


@transaction.atomic
def line_map(
    *,
    actor: Any,
    line: PendingLine | int,
    item: str = "",
    capability: str = "",
    quantity: int | None = None,
) -> PendingMessage:
    """Map one waiting line (and every waiting line of the same sender and type) and read its quantity."""
    line = PendingLine.objects.select_related("pending").get(pk=getattr(line, "pk", line))
    pending = _locked(line.pending)
    if not admitted([COORDINATOR], actor, lambda: pending_relations(actor, pending)):
        raise PermissionDenied(_("Only a coordinator of the centre can map resource types."))
    if pending.status != PendingMessage.Status.WAITING:
        raise BusinessError(_("This message is no longer waiting."), code="bad_state")
    problems = []
    found_item = Item.objects.filter(code=item).first() if item else None
    found_capability = CapabilityType.objects.filter(code=capability).first() if capability else None
    if bool(item) == bool(capability) and not line.mapped:
        problems.append(_("Choose an item or a capability."))
    if item and found_item is None:
        problems.append(_("Unknown item %(code)s.") % {"code": item})
    if capability and found_capability is None:
        problems.append(_("Unknown capability %(code)s.") % {"code": capability})
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0):
        problems.append(_("The quantity must be greater than zero."))
    if quantity is None and line.quantity is None:
        problems.append(_("Give the quantity: %(text)s cannot be read.") % {"text": line.quantity_text or "—"})
    if problems:
        raise BusinessError(" ".join(str(p) for p in problems), field=f"line.{line.number}")
    if found_item or found_capability:
        TypeMapping.objects.update_or_create(
            sender=pending.sender,
            type_list=line.type_list,
            type_value=line.type_value,
            defaults={"item": found_item, "capability": found_capability, "created_by": actor},
        )
        PendingLine.objects.filter(
            pending__sender=pending.sender,
            pending__status=PendingMessage.Status.WAITING,
            type_list=line.type_list,
            type_value=line.type_value,
        ).update(item=found_item, capability=found_capability)
    if quantity is not None:
        PendingLine.objects.filter(pk=line.pk).update(quantity=quantity, flag=PendingLine.Flag.NONE)
    record(
        actor=actor,
        action="interchange.map",
        target=pending,
        after={
            "line": line.number,
            "type": line.type_value,
            "item": item,
            "capability": capability,
            "quantity": quantity,
        },
    )
    if PENDING.allows(actor, pending, "create"):
        pending_create(actor=actor, pending=pending)
    return PendingMessage.objects.get(pk=pending.pk)


@transaction.atomic
def pending_create(*, actor: Any, pending: PendingMessage | int) -> AssistanceRequest:
    """Every line mapped: the request, as a draft, owned by the nation (or organisation) that sent the message."""
    pending = _locked(pending)
    PENDING.check(actor, pending, "create")
    lines = list(pending.lines.select_related("item", "capability"))
    request = create_request(
        actor=pending.message.received_by,
        header=pending.header,
        lines=[
            LineInput(
                quantity=line.quantity or 0,
                item=line.item.code if line.item else None,
                capability=line.capability.code if line.capability else None,
                notes=line.notes,
            )
            for line in lines
        ],
        submit=False,
    )
    remember(pending.message, pending.message.message_id, "request", request.pk)
    for line, made in zip(lines, request.lines.order_by("id"), strict=True):
        remember(pending.message, line.element_id, "request-line", made.pk)
    PENDING.advance(pending, "create")
    pending.request_id, pending.closed_at = request.pk, timezone.now()
    pending.save(update_fields=["status", "request_id", "closed_at"])
    message = pending.message
    message.records = [{"type": "request", "id": request.pk}]
    message.save(update_fields=["records"])
    record(actor=actor, action="interchange.create", target=pending, after={"request": request.pk})
    return request


@transaction.atomic
def pending_discard(*, actor: Any, pending: PendingMessage | int, reason: str) -> PendingMessage:
    pending = _locked(pending)
    PENDING.check(actor, pending, "discard")
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError(_("Give a reason."), field="reason")
    PENDING.advance(pending, "discard")
    pending.closed_at = timezone.now()
    pending.save(update_fields=["status", "closed_at"])
    record(actor=actor, action="interchange.discard", target=pending, after={"reason": reason[:500]})
    return pending
