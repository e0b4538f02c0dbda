from __future__ import annotations

from django.db.models import Q, QuerySet

from aidx.catalogue.models import CapabilityType, Item


def items(*, category: str | None = None, search: str | None = None) -> QuerySet[Item]:
    result = Item.objects.prefetch_related("substitutions__substitute")
    if category:
        result = result.filter(category=category)
    if search:
        result = result.filter(
            Q(code__icontains=search)
            | Q(name_en__icontains=search)
            | Q(name_nb__icontains=search)
            | Q(name_nn__icontains=search)
        )
    return result.order_by("category", "code")


def substitutes_for(item: Item) -> QuerySet[Item]:
    """Items that may serve a request for `item`, the item itself not included."""
    return Item.objects.filter(substitutes_for__item=item).order_by("code")


def capability_types(*, kind: str | None = None) -> QuerySet[CapabilityType]:
    result = CapabilityType.objects.all()
    if kind:
        result = result.filter(kind=kind)
    return result.order_by("kind", "code")
