"""Form fields shared by the apps' pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms.formsets import TOTAL_FORM_COUNT
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aidx.core import formatting
from aidx.core.bounds import MAX_INT32, MAX_MINOR_UNITS


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
        minor = formatting.to_minor(amount, currency)
    except ValueError:
        form.add_error(amount_field, _("Too many decimals for %(currency)s.") % {"currency": currency})
        return None
    if abs(minor) > MAX_MINOR_UNITS:  # past what the 64-bit money columns and their sums hold
        form.add_error(amount_field, _("The amount is too large."))
        return None
    return minor


class BoundedFormSet(forms.BaseFormSet):
    """A formset that builds no form when the browser claims more than `absolute_max` of them.

    Django builds min(TOTAL_FORMS, absolute_max) forms before it refuses the excess, and the page shows them all
    again: a 300-byte POST with lines-TOTAL_FORMS=100000 built and drew 10,000 line forms (20 s, a 28 MB page).
    Here a claim over the bound builds none; the formset is invalid with Django's own translated "Please submit at
    most … forms.", which the page shows above its (now empty) rows.
    """

    def total_form_count(self) -> int:
        claimed: int = self.management_form.cleaned_data.get(TOTAL_FORM_COUNT) or 0 if self.is_bound else 0
        bound: int | None = self.absolute_max
        if bound is not None and claimed > bound:
            return 0
        return super().total_form_count()


def bounded_formset(form: type[forms.Form], *, max_forms: int, extra: int = 0) -> type[forms.BaseFormSet]:
    """A formset class of `form` holding at most `max_forms` forms, refusing more (see BoundedFormSet)."""
    return forms.formset_factory(
        form, formset=BoundedFormSet, extra=extra, max_num=max_forms, absolute_max=max_forms, validate_max=True
    )


class BoundedIntegerField(forms.IntegerField):
    """An integer field that accepts only what a 32-bit column holds unless told a smaller `max_value`: with no
    bound, 10**20 reached the service and PostgreSQL answered "integer out of range" (a 500)."""

    def __init__(self, *, max_value: int = MAX_INT32, min_value: int | None = -MAX_INT32 - 1, **kwargs: Any) -> None:
        super().__init__(max_value=max_value, min_value=min_value, **kwargs)


def show_problems(form: forms.Form, error: Any) -> None:
    """Put each problem of a service's `BusinessError` on the form: at its field when the form has that field,
    else above the form. Every problem shows, not only the first (see `aidx.core.errors.Problems`), also several
    about one field; a field the form itself found wrong keeps the form's word (the service saw it blank)."""
    judged = set(form.errors)
    for problem in error.problems:
        field = problem.field if problem.field in form.fields else None
        if field is None or field not in judged:
            form.add_error(field, str(problem.message))
