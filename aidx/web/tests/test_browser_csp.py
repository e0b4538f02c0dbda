"""The Content-Security-Policy holds in a real browser: every page draws with no inline script, style or eval.

Chromium reports each blocked script, style or image on the console ("Refused to ... because it violates the
following Content Security Policy directive"); a page that needed one would also lose its map, chart or htmx.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/picture/",
    "/exchange/requests/",
    "/exchange/requests/new/",
    "/exchange/offers/new/",
    "/logistics/",
    "/logistics/planner/",
    "/accounts/tokens/",
    "/api/v1/docs",
    "/admin/",
]


def test_the_pages_draw_without_breaking_the_content_security_policy(page, live_server, people, login):
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.on("pageerror", lambda error: refused.append(f"page error: {error}"))
    people.coordinator.is_staff = people.coordinator.is_superuser = True
    people.coordinator.save()
    login(page, live_server, "coord", people.password)
    for path in PAGES:
        answer = page.goto(f"{live_server.url}{path}")
        assert answer is not None and answer.status == 200, path
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        if path == "/picture/":
            page.wait_for_selector(".leaflet-container")  # Leaflet drew the map from self-hosted files
        if path == "/":  # htmx (the runs' progress) is told to need no inline style and no eval
            assert page.evaluate("htmx.config.allowEval === false && htmx.config.includeIndicatorStyles === false")
        if path == "/api/v1/docs":
            page.wait_for_selector(".swagger-ui .info")  # Swagger UI drew the document
    assert refused == []
