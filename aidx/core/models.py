"""Building blocks shared by the domain apps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def translated(values: Mapping[str, Any], prefix: str = "") -> str:
    """The name in the active language from a row of `.values()`: translated(row, "item__") reads item__name_nn in
    Nynorsk, falling back to item__name_en. The query must select all three columns (`name_columns(prefix)`)."""
    language = (get_language() or "en")[:2]
    return values.get(f"{prefix}name_{language}") or values.get(f"{prefix}name_en") or ""


def name_columns(prefix: str = "") -> list[str]:
    return [f"{prefix}name_en", f"{prefix}name_nb", f"{prefix}name_nn"]


class TranslatedName(models.Model):
    """A name given in each of the platform's languages; `name` picks the active one."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_nb = models.CharField(_("name (Bokmål)"), max_length=200, blank=True)
    name_nn = models.CharField(_("name (Nynorsk)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return translated(vars(self))

    def __str__(self) -> str:
        return self.name


class IdempotencyKey(models.Model):
    """What a creating API call made under an Idempotency-Key, so a retry can return it again."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    status = models.PositiveSmallIntegerField()
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} → {self.target_type} {self.target_id}"


class WorkerHeartbeat(models.Model):
    """A running `aidx worker` process, beating every few seconds: a task whose worker stopped beating is lost."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    keeps_schedule = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
