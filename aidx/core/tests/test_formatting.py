"""Figures in the reader's locale, from Babel's CLDR data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from aidx.core import formatting
from aidx.core.formatting import currency_digits, money, parse_decimal, to_minor

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "€1,234.50"), ("nb", f"1{NBSP}234,50{NBSP}€"), ("nn", f"1{NBSP}234,50{NBSP}€")],
)
def test_it_writes_money_in_the_readers_locale(language, expected):
    assert money(123450, "EUR", language=language) == expected


def test_it_takes_each_currencys_minor_digits_from_cldr():
    # Digits the old hand-kept table had wrong or lacked would show here; these are ISO 4217's.
    assert [currency_digits(code) for code in ("EUR", "NOK", "JPY", "ISK", "KWD", "CLF")] == [2, 2, 0, 0, 3, 4]
    assert money(1234, "JPY", language="nn") == f"1{NBSP}234{NBSP}JPY"
    assert money(1234567, "KWD", language="en") == "KWD1,234.567"
    assert to_minor(Decimal("12.5"), "EUR") == 1250 and to_minor(Decimal("12"), "JPY") == 12
    with pytest.raises(ValueError):
        to_minor(Decimal("1.5"), "JPY")


@pytest.mark.parametrize(
    ("language", "typed", "value"),
    [
        ("nb", "1 234,50", "1234.50"),
        ("nb", f"1{NBSP}234,5", "1234.5"),
        ("nn", "12.5", "12.5"),
        ("en", "1,234.50", "1234.50"),
        ("en", "1,234", "1234"),
        ("en", "12,5", "12.5"),
        ("en", "1.234.567", "1234567"),
    ],
)
def test_it_reads_a_decimal_as_people_type_it(language, typed, value):
    assert parse_decimal(typed, language=language) == Decimal(value)


@pytest.mark.parametrize("typed", ["", "abc", "1,2,3.4.5", "NaN", "Infinity"])
def test_it_refuses_what_is_not_a_number(typed):
    with pytest.raises(ValueError):
        parse_decimal(typed, language="en")


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("en", "6 Dec 2026", "6 Dec 2026, 20:03"),
        ("nb", "6. des. 2026", "6. des. 2026, 20:03"),
        ("nn", "6. des. 2026", "6. des. 2026, 20:03"),
    ],
)
def test_it_writes_one_date_style_per_language_with_a_24_hour_clock(language, day, moment):
    at = dt.datetime(2026, 12, 6, 20, 3, tzinfo=dt.UTC)
    assert formatting.day(at.date(), language=language) == day
    assert formatting.moment(at, language=language) == moment


def test_the_template_filters_and_djangos_own_formats_agree_in_english():
    at = dt.datetime(2026, 12, 6, 20, 3, tzinfo=dt.UTC)
    template = Template(
        "{% load formatting %}{{ at|moment }}|{{ at|day }}|{{ n|number }}|{{ m|money:'EUR' }}|"
        "{{ q|quantity:'pair' }}|{{ at.date }}|{{ at|time }}"
    )
    with translation.override("en"):
        text = template.render(Context({"at": at, "n": 1234567, "m": 123450, "q": 2000}))
    # {{ at.date }} and |time are Django's own: British (aidx/formats/en), not "Dec. 6, 2026" or "8:03 p.m."
    assert text == "6 Dec 2026, 20:03|6 Dec 2026|1,234,567|€1,234.50|2,000 pairs|6 Dec 2026|20:03"
    with translation.override("nn"):
        text = template.render(Context({"at": at, "n": 1234567, "m": 123450, "q": 1}))
    assert text.split("|")[:5] == [
        "6. des. 2026, 20:03",
        "6. des. 2026",
        f"1{NBSP}234{NBSP}567",
        f"1{NBSP}234,50{NBSP}€",
        "1 par",
    ]


@pytest.mark.parametrize(
    ("language", "kilograms", "expected"),
    [
        ("en", 2900, "2.9 t"),
        ("nn", 2900, "2,9 t"),
        ("en", 1234567, "1,234.6 t"),
        ("nb", 1234567, "1\u00a0234,6 t"),
        ("en", 40, "40 kg"),
        ("en", Decimal("4.0000"), "4.0 kg"),
        ("en", None, ""),
    ],
)
def test_it_writes_a_weight_in_tonnes_from_a_tenth_of_a_tonne(language, kilograms, expected):
    assert formatting.weight(kilograms, language=language) == expected
