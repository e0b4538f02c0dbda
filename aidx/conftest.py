"""Shared fixtures: the base set of users every surface is tested with.

coordinator (centre), ally_a (Italy), ally_b (Spain), partner (Australia), outsider (Brazil, no standing),
plus `late_ally` (North Macedonia: partner until 2020-03-26, ally from 2020-03-27).
"""

from __future__ import annotations

import datetime as dt
import os
from types import SimpleNamespace

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _language_of_its_own():
    """Each test starts in the default language: a request through the test client leaves the language its
    LocaleMiddleware chose active in the thread, and the next test would read its messages in Norwegian."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def world(db):
    from aidx.accounts.services import user_create
    from aidx.nations import services as registry

    def nation(code, kind=None, since="1949-04-04", until=None):
        created = registry.nation_create(actor=None, code=code)
        if kind:
            registry.membership_add(
                actor=None,
                nation=created,
                kind=kind,
                valid_from=dt.date.fromisoformat(since),
                valid_until=dt.date.fromisoformat(until) if until else None,
            )
        return created

    ita, esp = nation("ITA", "ally"), nation("ESP", "ally", "1982-05-30")
    aus, bra = nation("AUS", "partner", "2012-01-01"), nation("BRA")
    mkd = nation("MKD", "partner", "1995-11-15", "2020-03-27")
    registry.membership_add(actor=None, nation=mkd, kind="ally", valid_from=dt.date(2020, 3, 27))
    centre = registry.organisation_create(actor=None, code="centre", kind="centre", name_en="Coordination centre")

    def user(username, **kwargs):
        return user_create(actor=None, username=username, password="correct horse 1", **kwargs)

    return SimpleNamespace(
        ita=ita,
        esp=esp,
        aus=aus,
        bra=bra,
        mkd=mkd,
        centre=centre,
        coordinator=user("coord", organisation=centre, roles={"coordinator"}),
        ally_a=user("ally_a", nation=ita, roles={"poc"}),
        ally_b=user("ally_b", nation=esp, roles={"poc"}),
        partner=user("partner", nation=aus, roles={"poc"}),
        outsider=user("outsider", nation=bra, roles={"poc"}),
        late_ally=user("late_ally", nation=mkd, roles={"poc"}),
        viewer=user("viewer", organisation=centre, roles={"viewer"}),
        password="correct horse 1",
    )


@pytest.fixture
def scenario(db):
    """The covid-2020 scenario, loaded as `make demo` loads it."""
    from aidx.core.scenario import load

    load("covid-2020", say=lambda _message: None)


# The Playwright harness (one Chromium per session, shared by every app's browser tests).
from aidx.web.tests.browser_harness import browser, login, page, people  # noqa: E402, F401
