"""Documents for the need-to-know sweep (aidx/core/sweep.py)."""

from __future__ import annotations

from aidx.core.sweep import Who, exempt, subject, surface, token, xlsx_text
from aidx.documents.models import Document
from aidx.nations.policy import may_see


def sees_document(who: Who, document: Document) -> bool:
    return may_see(who.viewer, document)


subject("documents.document", Document, sees_document)

surface("documents.list", "page", ["documents:list"], "/documents/", lists={"documents.document": None})
surface("documents.search", "search", [], lambda d: f"/documents/?q={token(d.title)}", per="documents.document")
surface("documents.detail", "detail", ["documents:detail"], lambda d: f"/documents/{d.pk}/", per="documents.document")
surface("documents.form", "form", ["documents:create"], "/documents/new/")
surface(
    "documents.api_list",
    "api-list",
    ["api:documents"],
    "/api/v1/documents?page_size=100",
    api=True,
    counted=True,
    lists={"documents.document": None},
)
surface(
    "documents.api_detail",
    "api-detail",
    ["api:document"],
    lambda d: f"/api/v1/documents/{d.pk}",
    per="documents.document",
    api=True,
)
exempt("a write: it answers only with the document just made", "api:document_create")
surface("documents.list_hxl", "export", [], "/documents/?format=hxl", lists={"documents.document": None})
surface(
    "documents.list_xlsx", "export", [], "/documents/?format=xlsx", lists={"documents.document": None}, read=xlsx_text
)
