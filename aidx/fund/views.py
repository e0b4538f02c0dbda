"""Pages of the trust fund: overview and balance sheet, pledges and contributions, procurement orders,
per-nation statements (CSV/XLSX). Reads go through selectors (need-to-know), writes through services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aidx.core import exports, formatting
from aidx.core.errors import BusinessError
from aidx.core.forms import show_problems
from aidx.core.models import translated
from aidx.core.paging import page_of, query_without_page
from aidx.fund import forms, selectors, services
from aidx.fund.models import FUND_CURRENCY, ProcurementOrder
from aidx.fund.workflow import ORDER, may_manage


def _manager(request: HttpRequest) -> Any:
    if not may_manage(request.user):
        raise Forbidden
    return request.user


def _run(form: Any, action: Any) -> Any:
    """Call a service with a valid form's data; a business error lands on the form (returns None)."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except BusinessError as error:
        show_problems(form, error)
        return None


def _plain(minor: int, currency: str) -> str:
    """Plain decimal text for exports, read by machines in any locale: 123450 EUR → 1234.50, 1234 JPY → 1234."""
    return str(formatting.from_minor(minor, currency))


def _eur(minor: int) -> str:
    return _plain(minor, FUND_CURRENCY)


def _money(form: Any, field: str, currency: str) -> int:
    return services.parse_amount(form.cleaned_data[field], services.currency_code(currency), field=field)


@login_required
def overview(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = request.user
    manager = may_manage(user)
    sheet = selectors.balance_sheet(user)
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS and manager:
        columns = [
            exports.Column("account", lambda row: row["code"]),
            exports.Column("name", lambda row: row["name"]),
            exports.Column("kind", lambda row: str(row["kind"])),
            exports.Column("balance_eur", lambda row: _eur(row["balance"]), "#value +eur"),
        ]
        return exports.response(fmt, columns, sheet, stem="fund-balance-sheet")
    rate, transport = forms.RateForm(prefix="rate"), forms.TransportForm(prefix="transport")
    if request.method == "POST":
        actor = _manager(request)
        if request.POST.get("action") == "rate":
            rate = forms.RateForm(request.POST, prefix="rate")
            if _run(
                rate,
                lambda d: services.rate_set(
                    actor=actor, currency=d["currency"], on=d["on"], eur_per_unit=d["eur_per_unit"]
                ),
            ):
                messages.success(request, _("Exchange rate saved."))
                return redirect("fund:overview")
        elif request.POST.get("action") == "transport":
            transport = forms.TransportForm(request.POST, prefix="transport")
            if _run(
                transport,
                lambda d: services.transport_pay(
                    actor=actor,
                    amount_minor=_money(transport, "amount", d["currency"]),
                    currency=d["currency"],
                    description=d["description"],
                    paid_on=d["paid_on"],
                    recipient=d["recipient"],
                ),
            ):
                messages.success(request, _("Transport payment booked."))
                return redirect("fund:overview")
    return render(
        request,
        "fund/overview.html",
        {
            "totals": selectors.totals(user),
            "sheet": sheet,
            "by_item": selectors.spent_by_item(user),
            "by_recipient": selectors.spent_by_recipient(user),
            "may_manage": manager,
            "rate_form": rate,
            "transport_form": transport,
            "payments": selectors.transport_payments(user)[:20],
            "nations": selectors.statement_nations(user),
        },
    )


PLEDGE_COLUMNS = [
    exports.Column("nation", "nation_id", "#country +code"),
    exports.Column("pledged_on", "pledged_on", "#date"),
    exports.Column("currency", "currency", "#currency +code"),
    exports.Column("amount", lambda p: _plain(p.amount_minor, p.currency)),
    exports.Column("paid", lambda p: _plain(p.paid_minor, p.currency)),
    exports.Column("amount_eur", lambda p: _eur(p.eur_minor), "#value +eur"),
    exports.Column("earmark", "earmark"),
    exports.Column("illustrative", "illustrative"),
]


@login_required
def pledge_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = request.user
    rows = selectors.pledges(user)
    if file := exports.for_list(request, PLEDGE_COLUMNS, list(rows), stem="fund-pledges"):
        return file
    form = forms.PledgeForm(request.POST or None, initial={"pledged_on": timezone.localdate()})
    if request.method == "POST":
        actor = _manager(request)
        pledge = _run(
            form,
            lambda d: services.pledge_create(
                actor=actor,
                nation=d["nation"],
                amount_minor=_money(form, "amount", d["currency"]),
                currency=d["currency"],
                pledged_on=d["pledged_on"],
                earmark=d["earmark"],
            ),
        )
        if pledge:
            messages.success(request, _("Pledge recorded."))
            return redirect("fund:pledge", pledge_id=pledge.pk)
    return render(
        request,
        "fund/pledge_list.html",
        {
            "page": page_of(request, rows),
            "query": query_without_page(request),
            "form": form,
            "may_manage": may_manage(user),
            "totals": selectors.totals(user),
        },
        status=400 if form.errors else 200,
    )


@login_required
def pledge_detail(request: HttpRequest, pledge_id: int) -> HttpResponse:
    user = request.user
    pledge = selectors.pledge(user, pledge_id)
    form = forms.ContributionForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST":
        actor = _manager(request)
        if _run(
            form,
            lambda d: services.contribution_receive(
                actor=actor,
                pledge=pledge,
                amount_minor=_money(form, "amount", pledge.currency),
                received_on=d["received_on"],
            ),
        ):
            messages.success(request, _("Contribution recorded."))
            return redirect("fund:pledge", pledge_id=pledge.pk)
    return render(
        request,
        "fund/pledge_detail.html",
        {
            "pledge": pledge,
            "contributions": pledge.contributions.order_by("received_on", "id"),
            "form": form,
            "outstanding": pledge.amount_minor - pledge.paid_minor,
            "may_manage": may_manage(user),
        },
        status=400 if form.errors else 200,
    )


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = forms.OrderForm(request.POST or None, initial={"ordered_on": timezone.localdate()})
    lines = forms.OrderLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        try:
            currency = services.currency_code(data["currency"])
            entered = [
                services.OrderLineInput(
                    line["item"].code, line["quantity"], services.parse_amount(line["unit_price"], currency, "lines")
                )
                for line in lines.cleaned_data
                if line.get("item") and line.get("quantity") and line.get("unit_price")
            ]
            order = services.order_create(
                actor=actor,
                supplier=data["supplier"],
                currency=currency,
                warehouse=data["warehouse"],
                lines=entered,
                ordered_on=data["ordered_on"],
                recipient=data["recipient"],
                reference=data["reference"],
            )
        except BusinessError as error:
            show_problems(form, error)
        else:
            messages.success(request, _("Order created as a draft: approve it to commit the funds."))
            return redirect("fund:order", order_id=order.pk)
    status = request.GET.get("status") if request.GET.get("status") in ProcurementOrder.Status.values else None
    return render(
        request,
        "fund/order_list.html",
        {
            "page": page_of(request, selectors.orders(actor, status=status)),
            "query": query_without_page(request),
            "form": form,
            "lines": lines,
            "statuses": ProcurementOrder.Status.choices,
            "status": status,
        },
        status=400 if form.errors or (lines.errors and request.method == "POST") else 200,
    )


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = _manager(request)
    order = selectors.orders(actor).filter(pk=order_id).first()
    if order is None:
        raise Http404
    return render(
        request,
        "fund/order_detail.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "transactions": order.transactions.prefetch_related("postings__account"),
            "allowed": ORDER.action_names(actor, order),
            # approving and receiving keep their places (and test ids) in the toolbar
            "buttons": ORDER.buttons(
                actor,
                order,
                lambda name: reverse("fund:order_action", args=[order.pk, name]),
                exclude=("approve", "receive"),
            ),
        },
    )


