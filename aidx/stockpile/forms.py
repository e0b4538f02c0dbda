from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aidx.catalogue.models import Item
from aidx.core.forms import AmountField, BoundedIntegerField, minor_units
from aidx.nations.models import Nation, Site
from aidx.stockpile.models import Lot, Movement


def _warehouses() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Site.objects.filter(kind=Site.Kind.WAREHOUSE), to_field_name="code"
    )


class ReceiptForm(forms.Form):
    warehouse = _warehouses()
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.all(), to_field_name="code")
    lot_number = forms.CharField(label=_("Lot number"), max_length=60)
    quantity = BoundedIntegerField(label=_("Quantity"), min_value=1, max_value=2_000_000_000)
    expiry_date = forms.DateField(
        label=_("Expiry date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    donor = forms.ModelChoiceField(label=_("Donor"), queryset=Nation.objects.all(), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Lot.Source.choices)
    # Typed as a decimal in the reader's locale, cleaned to minor units of the currency (the service's field name).
    unit_value_minor = AmountField(label=_("Unit value"), initial="0", required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        currency = (data.get("currency") or "").strip().upper()
        data["unit_value_minor"] = minor_units(self, "unit_value_minor", currency) or 0
        return data


class TransferForm(forms.Form):
    source = _warehouses()
    destination = _warehouses()
    quantity = BoundedIntegerField(label=_("Quantity"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class CountForm(forms.Form):
    warehouse = _warehouses()
    counted = BoundedIntegerField(label=_("Counted quantity"), min_value=0)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class DisposalForm(forms.Form):
    warehouse = _warehouses()
    quantity = BoundedIntegerField(label=_("Quantity"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class LedgerFilter(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("all")), *Movement.Kind.choices], required=False)
    item = forms.CharField(label=_("Item code"), max_length=40, required=False)
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"),
        queryset=Site.objects.filter(kind=Site.Kind.WAREHOUSE),
        to_field_name="code",
        required=False,
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
