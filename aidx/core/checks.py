"""Deployment checks that Django does not know about."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def production_database_is_postgresql(app_configs, **kwargs):
    if settings.PRODUCTION and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return [Error("Production needs PostgreSQL (DATABASE_URL=postgres://...).", id="aidx.E002")]
    return []


MIN_SECRET_KEY_LENGTH = 50


@register(Tags.security, deploy=True)
def secret_key_is_long_and_random(app_configs, **kwargs):
    """Django only warns (security.W009), so `check --deploy` passed with a five-character secret; sessions, CSRF
    tokens and password-reset links are signed with it."""
    key = settings.SECRET_KEY
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5 or key.startswith("django-insecure-"):
        return [
            Error(
                f"AIDX_SECRET_KEY has {len(key)} characters; it needs at least {MIN_SECRET_KEY_LENGTH}, random.",
                hint='Generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(64))"',
                id="aidx.E003",
            )
        ]
    return []
