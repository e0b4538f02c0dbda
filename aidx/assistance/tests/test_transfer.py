"""Import of request and offer lines from CSV/XLSX (preview, all-or-nothing apply) and export of the lists."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from aidx.assistance import services, transfer
from aidx.assistance.models import AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.assistance.services import LineInput
from aidx.assistance.tests.hostile import shared_strings_bomb
from aidx.audit.models import AuditEntry
from aidx.catalogue.services import capability_type_upsert

IMPORT = "/exchange/transfer/import/{}/"
APPLY = "/exchange/transfer/import/{}/apply/"


# --- helpers ---------------------------------------------------------------------------------------------


def csv_upload(rows, *, delimiter=",", name="lines.csv"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.create_sheet("ignored").append(["item", "quantity"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(rows, name="lines.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(rows))


def header(kind, exchange, **overrides):
    if kind == "request":
        data = {
            "title": "Imported masks",
            "needed_by": (exchange.today + dt.timedelta(days=10)).isoformat(),
            "delivery_site": "rome",
            "priority": "2",
            "releasability": "allies_partners",
        }
    else:
        data = {"title": "Imported offer", "terms": "donation", "releasability": "allies_partners"}
    return {**data, **overrides}


def upload(client, exchange, kind, file, **overrides):
    return client.post(IMPORT.format(kind), {**header(kind, exchange, **overrides), "file": file})


def apply(client, kind, response):
    return client.post(APPLY.format(kind), {"preview": response.context["token"]})


def bad_rows(response):
    return {error.row: error.reasons for error in response.context["preview"].errors}


def counts():
    return (
        AssistanceRequest.objects.count(),
        RequestLine.objects.count(),
        Offer.objects.count(),
        OfferLine.objects.count(),
        AuditEntry.objects.count(),
    )


def request_rows(count, *, bad=None):
    """A request file of `count` lines; the row numbered `bad` (the header is row 1) names an unknown item."""
    rows = [["item", "quantity"]]
    for number in range(2, count + 2):
        rows.append(["no-such-item" if number == bad else "mask-surgical", number])
    return rows


@pytest.fixture
def poc(client, exchange):
    client.force_login(exchange.world.ally_a)
    return client


@pytest.fixture
def field_hospital(exchange):
    return capability_type_upsert(
        actor=None,
        code="field-hospital",
        kind="field_hospital",
        name_en="Field hospital",
        name_nb="",
        name_nn="",
        beds=50,
    )[0]


# --- import: the good path -------------------------------------------------------------------------------


def test_it_imports_a_valid_csv_request_with_exactly_its_lines(poc, exchange, field_hospital):
    before = counts()
    file = csv_upload(
        [
            ["Item", "Capability", "Quantity", "Substitutes_OK", "Notes", "Comment"],
            ["mask-surgical", "", "1000", "no", "for Bergamo", "ignored"],
            ["", "field-hospital", "1", "", "", ""],
            ["mask-ffp2", "", " 250 ", "JA", "", ""],
            ["", "", "", "", "", ""],
            ["ventilator", "", "12", "1", "'=not a formula", ""],
        ]
    )
    preview = upload(poc, exchange, "request", file)
    assert preview.status_code == 200, preview.content.decode()[:3000]
    assert preview.context["preview"].ignored == ["Comment"]
    assert counts() == before  # a preview writes nothing
    done = apply(poc, "request", preview)
    assert done.status_code == 302
    request = AssistanceRequest.objects.get(title="Imported masks")
    assert (request.owner_nation_id, request.status, request.delivery_site.code) == ("ITA", "draft", "rome")
    assert [
        (
            line.item and line.item.code,
            line.capability and line.capability.code,
            line.quantity,
            line.substitutes_ok,
            line.notes,
        )
        for line in request.lines.order_by("id")
    ] == [
        ("mask-surgical", None, 1000, False, "for Bergamo"),
        (None, "field-hospital", 1, True, ""),
        ("mask-ffp2", None, 250, True, ""),
        ("ventilator", None, 12, True, "=not a formula"),
    ]
    assert counts()[0] == before[0] + 1 and counts()[4] == before[4] + 1  # one record, one audit entry
    assert poc.get(done.url).status_code == 200


def test_it_imports_a_semicolon_csv_offer_with_dates_and_sites(poc, exchange, field_hospital):
    today = exchange.today
    file = csv_upload(
        [
            ["item", "capability", "quantity", "available_from", "available_until", "origin_site", "notes"],
            ["mask-ffp2", "", "5000", today.isoformat(), (today + dt.timedelta(days=30)).isoformat(), "MADRID", "x"],
            ["", "field-hospital", "2", today.isoformat(), "", "", ""],
        ],
        delimiter=";",
    )
    preview = upload(poc, exchange, "offer", file)
    assert preview.status_code == 200, preview.content.decode()[:3000]
    apply(poc, "offer", preview)
    offer = Offer.objects.get(title="Imported offer")
    assert [
        (
            line.item_id and line.item.code,
            line.quantity,
            line.available_from,
            line.available_until,
            line.origin_site and line.origin_site.code,
        )
        for line in offer.lines.order_by("id")
    ] == [
        ("mask-ffp2", 5000, today, today + dt.timedelta(days=30), "madrid"),
        (None, 2, today, None, None),
    ]


def test_it_imports_a_valid_xlsx_offer_with_date_cells(poc, exchange):
    today = exchange.today
    file = xlsx_upload(
        [
            ["ITEM", "Quantity", "Available From", "available-until", "Origin Site"],
            ["mask-surgical", 600, today, dt.datetime.combine(today + dt.timedelta(days=5), dt.time()), "madrid"],
            ["ventilator", 3.0, today.isoformat(), None, None],
        ]
    )
    preview = upload(poc, exchange, "offer", file)
    assert preview.status_code == 200, preview.content.decode()[:3000]
    assert "Create with 2 lines" in preview.content.decode()
    apply(poc, "offer", preview)
    offer = Offer.objects.get(title="Imported offer")
    assert [
        (line.item.code, line.quantity, line.available_from, line.available_until)
        for line in offer.lines.order_by("id")
    ] == [
        ("mask-surgical", 600, today, today + dt.timedelta(days=5)),
        ("ventilator", 3, today, None),
    ]


def test_it_reads_hxl_hashtags_under_the_header_row(poc, exchange):
    file = xlsx_upload(
        [
            ["What", "How many", "Ready on", "Until", "From where"],
            ["#item +code", "#capacity", "#date +start", "#date +end", "#loc +code"],
            ["mask-ffp2", 10, exchange.today, None, "madrid"],
        ]
    )
    preview = upload(poc, exchange, "offer", file)
    assert preview.status_code == 200, preview.content.decode()[:3000]
    apply(poc, "offer", preview)
    line = Offer.objects.get(title="Imported offer").lines.get()
    assert (line.item.code, line.quantity, line.origin_site.code) == ("mask-ffp2", 10, "madrid")


def test_it_reads_hxl_hashtags_as_the_only_header_row(poc, exchange):
    file = csv_upload([["#item+code", "#need", "#meta +substitutes"], ["ventilator", "4", "nei"]])
    preview = upload(poc, exchange, "request", file)
    assert preview.status_code == 200, preview.content.decode()[:3000]
    apply(poc, "request", preview)
    line = AssistanceRequest.objects.get(title="Imported masks").lines.get()
    assert (line.item.code, line.quantity, line.substitutes_ok) == ("ventilator", 4, False)


def test_it_accepts_exactly_the_service_maximum_of_lines(poc, exchange):
    preview = upload(poc, exchange, "request", csv_upload(request_rows(services.MAX_LINES)))
    assert preview.status_code == 200
    apply(poc, "request", preview)
    assert AssistanceRequest.objects.get(title="Imported masks").lines.count() == services.MAX_LINES


# --- import: bad files, nothing written ------------------------------------------------------------------


@pytest.mark.parametrize(("size", "bad"), [(services.MAX_LINES, 337), (1000, 537)])
def test_it_reports_the_one_bad_row_of_a_large_file_and_writes_nothing(poc, exchange, size, bad):
    before = counts()
    response = upload(poc, exchange, "request", csv_upload(request_rows(size, bad=bad)))
    assert response.status_code == 400
    assert set(bad_rows(response)) == {bad}
    assert bad_rows(response)[bad] == ("Unknown item no-such-item.",)
    too_many = [p for p in response.context["preview"].problems if "at most" in p]
    assert bool(too_many) is (size > services.MAX_LINES)
    assert "token" not in response.context and transfer.SESSION_KEY not in poc.session
    # Nothing to apply: a forged or stale preview id creates nothing either.
    assert poc.post(APPLY.format("request"), {"preview": "0" * 32}).status_code == 302
    assert counts() == before


def test_it_reports_every_kind_of_bad_offer_row_at_once(poc, exchange, field_hospital):
    today = exchange.today.isoformat()
    rows = [
        ["item", "capability", "quantity", "available_from", "available_until", "origin_site", "notes"],
        ["mask-ffp2", "", "10", today, "", "madrid", ""],  # row 2: good
        ["no-such-item", "", "10", today, "", "", ""],  # 3
        ["", "no-such-capability", "10", today, "", "", ""],  # 4
        ["mask-ffp2", "", "", today, "", "", ""],  # 5
        ["mask-ffp2", "", "-4", today, "", "", ""],  # 6
        ["mask-ffp2", "", "0", today, "", "", ""],  # 7
        ["mask-ffp2", "", "ten", today, "", "", ""],  # 8
        ["mask-ffp2", "", "10", "22/11/2026", "", "", ""],  # 9
        ["mask-ffp2", "", "10", "2026-11-22", "2026-11-01", "", ""],  # 10
        ["mask-ffp2", "", "10", today, "", "atlantis", ""],  # 11
        ["mask-ffp2", "field-hospital", "10", today, "", "", ""],  # 12
        ["", "", "10", today, "", "", ""],  # 13
        ["mask-ffp2", "", "10", "", "", "", ""],  # 14
        ["mask-ffp2", "", "10", today, "", "", "x" * 501],  # 15
        ["mask-ffp2", "", "3000000000", today, "", "", ""],  # 16
        ["nope", "", "0", "2026-02-30", "", "atlantis", ""],  # 17: several reasons at once
    ]
    before = counts()
    response = upload(poc, exchange, "offer", csv_upload(rows))
    assert response.status_code == 400
    errors = bad_rows(response)
    expected = {
        3: "Unknown item no-such-item.",
        4: "Unknown capability no-such-capability.",
        5: "The quantity is missing.",
        6: "The quantity must be greater than zero.",
        7: "The quantity must be greater than zero.",
        8: "The quantity must be a whole number.",
        9: "Enter a valid date (YYYY-MM-DD).",
        10: "Available until is before available from.",
        11: "Unknown site atlantis.",
        12: "Give an item or a capability, not both.",
        13: "Give an item or a capability.",
        14: "Give the date it is available from.",
        15: "The text is too long (at most 500 characters).",
        16: "The quantity is too large.",
    }
    assert set(errors) == {*expected, 17}
    for row, reason in expected.items():
        assert errors[row] == (reason,), row
    assert errors[17] == (
        "Unknown item nope.",
        "The quantity must be greater than zero.",
        "Enter a valid date (YYYY-MM-DD).",
        "Unknown site atlantis.",
    )
    page = response.content.decode()
    assert page.index('data-testid="bad-rows"') < page.index('data-testid="good-rows"')  # bad rows first
    assert '<tr class="error"><td>17</td>' in page
    assert counts() == before


def test_it_reports_bad_request_rows_and_missing_columns(poc, exchange):
    response = upload(
        poc,
        exchange,
        "request",
        csv_upload(
            [["item", "quantity", "substitutes_ok"], ["mask-ffp2", "2.5", "maybe"], ["mask-ffp2", "1 000", "false"]]
        ),
    )
    assert bad_rows(response) == {2: ("The quantity must be a whole number.", "Write yes or no for substitutes_ok.")}
    assert response.context["preview"].summary() == [
        {"kind": "item", "code": "mask-ffp2", "lines": 1, "quantity": 1000, "name": "FFP2 mask", "unit": "piece"}
    ]
    missing = upload(poc, exchange, "request", csv_upload([["item", "amount"], ["mask-ffp2", "3"]]))
    assert missing.status_code == 400
    assert missing.context["preview"].problems == ["Missing column: quantity."]
    assert missing.context["preview"].errors == []  # not a reason per row for a missing column


def test_it_refuses_an_oversize_file(poc, exchange):
    before = counts()
    body = b"item,quantity\n" + b"mask-ffp2,1\n" * (transfer.MAX_UPLOAD_BYTES // 12 + 1)
    assert len(body) > transfer.MAX_UPLOAD_BYTES
    response = upload(poc, exchange, "request", SimpleUploadedFile("big.csv", body))
    assert response.status_code == 413
    assert "The file is too large: at most 10 MB." in response.content.decode()
    assert counts() == before


def test_it_refuses_a_spreadsheet_that_unpacks_to_too_much_before_opening_it(poc, exchange, monkeypatch):
    """Under the old 200 MB total the 190 MB of shared strings were parsed whole: 101 s and 1 GB."""
    bomb = shared_strings_bomb(transfer.MAX_XLSX_PART_BYTES + 1024 * 1024)
    assert len(bomb) < 500 * 1024
    opened = []
    monkeypatch.setattr(transfer, "load_workbook", lambda *args, **kwargs: opened.append(args))
    before = counts()
    response = upload(poc, exchange, "request", SimpleUploadedFile("bomb.xlsx", bomb))
    assert response.status_code == 413
    assert "The spreadsheet unpacks to too much data: at most 24 MB in one part, 64 MB in all." in (
        response.content.decode()
    )
    assert opened == [] and counts() == before


def test_it_counts_the_elements_of_a_spreadsheet_before_opening_it(poc, exchange, monkeypatch):
    """Within the bytes, a part of many tiny elements is still slow to parse: 23 MB of shared strings took 42 s."""
    bomb = shared_strings_bomb(1024**2)  # about 100,000 elements
    monkeypatch.setattr(transfer, "MAX_XLSX_ELEMENTS", 50_000)
    opened = []
    monkeypatch.setattr(transfer, "load_workbook", lambda *args, **kwargs: opened.append(args))
    response = upload(poc, exchange, "request", SimpleUploadedFile("many.xlsx", bomb))
    assert response.status_code == 413 and opened == []
    assert "The spreadsheet has too many cells, strings or styles: at most 50,000." in response.content.decode()


def test_it_reads_a_spreadsheet_of_shared_strings_within_the_bounds(poc, exchange):
    rows = (("item", "quantity"), ("mask-ffp2", "3"))
    response = upload(poc, exchange, "request", SimpleUploadedFile("fine.xlsx", shared_strings_bomb(1024**2, rows)))
    assert response.status_code == 200
    assert response.context["preview"].summary() == [
        {"kind": "item", "code": "mask-ffp2", "lines": 1, "quantity": 3, "name": "FFP2 mask", "unit": "piece"}
    ]


def test_it_reads_no_further_right_than_the_fields_can_be(poc, exchange):
    """A cell in column XFD made openpyxl pad every row of the sheet to 16,384 cells."""
    wide = ["item", "quantity", *([None] * 16_000), "far away"]
    table = transfer.read_upload(xlsx_upload([wide, ["mask-ffp2", 3]]), "request")
    assert {len(cells) for _row, cells in table.rows} <= {transfer.MAX_COLUMNS}
    assert "far away" not in table.ignored
    assert table.columns == {0: "item", 1: "quantity"}


def test_it_stops_at_max_rows_counting_blank_rows_too(poc, exchange, monkeypatch):
    monkeypatch.setattr(transfer, "MAX_ROWS", 10)
    rows = [["item", "quantity"], *([[None, None]] * 30), ["mask-ffp2", 3]]
    table = transfer.read_upload(csv_upload(rows), "request")
    assert table.rows == [] and table.problems == ["The file has more than 10 rows."]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("lines.pdf", b"%PDF-1.4 item,quantity", "Upload a CSV or XLSX file."),
        ("lines.xlsx", b"item,quantity\nmask-ffp2,1\n", "could not be read"),
        ("lines.xlsx", b"PK\x03\x04 but not a zip at all", "could not be read"),
        ("lines.csv", "item,quantity\nmåske,1\n".encode("latin-1"), "not in UTF-8"),
        ("lines.csv", b"item,quantity\x00\x01\x02", "could not be read"),
    ],
)
def test_it_refuses_a_file_that_is_not_csv_or_xlsx(poc, exchange, name, content, message):
    before = counts()
    response = upload(poc, exchange, "request", SimpleUploadedFile(name, content))
    assert response.status_code == 415
    assert message in response.content.decode()
    assert counts() == before


def test_it_checks_again_on_apply_and_writes_nothing_if_the_catalogue_changed(poc, exchange):
    preview = upload(
        poc, exchange, "request", csv_upload([["item", "quantity"], ["mask-ffp2", "5"], ["ventilator", "2"]])
    )
    assert preview.status_code == 200
    exchange.ventilator.delete()
    before = counts()
    response = apply(poc, "request", preview)
    assert response.status_code == 400
    assert bad_rows(response) == {3: ("Unknown item ventilator.",)}
    assert "Nothing was created." in response.content.decode()
    assert counts() == before


def test_it_creates_one_record_per_preview(poc, exchange):
    preview = upload(poc, exchange, "request", csv_upload([["item", "quantity"], ["mask-ffp2", "5"]]))
    assert apply(poc, "request", preview).status_code == 302
    again = apply(poc, "request", preview)
    assert again.status_code == 302 and again.url == IMPORT.format("request")
    assert AssistanceRequest.objects.filter(title="Imported masks").count() == 1


def test_it_keeps_the_header_errors_and_writes_nothing(poc, exchange):
    response = upload(
        poc,
        exchange,
        "request",
        csv_upload([["item", "quantity"], ["mask-ffp2", "5"]]),
        needed_by="2001-01-01",
        delivery_site="atlantis",
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"needed_by", "delivery_site"}
    assert AssistanceRequest.objects.count() == 0


def test_it_passes_on_the_services_refusal_and_writes_nothing(poc, exchange):
    # A sale without a price passes the form; the service refuses it, and nothing is written.
    preview = upload(
        poc,
        exchange,
        "offer",
        csv_upload([["item", "quantity", "available_from"], ["mask-ffp2", "5", exchange.today.isoformat()]]),
        terms="sale",
    )
    before = counts()
    response = apply(poc, "offer", preview)
    assert response.status_code == 400
    assert "A sale needs a price." in response.content.decode()
    assert counts() == before


def test_it_lets_only_a_point_of_contact_or_coordinator_import(client, exchange):
    client.force_login(exchange.world.viewer)
    assert client.get(IMPORT.format("request")).status_code == 403
    client.logout()
    assert client.get(IMPORT.format("request")).status_code == 302


def test_it_shows_the_form_with_blank_templates_that_import_cleanly(poc, exchange):
    page = poc.get(IMPORT.format("offer"))
    assert page.status_code == 200 and "#date +start" in page.content.decode()
    for fmt in ("csv", "xlsx"):
        blank = poc.get(f"/exchange/transfer/import/offer/template.{fmt}?hxl=1")
        content = b"".join(blank.streaming_content) if blank.streaming else blank.content
        rows = _rows(fmt, content)
        assert rows[0][:3] == ["item", "capability", "quantity"] and rows[1][0] == "#item +code"


# --- export ----------------------------------------------------------------------------------------------

EXPORT = "/exchange/transfer/export/{}.{}"
KINDS = transfer.EXPORT_KINDS


def _rows(fmt, content):
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    width = len(rows[0]) if rows else 0
    return [row + [""] * (width - len(row)) for row in rows]  # trailing empty cells are not stored


def download(client, kind, fmt="csv", **params):
    response = client.get(EXPORT.format(kind, fmt), params)
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, _rows(fmt, content)


def same(text, cell):
    """A CSV value and the XLSX cell of the same row and column hold the same thing."""
    if isinstance(cell, dt.datetime):  # a date or a UTC time: ISO text in CSV, a date-time cell in XLSX
        return abs(dt.datetime.fromisoformat(text).replace(tzinfo=None) - cell) < dt.timedelta(milliseconds=5)
    if isinstance(cell, bool):
        return text == ("yes" if cell else "no")
    return text == str(cell)


@pytest.fixture
def listed(exchange):
    w = exchange.world
    allies = exchange.request(releasability="allies", priority=1)
    allies.title = "Allies only"
    allies.save()
    shared = exchange.request(priority=3, lines=(("mask-surgical", 1000), ("ventilator", 4)))
    shared.title = "Shared with partners"
    shared.save()
    named = exchange.request(w.ally_b, releasability="named", release_to=["AUS"], site=exchange.madrid)
    named.title = "For Australia"
    named.save()
    offer_allies = exchange.offer(releasability="allies")
    offer_shared = exchange.offer(lines=(("mask-surgical", 500), ("ventilator", 2)))
    allocation = services.allocation_propose(
        actor=w.coordinator, offer_line=offer_shared.lines.first(), request_line=shared.lines.first(), quantity=300
    )
    services.allocation_accept(actor=w.ally_a, allocation=allocation)
    return {
        "allies": allies,
        "shared": shared,
        "named": named,
        "offer_allies": offer_allies,
        "offer_shared": offer_shared,
        "allocation": allocation,
    }


def ids(rows, column=0):
    return sorted(int(row[column]) for row in rows[1:])


def test_it_exports_to_a_partner_nothing_that_is_for_allies_only(client, exchange, listed):
    w = exchange.world
    exported = {}
    for who in ("ally_b", "partner", "outsider"):
        client.force_login(getattr(w, who))
        exported[who] = {kind: download(client, kind)[1] for kind in KINDS}
    ally, partner, outsider = exported["ally_b"], exported["partner"], exported["outsider"]
    assert ids(ally["requests"]) == sorted(r.pk for r in (listed["allies"], listed["shared"], listed["named"]))
    assert ids(partner["requests"]) == sorted(r.pk for r in (listed["shared"], listed["named"]))
    assert listed["allies"].pk not in ids(partner["request-lines"])
    assert listed["allies"].pk in ids(ally["request-lines"])
    assert listed["offer_allies"].pk in ids(ally["offers"]) and listed["offer_allies"].pk not in ids(partner["offers"])
    assert listed["offer_allies"].pk not in ids(partner["offer-lines"])
    assert "Allies only" not in str(partner) and "Allies only" in str(ally)
    assert ids(ally["allocations"]) == [listed["allocation"].pk] and ids(partner["allocations"]) == []
    for kind in KINDS:  # the outsider sees the header and nothing else
        assert len(outsider[kind]) == 1 and outsider[kind][0] == [c.header for c in transfer.EXPORT_COLUMNS[kind]]


def test_it_exports_line_quantities(client, exchange, listed):
    client.force_login(exchange.world.ally_a)
    _response, rows = download(client, "request-lines", request=listed["shared"].pk, q="Shared")
    header = rows[0]
    line = dict(zip(header, next(row for row in rows[1:] if row[header.index("item")] == "mask-surgical"), strict=True))
    assert (
        line["quantity"],
        line["allocated"],
        line["accepted"],
        line["shipped"],
        line["delivered"],
        line["cancelled"],
        line["nation"],
        line["priority"],
    ) == ("1000", "300", "300", "0", "0", "0", "ITA", "3")


@pytest.mark.parametrize("kind", KINDS)
def test_it_writes_the_same_rows_to_csv_and_xlsx(client, exchange, listed, kind):
    client.force_login(exchange.world.coordinator)
    csv_response, csv_rows = download(client, kind, "csv")
    xlsx_response, xlsx_rows = download(client, kind, "xlsx")
    assert len(csv_rows) > 1 and len(csv_rows) == len(xlsx_rows)
    for csv_row, xlsx_row in zip(csv_rows, xlsx_rows, strict=True):
        assert all(same(text, cell) for text, cell in zip(csv_row, xlsx_row, strict=True)), (csv_row, xlsx_row)
    today = exchange.today.isoformat()
    assert csv_response["Content-Disposition"] == f'attachment; filename="aidx-{kind}-{today}.csv"'
    assert f'filename="aidx-{kind}-{today}.xlsx"' in xlsx_response["Content-Disposition"]
    assert csv_response["Content-Type"].startswith("text/csv")


def test_it_filters_exports_as_the_list_pages_do(client, exchange, listed):
    client.force_login(exchange.world.coordinator)
    every = sorted(r.pk for r in (listed["allies"], listed["shared"], listed["named"]))
    assert ids(download(client, "requests")[1]) == every
    assert ids(download(client, "requests", nation="ESP")[1]) == [listed["named"].pk]
    assert ids(download(client, "requests", priority="3")[1]) == [listed["shared"].pk]
    assert ids(download(client, "requests", q="allies")[1]) == [listed["allies"].pk]
    assert ids(download(client, "requests", status="partially_met")[1]) == [listed["shared"].pk]
    assert ids(download(client, "requests", item="ventilator")[1]) == [listed["shared"].pk]
    later = (exchange.today + dt.timedelta(days=11)).isoformat()
    assert ids(download(client, "requests", needed_from=later)[1]) == []
    assert ids(download(client, "requests", needed_until=later)[1]) == every
    assert ids(download(client, "requests", status="nonsense")[1]) == every  # a bad filter is left out, as on lists
    lines = download(client, "request-lines", item="ventilator")[1]
    assert [row[lines[0].index("item")] for row in lines[1:]] == ["ventilator"]
    assert ids(download(client, "offers", nation="ESP", q="Spain")[1]) == sorted(
        o.pk for o in (listed["offer_allies"], listed["offer_shared"])
    )
    assert ids(download(client, "allocations", status="accepted")[1]) == [listed["allocation"].pk]
    assert ids(download(client, "allocations", status="proposed")[1]) == []


def test_it_adds_an_hxl_row_when_asked(client, exchange, listed):
    client.force_login(exchange.world.ally_a)
    rows = download(client, "requests", hxl="1")[1]
    assert rows[1][:2] == ["#meta +id", "#country +code"] and "#date +reported" in rows[1]
    sheet = download(client, "offer-lines", "xlsx", hxl="1")[1]
    assert sheet[1][sheet[0].index("item")] == "#item +code" and sheet[1][sheet[0].index("item_name")] == "#item +name"
    assert not download(client, "requests")[1][1][0].startswith("#")


def test_it_imports_an_exported_offer_lines_file(client, exchange, listed):
    client.force_login(exchange.world.ally_b)
    _response, rows = download(client, "offer-lines", "xlsx", hxl="1", q="Spain")
    with_lines = [row for row in rows[2:] if int(row[0]) == listed["offer_shared"].pk]
    file = xlsx_upload([rows[0], rows[1], *with_lines])
    preview = upload(client, exchange, "offer", file)
    assert preview.status_code == 200, preview.content.decode()[:3000]
    assert [(line.item, line.quantity) for _row, line in preview.context["preview"].lines] == [
        ("mask-surgical", 500),
        ("ventilator", 2),
    ]


def test_it_makes_formula_text_inert_in_exports(client, exchange, listed):
    listed["shared"].title = '=HYPERLINK("http://evil.example","x")'
    listed["shared"].save()
    client.force_login(exchange.world.ally_a)
    csv_rows = download(client, "requests", q="HYPERLINK")[1]
    assert csv_rows[1][2] == "'" + listed["shared"].title
    response = client.get(EXPORT.format("requests", "xlsx"), {"q": "HYPERLINK"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert sheet.cell(row=2, column=3).data_type == "s"
    assert sheet.cell(row=2, column=3).value == listed["shared"].title


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_in_a_constant_number_of_queries(client, exchange, kind, fmt, django_assert_max_num_queries):
    w = exchange.world
    client.force_login(w.ally_a)

    def grow(times):
        for _ in range(times):
            request = exchange.request(lines=(("mask-surgical", 10), ("ventilator", 1)))
            offer = exchange.offer(lines=(("mask-surgical", 10), ("ventilator", 1)))
            services.allocation_propose(
                actor=w.coordinator, offer_line=offer.lines.first(), request_line=request.lines.first(), quantity=5
            )

    def export():
        response = client.get(EXPORT.format(kind, fmt))
        content = b"".join(response.streaming_content)
        return len(_rows(fmt, content))

    grow(1)
    with CaptureQueriesContext(connection) as few:
        assert export() > 1
    grow(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert export() >= 16


# --- the pieces on their own -----------------------------------------------------------------------------


def test_it_refuses_to_apply_a_preview_with_errors(exchange):
    preview = transfer.Preview(
        kind="request",
        lines=[(2, LineInput(item="mask-ffp2", quantity=1))],
        errors=[transfer.RowError(row=3, reasons=("Unknown item x.",))],
    )
    with pytest.raises(transfer.BusinessError):
        transfer.apply(preview, actor=exchange.world.ally_a, header={})
    assert AssistanceRequest.objects.count() == 0


def test_it_checks_rows_in_three_queries_however_many(exchange, django_assert_max_num_queries):
    rows = [
        (n, {"item": "mask-ffp2", "quantity": n, "available_from": "2026-01-01", "origin_site": "madrid"})
        for n in range(2, 2002)
    ]
    with django_assert_max_num_queries(3):  # items, capabilities, sites: none when there is no code to look up
        lines, errors = transfer.check_rows("offer", rows)
    assert len(lines) == 2000 and errors == []


def test_it_exports_codes_with_names_in_the_readers_language(client, exchange, listed):
    from aidx.catalogue.services import item_upsert

    item_upsert(
        actor=None,
        code="ventilator",
        name_en="Ventilator",
        name_nn="Respirator",
        category="respiratory",
        unit="piece",
        unit_weight_kg="45",
        unit_volume_m3="0.0002",
    )
    client.force_login(exchange.world.ally_a)
    client.post("/i18n/setlang/", {"language": "nn", "next": "/"})
    rows = download(client, "request-lines", item="ventilator")[1]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["item"], row["item_name"], row["nation"], row["nation_name"]) == (
        "ventilator",
        "Respirator",
        "ITA",
        "Italia",
    )
