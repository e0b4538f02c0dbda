"""`Idempotency-Key` for creating API calls: a retry with the same key returns the first answer, creates nothing.

The key is stored in the same transaction as what the call created, so either both exist or neither does;
two concurrent calls with one key race on a unique constraint, and the loser replays the winner's answer.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Status

from aidx.core.errors import BusinessError
from aidx.core.models import IdempotencyKey

MAX_KEY_LENGTH = 200


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    assert request.method is not None  # set on every request Django's handlers build
    digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def idempotent(model: type[models.Model], render: Callable[[HttpRequest, int], Any]) -> Callable:
    """Decorate a ninja operation that returns `Status(code, record)` for the record it created;
    `render(request, pk)` rebuilds that answer for a replay."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            key = request.headers.get("Idempotency-Key", "").strip()
            if not key:
                return view(request, *args, **kwargs)
            if len(key) > MAX_KEY_LENGTH:
                raise BusinessError(
                    _("The Idempotency-Key is too long (at most 200 characters)."), code="bad_idempotency_key"
                )
            user = request.auth  # type: ignore[attr-defined]
            fingerprint = _fingerprint(request)
            replay = _replay(request, user, key, fingerprint, model, render)
            if replay is not None:
                return replay
            try:
                with transaction.atomic():
                    result = view(request, *args, **kwargs)
                    status, answer = (result.status_code, result.value) if isinstance(result, Status) else (200, result)
                    IdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        fingerprint=fingerprint,
                        status=status,
                        target_type=model._meta.label_lower,
                        target_id=str(answer.pk),
                    )
                return result
            except IntegrityError:
                replay = _replay(request, user, key, fingerprint, model, render)
                if replay is None:
                    raise
                return replay

        return wrapper

    return decorator


def _replay(
    request: HttpRequest,
    user: Any,
    key: str,
    fingerprint: str,
    model: type[models.Model],
    render: Callable[[HttpRequest, int], Any],
) -> Status | None:
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is None:
        return None
    if stored.fingerprint != fingerprint or stored.target_type != model._meta.label_lower:
        raise BusinessError(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_reused",
            status=422,
        )
    return Status(stored.status, render(request, int(stored.target_id)))
