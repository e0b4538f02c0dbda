from __future__ import annotations

from typing import Any

from aidx.catalogue import services
from aidx.catalogue.models import Item

ITEM_FIELDS = (
    "name_en",
    "name_nb",
    "name_nn",
    "category",
    "unit",
    "unit_weight_kg",
    "unit_volume_m3",
    "shelf_life_days",
    "source",
)
CAPABILITY_FIELDS = (
    "name_en",
    "name_nb",
    "name_nn",
    "kind",
    "payload_kg",
    "volume_m3",
    "pallet_positions",
    "cruise_speed_kmh",
    "range_km",
    "beds",
    "icu_beds",
    "stretchers",
    "staff",
    "source",
    "illustrative",
)


def load(data: dict[str, Any]) -> int:
    changed = 0
    # Every item's weight and volume are planning estimates (see the file's _about).
    for entry in data.get("items", []):
        fields = {name: entry.get(name) for name in ITEM_FIELDS if name in entry}
        fields.setdefault("source", "illustrative planning estimate")
        fields["illustrative"] = entry.get("illustrative", True)
        changed += services.item_upsert(actor=None, code=entry["code"], **fields)[1]
    for entry in data.get("capability_types", []):
        fields = {name: entry.get(name) for name in CAPABILITY_FIELDS if name in entry}
        changed += services.capability_type_upsert(actor=None, code=entry["code"], **fields)[1]
    for entry in data.get("substitutions", []):
        changed += services.substitution_set(
            actor=None,
            item=Item.objects.get(code=entry["item"]),
            substitute=Item.objects.get(code=entry["substitute"]),
            penalty=entry["penalty"],
        )[1]
    return changed
