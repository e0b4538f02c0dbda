from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from aidx.catalogue import selectors
from aidx.catalogue.models import CapabilityType, Item
from aidx.core import exports
from aidx.core.exports import Column

ITEM_COLUMNS = [
    Column("code", "code", "#item +code"),
    Column("name", lambda item: str(item.name), "#item +name"),
    Column("category", "category", "#sector"),
    Column("unit", "unit", "#item +unit"),
    Column("unit_weight_kg", "unit_weight_kg", "#indicator +weight_kg"),
    Column("unit_volume_m3", "unit_volume_m3", "#indicator +volume_m3"),
]
CAPABILITY_COLUMNS = [
    Column("code", "code", "#capability +code"),
    Column("name", lambda capability: str(capability.name), "#capability +name"),
    Column("kind", "kind", "#capability +type"),
    Column("payload_kg", "payload_kg", "#indicator +payload_kg"),
    Column("range_km", "range_km", "#indicator +range_km"),
    Column("beds", "beds", "#indicator +beds"),
    Column("staff", "staff", "#indicator +staff"),
]


@login_required
def item_list(request: HttpRequest) -> HttpResponseBase:
    category = request.GET.get("category") if request.GET.get("category") in Item.Category.values else None
    search = request.GET.get("q", "").strip()[:100] or None
    if file := exports.for_list(request, ITEM_COLUMNS, selectors.items(category=category, search=search), stem="items"):
        return file
    return render(
        request,
        "catalogue/item_list.html",
        {
            "items": selectors.items(category=category, search=search),
            "category": category,
            "q": search or "",
            "categories": Item.Category.choices,
        },
    )


@login_required
def capability_list(request: HttpRequest) -> HttpResponseBase:
    kind = request.GET.get("kind") if request.GET.get("kind") in CapabilityType.Kind.values else None
    if file := exports.for_list(
        request, CAPABILITY_COLUMNS, selectors.capability_types(kind=kind), stem="capabilities"
    ):
        return file
    return render(
        request,
        "catalogue/capability_list.html",
        {"capabilities": selectors.capability_types(kind=kind), "kind": kind, "kinds": CapabilityType.Kind.choices},
    )
