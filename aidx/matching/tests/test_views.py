from __future__ import annotations

import pytest

from aidx.accounts.services import token_create
from aidx.assistance.models import Allocation
from aidx.matching.models import MatchRun


def test_it_runs_reviews_and_publishes_from_the_pages(client, exchange, django_capture_on_commit_callbacks):
    w = exchange.world
    exchange.request()
    exchange.offer()
    client.force_login(w.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/matching/", {"mode": "priority", "time_limit": 30})
    run = MatchRun.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/matching/{run.pk}/"
    page = client.get(f"/matching/{run.pk}/")
    assert page.status_code == 200 and page.context["review"].kept == 1
    progress = client.get(f"/matching/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"  # the run is over: the page reloads into the review
    client.post(f"/matching/{run.pk}/publish/")
    assert Allocation.objects.filter(match_run_id=run.pk).count() == 1


def test_it_shows_progress_that_polls_while_running(client, exchange):
    run = MatchRun.objects.create(
        created_by=exchange.world.coordinator,
        as_of=exchange.today,
        status=MatchRun.Status.RUNNING,
        phase="solve",
        percent=42,
    )
    client.force_login(exchange.world.coordinator)
    fragment = client.get(f"/matching/{run.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "42%" in fragment


def test_it_rejects_a_bad_run_form(client, exchange):
    client.force_login(exchange.world.coordinator)
    assert client.post("/matching/", {"mode": "random", "time_limit": 0}).status_code == 400
    assert not MatchRun.objects.exists()


@pytest.mark.parametrize("who", ["ally_a", "partner", "outsider", "viewer"])
def test_it_keeps_matching_to_coordinators(client, exchange, who):
    user = getattr(exchange.world, who)
    run = MatchRun.objects.create(created_by=exchange.world.coordinator, as_of=exchange.today)
    client.force_login(user)
    assert client.get("/matching/").status_code == 403
    assert client.get(f"/matching/{run.pk}/").status_code == 403
    _token, secret = token_create(actor=user, user=user, name="t", write=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/match-runs", **auth).status_code == 403
    assert client.post("/api/v1/match-runs", {}, content_type="application/json", **auth).status_code == 403


def test_it_runs_through_the_api(client, exchange, django_capture_on_commit_callbacks):
    exchange.request()
    exchange.offer()
    _token, secret = token_create(
        actor=exchange.world.coordinator, user=exchange.world.coordinator, name="t", write=True
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/match-runs", {"mode": "fair", "time_limit": 30}, content_type="application/json", **auth
        )
    assert started.status_code == 202
    run = client.get(f"/api/v1/match-runs/{started.json()['id']}", **auth).json()
    assert run["status"] == "succeeded" and run["certificate"]["verified"] is True
    proposals = client.get(f"/api/v1/match-runs/{run['id']}/proposals", **auth).json()
    assert proposals["count"] == 1
    published = client.post(f"/api/v1/match-runs/{run['id']}/publish", **auth).json()
    assert published["status"] == "published"
