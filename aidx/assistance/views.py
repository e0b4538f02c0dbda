"""Web pages of the exchange: lists, details with their actions, create forms, and the inbox.

Views parse input and call a service; reads go through the selectors, which apply need-to-know.
A BusinessError is shown where it belongs (a form field, a line, or a message) and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aidx.accounts.http import AuthenticatedHttpRequest
from aidx.accounts.models import Role
from aidx.assistance import forms, selectors, services, transfer
from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.assistance.workflow import ALLOCATION, OFFER, REQUEST, proposable_offers
from aidx.audit import describe
from aidx.catalogue import selectors as catalogue
from aidx.core import exports, formatting
from aidx.core.errors import BusinessError
from aidx.core.paging import page_of, query_without_page
from aidx.nations.models import country_name
from aidx.nations.policy import Viewer, derived_releasability, get_visible_or_404, owned_by, viewer_for
from aidx.notifications.selectors import notifications_of

ACTIONS = {
    "request.create": gettext_lazy("created the request"),
    "request.submit": gettext_lazy("submitted the request"),
    "request.update": gettext_lazy("changed the request"),
    "request.withdraw": gettext_lazy("withdrew the request"),
    "request.partially_met": gettext_lazy("request partially met"),
    "request.met": gettext_lazy("request met"),
    "request.submitted": gettext_lazy("request open again"),
    "request.expire": gettext_lazy("request expired"),
    "offer.create": gettext_lazy("created the offer"),
    "offer.publish": gettext_lazy("published the offer"),
    "offer.withdraw": gettext_lazy("withdrew the offer"),
    "offer.open": gettext_lazy("offer open again"),
    "offer.partially_allocated": gettext_lazy("offer partially allocated"),
    "offer.fully_allocated": gettext_lazy("offer fully allocated"),
    "offer.expire": gettext_lazy("offer expired"),
    "allocation.propose": gettext_lazy("proposed an allocation"),
    "allocation.accept": gettext_lazy("accepted an allocation"),
    "allocation.decline": gettext_lazy("declined an allocation"),
    "allocation.cancel": gettext_lazy("cancelled an allocation"),
    "allocation.ship": gettext_lazy("shipped an allocation"),
    "allocation.deliver": gettext_lazy("confirmed a delivery"),
}


# --- helpers -------------------------------------------------------------------------------------------


def filters_of(form: Any) -> dict[str, Any]:
    """The valid, non-empty filters of a bound filter form; invalid ones stay on the form as errors."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}


def _with_share(requests: QuerySet[AssistanceRequest]) -> QuerySet[AssistanceRequest]:
    """Each request with the weight it asks for and the weight met (committed allocations, as the picture counts
    them), in the same query (no query per row): units of unlike items are never added up. A request of
    capabilities only (no weight) counts their units."""
    kg: Any = DecimalField(max_digits=24, decimal_places=4)

    def total(rows: Any, key: str, weight: str) -> Any:
        amount = ExpressionWrapper(F("quantity") * Coalesce(F(weight), Value(Decimal(0))), output_field=kg)
        return Subquery(rows.values(key).annotate(n=Sum(amount)).values("n"), output_field=kg)

    lines = RequestLine.objects.filter(request=OuterRef("pk"))
    committed = Allocation.objects.filter(request_line__request=OuterRef("pk"), status__in=Allocation.COMMITTED)
    count: Any = IntegerField()
    return requests.annotate(
        kg_requested=Coalesce(total(lines, "request", "item__unit_weight_kg"), Value(Decimal(0)), output_field=kg),
        kg_accepted=Coalesce(
            total(committed, "request_line__request", "request_line__item__unit_weight_kg"),
            Value(Decimal(0)),
            output_field=kg,
        ),
        requested=Coalesce(Subquery(lines.values("request").annotate(n=Sum("quantity")).values("n"), count), 0),
        accepted=Coalesce(
            Subquery(committed.values("request_line__request").annotate(n=Sum("quantity")).values("n"), count), 0
        ),
    )


