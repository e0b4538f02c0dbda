"""Recording writes. Every service that changes data calls `record()` in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone

from aidx.audit.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")  # 45.0000 and 45 are the same quantity
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value


def snapshot(instance: models.Model, *, exclude: tuple[str, ...] = ("password",)) -> dict[str, Any]:
    """The record's fields as JSON-ready values, for a before/after comparison."""
    data = model_to_dict(instance, exclude=list(exclude))
    data.pop("id", None)
    return {key: _plain(value) for key, value in data.items()}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    before, after = before or {}, after or {}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _who(actor: Any) -> tuple[Any, str]:
    """The user recorded (None for the system) and the name kept with the entry."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return user, user.get_username() if user else "system"


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry: who (None for the system), what action, on which record, and what changed."""
    user, name = _who(actor)
    return AuditEntry.objects.create(
        actor=user,
        actor_name=name,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        changes=diff(before, after),
    )


def columns(
    *,
    actor: Any,
    action: str,
    target: type[models.Model] | models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """What `record()` writes, as column values, for a service that inserts the entry itself in the statement that
    creates the target — one statement instead of two on a hot path (the stock ledger's: stockpile.services._WRITE).
    Every column but `target_id` and `target_repr`, which only that statement knows (str(target.pk) and
    str(target)[:300], as `record()` writes them); `changes` as JSON text. Same entry, same transaction."""
    user, name = _who(actor)
    return {
        "at": at or timezone.now(),
        "actor_id": user.pk if user else None,
        "actor_name": name,
        "action": action,
        "target_type": target._meta.label_lower,
        "changes": json.dumps(diff(before, after)),
    }
