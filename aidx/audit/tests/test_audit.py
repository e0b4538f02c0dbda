from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from aidx.audit.models import AppendOnlyError, AuditEntry
from aidx.audit.selectors import audit_entries
from aidx.documents.services import document_create


def test_it_records_who_did_what_with_before_and_after(world):
    document = document_create(actor=world.ally_a, title="Plan", body="Text", releasability="allies")
    entry = AuditEntry.objects.get(action="document.create", target_id=str(document.pk))
    assert entry.actor == world.ally_a and entry.actor_name == "ally_a"
    assert entry.target_type == "documents.document"
    assert entry.changes["title"] == [None, "Plan"]
    assert entry.changes["releasability"] == [None, "allies"]


def test_it_refuses_to_change_or_remove_entries_through_the_orm(world):
    entry = AuditEntry.objects.first()
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_it_refuses_to_change_entries_in_the_database_itself(world):
    entry = AuditEntry.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == entry.action


def test_it_filters_the_log(world):
    document_create(actor=world.ally_a, title="A", body="x")
    document_create(actor=world.ally_b, title="B", body="x")
    assert {e.actor_name for e in audit_entries(action="document.")} == {"ally_a", "ally_b"}
    assert [e.target_repr for e in audit_entries(actor="ally_b", action="document.")] == ["B"]


def test_it_shows_the_log_to_coordinators_only(client, world):
    document_create(actor=world.ally_a, title="Visible in log", body="x")
    client.force_login(world.coordinator)
    page = client.get("/audit/", {"action": "document."})
    assert page.status_code == 200 and b"Visible in log" in page.content
    for user in (world.ally_a, world.partner, world.viewer):
        client.force_login(user)
        assert client.get("/audit/").status_code == 403
