"""The audit log for the need-to-know sweep (aidx/core/sweep.py): coordinators only, every one else is refused."""

from __future__ import annotations

from aidx.core.sweep import surface, xlsx_text

surface("audit.list", "audit", ["audit:list"], "/audit/")
surface("audit.csv", "audit", [], "/audit/?format=csv")
surface("audit.xlsx", "audit", [], "/audit/?format=xlsx", read=xlsx_text)
surface("audit.hxl", "audit", [], "/audit/?format=hxl")
