"""What a person sees in a real browser: sign-in, language, need-to-know, phone width, publishing.

Runs Debian's Chromium through Playwright against the live server (see conftest.py in this folder).
Set AIDX_SCREENSHOT=1 to also refresh docs/screenshot-home.png from the signed-in home page.
"""

from __future__ import annotations

import gettext as pygettext
import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from aidx.documents.models import Document
from aidx.documents.services import document_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[3]
WHO = "[data-testid=who]"
SIGN_OUT = "header form[action='/accounts/logout/'] button[type=submit]"
SUBMIT = "main form button[type=submit]"

# Header texts a signed-in user always sees, with where they are on the page. The project's own strings
# come first; "Password" last since Django's own catalogue may translate it.
HEADER_LABELS = {
    "Documents": "nav.mainnav a[href='/documents/']",
    "Sign out": SIGN_OUT,
    "Nations": "nav.mainnav a[href='/registry/nations/']",
    "Catalogue": "nav.mainnav a[href^='/catalogue/']",
    "API tokens": "nav.mainnav a[href^='/accounts/']",
    "Home": "nav.mainnav a[href='/']",
    "Password": "header .tools a[href^='/accounts/']",
}


def save_screenshot(page, path: Path) -> None:
    """The page as a person sees it at 1280×800 (used for the README)."""
    page.set_viewport_size({"width": 1280, "height": 800})
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))


def on_login_page(page) -> bool:
    return page.url.split("?")[0].endswith("/accounts/login/") and page.locator("#id_password").is_visible()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_it_signs_in_and_out(page, live_server, people, login):
    page.goto(f"{live_server.url}/")
    assert on_login_page(page), f"/ did not send an anonymous visitor to the login page but to {page.url}"
    assert "next=/" in page.url

    login(page, live_server, "ally_a", people.password)
    assert page.url == f"{live_server.url}/"
    who = page.locator(WHO)
    assert who.is_visible()
    assert who.inner_text().startswith("ally_a")
    if os.environ.get("AIDX_SCREENSHOT") == "1":
        save_screenshot(page, REPO / "docs" / "screenshot-home.png")

    with page.expect_navigation():
        page.click(SIGN_OUT)
    assert on_login_page(page)
    assert page.locator(WHO).count() == 0
    page.goto(f"{live_server.url}/documents/")
    assert on_login_page(page), "signed out, yet the documents page opened"

    login(page, live_server, "ally_a", "not the password")
    assert on_login_page(page)
    error = page.locator("main .errors[role=alert]")
    assert error.is_visible()
    assert "password" in error.inner_text().lower()
    assert page.locator(WHO).count() == 0
    assert page.input_value("#id_username") == "ally_a"


def _nynorsk_label() -> tuple[str, str, str]:
    """A header label that locale/nn translates: (English, Nynorsk, selector)."""
    locale = Path(django_settings.LOCALE_PATHS[0])
    catalogue = locale / "nn" / "LC_MESSAGES" / "django.mo"
    if not catalogue.is_file():
        pytest.fail(f"{catalogue} is missing: build the catalogues with `make messages`.", pytrace=False)
    project = pygettext.translation("django", localedir=str(locale), languages=["nn"])
    for english, selector in HEADER_LABELS.items():
        if project.gettext(english) == english:
            continue
        with translation.override("nn"):
            nynorsk = translation.gettext(english)
        assert nynorsk == project.gettext(english), "Django does not use the project's Nynorsk catalogue"
        return english, nynorsk, selector
    pytest.fail(f"locale/nn translates none of the header labels {list(HEADER_LABELS)}.", pytrace=False)


def test_it_switches_language_to_nynorsk_and_back(page, live_server, people, login):
    english, nynorsk, selector = _nynorsk_label()
    assert nynorsk != english  # otherwise the check below proves nothing

    login(page, live_server, "ally_a", people.password)
    label = page.locator(selector).first
    assert page.get_attribute("html", "lang") == "en"
    assert label.inner_text().strip() == english

    with page.expect_navigation():
        page.click("button[data-language=nn]")
    assert page.get_attribute("html", "lang") == "nn"
    assert page.locator(WHO).is_visible(), "switching language signed the user out"
    assert page.get_attribute("button[data-language=nn]", "aria-pressed") == "true"
    assert label.inner_text().strip() == nynorsk

    page.goto(f"{live_server.url}/documents/")  # the choice sticks across pages
    assert page.get_attribute("html", "lang") == "nn"
    assert label.inner_text().strip() == nynorsk

    with page.expect_navigation():
        page.click("button[data-language=en]")
    assert page.get_attribute("html", "lang") == "en"
    assert label.inner_text().strip() == english
    assert page.url.endswith("/documents/"), "the language switch did not return to the page it was used on"


