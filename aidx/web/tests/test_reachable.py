"""Import and export are reachable (#16, finding 3): every list page has its CSV, XLSX and HXL buttons, which answer
with the page's rows; the import page is in the navigation; its preview names the items, not only their codes."""

from __future__ import annotations

import re

import pytest

from aidx.assistance.tests.test_transfer import csv_upload, upload

LISTS = [
    "/exchange/requests/",
    "/exchange/offers/",
    "/exchange/allocations/",
    "/logistics/",
    "/logistics/deployments/",
    "/documents/",
    "/registry/nations/",
    "/registry/sites/",
    "/registry/organisations/",
    "/catalogue/items/",
    "/catalogue/capabilities/",
    "/stockpile/lots/",
    "/stockpile/ledger/",
    "/fund/pledges/",
    "/audit/",
]


@pytest.mark.parametrize("path", LISTS)
def test_it_offers_every_list_as_csv_xlsx_and_hxl(client, exchange, path):
    exchange.request()
    exchange.offer()
    client.force_login(exchange.world.coordinator)
    page = client.get(path + "?q=x")
    assert page.status_code == 200
    links = re.findall(r'<a href="([^"]+)" download data-format="(\w+)"', page.content.decode())
    assert [fmt for _url, fmt in links] == ["csv", "xlsx", "hxl"]
    for url, fmt in links:
        url = url.replace("&amp;", "&")
        assert "q=x" in url  # the page's filters go with it
        answer = client.get(path + url)
        assert answer.status_code == 200, (path, fmt)
        assert answer["Content-Disposition"].startswith("attachment;")
        if fmt == "hxl":
            lines = b"".join(answer.streaming_content).decode("utf-8-sig").splitlines()
            assert lines[1].startswith("#") or lines[1].split(",")[0] == "", lines[:2]


def test_it_exports_what_the_page_shows_and_no_more(client, exchange):
    mine = exchange.request()
    hidden = exchange.request(user=exchange.world.ally_b, releasability="named", release_to=["ITA"])
    client.force_login(exchange.world.partner)
    text = b"".join(client.get("/exchange/requests/?format=hxl").streaming_content).decode("utf-8-sig")
    assert str(mine.pk) in text.split("\n", 3)[2] and f"\n{hidden.pk}," not in text


def test_it_puts_the_import_page_in_the_navigation(client, exchange):
    client.force_login(exchange.world.ally_a)
    page = client.get("/").content.decode()
    assert 'href="/exchange/transfer/import/request/"' in page
    client.force_login(exchange.world.viewer)
    assert "/exchange/transfer/import/" not in client.get("/").content.decode()


def test_it_names_the_items_in_the_import_preview(client, exchange):
    client.force_login(exchange.world.ally_a)
    preview = upload(client, exchange, "request", csv_upload([["item", "quantity"], ["mask-ffp2", "5"]]))
    assert preview.status_code == 200
    assert "FFP2 mask" in preview.content.decode() and "5 pieces" in preview.content.decode()
