"""No page takes unbounded work from a small POST: every formset is bounded, every integer field has a range."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django import forms

import aidx
from aidx.core.forms import BoundedFormSet


def _form_modules():
    for app in pkgutil.iter_modules(aidx.__path__):
        try:
            yield importlib.import_module(f"aidx.{app.name}.forms")
        except ModuleNotFoundError:
            continue


def _classes(base):
    return [
        (f"{module.__name__}.{name}", value)
        for module in _form_modules()
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, base) and value.__module__ == module.__name__
    ]


FORMS = _classes(forms.BaseForm)
FORMSETS = [
    (f"{module.__name__}.{name}", value)
    for module in _form_modules()
    for name, value in vars(module).items()
    if inspect.isclass(value) and issubclass(value, forms.BaseFormSet) and value is not BoundedFormSet
]


def test_it_finds_the_forms_and_formsets():
    assert len(FORMS) > 20
    assert {"aidx.fund.forms.OrderLineFormSet", "aidx.logistics.forms.LoadFormSet"} <= {name for name, _ in FORMSETS}


@pytest.mark.parametrize(("name", "form"), FORMS, ids=[name for name, _ in FORMS])
def test_every_integer_field_of_a_form_has_a_range(name, form):
    def bounded(field: forms.IntegerField) -> bool:
        if isinstance(field, forms.DecimalField):  # a subclass of IntegerField, bounded by its digits
            return field.max_digits is not None or field.max_value is not None
        return field.max_value is not None and field.min_value is not None

    unbounded = [
        field_name
        for field_name, field in form.base_fields.items()
        if isinstance(field, forms.IntegerField) and not bounded(field)
    ]
    assert unbounded == []


@pytest.mark.parametrize(("name", "formset"), FORMSETS, ids=[name for name, _ in FORMSETS])
def test_every_formset_refuses_more_forms_than_it_holds(name, formset):
    assert issubclass(formset, BoundedFormSet)
    assert formset.absolute_max == formset.max_num and formset.validate_max


def test_the_request_and_offer_line_formsets_are_bounded(db):
    from aidx.assistance.forms import MAX_FORM_LINES, line_formset

    for kind in ("request", "offer"):
        lines = line_formset(kind)
        assert isinstance(lines, BoundedFormSet) and lines.absolute_max == lines.max_num == MAX_FORM_LINES


@pytest.mark.parametrize("path", ["/exchange/requests/new/", "/exchange/offers/new/"])
def test_a_claim_of_100000_lines_builds_no_line_form(client, world, path):
    """A 300-byte POST with lines-TOTAL_FORMS=100000 built 10,000 line forms: 20 s and a 28 MB page."""
    client.force_login(world.ally_a)
    answer = client.post(
        path,
        {"title": "Many lines", "lines-TOTAL_FORMS": "100000", "lines-INITIAL_FORMS": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = answer.content.decode()
    assert answer.status_code == 400 and "Please submit at most 100 forms." in page
    assert answer.context["lines"].forms == [] and len(page) < 200_000
    assert "lines-0-quantity" not in page


def test_a_form_with_more_fields_than_django_reads_is_refused_with_a_translated_page(client, world):
    client.force_login(world.ally_a)
    data = {f"lines-{n}-notes": "x" for n in range(1_100)}
    answer = client.post("/exchange/requests/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400 and "The form sends too many fields." in answer.content.decode()