def _share_met(record: Any) -> float:
    if record.kg_requested:
        return min(1.0, float(record.kg_accepted / record.kg_requested))
    return min(1.0, record.accepted / record.requested) if record.requested else 0.0


def _labels(model: type[Any], field: str) -> dict[Any, str]:
    """A choice field's labels in the current language, translated once (get_FOO_display() translates every
    choice on every call: a tenth of a list page's time)."""
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


# The rows of the request and offer lists, written here rather than in their templates: there each row was 17
# template variables, and 50 rows took 9 ms, more than the rest of the page; here 1 (see _row).
REQUEST_ROW = (
    '\n  <tr><td><a href="{url}">{title}</a>{incident}</td>'
    "\n  <td>{owner}</td>"
    '\n  <td><span class="priority p{priority}">{priority_label}</span></td>'
    '\n  <td><time datetime="{needed_by}">{needed_by_text}</time></td>'
    "\n  <td>{site}</td>"
    '\n  <td><span class="tag status-{status}">{status_label}</span></td>'
    '\n  <td><meter min="0" max="1" value="{share}" title="{share_text}"></meter> {share_text}</td></tr>'
)
OFFER_ROW = (
    '\n  <tr><td><a href="{url}">{title}</a></td>'
    "\n  <td>{owner}</td>"
    "\n  <td>{terms_label}</td>"
    "\n  <td>{reply}</td>"
    '\n  <td><span class="tag status-{status}">{status_label}</span></td>'
    "\n  <td>{made}</td></tr>"
)


def _row(markup: str, **values: Any) -> SafeString:
    """As format_html(markup, **values) -- every value escaped unless already safe -- but with forms.escape_text,
    about 2.7 µs cheaper per value than conditional_escape (14 values × 50 rows a page)."""
    return mark_safe(markup.format(**{name: forms.escape_text(value) for name, value in values.items()}))  # noqa: S308


def _list_rows(page: Any, model: type[Any], url_name: str, *fields: str) -> _Cells:
    """Prepare a list page's rows for a cheap render: each record gets its `url`, a `<field>_label` per choice
    field and its owner's name as `owner_label`, computed here once per page rather than by a tag, a filter, a
    method or an include per row (a template variable costs tens of microseconds, a nation's name a pycountry
    lookup and a translation). Answers the page's _Cells, for the list's own columns."""
    cells = _Cells()
    labels = {field: _labels(model, field) for field in fields}
    url = reverse(url_name, args=[0]).removesuffix("0/")  # one reverse() instead of one per row
    page.object_list = list(page.object_list)
    for record in page.object_list:
        record.url = f"{url}{record.pk}/"
        record.owner_label = cells.owner(record)
        for field, choices in labels.items():
            value = getattr(record, field)
            setattr(record, f"{field}_label", choices.get(value, value))
    return cells


def _list_page(request: AuthenticatedHttpRequest, template: str, page: Any, form: Any) -> HttpResponse:
    """A request or offer list page: its rows, filters, the query for the pager, and the create button."""
    return render(
        request,
        template,
        {
            "page": page,
            "form": form,
            "query": query_without_page(request),
            "may_create": request.user.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR),
        },
    )


class _Cells:
    """The texts of a list page's cells, each worked out once per distinct value on the page."""

    def __init__(self) -> None:
        self._texts: dict[tuple[str, Any], str] = {}

    def _once(self, kind: str, value: Any, make: Any) -> str:
        key = (kind, value)
        if key not in self._texts:
            self._texts[key] = make(value)
        return self._texts[key]

    def owner(self, record: Any) -> str:
        """As `{{ record.owner_nation|default:record.owner_organisation }}`, without loading the nation."""
        if record.owner_nation_id:
            return self._once("nation", record.owner_nation_id, country_name)
        return self._once("organisation", record.owner_organisation_id, lambda _: str(record.owner_organisation))

    def date(self, value: Any) -> str:
        """As the template filter `|day`, in the current time zone for a datetime."""
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value).date()  # the day as the filter shows it; the cache is per day
        return self._once("day", value, formatting.day)

    def number(self, value: Any) -> str:
        return self._once("number", value, formatting.number)


