"""Identifiers on the wire: aidx names its own records `urn:aidx:<node>:<kind>:<id>`; foreign identifiers are
remembered (ExternalRef) against the local record they made, so a later message about them finds it."""

from __future__ import annotations

import re

from django.conf import settings

from aidx.interchange.models import ExternalRef, InboundMessage

KINDS = ("request", "request-line", "offer", "offer-line", "allocation", "deployment")
_OWN = re.compile(r"^urn:aidx:(?P<node>[A-Za-z0-9._-]+):(?P<kind>[a-z-]+):(?P<pk>[0-9]{1,18})$")


def node_id() -> str:
    return str(settings.AIDX_NODE_ID)


def own_id(kind: str, pk: int) -> str:
    return f"urn:aidx:{node_id()}:{kind}:{pk}"


def own_pk(foreign_id: str, kind: str) -> int | None:
    match = _OWN.match(foreign_id or "")
    if match and match["node"] == node_id() and match["kind"] == kind:
        return int(match["pk"])
    return None


def local_pk(foreign_id: str, kind: str) -> int | None:
    """The local record a wire identifier names: one of ours, or one a received message made."""
    if not foreign_id:
        return None
    pk = own_pk(foreign_id, kind)
    if pk is not None:
        return pk
    ref = ExternalRef.objects.filter(foreign_id=foreign_id, target_type=kind).order_by("id").first()
    return ref.target_id if ref else None


def foreign_id(kind: str, pk: int) -> str:
    """How the system a record came from names it (its own id for records made here)."""
    ref = ExternalRef.objects.filter(target_type=kind, target_id=pk).order_by("id").first()
    return ref.foreign_id if ref else own_id(kind, pk)


def remember(message: InboundMessage, foreign: str, kind: str, pk: int) -> None:
    if foreign and own_pk(foreign, kind) is None:
        ExternalRef.objects.get_or_create(
            node=message.sender, foreign_id=foreign, target_type=kind, defaults={"target_id": pk, "message": message}
        )
