"""Form fields shared by the apps' pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aidx.core import formatting


class AmountField(forms.CharField):
    """Money typed as a person writes it in their language ('1 234,50' in nb, '1,234.50' in en), cleaned to a
    Decimal; `minor_units()` turns it into the integer minor units the services store, by the currency's digits."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {"negative": gettext_lazy("The amount cannot be negative.")}

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            amount = formatting.parse_decimal(text)
        except ValueError:
            raise forms.ValidationError(
                _("Enter an amount such as %(example)s.") % {"example": formatting.money_input(125050, "EUR")},
                code="invalid",
            ) from None
        if amount < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        return amount


def minor_units(form: forms.Form, amount_field: str, currency: str) -> int | None:
    """The cleaned amount of `amount_field` in minor units of `currency` (None if blank); adds a form error and
    returns None when the amount has more decimals than the currency (1.5 JPY)."""
    amount = form.cleaned_data.get(amount_field)
    if amount is None:
        return None
    try:
        return formatting.to_minor(amount, currency)
    except ValueError:
        form.add_error(amount_field, _("Too many decimals for %(currency)s.") % {"currency": currency})
        return None
