"""The match run's workflow, driven by the generated test in aidx/core/tests/test_workflows.py."""

from __future__ import annotations

from django.utils import timezone

from aidx.core.tests.workflow_driver import Driver
from aidx.matching import services
from aidx.matching.models import MatchRun
from aidx.matching.workflow import MATCH_RUN


def _make(world, state):
    return MatchRun.objects.create(
        created_by=world.coordinator, as_of=timezone.localdate(), status=state, result={"unmet": []}, problem={}
    )


def _perform(world, actor, run, name):
    if name == "cancel":
        return services.run_cancel(actor=actor, run=run)
    if name == "rerun":
        return services.run_start(actor=actor, mode=run.mode, rerun_of=run)
    if name in ("drop", "keep"):
        return services.proposal_drop(actor=actor, run=run, proposal_ids=[], dropped=name == "drop")
    if name == "publish":
        return services.run_publish(actor=actor, run=run)
    raise AssertionError(name)


DRIVERS = [
    Driver(
        workflow=MATCH_RUN,
        setup=lambda world: world,
        actors=lambda world: {},
        make=_make,
        perform=_perform,
        page=lambda run: f"/matching/{run.pk}/",
        api=lambda run: f"/api/v1/match-runs/{run.pk}",
    )
]
