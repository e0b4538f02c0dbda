"""Forms of the exchange's web pages. They parse input only: every rule of the domain is the services' job."""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aidx.assistance.models import PRIORITIES, Allocation, AssistanceRequest, Offer
from aidx.assistance.services import LineInput
from aidx.catalogue.models import CapabilityType, Item
from aidx.core.forms import AmountField, BoundedIntegerField, bounded_formset, minor_units
from aidx.documents.forms import NationChoiceField
from aidx.nations import selectors as registry
from aidx.nations.models import Nation
from aidx.nations.policy import Releasability

DATE = {"type": "date"}
ALL = ("", _("all"))


# Nation names come from pycountry (a lookup and a gettext each); they depend only on code and language.
_NATION_LABELS: dict[tuple[str, str], str] = {}


def _nation_label(code: str) -> str:
    key = (get_language() or "", code)
    if key not in _NATION_LABELS:
        _NATION_LABELS[key] = f"{Nation(code=code).name} ({code})"
    return _NATION_LABELS[key]


def nation_choices() -> list[tuple[str, Any]]:
    return [ALL, *((code, _nation_label(code)) for code in Nation.objects.values_list("code", flat=True))]


def catalogue_choices(*, prefixed: bool, empty: Any = ALL) -> list[Any]:
    """Items and capability types as grouped options; `prefixed` values say which of the two a code is."""
    # In the order of catalogue.items() and catalogue.capability_types(), without their prefetches: names only.
    items = [
        (f"item:{i.code}" if prefixed else i.code, f"{i.name} ({i.code})")
        for i in Item.objects.order_by("category", "code")
    ]
    capabilities = [
        (f"capability:{c.code}" if prefixed else c.code, f"{c.name} ({c.code})")
        for c in CapabilityType.objects.order_by("kind", "code")
    ]
    return [empty, (_("Items"), items), (_("Capabilities"), capabilities)]


