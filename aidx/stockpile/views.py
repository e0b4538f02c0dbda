"""Pages of the stockpile: warehouses, lots (with expiry colouring), the ledger, releases to allocations.

Only the centre and stockpile managers may open them (403 for anyone else, 404 for a lot they cannot see);
writes are for managers and go through the services, whose BusinessError becomes a message or a form error.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aidx.assistance.models import Allocation
from aidx.core import exports
from aidx.core.errors import BusinessError
from aidx.core.forms import show_problems
from aidx.core.paging import page_of, query_without_page
from aidx.nations.models import Site
from aidx.stockpile import forms, selectors, services
from aidx.stockpile.models import Lot
from aidx.stockpile.workflow import LOT


def _viewer(request: HttpRequest) -> Any:
    if not services.may_view(request.user):
        raise Forbidden
    return request.user


def _manager(request: HttpRequest) -> Any:
    if not services.may_manage(request.user):
        raise Forbidden
    return request.user


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    return render(
        request,
        "stockpile/overview.html",
        {
            "warehouses": selectors.warehouses(user),
            "alerts": selectors.expiry_alerts(user),
            "figures": selectors.panel(user),
            "may_manage": services.may_manage(user),
        },
    )


@login_required
def warehouse(request: HttpRequest, code: str) -> HttpResponse:
    user = _viewer(request)
    site = get_object_or_404(Site, code=code, kind=Site.Kind.WAREHOUSE)
    rows = selectors.balances(user, warehouse=site).filter(on_hand__gt=0)
    return render(
        request,
        "stockpile/warehouse.html",
        {
            "site": site,
            "page": page_of(request, rows),
            "today": timezone.localdate(),
            "query": query_without_page(request),
        },
    )


LOT_COLUMNS = [
    exports.Column("lot", "lot_number", "#item +lot"),
    exports.Column("item", "item__code", "#item +code"),
    exports.Column("item_name", lambda lot: str(lot.item.name), "#item +name"),
    exports.Column("expiry_date", "expiry_date", "#date +expiry"),
    exports.Column("status", "status", "#status"),
    exports.Column("owner", lambda lot: lot.owner_nation_id or "", "#country +code"),
    exports.Column("on_hand", "on_hand", "#inventory +on_hand"),
    exports.Column("reserved", "reserved", "#inventory +reserved"),
]


@login_required
def lot_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse | FileResponse:
    user = _viewer(request)
    status = request.GET.get("status") if request.GET.get("status") in Lot.Status.values else None
    search = request.GET.get("q", "").strip()[:100] or None
    item = request.GET.get("item", "").strip()[:40] or None
    in_stock = request.GET.get("in_stock") == "1"
    rows = selectors.lots(user, status=status, item=item, search=search, in_stock=in_stock)
    if file := exports.for_list(request, LOT_COLUMNS, rows, stem="lots"):
        return file
    return render(
        request,
        "stockpile/lot_list.html",
        {
            "page": page_of(request, rows),
            "status": status,
            "statuses": Lot.Status.choices,
            "q": search or "",
            "item": item or "",
            "in_stock": in_stock,
            "today": timezone.localdate(),
            "query": query_without_page(request),
            "may_manage": services.may_manage(user),
        },
    )


def _run(request: HttpRequest, form: Any, action: Any) -> bool:
    """Call a service with a valid form; a business error lands on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except BusinessError as error:
        show_problems(form, error)
        return False
    return True


@login_required
def lot_detail(request: HttpRequest, lot_id: int) -> HttpResponse:
    user = _viewer(request)
    lot = selectors.lots(user).filter(pk=lot_id).first()
    if lot is None:
        raise Http404
    action = request.POST.get("action") if request.method == "POST" else None
    bound = {name: request.POST if action == name else None for name in ("transfer", "count", "dispose")}
    transfer = forms.TransferForm(bound["transfer"], prefix="transfer")
    count = forms.CountForm(bound["count"], prefix="count")
    dispose = forms.DisposalForm(bound["dispose"], prefix="dispose")
    if action:
        manager = _manager(request)
        done = {
            "transfer": lambda: _run(
                request,
                transfer,
                lambda d: services.transfer(
                    actor=manager,
                    lot=lot,
                    source=d["source"],
                    destination=d["destination"],
                    quantity=d["quantity"],
                    reason=d["reason"],
                ),
            ),
            "count": lambda: _run(
                request,
                count,
                lambda d: services.adjust(
                    actor=manager, lot=lot, warehouse=d["warehouse"], counted=d["counted"], reason=d["reason"]
                ),
            ),
            "dispose": lambda: _run(
                request,
                dispose,
                lambda d: services.dispose(
                    actor=manager, lot=lot, warehouse=d["warehouse"], quantity=d["quantity"], reason=d["reason"]
                ),
            ),
        }.get(action, lambda: False)()
        if done:
            messages.success(request, _("Recorded in the stock ledger."))
            return redirect("stockpile:lot", lot_id=lot.pk)
    return render(
        request,
        "stockpile/lot_detail.html",
        {
            "lot": lot,
            "balances": selectors.balances(user).filter(lot=lot),
            "entries": selectors.ledger(user, lot=lot.pk)[:200],
            "forms": {"transfer": transfer, "count": count, "dispose": dispose},
            "buttons": LOT.buttons(user, lot, lambda name: reverse("stockpile:lot_action", args=[lot.pk, name])),
            "days": (lot.expiry_date - timezone.localdate()).days if lot.expiry_date else None,
            "may_manage": services.may_manage(user),
        },
        status=400 if action and any(f.errors for f in (transfer, count, dispose)) else 200,
    )


