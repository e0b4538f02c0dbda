"""Every page at phone width (#16, finding 8): each HTML page the need-to-know sweep registers, opened as each role
on the covid-2020 scenario in a 390 px wide browser, fits the screen (nothing wider than the viewport)."""

from __future__ import annotations

import pytest

from aidx.core import sweep as registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ROLES = ("coordinator", "italy", "australia", "viewer", "stockpile")
HTML_KINDS = {"page", "detail", "form", "inbox", "map", "manifest", "notifications", "audit", "figures"}


def page_urls() -> list[tuple[str, str]]:
    """Every HTML page of the registry, a per-record page opened on the scenario's first record of its kind."""
    urls: dict[str, str] = {}
    for surface in registry.surfaces():
        if surface.api or surface.read or surface.kind not in HTML_KINDS:
            continue
        url = surface.url
        if isinstance(url, registry.AtFirst):  # a page of one record that lists others: the scenario's first
            first = registry.SUBJECTS[url.key].model.objects.order_by("pk").first()  # type: ignore[attr-defined]
            if first is None:
                continue
            url = url.path.format(pk=first.pk)
        if callable(url):
            record = registry.SUBJECTS[surface.per].model.objects.order_by("pk").first()  # type: ignore[index]
            if record is None:
                continue
            url = url(record)
        if "format=" in url or url.rsplit("?", 1)[0].endswith((".csv", ".xlsx", ".json")):
            continue
        urls.setdefault(url, surface.key)
    return sorted((key, url) for url, key in urls.items())


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_it_fits_every_page_on_a_phone_for_every_role(browser, live_server, scenario):
    pages = page_urls()
    assert len(pages) > 30
    wide = []
    for username in ROLES:
        context = browser.new_context(locale="en-GB", viewport=PHONE)
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "demo")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        for key, url in pages:
            answer = page.goto(f"{live_server.url}{url}")
            if answer is not None and answer.status == 200 and (extra := overflow(page)) > 0:
                widest = page.evaluate(
                    """() => { let best = null, right = document.documentElement.clientWidth;
                    for (const e of document.querySelectorAll('body *')) { const r = e.getBoundingClientRect();
                      if (r.right > right + 0.5 && (!best || r.right > best.r)) best = {r: r.right, t: e.tagName,
                        c: e.className, i: e.id}; }
                    return best; }"""
                )
                wide.append(f"{username} {url} ({key}): {extra} px too wide, widest {widest}")
        context.close()
    assert not wide, "\n".join(wide)
