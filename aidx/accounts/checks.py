"""Deployment checks of the accounts: no demo account may sign in to a production server."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from aidx.accounts.models import User


@register(Tags.security, deploy=True)
def no_demo_accounts_in_production(app_configs, **kwargs):
    if not settings.PRODUCTION:
        return []
    try:
        demo = list(User.objects.filter(is_demo=True, is_active=True).values_list("username", flat=True)[:5])
    except DatabaseError:
        return []  # not migrated yet: nothing to refuse
    if demo:
        return [
            Error(
                "Demo accounts with the default password exist: " + ", ".join(demo),
                hint="Deactivate them (aidx demo_accounts --deactivate) before serving in production.",
                id="aidx.E001",
            )
        ]
    return []
