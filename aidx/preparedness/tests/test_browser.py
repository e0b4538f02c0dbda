"""The preparedness story in a real browser: the coordinator simulates the autumn wave against the plan and reads
the largest gap; Italy pledges more; the re-run shows the gap smaller; a request comes, a standby pledge becomes
an offer in one action, and Italy accepts it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation, Offer
from aidx.assistance.services import LineInput
from aidx.preparedness.models import Plan, Pledge, SimulationRun, WaveScenario
from aidx.preparedness.tests.factory import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _gap(page, what="Ventilator"):
    """The gap of `what` in the table of largest gaps (0 when it has none), and what would close it."""
    row = page.locator("[data-testid=gaps] tbody tr", has_text=what)
    if not row.count():
        return 0, ""
    quantity = int("".join(ch for ch in row.locator("[data-testid=gap-quantity]").inner_text() if ch.isdigit()))
    return quantity, row.locator("[data-testid=gap-close]").inner_text()


def test_it_plans_simulates_closes_a_gap_and_activates_a_pledge(page, live_server, login, people, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    prep = build(people)

    def as_user(username):
        page.context.clear_cookies()
        login(page, live_server, username, people.password)

    # The coordinator opens the plan and runs the autumn scenario against it.
    as_user("coord")
    page.goto(f"{live_server.url}/preparedness/")
    with page.expect_navigation():
        page.click("text=Second wave")
    assert page.locator("[data-testid=plan-status]").inner_text() == "agreed"
    page.fill("#id_runs", "20")
    with page.expect_navigation():
        page.click("[data-testid=run-start]")
    progress = page.locator("[data-testid=run-progress]")
    progress.wait_for()
    page.wait_for_function("document.querySelector('[data-testid=run-progress]').dataset.status === 'succeeded'")
    page.reload()
    first_url = page.url
    assert "Ventilator" in page.locator("[data-testid=gaps] tbody tr").first.inner_text()  # priority 1 first
    before, advice = _gap(page)
    assert before > 0 and "Pledge" in advice and "Ventilator" in advice  # computed: "Pledge 27 more Ventilator …"
    page.wait_for_function("document.getElementById('fan').dataset.item !== undefined")

    # Italy adds a pledge of ventilators.
    as_user("ally_a")
    page.goto(f"{live_server.url}/preparedness/plans/{prep.plan.pk}/")
    page.click("text=Add a pledge")
    page.fill("#id_pledge-item", "ventilator")
    page.fill("#id_pledge-quantity", "400")
    page.fill("#id_pledge-notice_days", "1")
    page.fill("#id_pledge-origin_site", "rome")
    page.fill("#id_pledge-valid_from", prep.today.isoformat())
    with page.expect_navigation():
        page.click("[data-testid=pledge-form] button[type=submit]")
    assert Pledge.objects.filter(owner_nation_id="ITA", item__code="ventilator", quantity=400).exists()

    # The coordinator runs it again: the gap is smaller.
    as_user("coord")
    page.goto(first_url)
    with page.expect_navigation():
        page.click("[data-action=rerun]")
    page.wait_for_function("document.querySelector('[data-testid=run-progress]').dataset.status === 'succeeded'")
    page.reload()
    after, _advice = _gap(page)
    assert after < before
    assert SimulationRun.objects.count() == 2
    with page.expect_navigation():
        page.click("[data-testid=compare-previous]")
    assert page.locator("[data-testid=compare]").is_visible()

    # Later a request arrives from Italy; the coordinator activates Spain's standby pledge in reply.
    request = exchange.request_submit(
        actor=people.ally_a,
        request=exchange.request_create(
            actor=people.ally_a,
            title="Ventilators for Lombardy",
            needed_by=prep.today + dt.timedelta(days=21),
            delivery_site="rome",
            lines=[LineInput(item="ventilator", quantity=30)],
        ),
    )
    page.goto(f"{live_server.url}/preparedness/pledges/{prep.spain_open.pk}/")
    assert page.locator("[data-testid=notice]").inner_text() == "2 days"
    form = page.locator("form:has([data-action=activate])")
    form.locator("input[name=quantity]").fill("30")
    form.locator("input[name=request]").fill(str(request.pk))
    with page.expect_navigation():
        form.locator("[data-action=activate]").click()
    assert page.locator("[data-testid=remaining]").inner_text().startswith("20")
    offer = Offer.objects.get(in_reply_to=request)
    assert offer.status == "open" and offer.owner_nation_id == "ESP"

    # The coordinator proposes the offer to the request, and Italy accepts it.
    page.goto(f"{live_server.url}/exchange/requests/{request.pk}/")
    page.fill("#propose input[name=quantity]", "30")
    with page.expect_navigation():
        page.click("#propose button[type=submit]")
    as_user("ally_a")
    page.goto(f"{live_server.url}/exchange/requests/{request.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=accept]")
    allocation = Allocation.objects.get()
    assert (allocation.status, allocation.offer_line.offer, allocation.quantity) == ("accepted", offer, 30)


PHONE = {"width": 390, "height": 844}


def _fits_a_phone(page) -> int:
    """How many pixels the page is wider than a 390 px phone (0: it fits)."""
    page.set_viewport_size(PHONE)
    try:
        return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


AXE = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id);
}"""


