"""Nothing on offer is lost without a word (issue #11, defect 4): an offer line without an origin leaves from its
nation's home airfield; where there is none, the run reports the line unused, "no_origin", with the reason in
words on its page and in the API (reasons.py)."""

from __future__ import annotations

import pytest

from aidx.accounts.services import token_create
from aidx.assistance import services as exchange_services
from aidx.assistance.services import LineInput
from aidx.matching import selectors, services
from aidx.matching.models import MatchRun
from aidx.nations.services import nation_set_home_site


def _run(exchange, capture):
    with capture(execute=True):
        run = services.run_start(actor=exchange.world.coordinator, time_limit=30)
    run.refresh_from_db()
    assert run.status == MatchRun.Status.SUCCEEDED, run.error
    return run


def _offer_without_origin(exchange, user, quantity):
    offer = exchange_services.offer_create(
        actor=user,
        title="Masks, origin not given",
        lines=[LineInput(item="mask-surgical", quantity=quantity, available_from=exchange.today)],
    )
    return exchange_services.offer_publish(actor=user, offer=offer)


@pytest.fixture
def unplaced(exchange):
    """Italy needs 500 masks; Spain (home airfield: Madrid) and Australia (none) offer some without an origin."""
    world = exchange.world
    nation_set_home_site(actor=None, nation="ESP", site="madrid")
    request = exchange.request(lines=(("mask-surgical", 500),))
    spanish = _offer_without_origin(exchange, world.ally_b, 200)
    australian = _offer_without_origin(exchange, world.partner, 100)
    return request, spanish, australian


def test_it_sends_a_line_without_origin_from_its_nations_home_airfield(
    exchange, unplaced, django_capture_on_commit_callbacks
):
    request, spanish, _australian = unplaced
    run = _run(exchange, django_capture_on_commit_callbacks)
    given = {(p.offer_line.offer_id, p.request_line.request_id): p.quantity for p in selectors.proposals(run)}
    assert given[(spanish.pk, request.pk)] == 200
    sites = {row["id"]: row["site"] for row in run.problem["offers"]}
    assert sites[spanish.lines.get().pk] == "madrid"


def test_it_reports_the_lines_it_cannot_use_and_says_why(
    client, exchange, unplaced, django_capture_on_commit_callbacks
):
    _request, spanish, australian = unplaced
    run = _run(exchange, django_capture_on_commit_callbacks)
    line = australian.lines.get()
    no_origin = [row for row in run.result["unused"] if row["reason"] == "no_origin"]
    assert no_origin == [{"offer": line.pk, "quantity": 100, "reason": "no_origin"}]
    assert spanish.lines.get().pk not in {row["offer"] for row in no_origin}  # it left from Madrid
    assert line.pk not in {row["id"] for row in run.problem["offers"]}
    client.force_login(exchange.world.coordinator)
    page = client.get(f"/matching/{run.pk}/").content.decode()
    assert 'data-testid="unused"' in page and "Masks, origin not given" in page
    assert "no home airfield" in page
    _token, secret = token_create(actor=exchange.world.coordinator, user=exchange.world.coordinator, name="t")
    answer = client.get(f"/api/v1/match-runs/{run.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    unused = [row for row in answer["unused"] if row["reason"] == "no_origin"]
    assert [row["offer_line"] for row in unused] == [line.pk]
    assert "no home airfield" in unused[0]["message"]
