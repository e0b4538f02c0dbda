"""Every unmet need and unused offer of a match run gets its reason in words (#16, finding 2): on the run's page, in
the API and in the engine's file interface; the airlift planner says why it proposes no mission."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from aidx.accounts.services import token_create
from aidx.assistance import services as exchange_services
from aidx.assistance.services import LineInput
from aidx.catalogue.services import item_upsert
from aidx.matching import services
from aidx.matching.models import MatchRun
from aidx.optimize.allocation import cli

ITEMS = ("gloves", "gown", "tent", "goggles", "visor", "swab", "thermometer")


@pytest.fixture
def story(exchange, django_capture_on_commit_callbacks):
    """One item per reason, so each line's reason is the only one it can have."""
    w, today = exchange.world, exchange.today
    for code in ITEMS:
        item_upsert(
            actor=None,
            code=code,
            name_en=code.title(),
            category="ppe",
            unit="piece",
            unit_weight_kg="0.1",
            unit_volume_m3="0.001",
        )

    def offer(code, quantity, *, available_from=today, origin="madrid", **kwargs):
        created = exchange_services.offer_create(
            actor=w.ally_b,
            title=f"{code} from Spain",
            lines=[LineInput(item=code, quantity=quantity, available_from=available_from, origin_site=origin)],
            **kwargs,
        )
        return exchange_services.offer_publish(actor=w.ally_b, offer=created)

    lines = {
        "no_offer": exchange.request(lines=(("gloves", 10),)),
        "short": exchange.request(lines=(("mask-surgical", 1000),)),
        "not_releasable": exchange.request(user=w.partner, lines=(("gown", 50),)),
        "too_late": exchange.request(lines=(("tent", 5),)),
        "declined": exchange.request(lines=(("goggles", 100),)),
    }
    exchange.offer(lines=(("mask-surgical", 600),))
    offers = {
        "not_releasable": offer("gown", 50, releasability="allies"),
        "too_late": offer("tent", 5, available_from=today + dt.timedelta(days=30)),
        "declined": offer("goggles", 100),
        "no_request": offer("ventilator", 10),
        "no_origin": offer("thermometer", 20, origin=None),
        "surplus": offer("visor", 30),
        "already_met": offer("swab", 5),
    }
    exchange.request(lines=(("visor", 10),))
    met = exchange.request(lines=(("swab", 10),))
    swabs = offer("swab", 10)
    exchange_services.allocation_accept(
        actor=w.ally_a,
        allocation=exchange_services.allocation_propose(
            actor=w.coordinator, offer_line=swabs.lines.get(), request_line=met.lines.get(), quantity=10
        ),
    )
    exchange_services.allocation_decline(
        actor=w.ally_a,
        allocation=exchange_services.allocation_propose(
            actor=w.coordinator,
            offer_line=offers["declined"].lines.get(),
            request_line=lines["declined"].lines.get(),
            quantity=100,
        ),
        reason="wrong size",
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(actor=w.coordinator, time_limit=30)
    run.refresh_from_db()
    assert run.status == MatchRun.Status.SUCCEEDED, run.error
    return exchange, run, lines, offers


def test_it_gives_every_unmet_line_and_unused_offer_its_reason(story):
    _exchange, run, lines, offers = story
    unmet = {row["request"]: row["reason"] for row in run.result["unmet"]}
    assert unmet == {request.lines.get().pk: reason for reason, request in lines.items()}
    unused = {row["offer"]: row["reason"] for row in run.result["unused"]}
    assert unused == {offer.lines.get().pk: reason for reason, offer in offers.items()}


def test_it_shows_the_reasons_on_the_run_page_and_in_the_api(client, story):
    exchange, run, _lines, _offers = story
    w = exchange.world
    client.force_login(w.coordinator)
    page = client.get(f"/matching/{run.pk}/").content.decode()
    for words in (
        "No other nation offers this item or a substitute for it.",
        "Not enough on offer: what could serve it went to more urgent or nearer needs.",
        "The offers that could serve it are not releasable to the requesting nation.",
        "No offer can arrive by the needed-by date, given the transit time.",
        "The requester declined the offers that could serve it.",
        "No open request for this item or one it may replace.",
        "The offer line names no origin and its nation has no home airfield, so no transport can be planned from it.",
        "More is offered than the needs it can reach.",
        "The requests for this item are already met.",
    ):
        assert words in page
    _token, secret = token_create(actor=w.coordinator, user=w.coordinator, name="t")
    answer = client.get(
        f"/api/v1/match-runs/{run.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="nn"
    )
    body = answer.json()
    assert {row["reason"] for row in body["unmet"]} == {"no_offer", "short", "not_releasable", "too_late", "declined"}
    assert len(body["unused"]) == 7 and all(row["message"] for row in body["unused"])


def test_it_writes_the_reasons_in_the_file_interface(story, capsys, monkeypatch):
    _exchange, run, _lines, _offers = story
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(run.problem)))
    assert cli.main(["-"]) == 0
    output = json.loads(capsys.readouterr().out)
    assert {row["reason"] for row in output["unmet"]} == {"no_offer", "short", "not_releasable", "too_late", "declined"}
    assert {row["reason"] for row in output["unused"]} == {
        "not_releasable",
        "too_late",
        "declined",
        "no_request",
        "surplus",
    }
