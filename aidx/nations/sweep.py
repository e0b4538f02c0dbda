"""The registry for the need-to-know sweep (aidx/core/sweep.py): public, and showing no releasable record."""

from __future__ import annotations

from aidx.core.sweep import surface

surface("nations.list", "page", ["nations:list"], "/registry/nations/")
surface("nations.detail", "page", ["nations:detail"], "/registry/nations/ITA/")
surface("nations.sites", "page", ["nations:sites"], "/registry/sites/")
surface("nations.organisations", "page", ["nations:organisations"], "/registry/organisations/")
surface("nations.api_list", "api-list", ["api:nations"], "/api/v1/nations", api=True)
surface("nations.api_detail", "api-detail", ["api:nation"], "/api/v1/nations/ITA", api=True)
surface("nations.api_organisations", "api-list", ["api:organisations"], "/api/v1/organisations", api=True)
surface("nations.api_sites", "api-list", ["api:sites"], "/api/v1/sites?page_size=100", api=True)
surface("nations.sites_hxl", "page", [], "/registry/sites/?format=hxl")
