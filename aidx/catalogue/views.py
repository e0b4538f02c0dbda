from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aidx.catalogue import selectors
from aidx.catalogue.models import CapabilityType, Item


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category") if request.GET.get("category") in Item.Category.values else None
    search = request.GET.get("q", "").strip()[:100] or None
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
def capability_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") if request.GET.get("kind") in CapabilityType.Kind.values else None
    return render(
        request,
        "catalogue/capability_list.html",
        {"capabilities": selectors.capability_types(kind=kind), "kind": kind, "kinds": CapabilityType.Kind.choices},
    )
