"""The interchange's workflows, driven by the generated test in aidx/core/tests/test_workflows.py."""

from __future__ import annotations

import itertools
from pathlib import Path

from aidx.assistance.tests.conftest import exchange as exchange_fixture
from aidx.core.tests.workflow_driver import Driver
from aidx.interchange.models import PendingMessage, Subscription
from aidx.interchange.services import inbound, mapping, webhooks
from aidx.interchange.workflow import PENDING, SUBSCRIPTION

DATA = Path(__file__).parent / "data"
_numbers = itertools.count(1)


def _setup(world):
    from django.conf import settings as django_settings

    class _Settings:  # the exchange fixture sets the task backend through pytest-django's settings
        def __setattr__(self, name, value):
            setattr(django_settings, name, value)

    exchange_fixture.__wrapped__(world, _Settings())
    return world


def _make_pending(world, state):
    data = (DATA / "request-handwritten.xml").read_bytes().replace(b"LOMB-EOC-2020-0042", f"M{next(_numbers)}".encode())
    outcome = inbound.receive(actor=world.coordinator, data=data)
    pending = outcome.pending
    if state == PendingMessage.Status.CREATED:
        for line in pending.lines.all():
            mapping.line_map(actor=world.coordinator, line=line, item="ventilator", quantity=3)
    elif state == PendingMessage.Status.DISCARDED:
        mapping.pending_discard(actor=world.coordinator, pending=pending, reason="test")
    pending.refresh_from_db()
    return pending


def _perform_pending(world, actor, pending, name):
    if name == "create":
        return mapping.pending_create(actor=actor, pending=pending)
    return mapping.pending_discard(actor=actor, pending=pending, reason="workflow test")


def _make_subscription(world, state):
    subscription = webhooks.subscription_create(
        actor=world.ally_a, name="Italy's system", url="http://127.0.0.1:9/hook", events=["request.submitted"]
    )
    if state == Subscription.Status.PAUSED:
        webhooks.subscription_pause(actor=world.ally_a, subscription=subscription)
        subscription.refresh_from_db()
    return subscription


def _perform_subscription(world, actor, subscription, name):
    move = webhooks.subscription_pause if name == "pause" else webhooks.subscription_resume
    return move(actor=actor, subscription=subscription)


DRIVERS = [
    Driver(
        workflow=PENDING,
        setup=_setup,
        actors=lambda world: {},
        make=_make_pending,
        perform=_perform_pending,
        page=lambda pending: f"/interchange/queue/{pending.pk}/",
        api=lambda pending: f"/api/v1/interchange/queue/{pending.pk}",
    ),
    Driver(
        workflow=SUBSCRIPTION,
        setup=lambda world: world,
        actors=lambda world: {},
        make=_make_subscription,
        perform=_perform_subscription,
        page=lambda subscription: f"/interchange/subscriptions/{subscription.pk}/",
        api=lambda subscription: f"/api/v1/interchange/subscriptions/{subscription.pk}",
    ),
]
