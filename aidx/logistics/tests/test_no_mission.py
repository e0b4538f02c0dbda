"""The planner says why it proposes no mission (#16, finding 2): nothing accepted to carry (or only proposals
waiting for the requester), no aircraft it may task, or nothing that fits."""

from __future__ import annotations

from aidx.logistics import planning
from aidx.logistics.models import Aircraft, PlanRun


def _plan(airlift, capture):
    with capture(execute=True):
        run = planning.plan_run_start(actor=airlift.spain_log, time_limit=1)
    run = PlanRun.objects.get(pk=run.pk)
    assert run.status == "succeeded", run.error
    assert run.proposal["missions"] == []
    return run


def test_it_says_nothing_waits_when_the_proposals_are_not_accepted(client, airlift, django_capture_on_commit_callbacks):
    airlift.accepted(status="proposed")
    run = _plan(airlift, django_capture_on_commit_callbacks)
    assert run.proposal["summary"]["why_none"] == "awaiting_acceptance"
    client.force_login(airlift.spain_log)
    page = client.get(f"/logistics/planner/{run.pk}/").content.decode()
    assert "the proposed ones wait for the requester&#x27;s acceptance" in page


def test_it_says_no_aircraft_can_fly(client, airlift, django_capture_on_commit_callbacks):
    airlift.accepted()
    Aircraft.objects.update(active=False)
    run = _plan(airlift, django_capture_on_commit_callbacks)
    assert run.proposal["summary"]["why_none"] == "no_aircraft"
    client.force_login(airlift.spain_log)
    assert "No aircraft can fly" in client.get(f"/logistics/planner/{run.pk}/").content.decode()


def test_it_says_nothing_is_accepted_for_transport(airlift, django_capture_on_commit_callbacks):
    assert _plan(airlift, django_capture_on_commit_callbacks).proposal["summary"]["why_none"] == "no_consignments"