@login_required
@require_POST
def lot_action(request: HttpRequest, lot_id: int, action: str) -> HttpResponse:
    """A transition of the lot's workflow (quarantine, recall, ...), from the buttons of its page."""
    user = _viewer(request)
    lot = selectors.lots(user).filter(pk=lot_id).first()
    if lot is None:
        raise Http404
    try:
        services.lot_transition(actor=user, lot=lot, action=action, reason=request.POST.get("reason", ""))
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("The lot is now %(status)s.") % {"status": Lot.objects.get(pk=lot.pk).get_status_display()}
        )
    return redirect("stockpile:lot", lot_id=lot.pk)


@login_required
def receive(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    form = forms.ReceiptForm(request.POST or None)
    lot: list[Lot] = []
    if _run(
        request,
        form,
        lambda d: lot.append(
            services.receive(
                actor=manager,
                warehouse=d["warehouse"],
                item=d["item"],
                lot_number=d["lot_number"],
                quantity=d["quantity"],
                expiry_date=d["expiry_date"],
                donor=d["donor"],
                source=d["source"],
                unit_value_minor=d["unit_value_minor"],
                currency=d["currency"],
            )
        ),
    ):
        messages.success(request, _("Received into stock."))
        return redirect("stockpile:lot", lot_id=lot[0].pk)
    return render(request, "stockpile/receive.html", {"form": form}, status=400 if form.errors else 200)


LEDGER_COLUMNS = [
    exports.Column("id", "id"),
    exports.Column("date", "movement__occurred_on", "#date"),
    exports.Column("kind", "kind"),
    exports.Column("warehouse", "warehouse__code", "#loc +code"),
    exports.Column("item", "lot__item__code", "#item +code"),
    exports.Column("item_name", "lot__item__name", "#item +name"),
    exports.Column("lot", "lot__lot_number"),
    exports.Column("on_hand_change", "on_hand_delta"),
    exports.Column("reserved_change", "reserved_delta"),
    exports.Column("allocation", "movement__allocation_id"),
    exports.Column("reason", "movement__reason"),
    exports.Column("reference", "movement__reference"),
]


@login_required
def ledger(request: HttpRequest) -> HttpResponse | StreamingHttpResponse | FileResponse:
    user = _viewer(request)
    filters = forms.LedgerFilter(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.ledger(
        user,
        kind=data.get("kind") or None,
        item=data.get("item") or None,
        warehouse=data.get("warehouse"),
        since=data.get("since"),
        until=data.get("until"),
    )
    if file := exports.for_list(request, LEDGER_COLUMNS, rows, stem="stock-ledger"):
        return file
    return render(
        request,
        "stockpile/ledger.html",
        {"filters": filters, "page": page_of(request, rows), "query": query_without_page(request)},
    )


@login_required
def allocations(request: HttpRequest) -> HttpResponse:
    """The allocations served from the stockpile, with their reservations and releases."""
    user = _viewer(request)
    rows = (
        Allocation.objects.filter(offer_line__offer__owner_organisation__code=services.SUPPORT_AGENCY)
        .select_related("offer_line__item", "request_line__request__owner_nation")
        .prefetch_related("stock_movements")
        .order_by("-proposed_at", "-id")
    )
    return render(
        request,
        "stockpile/allocations.html",
        {
            "page": page_of(request, rows),
            "query": query_without_page(request),
            "may_manage": services.may_manage(user),
            "safety_days": services.safety_days(),
        },
    )


@login_required
@require_POST
def allocation_action(request: HttpRequest, allocation_id: int, action: str) -> HttpResponse:
    manager = _manager(request)
    calls = {
        "reserve": lambda: services.reserve(actor=manager, allocation=allocation_id),
        "cancel": lambda: services.cancel_reservation(actor=manager, allocation=allocation_id),
        "release": lambda: services.release(actor=manager, allocation=allocation_id),
    }
    if action not in calls:
        raise Http404
    try:
        calls[action]()
    except BusinessError as error:
        messages.error(request, str(error.message))
    except Allocation.DoesNotExist:
        raise Http404 from None
    else:
        messages.success(
            request,
            {
                "reserve": _("Stock reserved."),
                "cancel": _("Reservation cancelled."),
                "release": _("Stock released earliest-expiry-first; the allocation is shipped."),
            }[action],
        )
    return redirect("stockpile:allocations")


@login_required
@require_POST
def offer_sync(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    try:
        changed = services.offer_sync(actor=manager)
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The stockpile's offers are up to date (%(n)s changed).") % {"n": len(changed)})
    return redirect("stockpile:overview")
