"""How the generated workflow test (test_workflows.py) drives one app's workflow.

Each app with a workflow puts a `Driver` per workflow in `aidx/<app>/tests/workflows.py` (a list `DRIVERS`):
how to make a record in a given state, how to call the service for a transition, and where the record's page
and API answer are. The test then walks every state × every transition × every kind of actor and checks that
the page shows a button (`data-action="<transition>"`), the API lists the action, and the service accepts the
action exactly when the workflow table says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aidx.core.workflow import Workflow


@dataclass(frozen=True)
class Driver:
    workflow: Workflow
    # (world) -> context: the records every state needs (users besides the base set, sites, items, ...)
    setup: Callable[[Any], Any]
    # (context) -> {kind of actor: user}; the base set (coordinator, ally_a, ally_b, partner, outsider, viewer)
    # is added by the test, so only name those the workflow's relations need (a logistics officer, ...)
    actors: Callable[[Any], dict[str, Any]]
    # (context, state) -> a record in that state, or None when the state cannot be made (then no transition
    # that starts there may be made by a person: the test checks that)
    make: Callable[[Any, str], Any]
    # (context, actor, record, transition name) -> calls the service with valid input for that transition
    perform: Callable[[Any, Any, Any, str], Any]
    page: Callable[[Any], str] | None = None  # the record's page, where its buttons are
    api: Callable[[Any], str] | None = None  # the record's API answer, with "actions"
    # transitions the page draws elsewhere than on the record's page (e.g. on a list); they are checked by the
    # service and the API only
    not_on_page: frozenset[str] = frozenset()
