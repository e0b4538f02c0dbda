"""The catalogue for the need-to-know sweep (aidx/core/sweep.py): public, and showing no releasable record."""

from __future__ import annotations

from aidx.core.sweep import surface

surface("catalogue.items", "page", ["catalogue:items"], "/catalogue/items/")
surface("catalogue.capabilities", "page", ["catalogue:capabilities"], "/catalogue/capabilities/")
surface("catalogue.api_items", "api-list", ["api:items"], "/api/v1/items?page_size=100", api=True)
surface("catalogue.api_item", "api-detail", ["api:item"], "/api/v1/items/sweep-mask", api=True)
surface("catalogue.api_capabilities", "api-list", ["api:capability_types"], "/api/v1/capability-types", api=True)
surface("catalogue.items_hxl", "page", [], "/catalogue/items/?format=hxl")
