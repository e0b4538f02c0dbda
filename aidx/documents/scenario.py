from __future__ import annotations

from typing import Any

from aidx.accounts.models import User
from aidx.documents.models import Document
from aidx.documents.services import document_create
from aidx.nations.models import Nation


def load(data: dict[str, Any]) -> int:
    changed = 0
    for entry in data.get("documents", []):
        author = User.objects.filter(username=entry["author"]).first()
        if author is None or Document.objects.filter(scenario_key=entry["key"]).exists():
            continue  # authors are demo accounts, absent in production
        document_create(
            actor=author,
            title=entry["title"],
            body=entry["body"],
            kind=entry["kind"],
            releasability=entry["releasability"],
            release_to=list(Nation.objects.filter(code__in=entry.get("release_to", []))),
            scenario_key=entry["key"],
        )
        changed += 1
    return changed
