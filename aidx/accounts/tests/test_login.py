from __future__ import annotations

import pytest

from aidx.accounts.services import user_create
from aidx.core.errors import BusinessError


def test_it_signs_in_and_out(client, world):
    answer = client.post("/accounts/login/", {"username": "ally_a", "password": world.password})
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_it_locks_an_account_after_five_failures(client, world):
    for _ in range(5):
        answer = client.post("/accounts/login/", {"username": "ally_a", "password": "wrong"})
        assert answer.status_code in (200, 429)
    answer = client.post(
        "/accounts/login/", {"username": "ally_a", "password": world.password}, HTTP_ACCEPT_LANGUAGE="nn"
    )
    assert answer.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    assert client.post("/accounts/login/", {"username": "ally_b", "password": world.password}).status_code == 302


def test_it_changes_the_password(client, world):
    client.force_login(world.ally_a)
    answer = client.post(
        "/accounts/password/",
        {
            "old_password": world.password,
            "new_password1": "a much longer one 42",
            "new_password2": "a much longer one 42",
        },
    )
    assert answer.status_code == 302
    world.ally_a.refresh_from_db()
    assert world.ally_a.check_password("a much longer one 42")


def test_it_keeps_coordinators_in_the_centre(world):
    with pytest.raises(BusinessError):
        user_create(actor=None, username="x", password=None, nation=world.ita, roles={"coordinator"})
    with pytest.raises(BusinessError):
        user_create(actor=None, username="y", password=None, roles={"admiral"})
    with pytest.raises(BusinessError):
        user_create(actor=None, username="z", password=None, nation=world.ita, organisation=world.centre)


def test_it_refuses_demo_accounts_in_production(client, world, settings):
    world.ally_a.is_demo = True
    world.ally_a.save()
    settings.PRODUCTION = True
    answer = client.post("/accounts/login/", {"username": "ally_a", "password": world.password})
    assert answer.status_code == 200  # the form again, not a redirect
    assert "_auth_user_id" not in client.session
    with pytest.raises(BusinessError):
        user_create(actor=None, username="demo2", password="demo", nation=world.ita, is_demo=True)
