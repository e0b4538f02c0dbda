import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from aidx.accounts.api import api_user, require_write
from aidx.core.bounds import Id
from aidx.core.errors import BusinessError
from aidx.documents import selectors, services
from aidx.documents.models import Document
from aidx.nations.models import Nation
from aidx.nations.policy import Releasability, get_visible_or_404

router = Router(tags=["documents"])


class DocumentOut(Schema):
    id: int
    title: str
    kind: str
    body: str
    owner_nation: str | None = Field(None, alias="owner_nation_id")
    owner_organisation: str | None = None
    releasability: str
    release_to: list[str]
    created_at: dt.datetime

    @staticmethod
    def resolve_owner_organisation(document: Document) -> str | None:
        return document.owner_organisation.code if document.owner_organisation else None

    @staticmethod
    def resolve_release_to(document: Document) -> list[str]:
        return sorted(n.code for n in document.release_to.all())


class DocumentIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=20000)
    kind: Literal[tuple(Document.Kind.values)] = Document.Kind.NOTE  # type: ignore[valid-type]
    releasability: Literal[tuple(Releasability.values)] = Releasability.ALLIES_AND_PARTNERS  # type: ignore[valid-type]
    release_to: list[str] = Field(default_factory=list, max_length=100)


@router.get("", response=list[DocumentOut], summary="Documents you may see")
@paginate
def documents(
    request: HttpRequest,
    kind: Literal[tuple(Document.Kind.values)] | None = None,  # type: ignore[valid-type]
    q: str | None = Query(None, max_length=100),
) -> Any:
    return selectors.documents_visible_to(api_user(request), kind=kind, search=q).prefetch_related("release_to")


@router.get("/{int:document_id}", response=DocumentOut)
def document(request: HttpRequest, document_id: Id) -> Any:
    user = api_user(request)
    return get_visible_or_404(selectors.documents_visible_to(user), user, pk=document_id)


@router.post("", response={201: DocumentOut}, summary="Publish a document")
def document_create(request: HttpRequest, payload: DocumentIn) -> Any:
    actor = require_write(request)
    codes = sorted({code.upper() for code in payload.release_to})
    nations = list(Nation.objects.filter(code__in=codes))
    if len(nations) != len(codes):
        unknown = sorted(set(codes) - {n.code for n in nations})
        raise BusinessError(
            _("Unknown nation: %(codes)s.") % {"codes": ", ".join(unknown)}, code="unknown_nation", field="release_to"
        )
    created = services.document_create(
        actor=actor,
        title=payload.title,
        body=payload.body,
        kind=payload.kind,
        releasability=payload.releasability,
        release_to=nations,
    )
    return Status(201, created)