def _serious_violations(page, live_server) -> list[str]:
    """axe-core's serious or critical findings on the page (as the accessibility sweep judges the main pages)."""
    page.add_script_tag(url=f"{live_server.url}/static/vendor/axe-core/axe.min.js")
    return page.evaluate(AXE)


def test_a_coordinator_drafts_a_plan_sets_its_rates_agrees_it_writes_a_wave_and_runs_it(
    page, live_server, login, people, settings
):
    """Everything in the browser, nothing through the API: the plan for a new wave, from nothing to a result."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    prep = build(people)  # the catalogue's items and the nations' sites (and an older plan of another incident)
    login(page, live_server, "coord", people.password)

    # A new plan, from the plans page.
    page.goto(f"{live_server.url}/preparedness/")
    with page.expect_navigation():
        page.click("[data-testid=plan-new]")
    assert _fits_a_phone(page) == 0 and _serious_violations(page, live_server) == []
    page.fill("#id_name", "Winter plan")
    page.fill("#id_incident", "winter-2026")
    page.fill("#id_valid_from", prep.today.isoformat())
    with page.expect_navigation():
        page.click("[data-testid=plan-save]")
    assert page.locator("[data-testid=plan-status]").inner_text() == "draft"

    # Two rates, in the draft's rates form; a spare row stays blank. The form fits a phone and reads with a screen
    # reader.
    assert _fits_a_phone(page) == 0 and _serious_violations(page, live_server) == []
    page.select_option("#id_rates-0-item", "ventilator")
    page.fill("#id_rates-0-rate", "1")
    page.select_option("#id_rates-0-basis", "icu")
    page.check("#id_rates-0-durable")
    page.select_option("#id_rates-0-priority", "1")
    page.fill("#id_rates-0-unit_price", "20000")
    page.select_option("#id_rates-1-item", "mask-ffp2")
    page.fill("#id_rates-1-rate", "5")
    page.fill("#id_rates-1-unit_price", "1.20")
    page.fill("#id_rates-1-source", "one per patient and shift")
    with page.expect_navigation():
        page.click("[data-testid=rates-save]")
    assert "The consumption rates are saved." in page.locator("main").inner_text()
    plan = Plan.objects.get(incident="winter-2026")
    saved = {r.item.code: (r.rate, r.basis, r.durable, r.priority, r.unit_price_minor) for r in plan.rates.all()}
    assert saved == {
        "ventilator": (Decimal(1), "icu", True, 1, 2_000_000),
        "mask-ffp2": (Decimal(5), "bed", False, 2, 120),
    }
    assert page.input_value("#id_rates-1-unit_price") == "1.20"  # shown again as typed, for the next change

    # Agreed: the rates are read, no longer edited.
    with page.expect_navigation():
        page.click("[data-action=agree]")
    assert page.locator("[data-testid=plan-status]").inner_text() == "agreed"
    assert page.locator("[data-testid=rates-form]").count() == 0
    assert "Ventilator" in page.locator("[data-testid=rates]").inner_text()

    # A SEIR wave, from the plan's page; the form shows the figures of the kind chosen.
    with page.expect_navigation():
        page.click("[data-testid=scenario-new]")
    assert page.input_value("#id_incident") == "winter-2026"
    assert _fits_a_phone(page) == 0 and _serious_violations(page, live_server) == []
    page.check("input[name=kind][value=curve]")
    assert page.locator("[data-testid=seir]").is_hidden() and page.locator("[data-testid=curve]").is_visible()
    page.check("input[name=kind][value=seir]")
    assert page.locator("[data-testid=seir]").is_visible() and page.locator("[data-testid=curve]").is_hidden()
    page.fill("#id_name", "Winter wave")
    page.fill("#id_start", prep.today.isoformat())
    page.fill("#id_horizon_days", "56")
    for number, (code, population, lat, lon) in enumerate(
        (("ITA", "59000000", "41.9", "12.5"), ("ESP", "47000000", "40.4", "-3.7"))
    ):
        page.select_option(f"#id_nations-{number}-nation", code)
        page.fill(f"#id_nations-{number}-population", population)
        page.fill(f"#id_nations-{number}-latitude", lat)
        page.fill(f"#id_nations-{number}-longitude", lon)
    page.fill("#id_rt", "0: 1.6; 28: 0.9")
    page.fill("#id_infected_share", "0.001")
    page.fill("#id_hospital_rate", "0.05")
    page.fill("#id_icu_rate", "0.01")
    page.fill("#id_rt_spread", "0.1")
    with page.expect_navigation():
        page.click("[data-testid=scenario-save]")
    assert page.url.endswith(f"/preparedness/plans/{plan.pk}/")
    assert WaveScenario.objects.get(name="Winter wave").kind == "seir"

    # Run it against the plan and see it finish (the worker's task runs at once here).
    page.select_option("#id_scenario", label="Winter wave")
    page.fill("#id_runs", "20")
    with page.expect_navigation():
        page.click("[data-testid=run-start]")
    page.wait_for_function("document.querySelector('[data-testid=run-progress]').dataset.status === 'succeeded'")
    page.reload()
    assert page.locator("[data-testid=run-progress] .tag").inner_text() == "finished"
    run = SimulationRun.objects.get(plan=plan)
    assert run.scenario.name == "Winter wave" and run.status == "succeeded" and run.result["items"]
