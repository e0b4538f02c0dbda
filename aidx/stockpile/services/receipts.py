"""Receipts: stock coming in (donations in kind, procurement)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Item
from aidx.core.currency import currency_code
from aidx.core.errors import BusinessError
from aidx.nations.models import Nation, Site
from aidx.stockpile.models import Lot, Movement
from aidx.stockpile.services.common import _item_of, _quantity, _require_manager, warehouse_of
from aidx.stockpile.services.ledger import Change, _post

# --- receipts --------------------------------------------------------------------------------------------------


@transaction.atomic
def receive(
    *,
    actor: Any,
    warehouse: Site | str | int,
    item: Item | str,
    lot_number: str,
    quantity: int,
    expiry_date: dt.date | None = None,
    owner_nation: Nation | None = None,
    donor: Nation | None = None,
    source: str = Lot.Source.DONATION,
    unit_value_minor: int = 0,
    currency: str = "EUR",
    occurred_on: dt.date | None = None,
    reference: str = "",
    scenario_key: str = "",
) -> Lot:
    """A donation in kind or a procurement delivery: a new lot (or more of an identical one) at a warehouse."""
    _require_manager(actor)
    site, item = warehouse_of(warehouse), _item_of(item)
    quantity = _quantity(quantity)
    lot_number = (lot_number or "").strip()
    if not lot_number or len(lot_number) > 60:
        raise BusinessError(_("Give a lot number (at most 60 characters)."), field="lot_number")
    if source not in Lot.Source.values:
        raise BusinessError(_("Unknown source: %(value)s.") % {"value": source}, field="source")
    if isinstance(unit_value_minor, bool) or not isinstance(unit_value_minor, int) or unit_value_minor < 0:
        raise BusinessError(_("The unit value must be a whole number of minor units, zero or more."), field="value")
    currency = currency_code(currency)
    occurred_on = occurred_on or timezone.localdate()
    if expiry_date is not None and not isinstance(expiry_date, dt.date):
        raise BusinessError(_("Enter a valid date (YYYY-MM-DD)."), field="expiry_date")
    lot = Lot.objects.select_for_update(no_key=True).filter(item=item, lot_number=lot_number).first()
    if lot is None:
        try:
            with transaction.atomic():
                lot = Lot.objects.create(
                    item=item,
                    lot_number=lot_number,
                    expiry_date=expiry_date,
                    owner_nation=owner_nation,
                    donor=donor,
                    source=source,
                    unit_value_minor=unit_value_minor,
                    currency=currency,
                    received_on=occurred_on,
                    scenario_key=scenario_key,
                )
        except IntegrityError:
            raise BusinessError(
                _("Lot %(lot)s of this item was received at the same moment: try again.") % {"lot": lot_number},
                code="conflict",
            ) from None
        record(actor=actor, action="stock.lot_create", target=lot, after=snapshot(lot))
    elif (lot.expiry_date, lot.owner_nation_id, lot.donor_id) != (
        expiry_date,
        getattr(owner_nation, "pk", None),
        getattr(donor, "pk", None),
    ):
        raise BusinessError(
            _("Lot %(lot)s of this item already exists with another expiry date, owner or donor.")
            % {"lot": lot_number},
            code="lot_mismatch",
            field="lot_number",
        )
    _post(
        actor=actor,
        kind=Movement.Kind.RECEIPT,
        changes=[Change(lot.pk, site.pk, on_hand=quantity)],
        occurred_on=occurred_on,
        reference=reference,
    )
    return lot
