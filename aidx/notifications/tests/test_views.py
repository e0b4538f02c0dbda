"""The notifications page, the inbox's unread list and the menu's unread badge."""

from __future__ import annotations

from django.utils import translation
from django.utils.html import escape

from aidx.assistance.tests.conftest import exchange  # noqa: F401  (the exchange fixture, shared)
from aidx.notifications.models import Notification


def test_it_lists_my_notifications_only_and_marks_them_read(client, exchange):  # noqa: F811
    w = exchange.world
    request = exchange.request()  # circulated: Spain's and Australia's points of contact hear of it
    client.force_login(w.ally_b)
    page = client.get("/notifications/")
    texts = [n.text for n in page.context["page"]]
    assert texts == ["Italy asks for assistance: Masks for Lombardy"]
    assert f'href="/exchange/requests/{request.pk}/"' in page.content.decode()
    assert 'data-testid="unread-count">1<' in page.content.decode()
    assert {n.user for n in Notification.objects.all()} >= {w.ally_b, w.partner}
    answer = client.post("/notifications/read/")
    assert answer.status_code == 302
    assert not Notification.objects.filter(user=w.ally_b, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=w.partner, read_at__isnull=True).exists()  # others' untouched
    assert 'data-testid="unread-count"' not in client.get("/notifications/").content.decode()
    assert client.get("/notifications/read/").status_code == 405


def test_it_renders_the_text_in_the_readers_language(client, exchange):  # noqa: F811
    exchange.request()
    client.force_login(exchange.world.ally_b)
    notification = Notification.objects.get(user=exchange.world.ally_b)
    client.post("/i18n/setlang/", {"language": "nn", "next": "/"})
    page = client.get("/notifications/").content.decode()
    with translation.override("nn"):
        assert '<html lang="nn">' in page and escape(notification.text) in page


def test_it_shows_unread_notifications_in_the_inbox(client, exchange):  # noqa: F811
    exchange.request()
    client.force_login(exchange.world.partner)
    inbox = client.get("/exchange/inbox/")
    assert [n.kind for n in inbox.context["notifications"]] == ["request_circulated"]
    client.force_login(exchange.world.outsider)  # Brazil is told nothing of a request it may not see
    assert list(client.get("/exchange/inbox/").context["notifications"]) == []


def _nynorsk_names(exchange):  # noqa: F811
    from aidx.catalogue.services import item_upsert

    item_upsert(
        actor=None,
        code="mask-surgical",
        name_en="Surgical mask",
        name_nb="Kirurgisk munnbind",
        name_nn="Kirurgisk munnbind (nn)",
        category="ppe",
        unit="piece",
        unit_weight_kg="0.004",
        unit_volume_m3="0.0002",
    )


def test_it_names_nations_items_and_quantities_in_each_readers_language(client, exchange):  # noqa: F811
    from aidx.assistance import services

    _nynorsk_names(exchange)
    request, offer = (
        exchange.request(lines=(("mask-surgical", 3000),)),
        exchange.offer(lines=(("mask-surgical", 2500),)),
    )
    services.allocation_propose(
        actor=exchange.world.coordinator,
        offer_line=offer.lines.get(),
        request_line=request.lines.get(),
        quantity=2500,
    )
    proposed = Notification.objects.get(user=exchange.world.ally_b, kind="allocation_proposed")
    with translation.override("en"):
        assert proposed.text == "Proposed: 2,500 × Surgical mask from Spain for Masks for Lombardy"
    with translation.override("nn"):
        assert proposed.text == "Føreslått: 2\u00a0500 × Kirurgisk munnbind (nn) frå Spania til Masks for Lombardy"
    client.force_login(exchange.world.ally_b)
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="nn").content.decode()
    assert "Kirurgisk munnbind (nn)" in page and "Italia ber" in page


def test_it_mails_each_reader_in_their_own_language(exchange, mailoutbox, django_capture_on_commit_callbacks):  # noqa: F811
    from aidx.accounts.models import User

    _nynorsk_names(exchange)
    User.objects.filter(pk=exchange.world.ally_b.pk).update(email="spain@example.org", language="nn")
    User.objects.filter(pk=exchange.world.partner.pk).update(email="australia@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        exchange.request()
    subjects = {mail.to[0]: mail.subject for mail in mailoutbox}
    assert subjects["spain@example.org"].startswith("[aidx] Italia ber")
    assert subjects["australia@example.org"].startswith("[aidx] Italy asks for assistance")
