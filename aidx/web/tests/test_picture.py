"""The situational picture: figures and map points over what the viewer may see, and a map with no outside tiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from aidx.assistance import services
from aidx.assistance.tests.conftest import exchange  # noqa: F401  (the exchange fixture, shared)


def _points(answer):
    return json.loads(
        answer.content.decode().split('<script id="points" type="application/json">', 1)[1].split("</script>", 1)[0]
    )


def test_it_serves_the_map_from_our_own_static_files():
    for path in [
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "vendor/world-atlas/countries-110m.json",
        "vendor/topojson-client/topojson-client.min.js",
        "web/picture.js",
    ]:
        assert finders.find(path), path


@pytest.mark.parametrize("who", ["coordinator", "ally_a", "partner", "outsider", "viewer"])
def test_it_draws_the_picture_for_everyone_without_outside_tiles(client, exchange, who):  # noqa: F811
    exchange.request(), exchange.offer()
    client.force_login(getattr(exchange.world, who))
    answer = client.get("/picture/")
    page = answer.content.decode()
    assert answer.status_code == 200
    for testid in ["open-requests", "share-met", "tonnes-allocated", "deliveries"]:
        assert f'data-testid="{testid}"' in page
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/vendor/world-atlas/countries-110m.json" in page
    script = Path(finders.find("web/picture.js")).read_text()
    assert "tileLayer" not in page + script and "://" not in script
    assert len(_points(answer)) == (0 if who == "outsider" else 2)


def test_it_keeps_allies_only_records_off_a_partners_picture(client, exchange):  # noqa: F811
    w = exchange.world
    exchange.request(releasability="allies", site=exchange.madrid)
    exchange.offer(releasability="allies")
    client.force_login(w.partner)
    answer = client.get("/picture/")
    assert (answer.context["figures"].open_requests, answer.context["figures"].open_offers) == (0, 0)
    assert _points(answer) == []
    client.force_login(w.ally_a)
    answer = client.get("/picture/")
    assert (answer.context["figures"].open_requests, answer.context["figures"].open_offers) == (1, 1)
    assert {(p["kind"], p["site"], p["count"]) for p in _points(answer)} == {
        ("request", "Madrid", 1),
        ("offer", "Madrid", 1),
    }


def test_it_changes_the_figures_as_help_arrives(client, exchange):  # noqa: F811
    w = exchange.world
    request = exchange.request(lines=(("ventilator", 40),))
    offer = exchange.offer(lines=(("ventilator", 20),))
    client.force_login(w.coordinator)
    before = client.get("/picture/").context
    assert (before["share_met_percent"], before["figures"].tonnes_allocated) == (0, 0)
    allocation = services.allocation_propose(
        actor=w.coordinator, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=20
    )
    services.allocation_accept(actor=w.ally_a, allocation=allocation)
    services.allocation_ship(actor=w.ally_b, allocation=allocation)
    services.allocation_deliver(actor=w.ally_a, allocation=allocation)
    after = client.get("/picture/")
    assert after.context["share_met_percent"] == 50
    assert str(after.context["figures"].tonnes_allocated) == "0.9"
    assert 'data-testid="deliveries">1<' in after.content.decode()
    assert 'data-testid="share-met">50 %<' in after.content.decode()


def test_it_counts_every_open_request_at_a_shared_site(client, exchange):  # noqa: F811
    exchange.request(), exchange.request()
    client.force_login(exchange.world.ally_a)
    assert [(p["kind"], p["count"]) for p in _points(client.get("/picture/"))] == [("request", 2)]


def test_it_writes_the_maps_words_for_the_reader(client, exchange):  # noqa: F811
    """The tooltips' texts come written from the server: names in the reader's language, numbers in its format,
    weights in tonnes (kilograms below a tenth of a tonne), and only what the reader may see."""
    exchange.ventilator.name_nn = "Respirator"
    exchange.ventilator.save()
    exchange.request(lines=(("ventilator", 1200), ("mask-surgical", 1000)))
    exchange.request(lines=(("mask-ffp2", 500),), releasability="allies")
    client.force_login(exchange.world.partner)
    (point,) = _points(client.get("/picture/", HTTP_ACCEPT_LANGUAGE="nn"))
    assert (point["site"], point["nation"], point["count"]) == ("Rome", "Italia", 1)
    assert [(item["code"], item["name"], item["quantity"], item["weight"]) for item in point["items"]] == [
        ("ventilator", "Respirator", "1\u00a0200 stykke", "54,0 t"),
        ("mask-surgical", "Surgical mask", "1\u00a0000 stykke", "4,0 kg"),
    ]
    english = client.get("/picture/", HTTP_ACCEPT_LANGUAGE="en")
    (point,) = _points(english)
    assert (point["nation"], point["figure"], point["more"]) == ("Italy", "Open requests: 1", "")
    assert point["weight"] == "Weight where known: 54.0 t"
    assert "mask-ffp2" not in english.content.decode()  # the allies-only request is not the partner's
