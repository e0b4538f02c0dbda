"""The preparedness story in a real browser: the coordinator simulates the autumn wave against the plan and reads
the largest gap; Italy pledges more; the re-run shows the gap smaller; a request comes, a standby pledge becomes
an offer in one action, and Italy accepts it."""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation, Offer
from aidx.assistance.services import LineInput
from aidx.preparedness.models import Pledge, SimulationRun
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
