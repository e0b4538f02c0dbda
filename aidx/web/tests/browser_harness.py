"""Browser-test harness: Debian's Chromium driven by Playwright (sync API) against pytest-django's live_server.

One Chromium launch serves every browser test in the session; each test gets a fresh context (no cookies,
no storage) and page. The browser is never downloaded: it is the system chromium (`AIDX_CHROMIUM`,
default /usr/bin/chromium). A missing browser makes the tests fail, not skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("AIDX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole session."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM!r}: install Debian's chromium (apt-get install chromium) "
            "or point AIDX_CHROMIUM at the binary. Browser tests do not download a browser.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM!r} did not start: {error}", pytrace=False)
    try:
        yield launched
    finally:
        launched.close()
        playwright.stop()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """A fresh context and page per test, in English, at a desktop size."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def people(transactional_db, world):
    """The base users of aidx/conftest.py, committed so the live server's thread sees them."""
    return world


def sign_in(page, live_server, username: str, password: str) -> None:
    """Sign in through the login form and wait for the page that follows."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


@pytest.fixture
def login() -> Callable[..., None]:
    """`login(page, live_server, username, password)`."""
    return sign_in
