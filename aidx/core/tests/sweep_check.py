"""The sweep's engine: opens every registered surface as every user of a world and compares what it shows with
the rules (aidx/core/sweep.py explains the registry, sweep_world.py the world).

For each answer it finds the marks it contains (ids in a subject's range, tokens) and checks, for every record of
every subject: a record marked in the answer is one the user may see (else: a leak); a record the surface lists
in full and the user may see is marked (else: missing, and the sweep would be checking nothing). A surface opened
per record is found exactly when the user may see the record, and otherwise answers as for a record that does not
exist. Figures are compared with the same figures computed from the rule.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.test import Client

from aidx.accounts.services import token_create
from aidx.core.sweep import ID_BASE, ID_SPAN, TOKEN, Subject, Surface, Who, id_base, subjects
from aidx.nations.policy import owned_by, viewer_for

# An id in an answer: seven digits from the sweep's ranges, as written raw or with a thousands separator.
ID = re.compile(r"(?<![\w.])([7-9])[,\u00a0\u202f ]?(\d{3})[,\u00a0\u202f ]?(\d{3})(?!\w)")


@dataclass
class Problem:
    surface: str
    who: str
    relation: str
    what: str
    url: str

    def __str__(self) -> str:
        return f"{self.surface}: {self.who} ({self.relation}) {self.what} at {self.url}"


@dataclass
class Sweep:
    world: Any
    whos: list[Who]
    clients: dict[str, Client]
    tokens: dict[str, str]
    records: dict[str, list[Any]]  # subject key -> the world's records
    index: dict[tuple[str, int], Any]  # (subject key, pk) -> record
    sees: dict[tuple[str, str, int], bool]  # (who label, subject key, pk) -> the rule's answer
    keys_by_index: list[str]
    per_record: int  # how many users open each record's surfaces (0: all)
    checks: Counter[str] = field(default_factory=Counter)  # by relation of the user to the record
    requests: int = 0
    relations: dict[tuple[str, str, int], str] = field(default_factory=dict)
    seconds: Counter[str] = field(default_factory=Counter)  # by surface

    # --- reading answers -----------------------------------------------------------------------------------

    def get(self, who: Who, surface: Surface, url: str) -> tuple[int, bytes]:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[who.label]}"} if surface.api else {}
        response = self.clients[who.label].get(url, **headers)
        self.requests += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        return response.status_code, body

    def text(self, surface: Surface, body: bytes) -> str:
        if surface.read is not None and body:
            return surface.read(body)
        return body.decode("utf-8", errors="replace")

    def marks(self, text: str) -> set[tuple[str, int]]:
        found: set[tuple[str, int]] = set()
        for mark in TOKEN.findall(text):
            if mark in self.world.tokens:
                found.add(self.world.tokens[mark])
        for match in ID.finditer(text):
            number = int("".join(match.groups()))
            position = (number - ID_BASE) // ID_SPAN
            if 0 <= position < len(self.keys_by_index):
                key = self.keys_by_index[position]
                if (key, number) in self.index:
                    found.add((key, number))
        return found

    # --- the rule --------------------------------------------------------------------------------------------

    def relation(self, who: Who, record: Any) -> str:
        key = (who.label, type(record).__name__, record.pk)
        if key not in self.relations:
            self.relations[key] = self._relation(who, record)
        return self.relations[key]

    def _relation(self, who: Who, record: Any) -> str:
        viewer = who.viewer
        if viewer.is_centre:
            return "centre"
        if hasattr(record, "owner_nation_id") and owned_by(viewer, record):
            return "owner"
        return {"ally": "ally", "partner": "partner"}.get(viewer.standing or "", "outsider")

    def allowed(self, who: Who, key: str, pk: int) -> bool:
        return self.sees[(who.label, key, pk)]

    def visible(self, who: Who) -> Any:
        def records(key: str) -> list[Any]:
            return [r for r in self.records[key] if self.allowed(who, key, r.pk)]

        return records

    # --- checking --------------------------------------------------------------------------------------------

    def compare(
        self, surface: Surface, who: Who, url: str, found: set[tuple[str, int]], listed: Iterable[tuple[str, Any]]
    ) -> list[Problem]:
        """Every record of the world against the marks found in one answer."""
        problems = []
        expected = {(key, record.pk) for key, record in listed if self.allowed(who, key, record.pk)}
        for key, records in self.records.items():
            for record in records:
                mark = (key, record.pk)
                self.checks[self.relation(who, record)] += 1
                if mark not in found and mark not in expected:
                    continue
                if mark in found and not self.allowed(who, key, record.pk):
                    problems.append(
                        Problem(
                            surface.key,
                            who.label,
                            self.relation(who, record),
                            f"LEAK {key} {record.pk} «{record}»",
                            url,
                        )
                    )
                elif mark in expected and mark not in found:
                    problems.append(
                        Problem(
                            surface.key,
                            who.label,
                            self.relation(who, record),
                            f"MISSING {key} {record.pk} «{record}»",
                            url,
                        )
                    )
        return problems

    def check_fixed(self, surface: Surface, who: Who) -> list[Problem]:
        url = str(surface.url)
        status, body = self.get(who, surface, url)
        if status not in (200, 301, 302, 403, 404):  # a redirect shows nothing (its target is a surface of its own)
            return [Problem(surface.key, who.label, "-", f"answered {status}", url)]
        text = self.text(surface, body) if status == 200 else ""
        listed = [
            (key, record)
            for key, where in surface.lists.items()
            for record in self.records.get(key, [])
            if where is None or where(record)
        ]
        problems = self.compare(surface, who, url, self.marks(text), listed)
        if status != 200:
            return problems
        if surface.counted:
            count = json.loads(body)["count"]
            expected = sum(self.allowed(who, key, record.pk) for key, record in listed)
            if count != expected:
                problems.append(Problem(surface.key, who.label, "-", f"COUNT {count}, the rule gives {expected}", url))
        if surface.tally is not None and surface.expect is not None:
            got, want = dict(surface.tally(body)), dict(surface.expect(self.visible(who), who))
            self.checks["figures"] += len(want)
            if got != want:
                problems.append(Problem(surface.key, who.label, "-", f"FIGURES {got}, the rule gives {want}", url))
        return problems

    def check_record(self, surface: Surface, who: Who, record: Any, missing_status: int) -> list[Problem]:
        key = str(surface.per)
        url = surface.url(record)  # type: ignore[operator]
        status, body = self.get(who, surface, url)
        allowed = self.allowed(who, key, record.pk)
        problems = []
        # A form to act on a record may turn away someone who may see it but not act (a viewer): not a leak.
        refused = surface.kind == "form" and status in (302, 403)
        if allowed and status != 200 and not refused:
            problems.append(
                Problem(
                    surface.key, who.label, self.relation(who, record), f"NOT FOUND {key} {record.pk} ({status})", url
                )
            )
        if not allowed and status != missing_status:
            problems.append(
                Problem(
                    surface.key,
                    who.label,
                    self.relation(who, record),
                    f"ANSWERED {status} for hidden {key} {record.pk}, {missing_status} for one that does not exist",
                    url,
                )
            )
        text = self.text(surface, body) if status == 200 else ""
        if surface.kind == "search":  # the page repeats what was searched for: that is not the record
            for value in parse_qs(urlsplit(url).query).values():
                text = text.replace(value[0], "")
        listed = [(key, record)] if surface.marked and not refused else []
        return problems + self.compare(surface, who, url, self.marks(text), listed)

    def check(self, surface: Surface) -> list[Problem]:
        started = time.monotonic()
        try:
            return self._check(surface)
        finally:
            self.seconds[surface.key] += time.monotonic() - started

    def _check(self, surface: Surface) -> list[Problem]:
        problems: list[Problem] = []
        if surface.per is None:
            for who in self.whos:
                problems += self.check_fixed(surface, who)
            return problems
        key = surface.per
        absent = self.absent(key)
        rng = random.Random(f"{self.world.seed}:{surface.key}")
        missing_status = {}
        for record in self.records[key]:
            for who in self.sample(rng, key, record):
                if who.label not in missing_status:
                    missing_status[who.label] = self.get(who, surface, surface.url(absent))[0]  # type: ignore[operator]
                problems += self.check_record(surface, who, record, missing_status[who.label])
        return problems

    def absent(self, key: str) -> Any:
        """A record of `key` that does not exist: an id of its range nobody has, a token nobody has."""
        model = next(s.model for s in subjects() if s.key == key)
        record = model(pk=id_base(key) + ID_SPAN - 1)
        for column in model._meta.concrete_fields:
            if column.get_internal_type() == "CharField" and not column.choices and not column.is_relation:
                setattr(record, column.attname, "swq99999x")
        return record

    def sample(self, rng: random.Random, key: str, record: Any) -> list[Who]:
        """The users who open a record's surface: all, or a few chosen to include one who may see it and one who
        may not, across relations (owner, centre, ally, partner, outsider)."""
        if not self.per_record or len(self.whos) <= self.per_record:
            return self.whos
        seeing = [w for w in self.whos if self.allowed(w, key, record.pk)]
        hidden = [w for w in self.whos if not self.allowed(w, key, record.pk)]
        chosen = {rng.choice(seeing).label} if seeing else set()
        if hidden:
            chosen.add(rng.choice(hidden).label)
        by_relation: dict[str, list[Who]] = {}
        for who in self.whos:
            by_relation.setdefault(self.relation(who, record), []).append(who)
        for group in by_relation.values():
            if len(chosen) < self.per_record:
                chosen.add(rng.choice(group).label)
        return [w for w in self.whos if w.label in chosen]


def prepare(world: Any, *, per_record: int) -> Sweep:
    """Clients, tokens and the rule's answer for every (user, record) of the world."""
    whos, clients, tokens = [], {}, {}
    for label, user in world.users.items():
        who = Who(user=user, viewer=viewer_for(user, on=world.today), label=label)
        whos.append(who)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        clients[label] = client
        tokens[label] = token_create(actor=user, user=user, name="sweep")[1]
    declared: list[Subject] = subjects()
    records = {s.key: list(s.model._default_manager.order_by("pk")) for s in declared}
    index = {(key, r.pk): r for key, rs in records.items() for r in rs}
    sees = {
        (who.label, s.key, record.pk): bool(s.sees(who, record))
        for s in declared
        for record in records[s.key]
        for who in whos
    }
    return Sweep(
        world=world,
        whos=whos,
        clients=clients,
        tokens=tokens,
        records=records,
        index=index,
        sees=sees,
        keys_by_index=[s.key for s in declared],
        per_record=per_record,
    )
