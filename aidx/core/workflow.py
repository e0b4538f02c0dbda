"""A record's life cycle, declared once: its states, its transitions, who may make each, and when.

Every record with a life cycle has one `Workflow` in the app that owns it (`<app>/workflow.py`). Services call
`WORKFLOW.check(actor, record, "name")` before they change anything; views, templates and API answers take the
buttons and the `actions` field from `WORKFLOW.actions(actor, record)`. Nothing else restates a state rule or a
permission, and `aidx/core/tests/test_workflows.py` walks every transition of every registered workflow with
every kind of actor and checks that the page shows a button exactly when the service accepts the action.

Who may act is a list of `Rule`s: roles (any of them) and the actor's relations to the record (any of them),
which the workflow's `relations(actor, record)` function names in the domain's words ("owner", "requester",
"offerer", "centre", ...). `Rule(system=True)` admits the scheduled jobs' `SYSTEM` actor and nobody else.
A `guard` may refuse a transition the rules admit, with the reason in words (e.g. "the needed-by date is past").

Why a small table and not django-fsm-2: django-fsm-2 ties each transition to a model method that sets the state
itself, with permissions as per-method callables on the user alone. aidx's rules turn on the actor's relation to
the record (the requesting nation accepts, the offering nation ships, the centre may do both), and its services
lock rows, cascade, audit and notify around the state change; with django-fsm those rules would be split
between model decorators and services. A table that can be read without side effects serves the services, the
buttons, the API and the generated test alike, in about 200 lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from aidx.core.actors import is_system
from aidx.core.errors import BusinessError, PermissionDenied

CENTRE = "centre"
OWNER = "owner"

Relations = Callable[[Any, Any], Iterable[str]]
Guard = Callable[[Any], Any]  # record -> None when allowed, else the reason (a translatable string)


@dataclass(frozen=True)
class Rule:
    """Who may make a transition: an actor with any of `roles` and any of `relations` to the record.

    An empty set means "any". `system=True` admits the system actor only.
    """

    roles: frozenset[str] = frozenset()
    relations: frozenset[str] = frozenset()
    system: bool = False

    def __init__(self, roles: Iterable[str] = (), relations: Iterable[str] = (), *, system: bool = False):
        object.__setattr__(self, "roles", frozenset(roles))
        object.__setattr__(self, "relations", frozenset(relations))
        object.__setattr__(self, "system", system)
        if system and (self.roles or self.relations):
            raise ValueError("a system rule names no roles or relations")

    def admits(self, actor: Any, relations: frozenset[str]) -> bool:
        if is_system(actor):
            return self.system
        if self.system or not getattr(actor, "is_authenticated", False):
            return False
        roles: frozenset[str] = getattr(actor, "roles", frozenset())
        return (not self.roles or bool(self.roles & roles)) and (not self.relations or bool(self.relations & relations))


def admitted(rules: Iterable[Rule], actor: Any, relations: Callable[[], Iterable[str]] | None = None) -> bool:
    """For an act outside any life cycle (making a record, booking in a ledger, registering an aircraft): does
    one of `rules` admit `actor`, given its relations to what it acts on? Judged as a transition is; `relations`
    is only called for a signed-in person (the system has none)."""
    known: frozenset[str] = frozenset()
    if relations is not None and not is_system(actor) and getattr(actor, "is_authenticated", False):
        known = frozenset(relations())
    return any(rule.admits(actor, known) for rule in rules)


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any  # lazy translated text for the button
    source: frozenset[str]
    target: str | None  # None: the service derives the new state (e.g. met or partially met)
    rules: tuple[Rule, ...]
    guard: Guard | None = None
    danger: bool = False  # drawn as a destructive action
    inputs: tuple[tuple[str, Any], ...] = ()  # what the action asks for: (name, label), e.g. ("reason", _("Reason"))
    required: tuple[str, ...] = ()  # the names of those that must be given
    refusal: Any = None  # lazy text: who may make it, told to one who may not (else "You may not do this.")

    def __init__(
        self,
        name: str,
        label: Any,
        *,
        source: Iterable[str],
        target: str | None,
        rules: Iterable[Rule],
        guard: Guard | None = None,
        danger: bool = False,
        inputs: Iterable[tuple[str, Any]] = (),
        required: Iterable[str] = (),
        refusal: Any = None,
    ):
        values = {
            "name": name,
            "label": label,
            "source": frozenset(str(s) for s in source),
            "target": None if target is None else str(target),
            "rules": tuple(rules),
            "guard": guard,
            "danger": danger,
            "inputs": tuple(inputs),
            "required": tuple(required),
            "refusal": refusal,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)
        if not self.rules:
            raise ValueError(f"transition {name} names nobody who may make it")
        if not set(self.required) <= {name for name, _label in self.inputs}:
            raise ValueError(f"transition {name}: a required input must be an input")

    @property
    def by_system(self) -> bool:
        return any(rule.system for rule in self.rules)

    @property
    def by_people(self) -> bool:
        return any(not rule.system for rule in self.rules)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str = ""  # "forbidden" (who), "bad_state" (when) or the guard's refusal ("guard")
    reason: str = ""


@dataclass(frozen=True)
class Button:
    """An allowed transition, ready for a template: `web/_actions.html` draws it as a form with `data-action`."""

    name: str
    label: str
    url: str
    danger: bool
    inputs: tuple[tuple[str, str, bool], ...]  # (name, label, required)


@dataclass
class Workflow:
    key: str  # "<app>.<record>", e.g. "assistance.allocation"
    model: Any
    states: Any  # the model's TextChoices
    relations: Relations
    transitions: list[Transition]
    field: str = "status"
    _by_name: dict[str, Transition] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {t.name: t for t in self.transitions}
        if len(self._by_name) != len(self.transitions):
            raise ValueError(f"{self.key}: two transitions share a name")
        known = set(self.states.values)
        for t in self.transitions:
            unknown = (t.source | ({t.target} if t.target else set())) - known
            if unknown:
                raise ValueError(f"{self.key}.{t.name}: unknown states {sorted(unknown)}")
        if self.key in REGISTRY and REGISTRY[self.key].model is not self.model:
            raise ValueError(f"two workflows named {self.key}")
        REGISTRY[self.key] = self

    def __getitem__(self, name: str) -> Transition:
        return self._by_name[name]

    def state(self, record: Any) -> str:
        return str(getattr(record, self.field))

    def relations_of(self, actor: Any, record: Any) -> frozenset[str]:
        if is_system(actor) or not getattr(actor, "is_authenticated", False):
            return frozenset()
        return frozenset(self.relations(actor, record))

    def decide(self, actor: Any, record: Any, name: str, *, relations: frozenset[str] | None = None) -> Decision:
        """May `actor` make transition `name` on `record` now? Who is checked before when, as the services do.
        `relations`: the actor's relations to the record when the caller has them already."""
        transition = self[name]
        if relations is None:
            relations = self.relations_of(actor, record)
        if not any(rule.admits(actor, relations) for rule in transition.rules):
            return Decision(False, "forbidden", str(transition.refusal or gettext("You may not do this.")))
        if self.state(record) not in transition.source:
            return Decision(
                False,
                "bad_state",
                gettext("This cannot be done while it is %(state)s.") % {"state": self.state_label(record)},
            )
        if transition.guard is not None:
            reason = transition.guard(record)
            if reason:
                return Decision(False, "guard", str(reason))
        return Decision(True)

    def allows(self, actor: Any, record: Any, name: str) -> bool:
        return self.decide(actor, record, name).allowed

    def check(self, actor: Any, record: Any, name: str) -> Transition:
        """For services: the transition, or the error that explains why it cannot be made."""
        decision = self.decide(actor, record, name)
        if decision.code == "forbidden":
            raise PermissionDenied(decision.reason)
        if not decision.allowed:
            raise BusinessError(decision.reason, code="bad_state")
        return self[name]

    def actions(self, actor: Any, record: Any) -> list[Transition]:
        """The transitions `actor` may make on `record` now, in declaration order: the buttons to show."""
        relations = self.relations_of(actor, record)  # once: a relation may take a query
        return [
            t
            for t in self.transitions
            if t.by_people and self.decide(actor, record, t.name, relations=relations).allowed
        ]

    def action_names(self, actor: Any, record: Any) -> list[str]:
        return [t.name for t in self.actions(actor, record)]

    def buttons(
        self, actor: Any, record: Any, url: Callable[[str], str], *, exclude: Iterable[str] = ()
    ) -> list[Button]:
        """The allowed transitions as buttons posting to `url(name)`; `exclude` those the page draws itself."""
        skip = set(exclude)
        return [
            Button(
                t.name,
                str(t.label),
                url(t.name),
                t.danger,
                tuple((name, str(label), name in t.required) for name, label in t.inputs),
            )
            for t in self.actions(actor, record)
            if t.name not in skip
        ]

    def advance(self, record: Any, name: str) -> None:
        """Set the record's state to the transition's target (the service saves it)."""
        target = self[name].target
        if target is None:
            raise ValueError(f"{self.key}.{name} has no fixed target")
        setattr(record, self.field, target)

    def state_label(self, record: Any) -> str:
        return str(dict(self.states.choices).get(self.state(record), self.state(record)))

    def open_states(self) -> frozenset[str]:
        """States some transition leaves: the record's life is not over."""
        return frozenset().union(*(t.source for t in self.transitions))


REGISTRY: dict[str, Workflow] = {}


def workflows() -> list[Workflow]:
    """Every declared workflow: the core app imports each installed app's `workflow` module when Django starts."""
    return sorted(REGISTRY.values(), key=lambda w: w.key)
