"""What every write of the exchange shares: the line input, who may act, validation of input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from aidx.accounts.models import Role, User
from aidx.assistance.models import AssistanceRequest, Offer
from aidx.catalogue.models import CapabilityType, Item
from aidx.core.errors import BusinessError, PermissionDenied, Problems
from aidx.nations.models import Nation, Site
from aidx.nations.policy import may_see, owned_by, validate_releasability

MAX_LINES = 10_000  # a whole consignment list imported from a spreadsheet


@dataclass(frozen=True)
class LineInput:
    """One line as parsed by a form, the API or an import: an item or capability code and a quantity."""

    quantity: int
    item: str | None = None
    capability: str | None = None
    notes: str = ""
    substitutes_ok: bool = True
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    origin_site: str | None = None
    number: int | None = None  # the line's number as the person sees it (its row on the form); else its position


# --- who may act ----------------------------------------------------------------------------------


def _owner_fields(actor: User) -> dict[str, Any]:
    """The nation (or organisation) that `actor` speaks for, as owner fields of a new record."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in first."))
    if not actor.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR):
        raise PermissionDenied(_("Only a point of contact or a coordinator can do this."))
    if actor.nation_id:
        return {"owner_nation": actor.nation, "owner_organisation": None}
    if actor.organisation is not None:
        if actor.organisation.nation_id:
            return {"owner_nation": actor.organisation.nation, "owner_organisation": None}
        return {"owner_nation": None, "owner_organisation": actor.organisation}
    raise PermissionDenied(_("Your account belongs to no nation or organisation."))


def _require_owner(actor: User, record_: AssistanceRequest | Offer) -> None:
    if not actor.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR) or not owned_by(actor, record_):
        raise PermissionDenied(_("Only the owning nation's point of contact can do this."))


def _require_visible(actor: User, record_: AssistanceRequest | Offer) -> None:
    if not may_see(actor, record_):
        raise BusinessError(_("Not found."), code="not_found", status=404)


# --- validation of input ------------------------------------------------------------------------------


def _positive_quantity(value: Any, field: str = "quantity") -> int:
    if value is None or value == "":
        raise BusinessError(_("Give a quantity."), field=field)
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise BusinessError(_("The quantity must be a whole number."), field=field) from None
    if value <= 0:
        raise BusinessError(_("The quantity must be greater than zero."), field=field)
    if value > 2_000_000_000:
        raise BusinessError(_("The quantity is too large."), field=field)
    return value


def _text(value: str, field: str, *, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BusinessError(_("This field is required."), field=field)
    if len(value) > max_length:
        raise BusinessError(_("The text is too long (at most %(n)s characters).") % {"n": max_length}, field=field)
    return value


def _resolve_lines(lines: Iterable[LineInput], *, offer: bool, problems: Problems) -> list[dict[str, Any]]:
    """Each line's values; every problem of every line is noted in `problems` (the caller raises them at once)."""
    lines = list(lines)
    if not lines:
        problems.add(_("Add at least one line."), field="lines")
        return []
    if len(lines) > MAX_LINES:
        problems.add(_("At most %(n)s lines.") % {"n": MAX_LINES}, field="lines")
        return []
    item_codes = {line.item for line in lines if line.item}
    capability_codes = {line.capability for line in lines if line.capability}
    site_codes = {line.origin_site for line in lines if line.origin_site}
    items = {i.code: i for i in Item.objects.filter(code__in=item_codes)}
    capabilities = {c.code: c for c in CapabilityType.objects.filter(code__in=capability_codes)}
    sites = {s.code: s for s in Site.objects.filter(code__in=site_codes)}
    resolved = []
    for position, line in enumerate(lines, start=1):
        field = f"lines.{position}"  # where the problem goes: the position in what was sent
        number = line.number or position  # what the person reads: the row it typed the line in

        if bool(line.item) == bool(line.capability):
            problems.add(_("Line %(n)s: choose an item or a capability.") % {"n": number}, field=field)
        elif line.item and line.item not in items:
            problems.add(_("Line %(n)s: unknown item %(code)s.") % {"n": number, "code": line.item}, field=field)
        elif line.capability and line.capability not in capabilities:
            problems.add(
                _("Line %(n)s: unknown capability %(code)s.") % {"n": number, "code": line.capability}, field=field
            )
        try:
            quantity = _positive_quantity(line.quantity, field)
        except BusinessError as error:
            problems.add(_("Line %(n)s: %(error)s") % {"n": number, "error": error.message}, field=field)
            quantity = 0
        values: dict[str, Any] = {
            "item": items.get(line.item or ""),
            "capability": capabilities.get(line.capability or ""),
            "quantity": quantity,
            "notes": problems.collect(lambda line=line, field=field: _text(line.notes, field, max_length=500), ""),
        }
        if offer:
            if line.available_from is None:
                problems.add(_("Line %(n)s: give the date it is available from.") % {"n": number}, field=field)
            elif line.available_until is not None and line.available_until < line.available_from:
                problems.add(_("Line %(n)s: available until is before available from.") % {"n": number}, field=field)
            if line.origin_site and line.origin_site not in sites:
                problems.add(
                    _("Line %(n)s: unknown site %(code)s.") % {"n": number, "code": line.origin_site}, field=field
                )
            values.update(
                available_from=line.available_from,
                available_until=line.available_until,
                origin_site=sites.get(line.origin_site or ""),
            )
        else:
            values["substitutes_ok"] = bool(line.substitutes_ok)
        resolved.append(values)
    return resolved


def _line_summaries(resolved: list[dict[str, Any]]) -> list[str]:
    return [f"{v['quantity']} × {(v['item'] or v['capability']).code}" for v in resolved]


def _releasability(releasability: str, release_to: Iterable[str] | None) -> list[Nation]:
    codes = sorted({code.strip().upper() for code in (release_to or []) if code.strip()})
    nations = list(Nation.objects.filter(code__in=codes))
    if len(nations) != len(codes):
        unknown = sorted(set(codes) - {n.code for n in nations})
        raise BusinessError(_("Unknown nation: %(codes)s.") % {"codes": ", ".join(unknown)}, field="release_to")
    validate_releasability(releasability, nations)
    return nations
