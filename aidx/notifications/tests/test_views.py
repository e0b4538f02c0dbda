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
