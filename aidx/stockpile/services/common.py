"""Settings, who may act, and input checks shared by the stockpile's services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from aidx.accounts.models import Role
from aidx.catalogue.models import Item
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.core.workflow import Rule, admitted
from aidx.nations.models import Site
from aidx.stockpile.models import Lot
from aidx.stockpile.workflow import MANAGER, stockpile_relations

SUPPORT_AGENCY = "support-agency"
MAX_QUANTITY = 2_000_000_000


def safety_days() -> int:
    """Days a lot must still be good after the needed-by date to be released (setting AIDX_STOCKPILE_SAFETY_DAYS)."""
    return int(getattr(settings, "AIDX_STOCKPILE_SAFETY_DAYS", 30))


def offer_releasability() -> str:
    return str(getattr(settings, "AIDX_STOCKPILE_RELEASABILITY", "allies"))


# --- who may act ------------------------------------------------------------------------------------------


def may_view(user: Any) -> bool:
    """Stock, lots and the ledger: the coordination centre and stockpile managers."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_centre or user.has_role(Role.STOCKPILE))


def may_manage(user: Any) -> bool:
    """Stockpile managers and the centre's coordinators (the lot workflow's MANAGER rules)."""
    return admitted(MANAGER, user, lambda: stockpile_relations(user, None))


def _require_manager(actor: Any) -> None:
    """A manager, or the system (the scenario's history, the daily task, the fund receiving goods)."""
    if not admitted((*MANAGER, Rule(system=True)), actor, lambda: stockpile_relations(actor, None)):
        raise PermissionDenied(_("Only a stockpile manager or a coordinator can change the stock."))


# --- input -------------------------------------------------------------------------------------------------


def _quantity(value: Any, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise BusinessError(_("The quantity must be a whole number."), field=field) from None
    if value <= 0:
        raise BusinessError(_("The quantity must be greater than zero."), field=field)
    if value > MAX_QUANTITY:
        raise BusinessError(_("The quantity is too large."), field=field)
    return value


def _reason(value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BusinessError(_("Give a reason."), field="reason")
    if len(value) > 500:
        raise BusinessError(_("The text is too long (at most %(n)s characters).") % {"n": 500}, field="reason")
    return value


def warehouse_of(value: Site | str | int) -> Site:
    site: Site | None
    if isinstance(value, Site):
        site = value
    else:
        lookup = {"pk": value} if isinstance(value, int) else {"code": value}
        site = Site.objects.filter(**lookup).first()
    if site is None or site.kind != Site.Kind.WAREHOUSE:
        raise BusinessError(_("Unknown warehouse: %(code)s.") % {"code": value}, field="warehouse")
    return site


def _item_of(value: Item | str) -> Item:
    item = value if isinstance(value, Item) else Item.objects.filter(code=value).order_by().first()
    if item is None:
        raise BusinessError(_("Unknown item %(code)s.") % {"code": value}, field="item")
    return item


def _lot_of(value: Lot | int) -> Lot:
    lot = value if isinstance(value, Lot) else Lot.objects.filter(pk=value).first()
    if lot is None:
        raise BusinessError(_("Not found."), code="not_found", status=404)
    return lot
