"""Generated from the workflow tables: for every declared workflow, every state, every transition and every kind
of actor, the page shows the button, the API lists the action, and the service accepts the action exactly
when the table allows it. A view that draws a button by a rule of its own, or a service that checks something
else than its table, fails here."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client

from aidx.core.errors import BusinessError
from aidx.core.tests.workflow_driver import Driver
from aidx.core.workflow import workflows

BUTTON = re.compile(r'data-action="([a-z_]+)"')


def _drivers() -> dict[str, Driver]:
    found: dict[str, Driver] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("aidx."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.workflows")
        except ModuleNotFoundError as missing:
            if missing.name != f"{config.name}.tests.workflows" and missing.name != f"{config.name}.tests":
                raise
            continue
        for driver in module.DRIVERS:
            found[driver.workflow.key] = driver
    return found


DRIVERS = _drivers()


def test_it_has_a_driver_for_every_declared_workflow():
    declared = {w.key for w in workflows()}
    assert declared, "no workflow is declared"
    assert declared <= set(DRIVERS), (
        f"workflows without a driver in <app>/tests/workflows.py: {declared - set(DRIVERS)}"
    )


def _accepted(driver: Driver, context, actor, record, name: str) -> tuple[bool, str]:
    point = transaction.savepoint()
    try:
        driver.perform(context, actor, record, name)
    except BusinessError as error:
        return False, f"{error.code}: {error.message}"
    finally:
        transaction.savepoint_rollback(point)
    return True, ""


def _shown(client: Client, url: str) -> set[str] | None:
    response = client.get(url)
    if response.status_code in (403, 404):
        return None
    assert response.status_code == 200, (url, response.status_code)
    return set(BUTTON.findall(response.content.decode()))


def _listed(client: Client, url: str) -> set[str] | None:
    response = client.get(url)
    if response.status_code in (403, 404):
        return None
    assert response.status_code == 200, (url, response.status_code)
    return set(response.json()["actions"])


@pytest.mark.parametrize("key", sorted(DRIVERS))
def test_it_shows_a_button_exactly_when_the_service_accepts_the_action(key, world):
    driver = DRIVERS[key]
    workflow = driver.workflow
    context = driver.setup(world)
    actors = {
        "coordinator": world.coordinator,
        "ally_a": world.ally_a,
        "ally_b": world.ally_b,
        "partner": world.partner,
        "outsider": world.outsider,
        "viewer": world.viewer,
        **driver.actors(context),
    }
    people = [t for t in workflow.transitions if t.by_people]
    reached: set[str] = set()
    checks = 0
    for state in workflow.states.values:
        record = driver.make(context, state)
        if record is None:
            continue
        assert workflow.state(record) == state
        reached.add(state)
        for kind, actor in actors.items():
            # a fresh user object: cached roles or affiliation must not carry over between actors
            actor = type(actor).objects.get(pk=actor.pk)
            record.refresh_from_db()
            expected = set(workflow.action_names(actor, record))
            client = Client()
            client.force_login(actor)
            if driver.page is not None:
                shown = _shown(client, driver.page(record))
                page_expected = expected - driver.not_on_page
                assert (shown or set()) == page_expected, (state, kind, "page", shown, page_expected)
            if driver.api is not None:
                listed = _listed(client, driver.api(record))
                assert (listed or set()) == expected, (state, kind, "api", listed, expected)
            for transition in people:
                accepted, why = _accepted(driver, context, actor, record, transition.name)
                allowed = transition.name in expected
                assert accepted == allowed, (state, kind, transition.name, "service", why)
                checks += 1
    sources = set().union(*(t.source for t in people)) if people else set()
    assert sources <= reached, f"{key}: states no test record was made in: {sources - reached}"
    print(f"{key}: {checks} (state, actor, transition) checks")
