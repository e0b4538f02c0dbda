"""Writes to the catalogue: items, capability types and the substitutions between items.

Items and capability types are written by code: an upsert creates the record, or changes the fields it is given
(the others keep their values), and writes and audits only when something changed, so that loading the same
reference data again writes nothing.
"""

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
    if value is None or value == "":
        raise BusinessError(_("This field is required."), field=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BusinessError(_("%(value)s is not a number.") % {"value": value}, field=field) from None
    if not number.is_finite() or number <= 0:
        raise BusinessError(_("The value must be greater than zero."), field=field)
    return number


@transaction.atomic
def item_upsert(*, actor: Any, code: str, **fields: Any) -> tuple[Item, bool]:
    _refuse_unknown_fields(Item, fields)
    if "category" in fields and fields["category"] not in Item.Category.values:
        raise BusinessError(_("Unknown category: %(value)s.") % {"value": fields["category"]}, field="category")
    if "unit" in fields and fields["unit"] not in Item.Unit.values:
        raise BusinessError(_("Unknown unit: %(value)s.") % {"value": fields["unit"]}, field="unit")
    for name in ("unit_weight_kg", "unit_volume_m3"):
        if name in fields:
            fields[name] = positive_decimal(fields[name], name)
    required = ("name_en", "category", "unit", "unit_weight_kg", "unit_volume_m3")
    return _upsert(actor, Item, code, fields, required=required)


@transaction.atomic
def capability_type_upsert(*, actor: Any, code: str, **fields: Any) -> tuple[CapabilityType, bool]:
    _refuse_unknown_fields(CapabilityType, fields)
    if "kind" in fields and fields["kind"] not in CapabilityType.Kind.values:
        raise BusinessError(_("Unknown kind: %(value)s.") % {"value": fields["kind"]}, field="kind")
    return _upsert(actor, CapabilityType, code, fields, required=("name_en", "kind"))


def _refuse_unknown_fields(model: Any, fields: dict[str, Any]) -> None:
    """A misspelt field would otherwise be dropped on update and answered with "nothing changed"."""
    settable = {f.name for f in model._meta.concrete_fields if f.editable and not f.primary_key} - {"code"}
    if unknown := sorted(set(fields) - settable):
        raise TypeError(f"{model.__name__} has no field {', '.join(unknown)} to set")


def _validated(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise BusinessError(messages[0], field=field) from None


def _upsert(
    actor: Any, model: Any, code: str, fields: dict[str, Any], *, required: tuple[str, ...]
) -> tuple[Any, bool]:
    instance = model.objects.select_for_update().filter(code=code).first()
    if instance is None:
        if missing := next((name for name in required if name not in fields), None):
            raise BusinessError(_("This field is required."), field=missing)
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
    if not isinstance(penalty, int) or isinstance(penalty, bool) or penalty < 0:
        raise BusinessError(_("The penalty must be a whole number, zero or more."), field="penalty")
    substitution = Substitution.objects.select_for_update().filter(item=item, substitute=substitute).first()
    if substitution is not None and substitution.penalty == penalty:
        return substitution, False
    before = snapshot(substitution) if substitution else None
    substitution, _created = Substitution.objects.update_or_create(
        item=item, substitute=substitute, defaults={"penalty": penalty}
    )
    record(actor=actor, action="substitution.set", target=substitution, before=before, after=snapshot(substitution))
    return substitution, True
