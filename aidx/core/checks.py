"""Deployment checks that Django does not know about."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def production_database_is_postgresql(app_configs, **kwargs):
    if settings.PRODUCTION and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return [Error("Production needs PostgreSQL (DATABASE_URL=postgres://...).", id="aidx.E002")]
    return []
