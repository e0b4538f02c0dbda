"""Numbers, money and dates in the reader's language, from Babel's CLDR data.

One place decides how a figure looks: the template filters (`{% load formatting %}`), notifications, e-mails and
error messages all call these functions, so a page, a mail and a message about the same amount agree.

English is written in the British style (6 Dec 2026, 20:03, €1,234.50), Bokmål and Nynorsk in the Norwegian
one (6. des. 2026, 20:03, 1 234,50 €). Money is kept in integer minor units; how many digits a currency has
(JPY 0, EUR 2, KWD 3) is CLDR's, read through Babel, never a table of our own.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# The platform's language codes → the CLDR locale whose conventions we follow.
_LOCALES = {"en": "en_GB", "nb": "nb_NO", "nn": "nn_NO"}


def locale(language: str | None = None) -> Locale:
    """The Babel locale for `language` (default: the active one); English falls back to en_GB."""
    code = (language or get_language() or "en").lower().replace("-", "_")
    name = _LOCALES.get(code[:2], "en_GB")
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):  # pragma: no cover - Babel ships all three
        return Locale.parse("en_GB")


def number(value: int | float | Decimal | None, *, places: int | None = None, language: str | None = None) -> str:
    """1234567 → '1,234,567' (en) or '1 234 567' (nb, nn); `places` fixes the decimals shown."""
    if value is None:
        return ""
    if places is None:
        return babel_numbers.format_decimal(value, locale=locale(language), decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return babel_numbers.format_decimal(Decimal(str(value)), format=pattern, locale=locale(language))


def percent(value: float | Decimal | None, *, language: str | None = None) -> str:
    """0.18 → '18%' (en) or '18 %' (nb, nn)."""
    if value is None:
        return ""
    return babel_numbers.format_percent(value, locale=locale(language))


def weight(kilograms: int | float | Decimal | None, *, language: str | None = None) -> str:
    """A weight for a person: tonnes with one decimal from 100 kg ('2.9 t', '2,9 t'), kilograms below ('40 kg')."""
    if kilograms is None:
        return ""
    kg = Decimal(str(kilograms))
    with translation.override(language) if language else nullcontext():
        if kg >= 100:
            return _("%(t)s t") % {"t": number(kg / 1000, places=1, language=language)}
        return _("%(kg)s kg") % {"kg": number(kg, places=0 if kg >= 10 else 1, language=language)}


def currency_digits(currency: str) -> int:
    """How many minor digits `currency` has (ISO 4217 as CLDR carries it): EUR 2, JPY 0, KWD 3."""
    return babel_numbers.get_currency_precision(currency)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-currency_digits(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """A decimal amount in minor units; ValueError if it has more decimals than the currency."""
    scaled = amount.scaleb(currency_digits(currency))
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(f"too many decimals for {currency}")
    return int(scaled)


def money(amount_minor: int | None, currency: str, *, language: str | None = None) -> str:
    """123450 EUR → '€1,234.50' (en) or '1 234,50 €' (nb, nn); 1234 JPY → '¥1,234'."""
    if amount_minor is None:
        return ""
    return babel_numbers.format_currency(from_minor(int(amount_minor), currency), currency, locale=locale(language))


def money_input(amount_minor: int | None, currency: str, *, language: str | None = None) -> str:
    """The amount as a person types it back into a form: '1234.50' (en), '1234,50' (nb, nn); no grouping."""
    if amount_minor is None:
        return ""
    places = currency_digits(currency)
    pattern = "0" + ("." + "0" * places if places else "")
    return babel_numbers.format_decimal(
        from_minor(int(amount_minor), currency), format=pattern, locale=locale(language)
    )


def parse_decimal(text: str, *, language: str | None = None) -> Decimal:
    """A decimal typed in the reader's locale: '1 234,50' (nb, nn) or '1,234.50' (en). People mix conventions, so
    when both marks appear the last is the decimal mark, and a lone comma or point is the decimal mark unless it is
    the locale's grouping mark followed by exactly three digits ('1,234' in en is 1234, '12,5' in en is 12.5).
    Raises ValueError when it is not a number."""
    cleaned = "".join((text or "").split()).replace("\u202f", "").replace("'", "")
    if "," in cleaned and "." in cleaned:
        mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if mark == "," else ",", "").replace(mark, ".")
    else:
        mark = "," if "," in cleaned else "."
        group = babel_numbers.get_group_symbol(locale(language))
        head, _, tail = cleaned.rpartition(mark)
        if cleaned.count(mark) > 1 or (mark == group and head and len(tail) == 3 and tail.isdigit()):
            cleaned = cleaned.replace(mark, "")
        else:
            cleaned = cleaned.replace(mark, ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def day(value: dt.date | dt.datetime | None, *, language: str | None = None) -> str:
    """2026-12-06 → '6 Dec 2026' (en) or '6. des. 2026' (nb, nn)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    return babel_dates.format_date(value, "medium", locale=locale(language))


def clock(value: dt.datetime | dt.time | None, *, language: str | None = None) -> str:
    """The 24-hour time in every language: '20:03'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value)
    return babel_dates.format_time(value, "HH:mm", locale=locale(language))


def moment(value: dt.datetime | None, *, language: str | None = None) -> str:
    """A timestamp in the reader's time zone: '6 Dec 2026, 20:03' (en) or '6. des. 2026, 20:03' (nb, nn)."""
    if value is None:
        return ""
    loc = locale(language)
    joined: Any = loc.datetime_formats.get("medium", "{1}, {0}")
    pattern = joined if isinstance(joined, str) else str(joined)
    return pattern.replace("{1}", day(value, language=language)).replace("{0}", clock(value, language=language))
