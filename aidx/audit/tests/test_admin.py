"""No change made in the Django admin escapes the audit log: registry, catalogue and account records are saved
there with an entry naming the administrator; what has its own service (tokens, documents) is read-only there."""

from __future__ import annotations

from aidx.accounts.models import User
from aidx.accounts.services import token_create
from aidx.audit.models import AuditEntry
from aidx.nations.models import Site
from aidx.nations.services import site_create


def _admin(client, world):
    admin = User.objects.create_superuser("root", password=world.password)
    client.force_login(admin)
    return admin


def test_it_records_an_admin_change_of_a_site_with_the_administrator(client, world):
    _admin(client, world)
    site = site_create(
        actor=None, code="rome", name="Rome", kind="airfield", nation=world.ita, latitude="41.8", longitude="12.25"
    )
    form = client.get(f"/admin/nations/site/{site.pk}/change/").context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data["name"] = "Roma Ciampino"
    answer = client.post(f"/admin/nations/site/{site.pk}/change/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Site.objects.get(pk=site.pk).name == "Roma Ciampino"
    entry = AuditEntry.objects.get(action="admin.change", target_id=str(site.pk))
    assert entry.actor_name == "root"
    assert entry.changes["name"] == ["Rome", "Roma Ciampino"]


def test_it_records_an_admin_delete(client, world):
    _admin(client, world)
    site = site_create(
        actor=None, code="bari", name="Bari", kind="airfield", nation=world.ita, latitude="41.1", longitude="16.8"
    )
    answer = client.post(f"/admin/nations/site/{site.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302
    assert not Site.objects.filter(pk=site.pk).exists()
    assert AuditEntry.objects.filter(action="admin.delete", target_id=str(site.pk), actor_name="root").exists()


def test_it_shows_tokens_read_only_in_the_admin(client, world):
    _admin(client, world)
    token, _secret = token_create(actor=world.ally_a, user=world.ally_a, name="ci")
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"}).status_code == 403