def site_choices(empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((s.code, f"{s.name} · {s.nation_id}") for s in registry.sites())]


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    """Fill a choice field's options when the form is made (they come from the database)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class FastSelect(forms.Select):
    """A <select> with the markup of Django's, written in Python rather than one template render per option:
    the list filters' selects (nations, items, statuses) were most of a list page's rendering time. Options are
    written straight from `choices` (Django's per-option context dicts cost as much as the templates did)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        chosen = set(self.format_value(value))
        found = False  # as Django's Select: only the first option with the value is selected

        def option(option_value: Any, label: Any) -> str:
            nonlocal found
            option_value = "" if option_value is None else option_value
            selected = not found and str(option_value) in chosen
            found = found or selected
            selected_attribute = " selected" if selected else ""
            return f'\n  <option value="{escape_text(option_value)}"{selected_attribute}>{escape_text(label)}</option>'

        parts = []
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                options = "".join(option(value_, label_) for value_, label_ in label)
                parts.append(f'\n  <optgroup label="{escape_text(option_value)}">{options}\n  </optgroup>')
            else:
                parts.append(option(option_value, label))
        attributes = self.build_attrs(self.attrs, attrs)
        # Safe: every value and label is escaped above, and flatatt escapes the attributes.
        return mark_safe(f'<select name="{escape_text(name)}"{flatatt(attributes)}>{"".join(parts)}\n</select>')  # noqa: S308


def escape_text(text: Any) -> str:
    """django.utils.html.conditional_escape() without the keep_lazy wrapper of escape(), which costs more than the
    escaping (0.66 against 3.3 µs a value, measured); same result for str, safe strings and lazy strings."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


# --- list filters ------------------------------------------------------------------------------------
# A bad value is shown as an error next to its filter and left out of the query (see views.filters_of).


class FilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"})
    )
    nation = forms.ChoiceField(label=_("Nation"), required=False, widget=FastSelect)
    item = forms.ChoiceField(label=_("Item or capability"), required=False, widget=FastSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "nation", nation_choices())
        _set_choices(self, "item", catalogue_choices(prefixed=False))


class RequestFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[ALL, *AssistanceRequest.Status.choices], widget=FastSelect
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), required=False, coerce=int, empty_value=None, choices=[ALL, *PRIORITIES], widget=FastSelect
    )
    needed_from = forms.DateField(label=_("Needed from"), required=False, widget=forms.DateInput(DATE))
    needed_until = forms.DateField(label=_("Needed until"), required=False, widget=forms.DateInput(DATE))
    incident = forms.CharField(label=_("Incident"), required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("needed_from") and data.get("needed_until") and data["needed_from"] > data["needed_until"]:
            self.add_error("needed_until", _("This is before the from date."))
        return data


class OfferFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[ALL, *Offer.Status.choices], widget=FastSelect
    )


class AllocationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[ALL, *Allocation.Status.choices], widget=FastSelect
    )


# --- creating requests and offers -------------------------------------------------------------------


class ReleasabilityFields(forms.Form):
    releasability = forms.ChoiceField(
        label=_("Releasable to"), choices=Releasability.choices, initial=Releasability.ALLIES_AND_PARTNERS
    )
    release_to = NationChoiceField(
        label=_("Named nations"),
        queryset=Nation.objects.all(),
        required=False,
        to_field_name="code",
        help_text=_("Only for bilateral releasability."),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )


class RequestForm(ReleasabilityFields):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    incident = forms.CharField(label=_("Incident"), required=False, max_length=100)
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, choices=PRIORITIES, initial=2)
    needed_by = forms.DateField(label=_("Needed by"), widget=forms.DateInput(DATE))
    delivery_site = forms.ChoiceField(label=_("Delivery site"))
    contact = forms.CharField(label=_("Contact"), required=False, max_length=200)
    submit_now = forms.BooleanField(
        label=_("Submit now"),
        required=False,
        initial=True,
        help_text=_("Otherwise it is saved as a draft and not circulated."),
    )
    field_order = [
        "title",
        "description",
        "incident",
        "priority",
        "needed_by",
        "delivery_site",
        "contact",
        "releasability",
        "release_to",
        "submit_now",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "delivery_site", site_choices("—"))


class OfferForm(ReleasabilityFields):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    terms = forms.ChoiceField(label=_("Terms"), choices=Offer.Terms.choices, initial=Offer.Terms.DONATION)
    # Named price_minor because it cleans to minor units (the service's errors name that field); typed as a decimal.
    price_minor = AmountField(
        label=_("Price"), required=False, help_text=_("Only for a sale: the amount in the currency below.")
    )
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)
    transport_included = forms.BooleanField(label=_("Transport included"), required=False)
    publish_now = forms.BooleanField(
        label=_("Publish now"),
        required=False,
        initial=True,
        help_text=_("Otherwise it is saved as a draft and cannot be allocated."),
    )
    field_order = [
        "title",
        "description",
        "terms",
        "price_minor",
        "currency",
        "transport_included",
        "releasability",
        "release_to",
        "publish_now",
    ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["price_minor"] = minor_units(self, "price_minor", (data.get("currency") or "").strip().upper())
        return data


class LineForm(forms.Form):
    """One line; a line left wholly blank is skipped, so the page can offer spare rows."""

    what = forms.ChoiceField(label=_("Item or capability"), required=False)
    quantity = BoundedIntegerField(
        label=_("Quantity"), required=False, widget=forms.NumberInput(attrs={"min": 1, "step": 1})
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)

    def __init__(self, *args: Any, what_choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "what", what_choices)

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("what") and data.get("quantity") is None and not data.get("notes")

    def line_input(self, number: int | None = None) -> LineInput:
        """The line as typed, `number` its row on the page; a missing item or quantity is the service's to report,
        with every other problem."""
        data = self.cleaned_data
        kind, _sep, code = (data["what"] or "").partition(":")
        return LineInput(
            number=number,
            quantity=data["quantity"],
            notes=data["notes"],
            item=code if kind == "item" else None,
            capability=code if kind == "capability" else None,
            **self.extra_input(),
        )

    def extra_input(self) -> dict[str, Any]:
        return {}


class RequestLineForm(LineForm):
    substitutes_ok = forms.BooleanField(label=_("Substitutes acceptable"), required=False, initial=True)

    def extra_input(self) -> dict[str, Any]:
        return {"substitutes_ok": self.cleaned_data["substitutes_ok"]}


class OfferLineForm(LineForm):
    available_from = forms.DateField(label=_("Available from"), required=False, widget=forms.DateInput(DATE))
    available_until = forms.DateField(label=_("Available until"), required=False, widget=forms.DateInput(DATE))
    origin_site = forms.ChoiceField(label=_("Origin"), required=False)

    def __init__(self, *args: Any, site_choices: list[Any], origin: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "origin_site", site_choices)
        self.fields["available_from"].initial = timezone.localdate
        if origin:  # the nation's home airfield: where the matching and the airlift assume goods leave from
            self.fields["origin_site"].initial = origin

    @property
    def is_blank(self) -> bool:  # the date and the origin the form fills in by itself do not make a line
        origin = getattr(self, "cleaned_data", {}).get("origin_site")
        return super().is_blank and origin in (None, "", self.fields["origin_site"].initial)

    def extra_input(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "available_from": data["available_from"],
            "available_until": data["available_until"],
            "origin_site": data["origin_site"] or None,
        }


SPARE_LINES = 3
# Lines typed into the page; a longer list comes as a spreadsheet (transfer.py, up to services.MAX_LINES). A hundred
# offer lines are 600 fields, inside DATA_UPLOAD_MAX_NUMBER_FIELDS.
MAX_FORM_LINES = 100


def line_formset(
    kind: str,
    *,
    data: Any = None,
    initial: list[dict[str, Any]] | None = None,
    spare: int = SPARE_LINES,
    origin: str | None = None,
) -> forms.BaseFormSet:
    """The lines of a request (`kind="request"`) or an offer, with `spare` blank rows after `initial`; an offer's
    lines start from `origin` (the nation's home airfield), which each line may change."""
    form = RequestLineForm if kind == "request" else OfferLineForm
    formset_class = bounded_formset(form, max_forms=MAX_FORM_LINES, extra=spare)
    form_kwargs: dict[str, Any] = {"what_choices": catalogue_choices(prefixed=True, empty=("", "—"))}
    if kind == "offer":
        form_kwargs["site_choices"] = site_choices("—")
        form_kwargs["origin"] = origin
    formset = formset_class(data=data, initial=initial, prefix="lines", form_kwargs=form_kwargs)
    formset.origin = origin  # type: ignore[attr-defined]  # kept when the page adds rows
    return formset


# --- acting on a record ------------------------------------------------------------------------------


class ProposeForm(forms.Form):
    pair = forms.ChoiceField(label=_("Offer line → request line"))
    quantity = BoundedIntegerField(label=_("Quantity"), min_value=1)

    def __init__(self, *args: Any, pairs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "pair", pairs)

    def ids(self) -> tuple[int, int]:
        offer_line, request_line = self.cleaned_data["pair"].split(":")
        return int(offer_line), int(request_line)


class DeliverForm(forms.Form):
    received_quantity = BoundedIntegerField(label=_("Received"), required=False, min_value=0)
    discrepancy = forms.CharField(label=_("Discrepancy"), required=False, max_length=500)
