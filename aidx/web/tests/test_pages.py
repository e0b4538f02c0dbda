from __future__ import annotations

import pytest

PAGES = [
    "/",
    "/documents/",
    "/documents/new/",
    "/registry/nations/",
    "/registry/nations/ITA/",
    "/registry/sites/",
    "/registry/organisations/",
    "/catalogue/items/",
    "/catalogue/capabilities/",
    "/accounts/tokens/",
    "/accounts/password/",
]


@pytest.mark.parametrize("who", ["coordinator", "ally_a", "partner", "outsider", "viewer"])
def test_it_renders_every_page_for_every_kind_of_user(client, world, who):
    client.force_login(getattr(world, who))
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert b'name="viewport"' in answer.content


def test_it_sends_signed_out_visitors_to_the_login_page(client, db):
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/"), path


def test_it_shows_the_audit_menu_to_coordinators_only(client, world):
    client.force_login(world.coordinator)
    assert b'href="/audit/"' in client.get("/").content
    client.force_login(world.ally_a)
    assert b'href="/audit/"' not in client.get("/").content


def test_it_shows_members_on_a_chosen_date(client, scenario):
    from aidx.accounts.models import User

    client.force_login(User.objects.get(username="viewer"))
    page = client.get("/registry/nations/", {"on": "2020-06-18"})
    assert page.context["allies"] == 30
    page = client.get("/registry/nations/", {"on": "2024-03-07", "standing": "ally"})
    assert len(page.context["nations"]) == 32
    page = client.get("/registry/nations/", {"on": "not-a-date"})
    assert page.status_code == 200 and page.context["date_error"]


@pytest.mark.parametrize(
    "header, expected",
    [
        ("no", "nb"),
        ("no-NO,no;q=0.9", "nb"),
        ("nb", "nb"),
        ("nn", "nn"),
        ("nn-NO", "nn"),
        ("en-GB", "en"),
        ("de", "en"),
        ("", "en"),
        ("nono", "en"),
    ],
)
def test_it_picks_the_language_from_the_browser(client, db, header, expected):
    answer = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=header)
    assert f'<html lang="{expected}">' in answer.content.decode()


def test_it_switches_language_and_remembers_it(client, world):
    client.force_login(world.ally_a)
    client.post("/i18n/setlang/", {"language": "nn", "next": "/"})
    assert '<html lang="nn">' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()
