from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from aidx.assistance.tests.conftest import exchange  # noqa: F401 - fixtures this one builds on
from aidx.fund import services
from aidx.nations import services as registry
from aidx.stockpile.tests.conftest import stock  # noqa: F401


@pytest.fixture
def fund(stock):  # noqa: F811
    """The stockpile fixture plus Norway (an ally paying in NOK) and a few exchange rates."""
    w = stock.world
    nor = registry.nation_create(actor=None, code="NOR")
    registry.membership_add(actor=None, nation=nor, kind="ally", valid_from=dt.date(1949, 4, 4))
    day = dt.date(2020, 6, 1)
    services.rate_set(actor=stock.manager, currency="NOK", on=day, eur_per_unit=Decimal("0.0920"))
    services.rate_set(actor=stock.manager, currency="NOK", on=dt.date(2020, 7, 1), eur_per_unit=Decimal("0.0940"))
    services.rate_set(actor=stock.manager, currency="USD", on=day, eur_per_unit=Decimal("0.8900"))
    return SimpleNamespace(stock=stock, world=w, manager=stock.manager, nor=nor, day=day)
