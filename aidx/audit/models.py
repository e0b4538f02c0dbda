"""The append-only record of every write made through a service.

Rows are never changed or removed: the model refuses it, and database triggers refuse UPDATE
(and DELETE on PostgreSQL) from anything else (see the migration).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("who"), max_length=150, help_text=_("Kept as written, even if the user changes."))
    action = models.CharField(_("action"), max_length=60)
    target_type = models.CharField(_("record type"), max_length=60)
    target_id = models.CharField(_("record"), max_length=64)
    target_repr = models.CharField(_("record"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, help_text=_("Field: [before, after]"))

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        # Every write appends an entry, and every index is written with it: only those a query needs.
        # - `action`: the log's filter is a prefix ("stock." — LIKE 'stock.%'), which on PostgreSQL needs the pattern
        #   operator class; equality (the admin's filter) can use it too.
        # - `target_type, target_id`: a record's history (target_type = … AND target_id = … or IN (…)), the admin's
        #   filter by type; nothing filters by target_id alone (the admin's search is a substring: no index helps).
        # - `at` (the newest first) and `actor` (the foreign key; a user's deletion checks it) keep their own.
        indexes = [
            models.Index(fields=["action"], name="audit_action_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")
