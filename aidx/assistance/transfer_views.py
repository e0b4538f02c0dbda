"""Pages for importing request and offer lines from a file, and downloads of the exchange's lists.

Import: upload (header form + file) -> preview (every bad row, or a summary and a Create button) -> apply.
The views only parse input; `transfer` checks and `services` writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from aidx.accounts.models import Role
from aidx.assistance import selectors, transfer
from aidx.assistance.models import PRIORITIES, AssistanceRequest, Offer
from aidx.core import exports
from aidx.core.errors import BusinessError
from aidx.nations.models import Nation, Site
from aidx.nations.policy import Releasability, viewer_for

# --- forms -----------------------------------------------------------------------------------------------


class _NationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Nation) -> str:
        return f"{obj.name} ({obj.code})"


class _Releasable(forms.Form):
    releasability = forms.ChoiceField(
        label=gettext_lazy("Releasable to"), choices=Releasability.choices, initial=Releasability.ALLIES_AND_PARTNERS
    )
    release_to = _NationChoiceField(
        label=gettext_lazy("Named nations"),
        queryset=Nation.objects.all(),
        required=False,
        help_text=gettext_lazy("Only for bilateral releasability."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class RequestHeaderForm(_Releasable):
    field_order = ["title", "needed_by", "delivery_site", "priority", "releasability", "release_to"]
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    needed_by = forms.DateField(label=gettext_lazy("Needed by"), widget=forms.DateInput(attrs={"type": "date"}))
    delivery_site = forms.ModelChoiceField(
        label=gettext_lazy("Delivery site"), queryset=Site.objects.order_by("nation_id", "name"), to_field_name="code"
    )
    priority = forms.TypedChoiceField(label=gettext_lazy("Priority"), choices=PRIORITIES, coerce=int, initial=2)

    def clean_needed_by(self) -> Any:
        value = self.cleaned_data["needed_by"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The needed-by date is in the past."))
        return value

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "needed_by": data["needed_by"],
            "delivery_site": data["delivery_site"],
            "priority": data["priority"],
            "releasability": data["releasability"],
            "release_to": [nation.code for nation in data["release_to"]],
        }


class OfferHeaderForm(_Releasable):
    field_order = ["title", "terms", "price_minor", "currency", "releasability", "release_to"]
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    terms = forms.ChoiceField(label=gettext_lazy("Terms"), choices=Offer.Terms.choices, initial=Offer.Terms.DONATION)
    price_minor = forms.IntegerField(
        label=gettext_lazy("Price (minor units)"),
        min_value=0,
        required=False,
        help_text=gettext_lazy("Only for a sale: the price in cents, øre…"),
    )
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3, required=False)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "terms": data["terms"],
            "price_minor": data["price_minor"],
            "currency": data["currency"],
            "releasability": data["releasability"],
            "release_to": [nation.code for nation in data["release_to"]],
        }


def _file_field() -> forms.FileField:
    return forms.FileField(
        label=gettext_lazy("File of lines (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class RequestImportForm(RequestHeaderForm):
    file = _file_field()


class OfferImportForm(OfferHeaderForm):
    file = _file_field()


HEADER_FORMS: dict[str, type[RequestHeaderForm | OfferHeaderForm]] = {
    "request": RequestHeaderForm,
    "offer": OfferHeaderForm,
}
IMPORT_FORMS: dict[str, type[forms.Form]] = {"request": RequestImportForm, "offer": OfferImportForm}
HEADINGS = {
    "request": gettext_lazy("Import a request from a file"),
    "offer": gettext_lazy("Import an offer from a file"),
}


# --- import ----------------------------------------------------------------------------------------------


def _may_import(user: Any) -> None:
    # The service decides in the end; this spares someone who may not create a record an upload for nothing.
    if not user.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR):
        raise PermissionDenied


def _header_data(form: forms.Form) -> dict[str, list[str]]:
    """The header fields as posted, to bind the form again when the preview is applied."""
    data = form.data
    assert isinstance(data, MultiValueDict)  # bound to request.POST
    return {name: data.getlist(name) for name in form.fields if name != "file" and name in data}


def _header_summary(form: forms.Form) -> list[tuple[str, str]]:
    """(label, value) of the header fields given, for the preview."""
    shown = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name == "release_to":
            value = ", ".join(nation.code for nation in value or [])
        if name == "file" or value in (None, ""):
            continue
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            # Django keeps a choice field's choices as (value, label) pairs; the stubs type the getter as the
            # setter's wider input.
            value = dict(cast(Iterable[tuple[Any, Any]], field.choices)).get(value, value)
        shown.append((str(field.label), str(value)))
    return shown


def _form_page(
    request: HttpRequest, kind: str, form: forms.Form, preview: transfer.Preview | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "assistance/import_form.html",
        {
            "form": form,
            "kind": kind,
            "heading": HEADINGS[kind],
            "preview": preview,
            "max_lines": transfer.services.MAX_LINES,
            "max_mb": transfer.max_upload_bytes() // (1024 * 1024),
        },
        status=status,
    )


@login_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    _may_import(request.user)
    form_class = IMPORT_FORMS[kind]
    if request.method != "POST":
        return _form_page(request, kind, form_class(), None)
    form = form_class(request.POST, request.FILES)
    header_valid = form.is_valid()
    transfer.forget_preview(request.session)
    preview, status = None, 400
    upload = request.FILES.get("file")
    if upload is not None:
        try:
            preview = transfer.preview_upload(upload, kind)
        except BusinessError as error:
            form.add_error("file", str(error.message))
            status = error.status
    if not header_valid or preview is None or not preview.ok:
        return _form_page(request, kind, form, preview, status)
    token = transfer.store_preview(request.session, preview, _header_data(form))
    return render(
        request,
        "assistance/import_preview.html",
        {"kind": kind, "heading": HEADINGS[kind], "preview": preview, "token": token, "header": _header_summary(form)},
    )


@login_required
@require_POST
def import_apply(request: HttpRequest, kind: str) -> HttpResponse:
    _may_import(request.user)
    stored = transfer.stored_preview(request.session, kind, request.POST.get("preview", ""))
    if stored is None:
        messages.error(request, _("This preview is no longer available: upload the file again."))
        return redirect("transfer:import", kind=kind)
    transfer.forget_preview(request.session)  # one preview, one record: a second click creates nothing
    header = HEADER_FORMS[kind](MultiValueDict(stored["header"]))
    preview = transfer.recheck(stored)
    if header.is_valid() and preview.ok:
        try:
            created = transfer.apply(preview, actor=request.user, header=header.service_arguments())
        except BusinessError as error:
            where = error.field[4:] if error.field and error.field.startswith("row.") else None
            problem = str(error.message)
            preview.problems.append(
                _("Row %(row)s: %(problem)s") % {"row": where, "problem": problem} if where else problem
            )
        else:
            count = len(preview.lines)
            messages.success(
                request,
                ngettext(
                    "Created with %(n)s line. It is a draft until you submit it.",
                    "Created with %(n)s lines. It is a draft until you submit it.",
                    count,
                )
                % {"n": count},
            )
            return redirect("transfer:import_done", kind=kind, pk=created.pk)
    preview.problems.insert(0, _("Nothing was created."))
    form = IMPORT_FORMS[kind](MultiValueDict(stored["header"]))
    form.is_valid()
    return _form_page(request, kind, form, preview, 400)


@login_required
def import_done(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    viewer = viewer_for(request.user)
    record: AssistanceRequest | Offer
    if kind == "request":
        record = get_object_or_404(selectors.requests_visible_to(viewer), pk=pk)
    else:
        record = get_object_or_404(selectors.offers_visible_to(viewer), pk=pk)
    return render(
        request, "assistance/import_done.html", {"kind": kind, "record": record, "lines": record.lines.count()}
    )


@login_required
def import_template(request: HttpRequest, kind: str, fmt: str) -> StreamingHttpResponse | FileResponse:
    """An empty file with the import's columns, to fill in."""
    return exports.response(
        fmt, transfer.TEMPLATE_COLUMNS[kind], [], stem=f"{kind}-lines", hxl=request.GET.get("hxl") == "1"
    )


# --- export ----------------------------------------------------------------------------------------------


@login_required
def export(request: HttpRequest, kind: str, fmt: str) -> StreamingHttpResponse | FileResponse:
    """A list as CSV or XLSX: only what the user may see, filtered as on the list page (?status=…&nation=…)."""
    rows = transfer.export_rows(kind, viewer_for(request.user), request.GET)
    return exports.response(fmt, transfer.EXPORT_COLUMNS[kind], rows, stem=kind, hxl=request.GET.get("hxl") == "1")
