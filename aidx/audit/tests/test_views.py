"""The audit log in words: sentences, a record's history, exports."""

from __future__ import annotations

import csv
import io

from aidx.assistance import services
from aidx.assistance.tests.conftest import exchange  # noqa: F401  (the exchange fixture, shared)


def _accepted(exchange):  # noqa: F811
    request, offer = exchange.request(), exchange.offer()
    allocation = services.allocation_propose(
        actor=exchange.world.coordinator,
        offer_line=offer.lines.get(),
        request_line=request.lines.get(),
        quantity=100,
    )
    return request, services.allocation_accept(actor=exchange.world.ally_a, allocation=allocation)


def test_it_tells_what_happened_in_sentences_without_codes(client, exchange):  # noqa: F811
    _request, allocation = _accepted(exchange)
    client.force_login(exchange.world.coordinator)
    page = client.get("/audit/", {"type": "assistance.allocation", "id": allocation.pk})
    sentences = [entry.sentence for entry in page.context["page"]]
    assert sentences == [
        f"Italy's point of contact accepted allocation {allocation.pk}.",
        f"Coordination centre's coordinator proposed allocation {allocation.pk}.",
    ]
    html = page.content.decode()
    assert f"History of allocation {allocation.pk}" in html
    for code in ("allocation.accept", "assistance.allocation #", "decided_at"):
        assert code not in html.replace('name="type" value="assistance.allocation"', "")
    changed = {label: after for label, _before, after in page.context["page"][0].changed}
    assert changed["status"] == "accepted" and "decided" in changed


def test_it_speaks_the_readers_language(client, exchange):  # noqa: F811
    _request, allocation = _accepted(exchange)
    client.force_login(exchange.world.coordinator)
    page = client.get(
        "/audit/", {"type": "assistance.allocation", "id": allocation.pk}, HTTP_ACCEPT_LANGUAGE="nn"
    ).content.decode()
    assert f"Kontaktpunktet til Italia godtok tildeling {allocation.pk}." in page


def test_it_links_each_record_to_its_history_for_coordinators_only(client, exchange):  # noqa: F811
    request, _allocation = _accepted(exchange)
    link = f'href="/audit/?type=assistance.assistancerequest&amp;id={request.pk}"'
    client.force_login(exchange.world.coordinator)
    assert link in client.get(f"/exchange/requests/{request.pk}/").content.decode()
    history = client.get("/audit/", {"type": "assistance.assistancerequest", "id": request.pk})
    assert {entry.target_id for entry in history.context["page"]} == {str(request.pk)}
    client.force_login(exchange.world.ally_a)  # sees the request, may not read the log
    assert "history-link" not in client.get(f"/exchange/requests/{request.pk}/").content.decode()


def test_it_exports_the_filtered_log_with_codes_and_sentences(client, exchange):  # noqa: F811
    _request, allocation = _accepted(exchange)
    client.force_login(exchange.world.coordinator)
    answer = client.get("/audit/", {"type": "assistance.allocation", "id": allocation.pk, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert [(row["action"], row["what"]) for row in rows] == [
        ("allocation.accept", f"Italy's point of contact accepted allocation {allocation.pk}."),
        ("allocation.propose", f"Coordination centre's coordinator proposed allocation {allocation.pk}."),
    ]
    assert rows[0]["account"] == "ally_a" and rows[0]["record_id"] == str(allocation.pk)
    xlsx = client.get("/audit/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(exchange.world.ally_a)
    assert client.get("/audit/", {"format": "csv"}).status_code == 403
