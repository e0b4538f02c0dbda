"""The assessment's and the action's workflows, driven by the generated test in aidx/core/tests/test_workflows.py."""

from __future__ import annotations

import datetime as dt

from aidx.core.actors import SYSTEM
from aidx.core.tests.workflow_driver import Driver
from aidx.resilience import services
from aidx.resilience.models import Action, Assessment
from aidx.resilience.tests.conftest import TITLES, fill, indicators
from aidx.resilience.workflow import ACTION, ASSESSMENT


def _setup(world):
    world.template = services.template_create(actor=SYSTEM, code="baseline", titles=TITLES, indicators=indicators())
    return world


def _assessment(world, state):
    # every answer given, so that "submit" is allowed on a draft
    made = services.assessment_start(actor=world.ally_a, template=world.template)
    fill(world.ally_a, made)
    Assessment.objects.filter(pk=made.pk).update(status=state)
    made.refresh_from_db()
    return made


def _perform_assessment(world, actor, assessment, name):
    return services.assessment_transition(actor=actor, assessment=assessment, action=name, reason="workflow test")


def _action(world, state):
    # on a reviewed assessment, whose page draws no button of its own: only the action's buttons are on it
    assessment = _assessment(world, Assessment.Status.REVIEWED)
    made = services.action_create(
        actor=world.ally_a,
        assessment=assessment,
        description="Stock gowns",
        responsible="Ministry",
        due=dt.date(2030, 1, 1),
    )
    Action.objects.filter(pk=made.pk).update(status=state)
    made.refresh_from_db()
    return made


def _perform_action(world, actor, action, name):
    return services.action_transition(actor=actor, action=action, name=name)


DRIVERS = [
    Driver(
        workflow=ASSESSMENT,
        setup=_setup,
        actors=lambda world: {},
        make=_assessment,
        perform=_perform_assessment,
        page=lambda assessment: f"/resilience/assessments/{assessment.pk}/",
        api=lambda assessment: f"/api/v1/resilience/assessments/{assessment.pk}",
    ),
    Driver(
        workflow=ACTION,
        setup=_setup,
        actors=lambda world: {},
        make=_action,
        perform=_perform_action,
        page=lambda action: f"/resilience/assessments/{action.assessment_id}/",
        api=None,
    ),
]
