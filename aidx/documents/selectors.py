from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from aidx.documents.models import Document
from aidx.nations.policy import visible


def documents_visible_to(
    who: Any, *, kind: str | None = None, search: str | None = None, owner: str | None = None
) -> QuerySet[Document]:
    result = visible(Document.objects.select_related("owner_nation", "owner_organisation", "created_by"), who)
    if kind:
        result = result.filter(kind=kind)
    if owner:
        result = result.filter(owner_nation_id=owner.upper())
    if search:
        result = result.filter(Q(title__icontains=search) | Q(body__icontains=search))
    return result.order_by("-created_at", "-id")
