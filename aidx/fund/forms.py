from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aidx.catalogue.models import Item
from aidx.core.forms import BoundedIntegerField, bounded_formset
from aidx.nations.models import Nation, Site

_DATE = forms.DateInput(attrs={"type": "date"})


class PledgeForm(forms.Form):
    nation = forms.ModelChoiceField(label=_("Nation"), queryset=Nation.objects.all())
    amount = forms.CharField(label=_("Amount"), max_length=30, help_text=_("In the currency, e.g. 250000.00"))
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    pledged_on = forms.DateField(label=_("Pledged on"), widget=_DATE)
    earmark = forms.CharField(label=_("Earmark"), max_length=200, required=False)


class ContributionForm(forms.Form):
    amount = forms.CharField(label=_("Amount received"), max_length=30)
    received_on = forms.DateField(label=_("Received on"), widget=_DATE)


class RateForm(forms.Form):
    currency = forms.CharField(label=_("Currency"), max_length=3)
    on = forms.DateField(label=_("Date"), widget=_DATE)
    eur_per_unit = forms.DecimalField(label=_("EUR per unit"), max_digits=20, decimal_places=10, min_value=0)


class TransportForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=300)
    amount = forms.CharField(label=_("Amount"), max_length=30)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    paid_on = forms.DateField(label=_("Paid on"), widget=_DATE)
    recipient = forms.ModelChoiceField(label=_("Recipient"), queryset=Nation.objects.all(), required=False)


class OrderForm(forms.Form):
    supplier = forms.CharField(label=_("Supplier"), max_length=200)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    warehouse = forms.ModelChoiceField(
        label=_("Deliver to"), queryset=Site.objects.filter(kind=Site.Kind.WAREHOUSE), to_field_name="code"
    )
    recipient = forms.ModelChoiceField(label=_("Intended recipient"), queryset=Nation.objects.all(), required=False)
    ordered_on = forms.DateField(label=_("Ordered on"), widget=_DATE)


class OrderLineForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.all(), to_field_name="code", required=False)
    quantity = BoundedIntegerField(label=_("Quantity"), min_value=1, required=False)
    unit_price = forms.CharField(label=_("Unit price"), max_length=30, required=False)


OrderLineFormSet = bounded_formset(OrderLineForm, max_forms=20, extra=3)
