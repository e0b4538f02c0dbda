"""REST API of the interchange (mounted at /api/v1/interchange): EDXL messages in and out, the mapping queue,
webhook subscriptions and their delivery log.

`POST /messages` takes an EDXL-DE envelope or a bare EDXL-RM message as the body (any XML content type) and answers
with what it made or queued, or with every problem found (`error.problems`, each with a machine code). A delivery
from a linked node carries `X-Aidx-Subscription`, `X-Aidx-Timestamp` and `X-Aidx-Signature`, checked before the
body is read as XML.
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from aidx.accounts.api import api_user, require_write
from aidx.core.bounds import Id
from aidx.interchange import selectors
from aidx.interchange.edxl import MessageRefused
from aidx.interchange.models import PendingLine, PendingMessage, Subscription
from aidx.interchange.services import inbound, mapping, outbound, webhooks
from aidx.interchange.workflow import PENDING, SUBSCRIPTION

router = Router(tags=["interchange"])


class RecordRef(Schema):
    type: str
    id: int


class ReceivedOut(Schema):
    message_id: str
    kind: str
    sender: str
    distribution_status: str
    dry_run: bool
    queued: bool
    pending: int | None
    records: list[RecordRef]
    warnings: list[str]
    reply: str | None = Field(None, description="A ReportResourceDeploymentStatus answering a status request")


def refused(exc: MessageRefused) -> JsonResponse:
    """The one error shape, with every problem's machine code beside it (`problems`). Answered as a response of its
    own: the operation's documented error answers are the API's common ones (aidx/api.py), which this extends."""
    fields: dict[str, list[str]] = {}
    for _code, message, where in exc.refusals:
        fields.setdefault(where, []).append(message)
    problems = [{"code": c, "message": m, "where": w} for c, m, w in exc.refusals]
    return JsonResponse(
        {"error": {"code": exc.code, "message": str(exc.message), "fields": fields, "problems": problems}},
        status=exc.status,
    )


@router.post(
    "/messages",
    response={201: ReceivedOut, 200: ReceivedOut},
    summary="Receive an EDXL-DE envelope or a bare EDXL-RM message",
    openapi_extra={"requestBody": {"content": {"application/xml": {"schema": {"type": "string"}}}, "required": True}},
)
def receive_message(request: HttpRequest) -> Status | JsonResponse:
    user = require_write(request)
    body = request.body
    try:
        sender = ""
        key = request.headers.get("X-Aidx-Subscription", "")
        if key or request.headers.get("X-Aidx-Signature"):
            link = webhooks.verify(
                key=key,
                timestamp=request.headers.get("X-Aidx-Timestamp", ""),
                signature=request.headers.get("X-Aidx-Signature", ""),
                body=body,
            )
            sender = f"link:{link.key}"
        outcome = inbound.receive(actor=user, data=body, sender=sender)
    except MessageRefused as exc:
        inbound.logger.warning("interchange: refused %s from %s", exc.code, user.username)
        return refused(exc)
    answer = {
        "message_id": outcome.message_id,
        "kind": outcome.kind,
        "sender": outcome.sender,
        "distribution_status": outcome.status,
        "dry_run": outcome.dry_run,
        "queued": outcome.pending is not None,
        "pending": outcome.pending.pk if outcome.pending else None,
        "records": outcome.records,
        "warnings": [str(w) for w in outcome.warnings],
        "reply": outcome.reply.decode() if outcome.reply else None,
    }
    return Status(201 if outcome.inbound is not None else 200, answer)


def _xml(record: Any, request: HttpRequest, event: str = "") -> HttpResponse:
    wrap = request.GET.get("envelope", "1") not in ("0", "false", "no")
    return HttpResponse(outbound.as_xml(record, event=event, wrap=wrap), content_type="application/xml")


@router.get("/requests/{request_id}.xml", summary="A request as EDXL-RM (RequestResource or RequisitionResource)")
def request_xml(request: HttpRequest, request_id: Id) -> HttpResponse:
    return _xml(selectors.record_for(api_user(request), "request", request_id), request)


@router.get("/offers/{offer_id}.xml", summary="An offer as EDXL-RM OfferUnsolicitedResource")
def offer_xml(request: HttpRequest, offer_id: Id) -> HttpResponse:
    return _xml(selectors.record_for(api_user(request), "offer", offer_id), request)


@router.get("/allocations/{allocation_id}.xml", summary="An allocation as EDXL-RM (the message of its last step)")
def allocation_xml(request: HttpRequest, allocation_id: Id) -> HttpResponse:
    allocation = selectors.record_for(api_user(request), "allocation", allocation_id)
    event = {
        "proposed": "propose",
        "accepted": "accept",
        "declined": "decline",
        "shipped": "ship",
        "delivered": "ship",
        "cancelled": "cancel",
    }[allocation.status]
    return _xml(allocation, request, event)


class MessageOut(Schema):
    id: int
    message_id: str
    sender: str
    kind: str
    distribution_status: str
    outcome: str
    records: list[RecordRef]
    warnings: list[str]
    received_at: dt.datetime


@router.get(
    "/messages", response=list[MessageOut], summary="Messages received by the caller's nation (all, for the centre)"
)
@paginate
def messages(request: HttpRequest) -> Any:
    return selectors.messages_visible_to(api_user(request))


class PendingLineOut(Schema):
    id: int
    number: int
    type_list: str
    type_value: str
    name: str
    quantity: int | None
    quantity_text: str
    flag: str
    item: str | None = None
    capability: str | None = None

    @staticmethod
    def resolve_item(line: PendingLine) -> str | None:
        return line.item.code if line.item else None

    @staticmethod
    def resolve_capability(line: PendingLine) -> str | None:
        return line.capability.code if line.capability else None


class PendingOut(Schema):
    id: int
    sender: str
    title: str
    status: str
    request: int | None = Field(None, alias="request_id")
    lines: list[PendingLineOut]
    actions: list[str] = []

    @staticmethod
    def resolve_lines(pending: PendingMessage) -> list[PendingLine]:
        return list(pending.lines.all())

    @staticmethod
    def resolve_actions(pending: PendingMessage, context: dict[str, Any]) -> list[str]:
        return PENDING.action_names(api_user(context["request"]), pending)


@router.get("/queue", response=list[PendingOut], summary="Received requests waiting for their types to be mapped")
@paginate
def queue(request: HttpRequest) -> Any:
    return selectors.pending_visible_to(api_user(request))


@router.get("/queue/{pending_id}", response=PendingOut, summary="One message waiting for mapping")
def pending_detail(request: HttpRequest, pending_id: Id) -> Any:
    return get_object_or_404(selectors.pending_visible_to(api_user(request)), pk=pending_id)


class MapIn(Schema):
    item: str = ""
    capability: str = ""
    quantity: int | None = Field(None, ge=1, le=2_000_000_000)


@router.post(
    "/queue/{pending_id}/lines/{line_id}/map",
    response=PendingOut,
    summary="Map a line's foreign type (remembered for the sender)",
)
def map_line(request: HttpRequest, pending_id: Id, line_id: Id, payload: MapIn) -> Any:
    user = require_write(request)
    pending = get_object_or_404(selectors.pending_visible_to(user), pk=pending_id)
    line = get_object_or_404(pending.lines.all(), pk=line_id)
    return mapping.line_map(
        actor=user, line=line, item=payload.item, capability=payload.capability, quantity=payload.quantity
    )


class DiscardIn(Schema):
    reason: str = Field("", max_length=500)


@router.post("/queue/{pending_id}/create", response=PendingOut, summary="Create the request once every line is mapped")
def pending_create(request: HttpRequest, pending_id: Id) -> Any:
    user = require_write(request)
    pending = get_object_or_404(selectors.pending_visible_to(user), pk=pending_id)
    mapping.pending_create(actor=user, pending=pending)
    return PendingMessage.objects.get(pk=pending.pk)


@router.post("/queue/{pending_id}/discard", response=PendingOut, summary="Discard a waiting message")
def pending_discard(request: HttpRequest, pending_id: Id, payload: DiscardIn) -> Any:
    user = require_write(request)
    pending = get_object_or_404(selectors.pending_visible_to(user), pk=pending_id)
    return mapping.pending_discard(actor=user, pending=pending, reason=payload.reason)


class SubscriptionIn(Schema):
    name: str = Field(..., max_length=100)
    url: str = Field(..., max_length=500)
    events: list[str]
    format: Literal["json", "edxl"] = "json"
    secret: str = Field("", max_length=100, description="A secret agreed with a linked node; generated if empty")
    remote_token: str = Field("", max_length=200, description="The bearer token the receiving node gave")
    remote_actor: str = Field(
        "", max_length=150, description="The user here whose token the other node uses: its changes are not sent back"
    )
    speaks_for: str = Field(
        "",
        max_length=3,
        description="A link: the nation the remote token acts for there; only changes made for it are sent",
    )


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    format: str
    key: str
    speaks_for: str | None = Field(None, alias="speaks_for_id")
    status: str
    failures: int
    created_at: dt.datetime
    actions: list[str] = []

    @staticmethod
    def resolve_actions(subscription: Subscription, context: dict[str, Any]) -> list[str]:
        return SUBSCRIPTION.action_names(api_user(context["request"]), subscription)


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(..., description="Shown once: sign checks use it")


@router.get("/subscriptions", response=list[SubscriptionOut], summary="The caller's webhook subscriptions")
@paginate
def subscriptions(request: HttpRequest) -> Any:
    return selectors.subscriptions_of(api_user(request))


@router.post("/subscriptions", response={201: SubscriptionCreated}, summary="Subscribe to events (JSON or EDXL)")
def subscription_create(request: HttpRequest, payload: SubscriptionIn) -> Any:
    user = require_write(request)
    created = webhooks.subscription_create(actor=user, **payload.dict())
    return Status(201, created)


@router.get("/subscriptions/{subscription_id}", response=SubscriptionOut, summary="One subscription")
def subscription_detail(request: HttpRequest, subscription_id: Id) -> Any:
    return get_object_or_404(selectors.subscriptions_of(api_user(request)), pk=subscription_id)


def _subscription_move(request: HttpRequest, subscription_id: Id, move: Any) -> Any:
    user = require_write(request)
    subscription = get_object_or_404(selectors.subscriptions_of(user), pk=subscription_id)
    return move(actor=user, subscription=subscription)


class LinkIn(Schema):
    name: str = Field(..., max_length=100)
    key: str = Field(..., max_length=40, description="The key of the other node's subscription that delivers here")
    secret: str = Field(..., max_length=100, description="The secret both sides agreed")


class LinkOut(Schema):
    id: int
    name: str
    key: str
    created_at: dt.datetime


@router.post("/links", response={201: LinkOut}, summary="Accept deliveries another node signs (centre coordinator)")
def link_create(request: HttpRequest, payload: LinkIn) -> Any:
    user = require_write(request)
    return Status(201, webhooks.link_create(actor=user, name=payload.name, key=payload.key, secret=payload.secret))


@router.post("/subscriptions/{subscription_id}/pause", response=SubscriptionOut, summary="Pause a subscription")
def subscription_pause(request: HttpRequest, subscription_id: Id) -> Any:
    return _subscription_move(request, subscription_id, webhooks.subscription_pause)


@router.post("/subscriptions/{subscription_id}/resume", response=SubscriptionOut, summary="Resume a subscription")
def subscription_resume(request: HttpRequest, subscription_id: Id) -> Any:
    return _subscription_move(request, subscription_id, webhooks.subscription_resume)


class DeliveryOut(Schema):
    id: int
    event: str
    message_id: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


@router.get("/subscriptions/{subscription_id}/deliveries", response=list[DeliveryOut], summary="The delivery log")
@paginate
def deliveries(request: HttpRequest, subscription_id: Id) -> Any:
    user = api_user(request)
    subscription = get_object_or_404(selectors.subscriptions_of(user), pk=subscription_id)
    return selectors.deliveries_of(user, subscription)