@login_required
@require_POST
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    actor = _manager(request)
    calls: dict[str, tuple[Callable[..., ProcurementOrder], str]] = {
        "approve": (services.order_approve, _("Order approved: funds committed.")),
        "cancel": (services.order_cancel, _("Order cancelled.")),
        "receive": (services.order_receive, _("Order received into stock and paid.")),
    }
    if action not in calls or not selectors.orders(actor).filter(pk=order_id).exists():
        raise Http404
    call, done = calls[action]
    try:
        call(actor=actor, order=order_id)
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done)
    return redirect("fund:order", order_id=order_id)


@login_required
def statements(request: HttpRequest) -> HttpResponse:
    nations = selectors.statement_nations(request.user)
    if len(nations) == 1 and not may_manage(request.user):
        return redirect("fund:statement", code=nations[0].code)
    return render(request, "fund/statements.html", {"nations": nations, "totals": selectors.totals(request.user)})


@login_required
def statement(request: HttpRequest, code: str) -> HttpResponse | StreamingHttpResponse:
    user = request.user
    found = selectors.statement(user, code)
    pledges = list(selectors.pledges(user, nation=found.nation.code))
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS:
        rows = [
            {"line": _("pledged"), "eur": _eur(found.pledged)},
            {"line": _("paid"), "eur": _eur(found.paid)},
            {"line": _("outstanding"), "eur": _eur(found.outstanding)},
            {"line": _("exchange differences"), "eur": _eur(found.exchange_differences)},
        ]
        rows += [
            {"line": _("spent on %(item)s") % {"item": translated(r, "item__") or "—"}, "eur": _eur(r["amount"])}
            for r in selectors.spent_by_item(user)
        ]
        rows += [
            {"line": _("spent for %(nation)s") % {"nation": r["name"] or "—"}, "eur": _eur(r["amount"])}
            for r in selectors.spent_by_recipient(user)
        ]
        columns = [
            exports.Column("line", lambda r: r["line"]),
            exports.Column("eur", lambda r: r["eur"], "#value +eur"),
        ]
        return exports.response(fmt, columns, rows, stem=f"fund-statement-{found.nation.code}")
    return render(
        request,
        "fund/statement.html",
        {
            "statement": found,
            "pledges": pledges,
            "contributions": selectors.contributions(user, nation=found.nation.code),
            "by_item": selectors.spent_by_item(user),
            "by_recipient": selectors.spent_by_recipient(user),
        },
    )
