"""A currency code, checked once for every record that carries money (offers, lots, the fund's ledger)."""

from __future__ import annotations

import pycountry
from django.utils.translation import gettext as _

from aidx.core.errors import BusinessError


def currency_code(value: str | None, field: str = "currency") -> str:
    """The ISO 4217 code, upper case; a `BusinessError` on `field` if it is not three letters or names no currency
    (ISO 4217 as pycountry knows it: "XYZ" has the shape but is not a currency)."""
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise BusinessError(_("Give the currency as a three-letter ISO code."), field=field)
    if pycountry.currencies.get(alpha_3=code) is None:
        raise BusinessError(_("Unknown currency: %(code)s.") % {"code": code}, field=field)
    return code
