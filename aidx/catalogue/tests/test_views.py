"""The catalogue's pages: reference data, the same for every signed-in user, in the reader's language."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidx.catalogue.services import substitution_set
from aidx.catalogue.tests.conftest import item
from aidx.core.actors import SYSTEM

PAGES = ("/catalogue/items/", "/catalogue/capabilities/")


def _rows(answer):
    """The codes of the records a page lists, in its order."""
    return [row.code for row in answer.context["items" if "items" in answer.context else "capabilities"]]


def test_it_sends_a_signed_out_visitor_to_sign_in(client, catalogue):
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("who", ["coordinator", "ally_a", "partner", "outsider", "late_ally", "viewer"])
def test_it_shows_every_signed_in_user_the_whole_catalogue(client, catalogue, world, who):
    client.force_login(getattr(world, who))
    items = client.get("/catalogue/items/")
    assert items.status_code == 200
    assert _rows(items) == ["gloves-nitrile", "mask-ffp2", "mask-ffp3", "mask-surgical", "ventilator-icu"]
    capabilities = client.get("/catalogue/capabilities/")
    assert capabilities.status_code == 200 and _rows(capabilities) == ["c-17", "field-hospital-50"]


def test_it_filters_items_and_ignores_a_category_it_does_not_know(client, catalogue, world):
    client.force_login(world.ally_a)
    assert _rows(client.get("/catalogue/items/", {"category": "respiratory"})) == ["ventilator-icu"]
    assert _rows(client.get("/catalogue/items/", {"q": " munnbind "})) == ["mask-surgical"]
    assert _rows(client.get("/catalogue/items/", {"q": "mask", "category": "respiratory"})) == []
    everything = client.get("/catalogue/items/", {"category": "weapons", "q": ""})
    assert everything.context["category"] is None and len(_rows(everything)) == 5
    nothing = client.get("/catalogue/items/", {"q": "respirator" + "x" * 200})  # cut to 100 characters
    assert nothing.status_code == 200 and nothing.context["q"] == "respirator" + "x" * 90
    assert "No items match." in nothing.content.decode()


def test_it_filters_capability_types_by_kind(client, catalogue, world):
    client.force_login(world.partner)
    assert _rows(client.get("/catalogue/capabilities/", {"kind": "aircraft"})) == ["c-17"]
    assert _rows(client.get("/catalogue/capabilities/", {"kind": "submarine"})) == ["c-17", "field-hospital-50"]


def test_it_shows_each_items_substitutes_the_most_fitting_first(client, catalogue, world):
    client.force_login(world.ally_a)
    page = client.get("/catalogue/items/").content.decode()
    assert "FFP2 respirator, FFP3 respirator" in page


@pytest.mark.parametrize(
    "language, expected, absent",
    [
        ("en", ["Surgical mask", "FFP3 respirator", "0.35", "Catalogue"], ["Kirurgisk munnbind"]),
        ("nb", ["Kirurgisk munnbind", "FFP3-maske", "0,35", "Katalog"], ["Surgical mask", "0.35"]),
        # No Nynorsk name for the FFP3 respirator: the English one.
        ("nn", ["Kirurgisk munnbind", "Nitrilhanskar", "FFP3 respirator", "0,35"], ["Nitrilhansker", "0.35"]),
    ],
)
def test_it_shows_names_and_figures_in_the_readers_language(client, catalogue, world, language, expected, absent):
    client.force_login(world.ally_a)
    page = client.get("/catalogue/items/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for text in expected:
        assert text in page, text
    for text in absent:
        assert text not in page, text


def test_it_shows_a_whole_figure_without_an_exponent(client, catalogue, world):
    client.force_login(world.ally_a)
    page = client.get("/catalogue/items/", {"category": "respiratory"}).content.decode()
    assert "<td>110</td>" in page and "E+" not in page  # 110.0000 kg, normalised, is 1.1E+2


def test_it_reads_the_item_page_in_the_same_queries_however_many_items(client, catalogue, world):
    client.force_login(world.ally_a)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/catalogue/items/").status_code == 200
        return len(captured)

    few = queries()
    for number in range(20):
        substitution_set(actor=SYSTEM, item=catalogue.gloves, substitute=item(f"mask-{number}"), penalty=number)
    assert queries() == few
