"""Every action of the exchange with the keyboard alone (#16, accessibility): sign in, make a request of two lines
and submit it, offer in reply, propose, accept one allocation and decline the other with a reason, change the
language, and open the menu on a phone.

Only `page.keyboard` acts here (Tab, Shift+Tab, Enter, Space, arrow keys, typing): no click, fill, select_option or
mouse. `tab_to` moves the focus to a control named as assistive technology names it, and at every stop on the way
asserts that the focused control shows where the focus is (a computed outline or box shadow).
"""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.assistance import services
from aidx.assistance.models import Allocation, AssistanceRequest, Offer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 150  # more than any page here has tab stops: a control not reached by then is not reachable

# What has the focus, and whether a sighted keyboard user can see it: an outline or a box shadow, on a control
# that is itself on screen.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== 'none';
  const name = (el.getAttribute('aria-label') || el.innerText || el.value || el.name || el.id || '').trim();
  return {
    label: `${el.tagName.toLowerCase()} "${name.slice(0, 40)}"`,
    // A date field's last stop is its calendar button, inside the browser's own shadow tree (the field itself is
    // then not :focus): the browser rings that button itself, and its style cannot be read from the page.
    indicated: outline || shadow || (/^(date|time|datetime-local|month|week)$/.test(el.type) && !el.matches(':focus')),
    style: `outline ${style.outlineStyle} ${style.outlineWidth}, box-shadow ${style.boxShadow}`,
    shown: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 && style.visibility !== 'hidden',
  };
}"""


def has_focus(locator) -> bool:
    return locator.evaluate_all("(found) => found.includes(document.activeElement)")


def tab_to(page, role: str, name: str, *, within=None, backward: bool = False, limit: int = MAX_TABS) -> None:
    """Press Tab (Shift+Tab if `backward`) until the `role` named `name` (inside `within`) has the focus; every
    control passed on the way must show its focus."""
    target = (within or page).get_by_role(role, name=name, exact=True)
    if has_focus(target):
        return
    key = "Shift+Tab" if backward else "Tab"
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press(key)
        stop = page.evaluate(FOCUS)
        if stop is None:  # past the last control, the focus leaves the page before it comes round again
            passed.append("(outside the page)")
            continue
        passed.append(stop["label"])
        assert stop["shown"], f"the focus is on {stop['label']}, which is not on screen"
        assert stop["indicated"], f"{stop['label']} has the focus but shows no outline or shadow ({stop['style']})"
        if has_focus(target):
            return
    pytest.fail(f"no {role} named {name!r} after {limit} × {key}; the focus went {' → '.join(passed)}")


def press(page, key: str) -> None:
    """Press `key` on the focused control and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def skip_to_content(page) -> None:
    """The first tab stop of every page is "Skip to content", and it takes the focus to the main content."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content", exact=True)
    assert has_focus(skip), f"the first tab stop is {page.evaluate(FOCUS)}, not a skip link"
    assert page.evaluate(FOCUS)["indicated"]
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement === document.querySelector('main')"), "main has not the focus"


def choose(page, text: str, limit: int = 60) -> None:
    """On the focused select, arrow down from the first option to the one whose label contains `text`."""
    chosen = "() => { const s = document.activeElement; return s.options[s.selectedIndex]?.text || ''; }"
    page.keyboard.press("Home")
    for _ in range(limit):
        if text in page.evaluate(chosen):
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"no option with {text!r} in the focused select")


def type_date(page, day: dt.date) -> None:
    """Type a date into the focused date field. Its parts come in the order of the browser's own locale, which the
    page cannot read: type a probe (1, 2, 2030) to learn it, go back to the first part and type the date."""
    value = "() => document.activeElement.value"
    page.keyboard.type("01022030")
    orders = {"2030-02-01": ("day", "month", "year"), "2030-01-02": ("month", "day", "year")}
    probe = page.evaluate(value)
    assert probe in orders, f"a date field whose parts come in an order this test does not know: {probe!r}"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    parts = {"day": f"{day.day:02d}", "month": f"{day.month:02d}", "year": f"{day.year:04d}"}
    page.keyboard.type("".join(parts[part] for part in orders[probe]))
    assert page.evaluate(value) == day.isoformat()


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "textbox", "Username")
    page.keyboard.type(username)
    tab_to(page, "textbox", "Password")
    page.keyboard.type(password)
    press(page, "Enter")
    assert page.get_by_test_id("who").inner_text().startswith(username)


def sign_out(page) -> None:
    tab_to(page, "button", "Sign out")
    press(page, "Enter")


def open_in_menu(page, name: str) -> None:
    tab_to(page, "link", name, within=page.get_by_role("navigation", name="Main"))
    press(page, "Enter")


def test_it_does_every_step_of_the_exchange_with_the_keyboard(page, live_server, exchange):
    w = exchange.world

    # Italy signs in; the home page's first stop skips the menu.
    sign_in(page, live_server, "ally_a", w.password)
    skip_to_content(page)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")

    # A request of two lines, saved as a draft.
    open_in_menu(page, "Requests")
    skip_to_content(page)
    tab_to(page, "link", "New request")
    press(page, "Enter")
    skip_to_content(page)
    tab_to(page, "textbox", "Title")
    page.keyboard.type("Masks and ventilators for Lombardy")
    tab_to(page, "textbox", "Needed by")
    type_date(page, exchange.today + dt.timedelta(days=14))
    tab_to(page, "combobox", "Delivery site")
    choose(page, "Rome")
    tab_to(page, "checkbox", "Submit now")
    page.keyboard.press("Space")  # off: saved as a draft, submitted from its page
    lines = page.locator("fieldset.lines-form")
    tab_to(page, "combobox", "Item or capability", within=lines.locator("#line-1"))
    page.keyboard.type("Surgical")
    assert page.evaluate("() => document.activeElement.value") == "item:mask-surgical"
    tab_to(page, "spinbutton", "Quantity", within=lines.locator("#line-1"))
    page.keyboard.type("1000")
    tab_to(page, "combobox", "Item or capability", within=lines.locator("#line-2"))
    choose(page, "Ventilator")
    tab_to(page, "spinbutton", "Quantity", within=lines.locator("#line-2"))
    page.keyboard.type("10")
    # back up to line 1's notes with Shift+Tab, then on to the button
    tab_to(page, "textbox", "Notes", within=lines.locator("#line-1"), backward=True)
    page.keyboard.type("Type IIR")
    tab_to(page, "button", "Save request")
    press(page, "Enter")
    request = AssistanceRequest.objects.get()
    assert request.status == "draft"
    assert sorted((line.item.code, line.quantity) for line in request.lines.all()) == [
        ("mask-surgical", 1000),
        ("ventilator", 10),
    ]

    # Submitted from its page: circulated to the other nations.
    skip_to_content(page)
    tab_to(page, "button", "Submit")
    press(page, "Enter")
    request.refresh_from_db()
    assert request.status == "submitted"
    sign_out(page)

    # Spain offers in reply, from Madrid.
    sign_in(page, live_server, "ally_b", w.password)
    open_in_menu(page, "Requests")
    skip_to_content(page)
    tab_to(page, "link", "Masks and ventilators for Lombardy")
    press(page, "Enter")
    skip_to_content(page)
    tab_to(page, "link", "Make an offer in reply")
    press(page, "Enter")
    skip_to_content(page)
    for number in (1, 2):
        tab_to(page, "combobox", "Origin", within=page.locator(f"#line-{number}"))
        choose(page, "Madrid")
    tab_to(page, "button", "Save offer")
    press(page, "Enter")
    offer = Offer.objects.get()
    assert offer.status == "open" and offer.in_reply_to == request and offer.lines.count() == 2
    sign_out(page)

    # The coordinator proposes both lines.
    sign_in(page, live_server, "coord", w.password)
    for wanted, quantity in (("Surgical mask left", "1000"), ("Ventilator left", "10")):
        open_in_menu(page, "Requests")
        skip_to_content(page)
        tab_to(page, "link", "Masks and ventilators for Lombardy")
        press(page, "Enter")
        skip_to_content(page)
        propose = page.locator("#propose")
        tab_to(page, "combobox", "Offer line → request line", within=propose)
        choose(page, wanted)
        tab_to(page, "spinbutton", "Quantity", within=propose)
        page.keyboard.type(quantity)
        tab_to(page, "button", "Propose", within=propose)
        press(page, "Enter")
    assert Allocation.objects.filter(status="proposed").count() == 2
    sign_out(page)

    # Italy accepts the masks and declines the ventilators, with its reason.
    masks = Allocation.objects.get(request_line__item__code="mask-surgical")
    ventilators = Allocation.objects.get(request_line__item__code="ventilator")
    sign_in(page, live_server, "ally_a", w.password)
    open_in_menu(page, "Requests")
    skip_to_content(page)
    tab_to(page, "link", "Masks and ventilators for Lombardy")
    press(page, "Enter")
    skip_to_content(page)
    tab_to(page, "button", "Accept", within=page.locator(f"#allocation-{masks.pk}"))
    press(page, "Enter")
    skip_to_content(page)
    row = page.locator(f"#allocation-{ventilators.pk}")
    tab_to(page, "textbox", "Reason for declining (required)", within=row)
    page.keyboard.type("Ours arrived from elsewhere")
    tab_to(page, "button", "Decline", within=row)
    press(page, "Enter")
    masks.refresh_from_db()
    ventilators.refresh_from_db()
    assert (masks.status, ventilators.status) == ("accepted", "declined")
    assert ventilators.decline_reason == "Ours arrived from elsewhere"

    # And reads on in Nynorsk.
    tab_to(page, "button", "NN", backward=True)
    press(page, "Enter")
    assert page.evaluate("() => document.documentElement.lang") == "nn"
    assert page.get_by_role("button", name="NN").get_attribute("aria-pressed") == "true"


def test_it_opens_the_menu_with_the_keyboard_on_a_phone(page, live_server, people):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "ally_a", people.password)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.is_hidden()
    menu = page.get_by_role("button", name="Menu", exact=True)
    tab_to(page, "button", "Menu")
    page.keyboard.press("Enter")
    assert nav.is_visible() and menu.get_attribute("aria-expanded") == "true"
    # Escape closes it from inside and gives the focus back to the button; Space opens it again
    tab_to(page, "link", "Requests", within=nav)
    page.keyboard.press("Escape")
    assert nav.is_hidden() and menu.get_attribute("aria-expanded") == "false" and has_focus(menu)
    page.keyboard.press("Space")
    assert nav.is_visible()
    tab_to(page, "link", "Documents", within=nav)
    press(page, "Enter")
    assert page.url.endswith("/documents/")
    assert nav.is_hidden()  # a new page starts with the menu closed


def test_it_keeps_the_focus_where_it_was_when_the_home_page_refreshes_itself(page, live_server, exchange):
    w = exchange.world
    # a decision waits for Italy: a proposal on its request
    request, offer = exchange.request(), exchange.offer()
    services.allocation_propose(
        actor=w.coordinator, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=600
    )
    page.clock.install()  # the panel's own timer (every 60 s) is run on by the test, not waited for
    sign_in(page, live_server, "ally_a", w.password)
    panel = page.get_by_test_id("now")
    skip_to_content(page)
    tab_to(page, "link", "Decisions waiting", within=panel)
    page.evaluate("() => { document.getElementById('now').dataset.before = 'yes'; }")
    page.clock.run_for(61_000)
    page.wait_for_function("() => !document.getElementById('now').dataset.before")  # the new panel is in
    assert has_focus(panel.get_by_role("link", name="Decisions waiting", exact=True)), page.evaluate(FOCUS)
    page.keyboard.press("Tab")  # and Tab goes on from there, not from the top of the page
    assert page.evaluate("() => document.getElementById('now').contains(document.activeElement)")