def test_it_denies_a_partner_an_allies_only_document(page, live_server, people, login, settings):
    settings.DEBUG = False  # the 404 a person gets, not the technical one
    secret = document_create(
        actor=people.ally_a, title="Allies-only airlift plan", body="Not for partners.", releasability="allies"
    )
    shared = document_create(
        actor=people.ally_a, title="Shared situation report", body="For everyone.", releasability="allies_partners"
    )

    login(page, live_server, "partner", people.password)
    assert page.locator(WHO).inner_text().startswith("partner")
    assert page.inner_text("[data-testid=documents-count]").strip() == "1"
    assert secret.title not in page.content()

    page.goto(f"{live_server.url}/documents/")
    rows = page.locator("table.list tbody")
    assert shared.title in rows.inner_text()
    assert secret.title not in page.content()

    answer = page.goto(f"{live_server.url}/documents/{secret.pk}/")
    assert answer.status == 404
    assert secret.title not in page.content()
    assert secret.body not in page.content()
    assert page.locator("main h1").inner_text().strip() == "Not found"
    assert page.goto(f"{live_server.url}/documents/{shared.pk}/").status == 200

    with page.expect_navigation():
        page.click(SIGN_OUT)
    login(page, live_server, "ally_b", people.password)  # Spain: an ally, not the owner
    assert page.inner_text("[data-testid=documents-count]").strip() == "2"
    page.goto(f"{live_server.url}/documents/")
    assert secret.title in page.locator("table.list tbody").inner_text()
    answer = page.goto(f"{live_server.url}/documents/{secret.pk}/")
    assert answer.status == 200
    assert page.locator("main h1").inner_text().strip() == secret.title
    assert page.inner_text("[data-testid=releasability]").strip() == "allies only"


def test_it_works_at_phone_width(page, live_server, people, login):
    for number in range(3):
        document_create(
            actor=people.ally_a,
            title=f"Situation report number {number} on field hospitals and oxygen concentrators",
            body="Details.",
            kind="sitrep",
        )
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "ally_a", people.password)

    menu, nav = page.locator("button.menu-button"), page.locator("nav.mainnav")
    assert menu.is_visible()
    assert nav.is_hidden()
    assert no_horizontal_scroll(page), "the home page scrolls sideways at 390 px"

    menu.click()
    assert nav.is_visible()
    assert page.locator("nav.mainnav a[href='/documents/']").is_visible()
    menu.click()
    assert nav.is_hidden()

    menu.click()
    with page.expect_navigation():
        page.click("nav.mainnav a[href='/documents/']")
    assert page.url.endswith("/documents/")
    assert page.locator("table.list tbody tr").count() == 3
    assert nav.is_hidden()
    assert no_horizontal_scroll(page), "the documents page scrolls sideways at 390 px"


def test_it_publishes_a_document_with_inline_errors(page, live_server, people, login):
    login(page, live_server, "ally_a", people.password)
    with page.expect_navigation():
        page.click("main a.button[href='/documents/new/']")
    assert page.locator("main h1").inner_text().strip() == "Publish a document"

    with page.expect_navigation() as sent:
        page.click(SUBMIT)
    assert sent.value.status == 400
    for field in ("title", "body"):
        block = page.locator(f".field.invalid:has(#id_{field})")
        assert block.is_visible(), f"no inline error by the {field} field"
        assert block.locator("p.error").inner_text().strip() == "This field is required."
    assert page.locator(".field.invalid").count() == 2
    assert Document.objects.count() == 0

    page.fill("#id_title", "Oxygen for Lombardy")
    page.fill("#id_body", "Twelve concentrators a day until the end of March.")
    page.select_option("#id_kind", "plan")
    page.select_option("#id_releasability", "allies")
    with page.expect_navigation():
        page.click(SUBMIT)

    document = Document.objects.get()
    assert re.search(rf"/documents/{document.pk}/$", page.url)
    assert page.locator("main h1").inner_text().strip() == "Oxygen for Lombardy"
    assert page.inner_text("[data-testid=releasability]").strip() == "allies only"
    assert "Twelve concentrators a day" in page.inner_text("main .body")
    assert (document.owner_nation_id, document.releasability, document.kind) == ("ITA", "allies", "plan")
