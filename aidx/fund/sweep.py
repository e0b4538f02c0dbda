"""The trust fund for the need-to-know sweep (aidx/core/sweep.py): managers see every book; a nation its own pledges
and statement; allies and partners the totals; orders are for managers only."""

from __future__ import annotations

from aidx.core.sweep import Who, exempt, subject, surface, xlsx_text
from aidx.fund.models import Pledge, ProcurementOrder
from aidx.fund.workflow import may_manage


def sees_pledge(who: Who, pledge: Pledge) -> bool:
    return may_manage(who.user) or who.user.acting_nation_id == pledge.nation_id


def sees_order(who: Who, order: ProcurementOrder) -> bool:
    return may_manage(who.user)


subject("fund.pledge", Pledge, sees_pledge)
subject("fund.order", ProcurementOrder, sees_order)

surface("fund.overview", "page", ["fund:overview"], "/fund/")
surface("fund.overview_csv", "export", [], "/fund/?format=csv")
surface("fund.pledges", "page", ["fund:pledges"], "/fund/pledges/", lists={"fund.pledge": None})
surface("fund.pledges_csv", "export", [], "/fund/pledges/?format=csv", lists={"fund.pledge": None})
surface("fund.pledges_xlsx", "export", [], "/fund/pledges/?format=xlsx", lists={"fund.pledge": None}, read=xlsx_text)
surface("fund.pledge", "detail", ["fund:pledge"], lambda p: f"/fund/pledges/{p.pk}/", per="fund.pledge")
surface("fund.orders", "page", ["fund:orders"], "/fund/orders/", lists={"fund.order": None})
surface("fund.order", "detail", ["fund:order"], lambda o: f"/fund/orders/{o.pk}/", per="fund.order")
surface("fund.statements", "page", ["fund:statements"], "/fund/statements/")
# A nation's statement, opened for each pledge's nation: found for the nation itself and the managers.
surface(
    "fund.statement",
    "detail",
    ["fund:statement"],
    lambda p: f"/fund/statements/{p.nation_id}/",
    per="fund.pledge",
    marked=False,
)
surface("fund.api_totals", "figures", ["api:totals"], "/api/v1/fund/totals", api=True)
surface(
    "fund.api_pledges",
    "api-list",
    ["api:pledges"],
    "/api/v1/fund/pledges?page_size=100",
    api=True,
    counted=True,
    lists={"fund.pledge": None},
)
surface(
    "fund.api_pledge",
    "api-detail",
    ["api:pledge"],
    lambda p: f"/api/v1/fund/pledges/{p.pk}",
    per="fund.pledge",
    api=True,
)
surface(
    "fund.api_statement",
    "api-detail",
    ["api:statement"],
    lambda p: f"/api/v1/fund/statements/{p.nation_id}",
    per="fund.pledge",
    api=True,
    marked=False,
)
surface("fund.api_balance_sheet", "figures", ["api:balance_sheet"], "/api/v1/fund/balance-sheet", api=True)
surface(
    "fund.api_orders",
    "api-list",
    ["api:orders"],
    "/api/v1/fund/orders?page_size=100",
    api=True,
    counted=True,
    lists={"fund.order": None},
)
surface(
    "fund.api_order", "api-detail", ["api:order"], lambda o: f"/api/v1/fund/orders/{o.pk}", per="fund.order", api=True
)

exempt(
    "a write: it answers only about a record the actor may act on (tests/test_workflows.py, schemathesis)",
    "fund:order_action",
    "api:pledge_create",
    "api:contribution_create",
    "api:order_create",
    "api:order_approve",
    "api:order_cancel",
    "api:order_receive",
    "api:transport",
    "api:rate",
)
surface("fund.pledges_hxl", "export", [], "/fund/pledges/?format=hxl", lists={"fund.pledge": None})
