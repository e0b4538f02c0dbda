"""Screenshots of issue #16's pages, taken the same way from any version of aidx that serves the covid-2020 scenario.

    python docs/screenshots/shoot.py http://127.0.0.1:8102 docs/screenshots/16-after-
    python docs/screenshots/shoot.py http://127.0.0.1:8102 docs/screenshots/16-after- --lang nn

Signs in with the scenario's demo accounts (password "demo") and writes full-page screenshots, 1280 px wide, to
PREFIX + name (+ "-nn" for Nynorsk) + ".png":

    picture-coordinator    /picture/ as the centre's coordinator
    picture-partner        /picture/ as a partner nation's point of contact (Australia)
    match-review           the scenario's match run, ready for review (found on /matching/)
    request-form-errors    /exchange/requests/new/ as Italy, saved with a needed-by date in the past, a line of
                           quantity -5 and a second line with a quantity but no item

Elements are found by URL and form field name only, so the script works on versions whose pages look different.
A page larger than MAX_BYTES as PNG is written as JPEG instead. Uses Playwright's sync API with Debian's chromium
(AIDX_CHROMIUM, default /usr/bin/chromium); no browser is downloaded. Needs the playwright package (the project's
dev dependencies have it).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("AIDX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
# The date inputs show mm/dd/yyyy whatever the language: that is headless Chromium's own widget, not the page's.
WIDTH = 1280
PASSWORD = "demo"
COORDINATOR, PARTNER, REQUESTER = "coordinator", "australia", "italy"
SCENARIO = "covid-2020"
PAST_DATE = "2020-03-15"  # needed by: long past whatever day the pages are shot
MAX_BYTES = 1_500_000
LOCALES = {"en": "en-GB", "nb": "nb-NO", "nn": "nn-NO"}


def session(browser: Browser, base: str, username: str, lang: str) -> Page:
    """A fresh context signed in as `username`, reading pages in `lang` (the language cookie Django's
    LocaleMiddleware reads, as the header's language buttons set it)."""
    context = browser.new_context(
        locale=LOCALES.get(lang, lang), viewport={"width": WIDTH, "height": 900}, device_scale_factor=1
    )
    context.set_default_timeout(30_000)
    context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form:has(#id_password) [type=submit]").first.click()
    if "/accounts/login/" in page.url:
        sys.exit(f"Signing in as {username!r} failed at {base}: is the covid-2020 scenario loaded?")
    return page


def shoot(page: Page, path_stem: str) -> Path:
    """A full-page screenshot once the page and its fonts have settled; JPEG if the PNG would be too large."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    png = Path(path_stem + ".png")
    png.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(png), full_page=True, animations="disabled")
    if png.stat().st_size <= MAX_BYTES:
        return png
    png.unlink()
    jpeg = Path(path_stem + ".jpg")
    page.screenshot(path=str(jpeg), full_page=True, type="jpeg", quality=80, animations="disabled")
    return jpeg


def review_url(page: Page, base: str) -> str:
    """The scenario's match run from the list of runs: the row naming the scenario, else the earliest run that is
    ready for review (the scenario loads exactly one), else the earliest run."""
    page.goto(f"{base}/matching/")
    runs = []
    for row in page.locator("table tr:has(a[href])").all():
        href = row.locator("a[href]").first.get_attribute("href") or ""
        found = re.search(r"/matching/(\d+)/$", href)
        if found:
            runs.append((int(found.group(1)), row.inner_text().lower()))
    if not runs:
        sys.exit(f"No match run is listed at {base}/matching/.")
    runs.sort()
    chosen = next(
        (run for run in runs if SCENARIO in run[1]),
        next((run for run in runs if "ready for review" in run[1]), runs[0]),
    )
    return f"{base}/matching/{chosen[0]}/"


def choose(page: Page, name: str, *, prefix: str = "", prefer: str = "") -> None:
    """Select an option of a select field: the first whose value starts with `prefix` and whose label contains
    `prefer`, else the first whose value starts with `prefix` (never the blank one)."""
    select = page.locator(f"select[name='{name}']")
    options = select.locator("option").evaluate_all("os => os.map(o => [o.value, o.textContent])")
    options = [(value, label.lower()) for value, label in options if value and value.startswith(prefix)]
    chosen = next((value for value, label in options if prefer.lower() in label), options[0][0])
    select.select_option(chosen)


def request_with_errors(page: Page, base: str) -> None:
    """Fill the new-request form with three mistakes and save it; the page that answers shows what is reported."""
    page.goto(f"{base}/exchange/requests/new/")
    page.fill("input[name='title']", "Masks for Lombardy")
    page.fill("input[name='needed_by']", PAST_DATE)
    choose(page, "delivery_site", prefer="· ITA")  # one of Italy's own sites (labels "<name> · <nation>")
    choose(page, "lines-0-what", prefix="item:", prefer="mask")  # values "item:<code>" or "capability:<code>"
    page.fill("input[name='lines-0-quantity']", "-5")
    page.fill("input[name='lines-1-quantity']", "10")  # and no item
    save = page.locator("form:has(input[name='lines-0-quantity']) [type=submit]:not([name='add_line'])").last
    with page.expect_navigation():
        save.click()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the running app, e.g. http://127.0.0.1:8102")
    parser.add_argument("prefix", help="the start of every file name, e.g. docs/screenshots/16-after-")
    parser.add_argument("--lang", default="en", choices=sorted(LOCALES), help="language of the pages (default en)")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    suffix = "" if args.lang == "en" else f"-{args.lang}"

    def out(name: str) -> str:
        return f"{args.prefix}{name}{suffix}"

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            coordinator = session(browser, base, COORDINATOR, args.lang)
            coordinator.goto(f"{base}/picture/")
            written.append(shoot(coordinator, out("picture-coordinator")))
            # The run is found on the English list (its status is matched in words), then shown in the chosen language.
            finder = session(browser, base, COORDINATOR, "en")
            run = review_url(finder, base)
            finder.context.close()
            coordinator.goto(run)
            written.append(shoot(coordinator, out("match-review")))
            coordinator.context.close()

            partner = session(browser, base, PARTNER, args.lang)
            partner.goto(f"{base}/picture/")
            written.append(shoot(partner, out("picture-partner")))
            partner.context.close()

            requester = session(browser, base, REQUESTER, args.lang)
            request_with_errors(requester, base)
            written.append(shoot(requester, out("request-form-errors")))
            requester.context.close()
        finally:
            browser.close()
    for path in written:
        print(f"{path}  {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
