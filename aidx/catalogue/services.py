"""Writes to the catalogue."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aidx.audit.services import record, snapshot
from aidx.catalogue.models import CapabilityType, Item, Substitution
from aidx.core.errors import BusinessError


def positive_decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BusinessError(_("%(value)s is not a number.") % {"value": value}, field=field) from None
    if not number.is_finite() or number <= 0:
        raise BusinessError(_("The value must be greater than zero."), field=field)
    return number


@transaction.atomic
def item_upsert(*, actor: Any, code: str, **fields: Any) -> tuple[Item, bool]:
    """Create or update an item by code; writes (and audits) only when something changed."""
    if fields.get("category") not in Item.Category.values:
        raise BusinessError(_("Unknown category: %(value)s.") % {"value": fields.get("category")}, field="category")
    if fields.get("unit") not in Item.Unit.values:
        raise BusinessError(_("Unknown unit: %(value)s.") % {"value": fields.get("unit")}, field="unit")
    fields["unit_weight_kg"] = positive_decimal(fields.get("unit_weight_kg"), "unit_weight_kg")
    fields["unit_volume_m3"] = positive_decimal(fields.get("unit_volume_m3"), "unit_volume_m3")
    return _upsert(actor, Item, code, fields)


@transaction.atomic
def capability_type_upsert(*, actor: Any, code: str, **fields: Any) -> tuple[CapabilityType, bool]:
    if fields.get("kind") not in CapabilityType.Kind.values:
        raise BusinessError(_("Unknown kind: %(value)s.") % {"value": fields.get("kind")}, field="kind")
    return _upsert(actor, CapabilityType, code, fields)


def _validated(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise BusinessError(messages[0], field=field) from None


def _upsert(actor: Any, model: Any, code: str, fields: dict[str, Any]) -> tuple[Any, bool]:
    instance = model.objects.select_for_update().filter(code=code).first()
    if instance is None:
        instance = model(code=code, **fields)
        _validated(instance)
        instance.save()
        record(actor=actor, action=f"{model._meta.model_name}.create", target=instance, after=snapshot(instance))
        return instance, True
    before = snapshot(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    _validated(instance)
    after = snapshot(instance)
    if after != before:
        instance.save()
        record(actor=actor, action=f"{model._meta.model_name}.update", target=instance, before=before, after=after)
        return instance, True
    return instance, False


@transaction.atomic
def substitution_set(*, actor: Any, item: Item, substitute: Item, penalty: int) -> tuple[Substitution, bool]:
    if item.pk == substitute.pk:
        raise BusinessError(_("An item cannot substitute for itself."), field="substitute")
    if penalty < 0:
        raise BusinessError(_("The penalty cannot be negative."), field="penalty")
    substitution = Substitution.objects.filter(item=item, substitute=substitute).first()
    if substitution is not None and substitution.penalty == penalty:
        return substitution, False
    before = snapshot(substitution) if substitution else None
    substitution, _created = Substitution.objects.update_or_create(
        item=item, substitute=substitute, defaults={"penalty": penalty}
    )
    record(actor=actor, action="substitution.set", target=substitution, before=before, after=snapshot(substitution))
    return substitution, True
