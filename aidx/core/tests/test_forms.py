"""The shared form helpers: a service's problems on the form."""

from __future__ import annotations

from django import forms

from aidx.core.errors import BusinessError, Problems
from aidx.core.forms import show_problems


class _Form(forms.Form):
    name = forms.CharField(required=False)
    when = forms.DateField(required=False)


def _error(*problems: tuple[str, str | None]):
    found = Problems()
    for message, field in problems:
        found.add(message, field)
    try:
        found.raise_any()
    except BusinessError as error:
        return error
    raise AssertionError("no error")


def test_it_shows_every_problem_of_a_field_and_keeps_the_forms_own_word():
    form = _Form({"name": "x", "when": "never"})
    assert not form.is_valid()
    show_problems(
        form,
        _error(
            ("Curve row 3: bad.", "name"),
            ("Curve row 4: unknown nation FRA.", "name"),
            ("Give the day.", "when"),  # the form found it unreadable: its word stays
            ("Nothing else.", "other"),
        ),
    )
    assert form.errors["name"] == ["Curve row 3: bad.", "Curve row 4: unknown nation FRA."]
    assert form.errors["when"] == ["Enter a valid date."]
    assert form.non_field_errors() == ["Nothing else."]
