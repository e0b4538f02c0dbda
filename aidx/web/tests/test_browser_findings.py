"""#16's findings that were tested through Django's test client only, seen in a real browser: the reasons of a match
run and of the airlift planner (2), the export buttons and the import page (3), figures per item that agree with the
lists (4), and only the actions the viewer may take (9)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from aidx.assistance import selectors
from aidx.assistance import services as exchange_services
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.assistance.workflow import ALLOCATION, OFFER, REQUEST
from aidx.logistics import planning
from aidx.logistics.models import Aircraft, PlanRun
from aidx.logistics.tests.conftest import airlift  # noqa: F401  (the airlift world, on the exchange fixture)
from aidx.matching.reasons import unmet_message, unused_message
from aidx.matching.tests.test_reasons import story as reasons  # noqa: F401  (one item per reason, and the run)
from aidx.nations.policy import viewer_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(page, live_server, login, username, password):
    page.context.clear_cookies()  # sign the previous person out
    login(page, live_server, username, password)


def _rows(table) -> list[list[str]]:
    """The cells' text of a table's body, row by row, as the reader sees them."""
    return table.locator("tbody tr").evaluate_all(
        "(rows) => rows.map(row => [...row.cells].map(cell => cell.innerText.trim()))"
    )


# --- 2: a reason, in words, for every line a run or a plan leaves out ------------------------------------------


def test_it_shows_why_each_need_is_unmet_and_each_offer_unused_on_the_run_page(page, live_server, login, reasons):  # noqa: F811
    exchange, run, lines, offers = reasons
    _as(page, live_server, login, "coord", exchange.world.password)
    page.goto(f"{live_server.url}/matching/{run.pk}/")
    unmet = {cells[1]: cells[3] for cells in _rows(page.get_by_test_id("unmet"))}
    assert unmet == {request.lines.get().item.name: unmet_message(reason) for reason, request in lines.items()}
    unused = {cells[2]: cells[4] for cells in _rows(page.get_by_test_id("unused"))}
    assert unused == {offer.lines.get().item.name: unused_message(reason) for reason, offer in offers.items()}
    # Türkiye's ventilators of the finding: nobody asked for them, and the page says so
    assert unused["Ventilator"] == "No open request for this item or one it may replace."
    assert unmet["Gloves"] == "No other nation offers this item or a substitute for it."


def test_it_shows_why_the_planner_proposes_no_mission(
    page,
    live_server,
    login,
    airlift,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    airlift.accepted(status="proposed")  # proposed to Italy, not accepted: nothing to carry yet
    with django_capture_on_commit_callbacks(execute=True):
        waiting = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)
    Aircraft.objects.update(active=False)
    airlift.accepted()  # accepted now, but no aircraft may fly
    with django_capture_on_commit_callbacks(execute=True):
        grounded = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)
    _as(page, live_server, login, "spain_log", airlift.world.password)
    for run, code in ((waiting, "awaiting_acceptance"), (grounded, "no_aircraft")):
        run = PlanRun.objects.get(pk=run.pk)
        assert run.status == "succeeded" and run.proposal["summary"]["why_none"] == code, run.error
        page.goto(f"{live_server.url}/logistics/planner/{run.pk}/")
        assert "0 missions proposed" in page.get_by_test_id("run").inner_text()
        why = page.get_by_test_id("why-none")
        assert why.is_visible() and why.inner_text().strip() == str(planning.NO_MISSION[code])


# --- 3: export buttons on the lists, the import page in the navigation ------------------------------------------


def _downloads(page) -> dict[str, list[list[str]]]:
    """Press the list's CSV, XLSX and HXL buttons; the rows of each file, its header first."""
    buttons = page.get_by_test_id("exports").locator("a[download]")
    assert buttons.evaluate_all("(found) => found.map(a => a.dataset.format)") == ["csv", "xlsx", "hxl"]
    files = {}
    for button in buttons.all():
        with page.expect_download() as started:
            button.click()
        download = started.value
        assert download.failure() is None
        path = download.path()
        fmt = button.get_attribute("data-format")
        if fmt == "xlsx":
            assert download.suggested_filename.endswith(".xlsx")
            sheet = load_workbook(io.BytesIO(path.read_bytes()), read_only=True).worksheets[0]  # its name has no .xlsx
            files[fmt] = [
                ["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)
            ]
        else:
            assert download.suggested_filename.endswith(".csv")
            with open(path, encoding="utf-8-sig", newline="") as text:
                files[fmt] = list(csv.reader(io.StringIO(text.read())))
    return files


def _listed(page, kind: str) -> list[str]:
    """The ids of the records a list page shows, from its rows' links."""
    hrefs = page.locator("table.list tbody tr td:first-child a").evaluate_all("(links) => links.map(a => a.pathname)")
    return [re.fullmatch(rf"/exchange/{kind}/(\d+)/", href).group(1) for href in hrefs]


def _ids(rows: list[list[str]], column: str, *, hxl: bool = False) -> list[str]:
    header, body = rows[0], rows[2:] if hxl else rows[1:]
    if hxl:
        assert rows[1][header.index(column)].startswith("#"), rows[1]  # the hashtag row
    return [row[header.index(column)] for row in body]


def test_it_downloads_each_list_as_it_shows_it_and_finds_the_import_page(page, live_server, login, exchange):
    w = exchange.world
    masks = exchange.request()
    ventilators = exchange.request(user=w.ally_b, lines=(("ventilator", 4),))
    exchange.request(user=w.ally_b, releasability="named", release_to=["ITA"])  # not for Australia
    exchange.offer()
    exchange.offer(releasability="allies")  # not for Australia
    _as(page, live_server, login, "partner", w.password)

    page.goto(f"{live_server.url}/exchange/requests/")
    shown = _listed(page, "requests")
    assert sorted(shown) == sorted([str(masks.pk), str(ventilators.pk)])
    files = _downloads(page)
    assert sorted(_ids(files["csv"], "request_id")) == sorted(shown)
    assert sorted(_ids(files["xlsx"], "request_id")) == sorted(shown)
    assert sorted(_ids(files["hxl"], "request_id", hxl=True)) == sorted(shown)

    # filtered on the page, the files follow the filter
    page.get_by_label("Item or capability").select_option("ventilator")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    assert _listed(page, "requests") == [str(ventilators.pk)]
    for fmt, rows in _downloads(page).items():
        assert _ids(rows, "request_id", hxl=fmt == "hxl") == [str(ventilators.pk)], fmt

    page.goto(f"{live_server.url}/exchange/offers/")
    shown = _listed(page, "offers")
    assert len(shown) == 1
    for fmt, rows in _downloads(page).items():
        assert _ids(rows, "offer_id", hxl=fmt == "hxl") == shown, fmt

    # Italy finds the import page in the menu; the preview of its file names the items
    _as(page, live_server, login, "ally_a", w.password)
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    assert page.url.endswith("/exchange/transfer/import/request/")
    page.get_by_label("Title").fill("Imported masks")
    page.get_by_label("Needed by").fill((exchange.today + dt.timedelta(days=10)).isoformat())
    page.get_by_label("Delivery site").select_option("rome")
    page.get_by_label("File of lines (CSV or XLSX)").set_input_files(
        {"name": "lines.csv", "mimeType": "text/csv", "buffer": b"item,quantity\nmask-ffp2,5\nventilator,2\n"}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Check the file").click()
    good = {cells[0]: cells[2] for cells in _rows(page.get_by_test_id("good-rows"))}
    assert good == {"FFP2 mask mask-ffp2": "5 pieces", "Ventilator ventilator": "2 pieces"}
    assert AssistanceRequest.objects.filter(title="Imported masks").count() == 0  # nothing made before confirming


# --- 4: needs per item, and a picture that agrees with the lists -------------------------------------------------


def test_it_shows_a_partner_needs_per_item_and_the_share_its_list_shows(page, live_server, login, exchange):
    w = exchange.world
    mixed = exchange.request(lines=(("mask-surgical", 100_000), ("ventilator", 10)))
    offer = exchange.offer(lines=(("mask-surgical", 100_000),))
    exchange_services.allocation_accept(
        actor=w.ally_a,
        allocation=exchange_services.allocation_propose(
            actor=w.coordinator,
            offer_line=offer.lines.get(),
            request_line=mixed.lines.get(item__code="mask-surgical"),
            quantity=100_000,
        ),
    )
    _as(page, live_server, login, "partner", w.password)
    page.goto(f"{live_server.url}/exchange/requests/")
    row = page.locator("table.list tbody tr", has=page.locator(f"a[href='/exchange/requests/{mixed.pk}/']"))
    listed = row.locator("td").last.inner_text()
    listed_share = re.search(r"(\d+)\s?%", listed)
    assert listed_share, listed

    page.goto(f"{live_server.url}/picture/")
    figure = page.get_by_test_id("share-met").inner_text()
    assert re.sub(r"\s", "", figure) == f"{listed_share.group(1)}%"  # the picture agrees with the list
    assert figure.startswith("47")  # 400 kg of masks met of 400 kg + 450 kg of ventilators, by weight
    needs = {cells[0]: cells[1:3] for cells in _rows(page.get_by_test_id("needs-by-item"))}
    assert needs == {"Surgical mask": ["100,000 pieces", "100,000 pieces"], "Ventilator": ["10 pieces", "0 pieces"]}
    assert "100,010" not in page.locator("main").inner_text()  # never masks and ventilators added up


# --- 9: only the actions the viewer may take ---------------------------------------------------------------------

ACTION_URL = re.compile(r"/exchange/(requests|offers|allocations)/(\d+)/([a-z_]+)/")
TABLES = {"requests": (REQUEST, AssistanceRequest), "offers": (OFFER, Offer), "allocations": (ALLOCATION, Allocation)}


LINKS = {"reply"}  # actions drawn as a link to another form (an offer in reply), not as a form of their own


def _offered(page, kind: str, pk: int) -> set[tuple[str, int, str]]:
    """The actions the page offers: each visible form that posts to a record's action, as (kind, id, action), and
    each visible link named as an action of the page's record. The request page's proposal form (#propose, posting
    to the page itself) is not a transition of a table."""
    forms = page.locator("main form[method=post]:not(#propose form)")
    found = set()
    script = "(found) => found.filter(f => f.checkVisibility()).map(f => f.getAttribute('action') || '')"
    for action in forms.evaluate_all(script):
        match = ACTION_URL.fullmatch(action)
        assert match, f"a form posting to {action!r}, not to an action of the record"
        found.add((match[1], int(match[2]), match[3]))
    links = page.locator("main a[data-action]")
    for name in links.evaluate_all("(found) => found.filter(a => a.checkVisibility()).map(a => a.dataset.action)"):
        found.add((kind, pk, name))
    return found


def _allowed(user, kind: str, record) -> set[tuple[str, int, str]]:
    """What the workflow tables allow `user` on the page of `record`: its own actions and those of every allocation
    the page lists (the allocations the user may see)."""
    workflow, _model = TABLES[kind]
    allowed = {(kind, record.pk, name) for name in workflow.action_names(user, record)}
    if kind != "allocations":
        lines = {"requests": {"request": record.pk}, "offers": {"offer": record.pk}}[kind]
        for allocation in selectors.allocations_visible_to(viewer_for(user), **lines):
            allowed |= {("allocations", allocation.pk, name) for name in ALLOCATION.action_names(user, allocation)}
    return allowed


def test_it_shows_each_viewer_only_the_actions_the_workflow_allows_it(page, live_server, login, exchange):
    w = exchange.world
    request = exchange.request(lines=(("mask-surgical", 1000), ("ventilator", 10)))
    offer = exchange.offer(lines=(("mask-surgical", 600), ("ventilator", 10)))
    proposed = exchange_services.allocation_propose(
        actor=w.coordinator,
        offer_line=offer.lines.get(item__code="mask-surgical"),
        request_line=request.lines.get(item__code="mask-surgical"),
        quantity=600,
    )
    accepted = exchange_services.allocation_accept(
        actor=w.ally_a,
        allocation=exchange_services.allocation_propose(
            actor=w.coordinator,
            offer_line=offer.lines.get(item__code="ventilator"),
            request_line=request.lines.get(item__code="ventilator"),
            quantity=10,
        ),
    )
    pages = [("requests", request), ("offers", offer), ("allocations", proposed), ("allocations", accepted)]
    owners = {"ally_a": w.ally_a, "ally_b": w.ally_b, "coord": w.coordinator}  # the two nations, and the centre
    bystanders = {"late_ally": w.late_ally, "partner": w.partner, "viewer": w.viewer}  # another ally, a partner,
    # and the centre's read-only viewer: none of them may act on any of these records
    offered: dict[str, set[tuple[str, int, str]]] = {}
    for username, user in {**owners, **bystanders}.items():
        _as(page, live_server, login, username, w.password)
        for kind, record in pages:
            answer = page.goto(f"{live_server.url}/exchange/{kind}/{record.pk}/")
            if answer.status == 404:  # an allocation is seen by its parties and the centre only
                assert username in bystanders and kind == "allocations"
                continue
            assert answer.status == 200
            allowed = _allowed(user, kind, record)
            if username in bystanders:
                # what the table says of them, before the page is read: nothing but offering in reply to a request
                assert not {act for act in allowed if act[2] not in LINKS}, (username, kind, allowed)
                assert page.locator("main form[method=post]").count() == 0, (username, kind)
                assert page.locator("main button").count() == 0, (username, kind)
            assert _offered(page, kind, record.pk) == allowed, (username, kind, record.pk)
            offered.setdefault(username, set()).update(allowed)
            for _kind, pk, name in allowed:  # each drawn as a button that can be pressed
                if name in LINKS:
                    assert page.locator(f"main a[data-action='{name}']").is_visible()
                    continue
                url = f"/exchange/{_kind}/{pk}/{name}/"
                assert page.locator(f"main form[action='{url}'] button[type=submit]").is_enabled()
    # each owner was offered actions (Italy accepts or declines, Spain ships or cancels, the centre cancels): the
    # test saw the buttons drawn, not only their absence
    assert all(offered[username] for username in owners), offered
