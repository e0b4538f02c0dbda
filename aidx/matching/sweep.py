"""Match runs for the need-to-know sweep (aidx/core/sweep.py): the coordinators' tool; everyone else is refused."""

from __future__ import annotations

from aidx.accounts.models import Role
from aidx.core.sweep import Who, exempt, subject, surface
from aidx.matching.models import MatchRun


def sees_run(who: Who, run: MatchRun) -> bool:
    return who.user.has_role(Role.COORDINATOR)


subject("matching.matchrun", MatchRun, sees_run)

surface("matching.list", "page", ["matching:list"], "/matching/", lists={"matching.matchrun": None})
surface("matching.detail", "detail", ["matching:detail"], lambda r: f"/matching/{r.pk}/", per="matching.matchrun")
surface(
    "matching.progress",
    "detail",
    ["matching:progress"],
    lambda r: f"/matching/{r.pk}/progress/",
    per="matching.matchrun",
    marked=False,
)
surface(
    "matching.api_list", "api-list", ["api:run_list"], "/api/v1/match-runs", api=True, lists={"matching.matchrun": None}
)
surface(
    "matching.api_detail",
    "api-detail",
    ["api:run_detail"],
    lambda r: f"/api/v1/match-runs/{r.pk}",
    per="matching.matchrun",
    api=True,
)
surface(
    "matching.api_proposals",
    "api-detail",
    ["api:run_proposals"],
    lambda r: f"/api/v1/match-runs/{r.pk}/proposals?page_size=100",
    per="matching.matchrun",
    api=True,
    marked=False,
)
exempt(
    "a write: coordinators only (tests/test_workflows.py, schemathesis)",
    "matching:action",
    "api:run_start",
    "api:run_drop",
    "api:run_cancel",
    "api:run_publish",
)
