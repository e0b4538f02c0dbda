from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aidx.audit.services import record, snapshot
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.documents.models import Document
from aidx.nations.models import Nation
from aidx.nations.policy import Releasability, validate_releasability


@transaction.atomic
def document_create(
    *,
    actor: Any,
    title: str,
    body: str,
    kind: str = Document.Kind.NOTE,
    releasability: str = Releasability.ALLIES_AND_PARTNERS,
    release_to: list[Nation] | None = None,
    scenario_key: str = "",
) -> Document:
    if actor.is_centre:
        owner_nation, owner_organisation = None, actor.organisation
    elif actor.acting_nation_id:
        owner_nation, owner_organisation = actor.nation or actor.organisation.nation, None
    else:
        raise PermissionDenied(_("Only a nation or the coordination centre can publish documents."))
    if actor.has_role("viewer") and len(actor.roles) == 1:
        raise PermissionDenied(_("Viewers cannot publish documents."))
    title, body = title.strip(), body.strip()
    if not title:
        raise BusinessError(_("Give the document a title."), field="title")
    if len(title) > 200:
        raise BusinessError(_("The title is too long (at most 200 characters)."), field="title")
    if not body:
        raise BusinessError(_("The document has no text."), field="body")
    if len(body) > 20000:
        raise BusinessError(_("The text is too long (at most 20,000 characters)."), field="body")
    if kind not in Document.Kind.values:
        raise BusinessError(_("Unknown kind: %(value)s.") % {"value": kind}, field="kind")
    validate_releasability(releasability, release_to)
    document = Document.objects.create(
        title=title,
        body=body,
        kind=kind,
        releasability=releasability,
        owner_nation=owner_nation,
        owner_organisation=owner_organisation,
        created_by=actor,
        scenario_key=scenario_key,
    )
    if release_to:
        document.release_to.set(release_to)
    record(actor=actor, action="document.create", target=document, after=snapshot(document))
    return document
