"""The Django admin writes nothing the audit log does not see.

Records with a life cycle (requests, offers, allocations, missions, lots, orders, ...) are not in the admin at
all: they change only through their services and workflows. The registry, the catalogue and the accounts have no
page for every change an administrator must make (a new airfield, a corrected unit weight, a person's roles), so
the admin may change them, through `AuditedAdmin`: each save or delete is written to the audit log under the
administrator's name, with what changed, as a service would. What has its own service and page (API tokens,
documents) is shown read-only (`ReadOnlyAdmin`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction

from aidx.audit.models import AuditEntry
from aidx.audit.services import record, snapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: the record changes through its own service and page."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Every save and delete, of the record and of its inlines, goes to the audit log with the administrator."""

    def save_model(self, request: Any, obj: models.Model, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
            super().save_model(request, obj, form, change)
            action = "admin.change" if change else "admin.add"
            record(actor=request.user, action=action, target=obj, before=before, after=snapshot(obj))

    def delete_model(self, request: Any, obj: models.Model) -> None:
        with transaction.atomic():
            record(actor=request.user, action="admin.delete", target=obj, before=snapshot(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                record(actor=request.user, action="admin.delete", target=obj, before=snapshot(obj))
            super().delete_queryset(request, queryset)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                record(actor=request.user, action="admin.delete", target=obj, before=snapshot(obj))
                obj.delete()
            for obj in instances:
                existed = obj.pk is not None
                before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if existed else None
                obj.save()
                action = "admin.change" if existed else "admin.add"
                record(actor=request.user, action=action, target=obj, before=before, after=snapshot(obj))
            formset.save_m2m()


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the log is append-only."""

    list_display = ["at", "actor_name", "action", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_name", "target_repr", "target_id"]