def _with_actions(allocations: Any, user: Any) -> list[Allocation]:
    """Mark on each allocation what this user may do with it now, from its workflow table."""
    result = []
    for allocation in allocations:
        allocation.actions = ALLOCATION.action_names(user, allocation)
        result.append(allocation)
    return result


def _timeline(record: AssistanceRequest | Offer, viewer: Viewer) -> list[Any]:
    # An offer's own entries name the request it answers, which this viewer may not see.
    hidden = isinstance(record, Offer) and record.in_reply_to_id and not record.reply_shown  # type: ignore[attr-defined]
    return _described(selectors.timeline(record, viewer), hide=("in_reply_to",) if hidden else ())


def _described(entries: Any, *, hide: tuple[str, ...] = ()) -> list[Any]:
    entries = list(
        entries.select_related("actor__nation", "actor__organisation").prefetch_related("actor__role_grants")
    )
    for entry in entries:
        for name in hide:
            entry.changes.pop(name, None)
    return [_labelled(entry) for entry in describe.with_sentences(entries)]


def _labelled(entry: Any) -> Any:
    entry.label = ACTIONS.get(entry.action, entry.action)
    entry.about_allocation = entry.target_type == "assistance.allocation"
    return entry


def _action_url(kind: str, pk: int, name: str) -> str:
    return reverse(f"exchange:{kind}_action", args=[pk, name])


def _request_url(request_id: int) -> str:
    return reverse("exchange:request", args=[request_id])


def _offer_url(offer_id: int) -> str:
    return reverse("exchange:offer", args=[offer_id])


