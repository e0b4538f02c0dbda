"""In a real browser: a coordinator uploads a message naming a resource type aidx does not know, maps it, and the
request appears in the exchange."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidx.assistance.models import AssistanceRequest
from aidx.catalogue.services import item_upsert
from aidx.nations.services import site_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DATA = Path(__file__).parent / "data"


@pytest.fixture
def catalogue(people, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    common = {"category": "ppe", "unit": "piece", "unit_weight_kg": "0.01", "unit_volume_m3": "0.0001"}
    item_upsert(actor=None, code="mask-ffp2", name_en="FFP2 mask", **common)
    item_upsert(actor=None, code="ventilator", name_en="Ventilator", **{**common, "category": "respiratory"})
    site_create(
        actor=None, code="rome", name="Rome Fiumicino", kind="airfield", nation=people.ita, latitude="41.8",
        longitude="12.25",
    )  # fmt: skip
    return people


def test_a_coordinator_maps_an_unknown_type_and_the_request_appears(page, live_server, login, catalogue, tmp_path):
    message = tmp_path / "request.xml"
    message.write_bytes((DATA / "request-handwritten.xml").read_bytes())
    login(page, live_server, "coord", catalogue.password)
    page.goto(f"{live_server.url}/interchange/")
    page.set_input_files("[data-testid=upload] input[type=file]", str(message))
    with page.expect_navigation():
        page.click("[data-testid=upload] button[type=submit]")
    assert "/interchange/queue/" in page.url
    assert "N95 respirator" in page.locator("[data-testid=line-1]").inner_text()
    assert not AssistanceRequest.objects.exists()

    line = page.locator("[data-testid=line-1]")
    line.locator("select[name=what]").select_option("item:mask-ffp2")
    with page.expect_navigation():
        line.locator("button[type=submit]").click()
    line = page.locator("[data-testid=line-2]")
    line.locator("select[name=what]").select_option("item:ventilator")
    line.locator("input[name=quantity]").fill("4")
    with page.expect_navigation():
        line.locator("button[type=submit]").click()

    with page.expect_navigation():
        page.click("[data-testid=created-request]")
    assert "/exchange/requests/" in page.url
    assert "Respirators for Bergamo hospitals" in page.content()
    request = AssistanceRequest.objects.get()
    assert sorted((line.item.code, line.quantity) for line in request.lines.all()) == [
        ("mask-ffp2", 200),
        ("ventilator", 4),
    ]
    page.goto(f"{live_server.url}/exchange/requests/")
    assert "Respirators for Bergamo hospitals" in page.content()
