from __future__ import annotations

from typing import Any

from django.conf import settings

from aidx.accounts.models import User
from aidx.accounts.services import user_create
from aidx.nations.models import Nation, Organisation


def load(data: dict[str, Any]) -> int:
    if settings.PRODUCTION:
        return 0  # demo accounts have a well-known password: never in production
    changed = 0
    for entry in data.get("users", []):
        if User.objects.filter(username=entry["username"]).exists():
            continue
        user_create(
            actor=None,
            username=entry["username"],
            password=data["password"],
            nation=Nation.objects.get(pk=entry["nation"]) if entry.get("nation") else None,
            organisation=Organisation.objects.get(code=entry["organisation"]) if entry.get("organisation") else None,
            roles=set(entry.get("roles", [])),
            first_name=entry.get("first_name", ""),
            last_name=entry.get("last_name", ""),
            language=entry.get("language", "en"),
            is_demo=True,
        )
        changed += 1
    return changed