def _back(request: AuthenticatedHttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _list_file(request: AuthenticatedHttpRequest, kind: str) -> HttpResponseBase | None:
    """The list as CSV, XLSX or HXL when asked (?format=…): the transfer export's rows, filtered as the page."""
    if request.GET.get("format") not in exports.LIST_FORMATS:
        return None
    rows = transfer.export_rows(kind, viewer_for(request.user), request.GET)
    return exports.for_list(request, transfer.EXPORT_COLUMNS[kind], rows, stem=kind)


def _place_error(error: BusinessError, form: Any, lines: Any, line_forms: list[Any]) -> None:
    """Show each problem of a service's error where it belongs: `lines.N` at the N-th line sent, a field at that
    field; a field the form already found wrong keeps the form's word (the service saw it blank)."""
    for problem in error.problems:
        message = str(problem.message)
        field = problem.field or ""
        if field.startswith("lines."):
            try:
                line_form = line_forms[int(field.split(".", 1)[1]) - 1]
            except (ValueError, IndexError):
                pass
            else:
                line_form.add_error(None, message)
                continue
        if field == "lines":
            lines.non_form_errors().append(message)
        elif field in form.fields and not form.fields[field].widget.is_hidden:
            if field not in form.errors:
                form.add_error(field, message)
        else:
            form.add_error(None, message)


def _initial_from_post(form: Any, data: Any) -> dict[str, Any]:
    """What was typed, as initial values: to redraw a form without judging it (when a line is added)."""
    initial: dict[str, Any] = {}
    for name, field in form.fields.items():
        if isinstance(field, django_forms.BooleanField):
            initial[name] = bool(data.get(name))
        elif isinstance(field, django_forms.MultipleChoiceField | django_forms.ModelMultipleChoiceField):
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    return initial


def _lines_from_post(formset: Any) -> list[dict[str, Any]]:
    rows = []
    for form in formset.forms:
        row = _initial_from_post(form, _Prefixed(formset.data, form.prefix))
        rows.append(row)
    return rows


class _Prefixed:
    """A view of POST data for one form of a formset, by unprefixed field name."""

    def __init__(self, data: Any, prefix: str) -> None:
        self.data, self.prefix = data, prefix

    def get(self, name: str) -> Any:
        return self.data.get(f"{self.prefix}-{name}")

    def getlist(self, name: str) -> list[Any]:
        return self.data.getlist(f"{self.prefix}-{name}")

    def __contains__(self, name: str) -> bool:
        return f"{self.prefix}-{name}" in self.data


def _create(
    request: AuthenticatedHttpRequest,
    *,
    kind: str,
    form: Any,
    lines: Any,
    save: Any,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The request and offer create pages: parse the header and lines, call `save`, or show what is wrong."""
    if request.method == "POST" and "add_line" in request.POST:
        # Redraw what was typed with more blank rows; judging a half-written form would only show noise.
        form = type(form)(initial=_initial_from_post(form, request.POST))
        lines = forms.line_formset(kind, initial=_lines_from_post(lines), origin=getattr(lines, "origin", None))
    elif request.method == "POST":
        valid = form.is_valid()
        valid = lines.is_valid() and valid
        # The service judges what parsed even when something did not, so every problem shows on the first try;
        # then nothing it wrote is kept.
        header = {name: form.cleaned_data.get(name) for name in form.fields}
        line_forms = [line for line in lines.forms if not line.errors and not line.is_blank]
        try:
            with transaction.atomic():  # create and submit/publish together, or not at all
                rows = {id(line): row for row, line in enumerate(lines.forms, start=1)}
                created, done = save(header, [line.line_input(rows[id(line)]) for line in line_forms])
                if not valid:
                    transaction.set_rollback(True)
        except BusinessError as error:
            _place_error(error, form, lines, line_forms)
        else:
            if valid:
                messages.success(request, done)
                return redirect(created)  # `save` answers with the new record's page and what was done
    invalid = request.method == "POST" and "add_line" not in request.POST
    return render(
        request,
        template,
        {
            **context,
            "form": form,
            "lines": lines,
            "may_create": request.user.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR),
        },
        status=400 if invalid else 200,
    )


# --- requests ----------------------------------------------------------------------------------------------


@login_required
def request_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if file := _list_file(request, "requests"):
        return file
    viewer = viewer_for(request.user)
    form = forms.RequestFilterForm(request.GET or None)
    filters = filters_of(form)
    filters["search"] = filters.pop("q", None)
    requests = _with_share(selectors.listed(selectors.requests_visible_to(viewer, **filters)))
    page = page_of(
        request, selectors.requests_by_day(requests, filters.get("needed_from"), filters.get("needed_until"))
    )
    cells = _list_rows(page, AssistanceRequest, "exchange:request", "priority", "status")
    for record in page.object_list:
        incident = format_html(' <small class="meta">{}</small>', record.incident) if record.incident else ""
        record.row = _row(
            REQUEST_ROW,
            url=record.url,
            title=record.title,
            incident=incident,
            owner=record.owner_label,
            priority=record.priority,
            priority_label=record.priority_label,
            needed_by=record.needed_by.isoformat(),
            needed_by_text=cells.date(record.needed_by),
            site=record.delivery_site.name,
            status=record.status,
            status_label=record.status_label,
            share=f"{_share_met(record):.3f}",
            share_text=formatting.percent(_share_met(record)),
        )
    return _list_page(request, "assistance/request_list.html", page, form)


def _proposal_pairs(record: AssistanceRequest, lines: list[RequestLine], user: Any, viewer: Viewer) -> list[Any]:
    """Offer line → request line pairs this user could propose: open offers the user may see (a nation: only
    its own) with something left, for the same item, a permitted substitute, or the same capability."""
    if not record.is_open or owned_by(viewer, record):
        return []
    offers = proposable_offers(user, selectors.offers_visible_to(viewer, open_only=True))
    if record.owner_nation_id:
        offers = offers.exclude(owner_nation_id=record.owner_nation_id)
    else:
        offers = offers.exclude(owner_organisation_id=record.owner_organisation_id)
    offer_lines = list(
        selectors.offer_lines_left(OfferLine.objects.filter(offer__in=offers.values("pk")))
        .filter(remaining__gt=0)  # past its availability, nothing is left of a line
        .select_related("offer__owner_nation", "offer__owner_organisation", "item", "capability")
        .order_by("offer_id", "id")
    )
    pairs = []
    for line in lines:
        needed = line.quantity - line.allocated  # type: ignore[attr-defined]  # annotated by the selector
        if needed <= 0:
            continue
        serves: set[tuple[str, int | None]]
        if line.capability_id:
            serves = {("capability", line.capability_id)}
        else:
            serves = {("item", line.item_id)}
            if line.substitutes_ok and line.item is not None:
                serves |= {("item", item.pk) for item in catalogue.substitutes_for(line.item)}
        for offered in offer_lines:
            key = ("capability", offered.capability_id) if offered.capability_id else ("item", offered.item_id)
            if key in serves:
                owner = offered.offer.owner_nation or offered.offer.owner_organisation
                label = _("%(owner)s · %(offer)s: %(left)s × %(what)s left → %(needed)s × %(wanted)s needed") % {
                    "owner": owner,
                    "offer": offered.offer.title,
                    "left": offered.remaining,  # type: ignore[attr-defined]
                    "what": offered.what,
                    "needed": needed,
                    "wanted": line.what,
                }
                pairs.append((f"{offered.pk}:{line.pk}", label))
    return pairs


@login_required
def request_detail(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    viewer = viewer_for(request.user)
    record = get_visible_or_404(selectors.requests_visible_to(viewer), viewer, pk=request_id)
    lines = list(selectors.request_lines(record))
    pairs = _proposal_pairs(record, lines, request.user, viewer)
    propose = forms.ProposeForm(request.POST or None, pairs=pairs) if pairs else None
    if request.method == "POST":
        if propose is None:
            messages.error(request, _("There is nothing you can propose for this request."))
            return redirect(_request_url(record.pk))
        if propose.is_valid():
            offer_line, request_line = propose.ids()
            try:
                services.allocation_propose(
                    actor=request.user,
                    offer_line=offer_line,
                    request_line=request_line,
                    quantity=propose.cleaned_data["quantity"],
                )
            except BusinessError as error:
                propose.add_error(error.field if error.field in propose.fields else None, str(error.message))
            else:
                messages.success(request, _("Allocation proposed."))
                return redirect(_request_url(record.pk))
    context = {
        "record": record,
        "lines": lines,
        "allocations": _with_actions(selectors.allocations_visible_to(viewer, request=record.pk), request.user),
        "replies": selectors.offers_visible_to(viewer, in_reply_to=record.pk),
        "timeline": _timeline(record, viewer),
        "propose": propose,
        "buttons": REQUEST.buttons(
            request.user, record, lambda name: _action_url("request", record.pk, name), exclude=["reply"]
        ),
        "may_reply": REQUEST.allows(request.user, record, "reply"),  # a link to the offer form, not a button
    }
    return render(
        request,
        "assistance/request_detail.html",
        context,
        status=400 if propose is not None and propose.errors else 200,
    )


@login_required
def request_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None

    def save(header: dict[str, Any], lines: list[services.LineInput]) -> tuple[str, str]:
        created = services.request_create(
            actor=request.user,
            title=header["title"],
            description=header["description"],
            incident=header["incident"],
            priority=header["priority"],
            needed_by=header["needed_by"],
            delivery_site=header["delivery_site"],
            contact=header["contact"],
            releasability=header["releasability"],
            release_to=[n.code for n in header["release_to"] or ()],
            lines=lines,
        )
        if header["submit_now"]:
            created = services.request_submit(actor=request.user, request=created)
            return _request_url(created.pk), _("Request submitted.")
        return _request_url(created.pk), _("Request saved as a draft.")

    return _create(
        request,
        kind="request",
        form=forms.RequestForm(data),
        lines=forms.line_formset("request", data=data),
        save=save,
        template="assistance/request_form.html",
        context={},
    )


@login_required
@require_POST
def request_action(request: AuthenticatedHttpRequest, request_id: int, action: str) -> HttpResponse:
    viewer = viewer_for(request.user)
    record = get_visible_or_404(selectors.requests_visible_to(viewer), viewer, pk=request_id)
    reason = request.POST.get("reason", "")[:500]
    acts = {
        "submit": (lambda: services.request_submit(actor=request.user, request=record), _("Request submitted.")),
        "withdraw": (
            lambda: services.request_withdraw(actor=request.user, request=record, reason=reason),
            _("Request withdrawn."),
        ),
    }
    if action not in acts:
        raise Http404
    try:
        acts[action][0]()
        messages.success(request, acts[action][1])
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect(_request_url(record.pk))


# --- offers --------------------------------------------------------------------------------------------------


@login_required
def offer_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if file := _list_file(request, "offers"):
        return file
    viewer = viewer_for(request.user)
    form = forms.OfferFilterForm(request.GET or None)
    filters = filters_of(form)
    filters["search"] = filters.pop("q", None)
    page = page_of(request, selectors.listed(selectors.offers_visible_to(viewer, **filters)))
    cells = _list_rows(page, Offer, "exchange:offer", "terms", "status")
    a_request = _("a request")
    for record in page.object_list:
        shown = record.reply_shown  # type: ignore[attr-defined]  # selectors.reply_reference
        reply = format_html("{} #{}", a_request, shown) if shown else "—"
        record.row = _row(
            OFFER_ROW,
            url=record.url,
            title=record.title,
            owner=record.owner_label,
            terms_label=record.terms_label,
            reply=reply,
            status=record.status,
            status_label=record.status_label,
            made=cells.date(record.created_at),
        )
    return _list_page(request, "assistance/offer_list.html", page, form)


@login_required
def offer_detail(request: AuthenticatedHttpRequest, offer_id: int) -> HttpResponse:
    viewer = viewer_for(request.user)
    record = get_visible_or_404(selectors.offers_visible_to(viewer), viewer, pk=offer_id)
    in_reply_to = None
    shown = record.reply_shown  # type: ignore[attr-defined]  # only if the viewer may see it (selectors.reply_reference)
    if shown:
        in_reply_to = selectors.requests_visible_to(viewer).filter(pk=shown).first()
    context = {
        "record": record,
        "in_reply_to": in_reply_to,
        "lines": selectors.offer_lines(record),
        "allocations": _with_actions(selectors.allocations_visible_to(viewer, offer=record.pk), request.user),
        "timeline": _timeline(record, viewer),
        "buttons": OFFER.buttons(request.user, record, lambda name: _action_url("offer", record.pk, name)),
    }
    return render(request, "assistance/offer_detail.html", context)


def _reply_lines(reply_to: AssistanceRequest) -> list[dict[str, Any]]:
    """The lines of an offer in reply, prefilled with what the request still needs."""
    rows = []
    for line in selectors.request_lines(reply_to):
        what = f"item:{line.item.code}" if line.item else f"capability:{getattr(line.capability, 'code', '')}"
        left = line.quantity - line.allocated  # type: ignore[attr-defined]  # annotated by the selector
        rows.append({"what": what, "quantity": max(left, 0) or line.quantity})
    return rows


@login_required
def offer_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    data = request.POST if request.method == "POST" else None
    reply_to = None
    initial_lines = None
    header_initial: dict[str, Any] = {}
    raw = request.GET.get("in_reply_to", "") if data is None else data.get("in_reply_to", "")
    if data is None and raw:
        if not raw.isdigit():
            raise Http404
        reply_to = get_visible_or_404(selectors.requests_visible_to(viewer), viewer, pk=int(raw))
        initial_lines = _reply_lines(reply_to)
        # released no more widely than the request it answers (the service refuses wider)
        releasability, named = derived_releasability(reply_to)
        header_initial = {
            "title": _("Offer for: %(title)s") % {"title": reply_to.title},
            "releasability": releasability,
            "release_to": named,
        }
    elif raw:
        reply_to = selectors.requests_visible_to(viewer).filter(pk=int(raw)).first() if raw.isdigit() else None

    def save(header: dict[str, Any], lines: list[services.LineInput]) -> tuple[str, str]:
        if raw and reply_to is None:
            raise BusinessError(_("The request this offer replies to was not found."), field="in_reply_to")
        created = services.offer_create(
            actor=request.user,
            title=header["title"],
            description=header["description"],
            in_reply_to=reply_to,
            terms=header["terms"],
            price_minor=header["price_minor"],
            currency=header["currency"],
            transport_included=header["transport_included"],
            releasability=header["releasability"],
            release_to=[n.code for n in header["release_to"] or ()],
            lines=lines,
        )
        if header["publish_now"]:
            created = services.offer_publish(actor=request.user, offer=created)
            return _offer_url(created.pk), _("Offer published.")
        return _offer_url(created.pk), _("Offer saved as a draft.")

    return _create(
        request,
        kind="offer",
        form=forms.OfferForm(data, initial=header_initial),
        lines=forms.line_formset("offer", data=data, initial=initial_lines, origin=selectors.home_site_code(viewer)),
        save=save,
        template="assistance/offer_form.html",
        context={"reply_to": reply_to},
    )


@login_required
@require_POST
def offer_action(request: AuthenticatedHttpRequest, offer_id: int, action: str) -> HttpResponse:
    viewer = viewer_for(request.user)
    record = get_visible_or_404(selectors.offers_visible_to(viewer), viewer, pk=offer_id)
    reason = request.POST.get("reason", "")[:500]
    acts = {
        "publish": (lambda: services.offer_publish(actor=request.user, offer=record), _("Offer published.")),
        "withdraw": (
            lambda: services.offer_withdraw(actor=request.user, offer=record, reason=reason),
            _("Offer withdrawn."),
        ),
        "propose_to_requester": (
            lambda: services.offer_propose_to_requester(actor=request.user, offer=record),
            _("Proposed to the requesting nation, who accepts or declines."),
        ),
    }
    if action not in acts:
        raise Http404
    try:
        acts[action][0]()
        messages.success(request, acts[action][1])
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect(_offer_url(record.pk))


# --- allocations -----------------------------------------------------------------------------------------


@login_required
def allocation_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if file := _list_file(request, "allocations"):
        return file
    viewer = viewer_for(request.user)
    form = forms.AllocationFilterForm(request.GET or None)
    page = page_of(request, _listed(selectors.allocations_visible_to(viewer, **filters_of(form))))
    _allocation_rows(page)
    return render(
        request, "assistance/allocation_list.html", {"page": page, "form": form, "query": query_without_page(request)}
    )


def _listed(allocations: QuerySet[Allocation]) -> QuerySet[Allocation]:
    """Allocations for the list page: the lines and records joined, their items, capabilities and organisations
    fetched apart. Joining those too (as the selector does) took PostgreSQL 20-45 ms to plan, for 0.5 ms of
    work; a record's nation needs no row at all (its name comes from its code)."""
    return (
        allocations.select_related(None)
        .select_related("offer_line__offer", "request_line__request")
        .prefetch_related(
            "offer_line__item",
            "offer_line__capability",
            "offer_line__offer__owner_organisation",
            "request_line__request__owner_organisation",
        )
    )


def _allocation_rows(page: Any) -> None:
    """As _list_rows, for allocations: links to both records, what is given, both owners, status and date."""
    cells = _Cells()
    statuses = _labels(Allocation, "status")
    request_url = reverse("exchange:request", args=[0]).removesuffix("0/")
    offer_url = reverse("exchange:offer", args=[0]).removesuffix("0/")
    allocation_url = reverse("exchange:allocation", args=[0]).removesuffix("0/")
    page.object_list = list(page.object_list)
    for allocation in page.object_list:
        record, offer = allocation.request_line.request, allocation.offer_line.offer
        allocation.request_url, allocation.offer_url = f"{request_url}{record.pk}/", f"{offer_url}{offer.pk}/"
        allocation.url = f"{allocation_url}{allocation.pk}/"
        allocation.what_label = str(allocation.offer_line.what)
        allocation.from_label, allocation.to_label = cells.owner(offer), cells.owner(record)
        allocation.status_label = statuses.get(allocation.status, allocation.status)
        allocation.proposed_text = cells.date(allocation.proposed_at)


@login_required
def allocation_detail(request: AuthenticatedHttpRequest, allocation_id: int) -> HttpResponse:
    """One allocation: what goes from whom to whom, its state, its history, and what the user may do now."""
    viewer = viewer_for(request.user)
    allocation = get_object_or_404(selectors.allocations_visible_to(viewer), pk=allocation_id)
    context = {
        "allocation": allocation,
        "allocations": _with_actions([allocation], request.user),
        "timeline": _described(selectors.allocation_timeline(allocation)),
        "request_path": request.path,
    }
    return render(request, "assistance/allocation_detail.html", context)


@login_required
@require_POST
def allocation_action(request: AuthenticatedHttpRequest, allocation_id: int, action: str) -> HttpResponse:
    viewer = viewer_for(request.user)
    allocation = get_object_or_404(selectors.allocations_visible_to(viewer), pk=allocation_id)
    back = _back(request, _request_url(allocation.request_line.request_id))
    user = request.user
    try:
        if action == "accept":
            services.allocation_accept(actor=user, allocation=allocation)
            done = _("Allocation accepted.")
        elif action == "decline":
            services.allocation_decline(actor=user, allocation=allocation, reason=request.POST.get("reason", ""))
            done = _("Allocation declined.")
        elif action == "ship":
            services.allocation_ship(actor=user, allocation=allocation)
            done = _("Allocation marked shipped.")
        elif action == "deliver":
            form = forms.DeliverForm(request.POST)
            if not form.is_valid():
                name, errors = next(iter(form.errors.items()))
                raise BusinessError(f"{form.fields[name].label}: {errors[0]}", field=name)
            services.allocation_deliver(
                actor=user,
                allocation=allocation,
                received_quantity=form.cleaned_data["received_quantity"],
                discrepancy=form.cleaned_data["discrepancy"],
            )
            done = _("Delivery confirmed.")
        elif action == "cancel":
            services.allocation_cancel(actor=user, allocation=allocation, reason=request.POST.get("reason", ""))
            done = _("Allocation cancelled.")
        else:
            raise Http404
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done)
    return redirect(back)


# --- inbox ---------------------------------------------------------------------------------------------------


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    # The inbox is about one's own nation or organisation; without one there is nothing of one's own.
    work = selectors.inbox(request.user) if viewer.nation or viewer.organisation else None
    context = {
        "work": work,
        "awaiting": _with_actions(work.awaiting_decision, request.user) if work else [],
        "to_ship": _with_actions(work.to_ship, request.user) if work else [],
        "to_receive": _with_actions(work.to_receive, request.user) if work else [],
        "changes": [_labelled(entry) for entry in work.changes] if work else [],
        "notifications": notifications_of(request.user, unread_only=True)[:20],
    }
    return render(request, "assistance/inbox.html", context)
