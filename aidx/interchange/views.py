"""Pages of the interchange: upload a message and read what it made, the mapping queue, a record as EDXL, HXL
exports, webhook subscriptions and their delivery log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aidx.catalogue.models import CapabilityType, Item
from aidx.core.errors import BusinessError
from aidx.interchange import hxl, selectors
from aidx.interchange.edxl import MAX_BYTES, MessageRefused
from aidx.interchange.services import inbound, mapping, outbound, webhooks
from aidx.interchange.workflow import PENDING, SUBSCRIPTION


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Upload an EDXL message (a file or pasted text) and see the messages received."""
    context: dict[str, Any] = {"problems": [], "outcome": None}
    if request.method == "POST":
        upload = request.FILES.get("file")
        data = upload.read(MAX_BYTES + 1) if upload is not None else request.POST.get("text", "").encode()
        try:
            context["outcome"] = inbound.receive(actor=request.user, data=data)
        except MessageRefused as refused:
            context["problems"] = refused.refusals
        else:
            outcome = context["outcome"]
            if outcome.pending is not None:
                messages.info(request, _("Some resource types are not known here: map them to create the request."))
                return redirect("interchange:pending", pending_id=outcome.pending.pk)
    context["received"] = selectors.messages_visible_to(request.user)[:50]
    return render(request, "interchange/index.html", context)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "interchange/queue.html", {"queue": selectors.pending_visible_to(request.user)[:200]})


@login_required
def pending(request: HttpRequest, pending_id: int) -> HttpResponse:
    found = get_object_or_404(selectors.pending_visible_to(request.user), pk=pending_id)
    if request.method == "POST":
        line = get_object_or_404(found.lines.all(), pk=request.POST.get("line", "0") or 0)
        what = request.POST.get("what", "")
        quantity = request.POST.get("quantity", "").strip()
        try:
            kind, _sep, code = what.partition(":")
            mapping.line_map(
                actor=request.user,
                line=line,
                item=code if kind == "item" else "",
                capability=code if kind == "capability" else "",
                quantity=int(quantity) if quantity.isdigit() else None,
            )
        except BusinessError as error:
            messages.error(request, str(error.message))
        return redirect("interchange:pending", pending_id=found.pk)
    return render(
        request,
        "interchange/pending.html",
        {
            "pending": found,
            "lines": found.lines.select_related("item", "capability"),
            "items": Item.objects.order_by("code"),
            "capabilities": CapabilityType.objects.order_by("code"),
            "may_map": PENDING.allows(request.user, found, "discard"),  # mapping: who may and when, as discarding
            "buttons": PENDING.buttons(
                request.user, found, lambda name: reverse("interchange:pending_action", args=[found.pk, name])
            ),
        },
    )


@login_required
@require_POST
def pending_action(request: HttpRequest, pending_id: int, action: str) -> HttpResponse:
    found = get_object_or_404(selectors.pending_visible_to(request.user), pk=pending_id)
    try:
        if action == "create":
            mapping.pending_create(actor=request.user, pending=found)
        elif action == "discard":
            mapping.pending_discard(actor=request.user, pending=found, reason=request.POST.get("reason", ""))
        else:
            raise Http404
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("interchange:pending", pending_id=found.pk)


@login_required
def record_xml(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A request, offer or allocation the reader may see, as an EDXL-DE envelope to download."""
    record = selectors.record_for(request.user, kind, pk)
    event = ""
    if kind == "allocation":
        event = {"proposed": "propose", "accepted": "accept", "declined": "decline", "cancelled": "cancel"}.get(
            record.status, "ship"
        )
    response = HttpResponse(outbound.as_xml(record, event=event), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="aidx-{kind}-{pk}.edxl.xml"'
    return response


@login_required
def hxl_export(request: HttpRequest, kind: str) -> HttpResponseBase:
    return hxl.export(kind, request.user)


@login_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    created = None
    if request.method == "POST":
        try:
            created = webhooks.subscription_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                url=request.POST.get("url", ""),
                events=request.POST.getlist("events"),
                format=request.POST.get("format", "json"),
            )
        except BusinessError as error:
            messages.error(request, str(error.message))
    return render(
        request,
        "interchange/subscriptions.html",
        {
            "subscriptions": selectors.subscriptions_of(request.user),
            "created": created,
            "events": webhooks.EVENT_NAMES,
        },
    )


@login_required
def subscription(request: HttpRequest, subscription_id: int) -> HttpResponse:
    found = get_object_or_404(selectors.subscriptions_of(request.user), pk=subscription_id)
    return render(
        request,
        "interchange/subscription.html",
        {
            "subscription": found,
            "deliveries": selectors.deliveries_of(request.user, found)[:100],
            "buttons": SUBSCRIPTION.buttons(
                request.user, found, lambda name: reverse("interchange:subscription_action", args=[found.pk, name])
            ),
        },
    )


@login_required
@require_POST
def subscription_action(request: HttpRequest, subscription_id: int, action: str) -> HttpResponse:
    found = get_object_or_404(selectors.subscriptions_of(request.user), pk=subscription_id)
    move = {"pause": webhooks.subscription_pause, "resume": webhooks.subscription_resume}.get(action)
    if move is None:
        raise Http404
    try:
        move(actor=request.user, subscription=found)
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("interchange:subscription", subscription_id=found.pk)
