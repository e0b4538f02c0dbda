"""What needs me now: the home page's first panel, per role, each entry a link; refreshed by htmx polling.

Every list comes from the owning app's selector, filtered by need-to-know in the query (the requests a viewer may
see, the allocations it is a party to, the missions it may see, the lots a stockpile viewer may see); reads only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone

from aidx.accounts.models import Role
from aidx.assistance import selectors as exchange
from aidx.assistance.models import AssistanceRequest
from aidx.core import formatting
from aidx.logistics import selectors as logistics
from aidx.logistics.models import Mission, PlanRun
from aidx.matching import selectors as matching
from aidx.matching.models import MatchRun
from aidx.nations.policy import owned_q, viewer_for
from aidx.stockpile import selectors as stockpile

SHOWN = 5  # entries of each kind listed; the count and the link say how many there are in all
DEADLINE = dt.timedelta(days=3)  # 72 hours, counted in the needed-by days


@dataclass
class Entry:
    label: str
    url: str
    note: str = ""


@dataclass
class Group:
    key: str  # open_needs, decisions, deadlines, airborne, expiring
    count: int
    url: str
    entries: list[Entry] = field(default_factory=list)


def _request(record: AssistanceRequest, note: str = "") -> Entry:
    return Entry(record.title, reverse("exchange:request", args=[record.pk]), note)


def now(user: Any, *, at: dt.datetime | None = None) -> list[Group]:
    """The groups that concern `user` today, those with nothing in them left out."""
    viewer = viewer_for(user)
    today = timezone.localdate(at) if at else timezone.localdate()
    groups: list[Group] = []
    requests = exchange.requests_visible_to(viewer, open_only=True)
    # Open needs: a nation's own open requests; the centre's, every open one it may see.
    needs = requests if viewer.is_centre else requests.filter(owned_q(viewer))
    needs = needs.order_by("priority", "needed_by", "pk")
    groups.append(
        Group(
            "open_needs",
            needs.count(),
            reverse("exchange:requests") + ("" if viewer.is_centre else f"?nation={viewer.nation or ''}"),
            [_request(r) for r in needs[:SHOWN]],
        )
    )
    # Decisions waiting: allocations proposed to my requests; for the centre, match and planner runs to review.
    decisions: list[Entry] = []
    count = 0
    if viewer.nation is not None or viewer.organisation is not None:
        inbox = exchange.inbox(user, limit=SHOWN)
        for allocation in inbox.awaiting_decision:
            decisions.append(Entry(str(allocation), reverse("exchange:allocation", args=[allocation.pk])))
        count += len(inbox.awaiting_decision)
    if user.has_role(Role.COORDINATOR):
        runs = matching.runs().filter(status=MatchRun.Status.SUCCEEDED)
        count += runs.count()
        decisions += [Entry(str(run), reverse("matching:detail", args=[run.pk])) for run in runs[:SHOWN]]
    plans = logistics.runs_visible_to(user).filter(status=PlanRun.Status.SUCCEEDED, approved_at__isnull=True)
    count += plans.count()
    decisions += [Entry(str(plan), reverse("logistics:run", args=[plan.pk])) for plan in plans[:SHOWN]]
    groups.append(Group("decisions", count, reverse("exchange:inbox"), decisions[:SHOWN]))
    # Deadlines in the next 72 hours: open requests needed by then.
    until = today + DEADLINE
    soon = requests.filter(needed_by__lte=until).order_by("needed_by", "pk")
    groups.append(
        Group(
            "deadlines",
            soon.count(),
            reverse("exchange:requests") + f"?needed_until={until.isoformat()}",
            [_request(r, formatting.day(r.needed_by)) for r in soon[:SHOWN]],
        )
    )
    # Missions in the air.
    airborne = logistics.missions_visible_to(viewer, status=Mission.Status.AIRBORNE).select_related("aircraft")
    groups.append(
        Group(
            "airborne",
            airborne.count(),
            reverse("logistics:missions") + f"?status={Mission.Status.AIRBORNE}",
            [Entry(str(m.aircraft), reverse("logistics:mission", args=[m.pk])) for m in airborne[:SHOWN]],
        )
    )
    # Lots expiring (the stockpile's viewers only: the selector answers nothing to anyone else).
    alerts = [alert for alert in stockpile.expiry_alerts(user) if alert.days <= 30]
    groups.append(
        Group(
            "expiring",
            len(alerts),
            reverse("stockpile:lots"),
            [
                Entry(f"{alert.lot.item} · {alert.lot.lot_number}", reverse("stockpile:lot", args=[alert.lot.pk]))
                for alert in alerts[:SHOWN]
            ],
        )
    )
    return [group for group in groups if group.count]
