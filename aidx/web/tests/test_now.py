"""The home page answers "what needs me now" per role (#16): open needs, decisions waiting, deadlines within 72 hours,
missions in the air, lots expiring; each a link, only what the reader may see; the panel and the unread count
refresh themselves by htmx polling, and polling writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.assistance import services
from aidx.audit.models import AuditEntry
from aidx.matching import services as matching


def _panel(client, user):
    client.force_login(user)
    answer = client.get("/now/")
    assert answer.status_code == 200
    return answer.content.decode()


def test_it_shows_each_role_what_needs_it_now(client, exchange, django_capture_on_commit_callbacks):
    w = exchange.world
    mine = exchange.request(lines=(("ventilator", 10),))  # Italy's, needed in 10 days
    urgent = exchange.request(user=w.ally_b, lines=(("mask-ffp2", 5),))
    urgent.needed_by = exchange.today + dt.timedelta(days=2)
    urgent.save(update_fields=["needed_by"])
    secret = exchange.request(user=w.ally_b, releasability="named", release_to=["ESP"])
    offer = exchange.offer(lines=(("ventilator", 10),))
    services.allocation_propose(
        actor=w.coordinator, offer_line=offer.lines.get(), request_line=mine.lines.get(), quantity=10
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = matching.run_start(actor=w.coordinator, time_limit=30)

    italy = _panel(client, w.ally_a)
    assert 'data-testid="now-open_needs"' in italy and f'href="/exchange/requests/{mine.pk}/"' in italy
    assert 'data-testid="now-decisions"' in italy and "/exchange/allocations/" in italy  # Italy decides on it
    assert 'data-testid="now-deadlines"' in italy and f'href="/exchange/requests/{urgent.pk}/"' in italy
    assert f"/exchange/requests/{secret.pk}/" not in italy and "/matching/" not in italy

    centre = _panel(client, w.coordinator)
    assert f'href="/matching/{run.pk}/"' in centre  # a run ready for review
    assert f"/exchange/requests/{secret.pk}/" in centre  # the centre sees every request

    assert "now-nothing" in _panel(client, w.outsider)  # Brazil may see none of these


def test_it_puts_the_panel_on_the_home_page_and_polls_it(client, exchange):
    exchange.request()
    client.force_login(exchange.world.ally_a)
    home = client.get("/").content.decode()
    assert 'data-testid="now"' in home and 'hx-get="/now/"' in home and 'hx-trigger="every 60s"' in home
    assert 'hx-get="/live/unread/"' in home  # the inbox count in the menu refreshes itself


def test_it_polls_the_unread_count_without_writing(client, exchange):
    w = exchange.world
    request = exchange.request()
    offer = exchange.offer()
    client.force_login(w.ally_a)
    assert "unread-count" not in client.get("/live/unread/").content.decode()
    services.allocation_propose(
        actor=w.coordinator, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=100
    )
    before = AuditEntry.objects.count()
    answer = client.get("/live/unread/").content.decode()
    assert 'data-testid="unread-count">' in answer
    client.get("/now/")
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("path", ["/now/", "/live/unread/"])
def test_it_asks_for_sign_in(client, path):
    assert client.get(path).status_code == 302
