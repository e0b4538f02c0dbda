"""Every surface of preparedness for an outsider, a partner, another ally, the owner and the centre: pages, lists,
totals, exports, the API and a run's chart data."""

from __future__ import annotations

import pytest
from django.test import Client

from aidx.preparedness import runs, services


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def seen(prep):
    """Italy's pledge to allies only: what each viewer gets of it."""
    return prep


def test_the_plan_page_lists_and_totals_only_releasable_pledges(seen):
    w, plan = seen.world, seen.plan
    url = f"/preparedness/plans/{plan.pk}/"
    italy_row = f'href="/preparedness/pledges/{seen.italy_allies.pk}/"'
    bilateral_row = f'href="/preparedness/pledges/{seen.spain_bilateral.pk}/"'
    for user, italy, bilateral in (
        (w.coordinator, True, True),
        (w.ally_a, True, True),  # its own; released to it
        (w.ally_b, True, True),  # an ally; its own
        (w.partner, False, False),
    ):
        body = _client(user).get(url).content.decode()
        assert (italy_row in body) is italy, user
        assert (bilateral_row in body) is bilateral, user
    assert _client(w.outsider).get(url).status_code == 404  # the plan is for allies and partners
    partner = _client(w.partner).get(url).content.decode()
    assert "FFP2 mask" not in partner.split('data-testid="totals-by-what"')[1].split("</table>")[0]


def test_exports_and_api_follow_releasability(seen):
    w, plan = seen.world, seen.plan
    for fmt in ("csv",):
        partner = b"".join(_client(w.partner).get(f"/preparedness/plans/{plan.pk}/pledges.{fmt}").streaming_content)
        assert b"mask-ffp2" not in partner and b"ventilator" in partner
        italy = b"".join(_client(w.ally_a).get(f"/preparedness/plans/{plan.pk}/pledges.{fmt}").streaming_content)
        assert b"mask-ffp2" in italy
    listed = _client(w.partner).get(f"/api/v1/preparedness/plans/{plan.pk}/pledges").json()
    assert {row["id"] for row in listed["items"]} == {seen.spain_open.pk} and listed["count"] == 1
    assert _client(w.partner).get(f"/api/v1/preparedness/pledges/{seen.italy_allies.pk}").status_code == 404
    assert _client(w.ally_b).get(f"/api/v1/preparedness/pledges/{seen.spain_bilateral.pk}").status_code == 200
    assert _client(w.outsider).get(f"/api/v1/preparedness/plans/{plan.pk}").status_code == 404
    assert _client(w.outsider).get("/api/v1/preparedness/plans").json()["count"] == 0
    assert _client(w.partner).get(f"/preparedness/pledges/{seen.italy_allies.pk}/").status_code == 404


def test_a_run_and_its_chart_data_are_for_its_owner_and_the_centre(seen):
    w = seen.world
    run = services.run_start(actor=w.ally_a, plan=seen.plan, scenario=seen.wave, runs=5)
    runs.run_execute(run.pk)
    for user in (w.ally_a, w.coordinator):
        page = _client(user).get(f"/preparedness/runs/{run.pk}/")
        assert page.status_code == 200 and b'id="fan-data"' in page.content
        assert _client(user).get(f"/api/v1/preparedness/runs/{run.pk}").json()["result"]["nations"] == ["ITA", "ESP"]
    for user in (w.ally_b, w.partner, w.outsider):
        client = _client(user)
        assert client.get(f"/preparedness/runs/{run.pk}/").status_code == 404
        assert client.get(f"/preparedness/runs/{run.pk}/?print=1").status_code == 404
        assert client.get(f"/preparedness/runs/{run.pk}/export.csv").status_code == 404
        assert client.get(f"/preparedness/runs/{run.pk}/progress/").status_code == 404
        assert client.get(f"/api/v1/preparedness/runs/{run.pk}").status_code == 404
        assert client.get("/api/v1/preparedness/runs").json()["count"] == 0
        assert client.get(f"/preparedness/runs/compare/?a={run.pk}&b={run.pk}").status_code == 404


def test_the_api_answers_bad_input_with_every_problem(seen):
    w = seen.world
    answer = _client(w.ally_b).post(
        f"/api/v1/preparedness/plans/{seen.plan.pk}/pledges",
        {"item": "nope", "quantity": -3, "notice_days": -1, "origin_site": "atlantis", "valid_from": "2026-01-01"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    fields = answer.json()["error"]["fields"]
    assert {"item", "quantity", "notice_days"} <= set(fields)
    made = _client(w.ally_b).post(
        f"/api/v1/preparedness/plans/{seen.plan.pk}/pledges",
        {"item": "ventilator", "quantity": 3, "notice_days": 1, "origin_site": "madrid", "valid_from": "2026-01-01"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["actions"] == ["activate", "withdraw"]
    assert _client(w.coordinator).get("/api/v1/openapi.json").json()["paths"]["/api/v1/preparedness/runs"]


def test_it_counts_on_the_plans_page_only_the_pledges_the_viewer_sees(seen):
    """Found by the sweep: the plans page counted every pledge of a plan, the hidden ones too."""
    w, plan = seen.world, seen.plan
    row = f'data-plan="{plan.pk}" data-pledges="%s"'
    for user, count in ((w.coordinator, 3), (w.ally_a, 3), (w.ally_b, 3), (w.partner, 1)):
        assert row % count in _client(user).get("/preparedness/").content.decode(), user


def test_it_refuses_a_pledge_released_more_widely_than_its_plan(seen):
    """Found by the sweep: a pledge released to partners on a plan for allies only showed partners the plan."""
    from aidx.core.errors import BusinessError
    from aidx.preparedness.models import Pledge
    from aidx.preparedness.services import PledgeInput

    w = seen.world
    allies_only = services.plan_create(
        actor=w.coordinator, name="Allies only", incident="allies-only", valid_from=seen.today, releasability="allies"
    )
    given = [PledgeInput(item="ventilator", quantity=5, notice_days=1, origin_site="rome", valid_from=seen.today)]
    before = Pledge.objects.count()
    for releasability, release_to in (("allies_partners", None), ("named", ["AUS"])):
        with pytest.raises(BusinessError) as refused:
            services.pledges_create(
                actor=w.ally_a, plan=allies_only, pledges=given, releasability=releasability, release_to=release_to
            )
        assert [p.code for p in refused.value.problems] == ["wider_than_source"]
    assert Pledge.objects.count() == before
    made = services.pledges_create(actor=w.ally_a, plan=allies_only, pledges=given, releasability="allies")
    assert made[0].plan == allies_only


def test_a_pledge_is_not_shown_to_whom_its_plan_is_hidden(seen):
    """Even a pledge released more widely than its plan (made before the rule) stays hidden with its plan."""
    from aidx.preparedness.models import Plan

    w = seen.world
    Plan.objects.filter(pk=seen.plan.pk).update(releasability="allies")
    partner = _client(w.partner)
    assert partner.get(f"/preparedness/pledges/{seen.spain_open.pk}/").status_code == 404
    assert partner.get(f"/api/v1/preparedness/pledges/{seen.spain_open.pk}").status_code == 404
    assert _client(w.ally_a).get(f"/preparedness/pledges/{seen.spain_open.pk}/").status_code == 200
