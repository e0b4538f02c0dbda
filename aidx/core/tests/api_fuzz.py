"""Schemathesis against /api/v1/openapi.json, in process (the WSGI app on the test database): the engine shared by
`test_api_fuzz.py` (a few thousand calls in `make test`) and `bench/fuzz_api.py` (a bigger run and its table).

Every operation gets generated cases, valid and invalid by the schema; each case is sent with a write token (the
centre's coordinator) and a read-only token (a nation's point of contact), and a case with a record in its path
once more with a record that exists (the sweep's world), so that calls reach the services and not only the 404.
Each call runs in a savepoint that is rolled back: every case starts from the same world, and a database error
cannot abort the test's transaction.

What is counted per operation: calls, server errors (5xx; those from a NUL byte in text apart: issue #11 defect 6
lists them for every text field on PostgreSQL), answers outside the schema (a body that does not match
the documented schema of its status, or a wrong content type), statuses the schema does not document, and writes
that a read-only token made.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Which records a path's parameter names, so that half of the cases use one that exists.
PATHS = [
    (re.compile(r"/requests/\{"), "assistance.request"),
    (re.compile(r"/offers/\{"), "assistance.offer"),
    (re.compile(r"/allocations/\{"), "assistance.allocation"),
    (re.compile(r"/documents/\{"), "documents.document"),
    (re.compile(r"/match-runs/\{"), "matching.matchrun"),
    (re.compile(r"/missions/\{"), "logistics.mission"),
    (re.compile(r"/plan-runs/\{"), "logistics.planrun"),
    (re.compile(r"/deployments/\{"), "logistics.deployment"),
    (re.compile(r"/lots/\{"), "stockpile.lot"),
    (re.compile(r"/pledges/\{"), "fund.pledge"),
    (re.compile(r"/orders/\{"), "fund.order"),
]
CODES = {
    "/nations/{code}": ["ITA", "ESP", "AUS", "XXX"],
    "/statements/{code}": ["ITA", "ESP"],
    "/items/{code}": ["sweep-mask"],
}


# PostgreSQL refuses a NUL byte in text ("cannot contain NUL (0x00) bytes") and in JSON ("unsupported Unicode
# escape sequence" for \u0000).
NUL_ERROR = re.compile(r"NUL \(0x00\)|unsupported Unicode escape sequence")


@dataclass
class Tally:
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    nul_errors: list[str] = field(default_factory=list)  # 500s from a NUL byte in text (PostgreSQL refuses it)
    outside_schema: list[str] = field(default_factory=list)
    undocumented: list[str] = field(default_factory=list)
    read_only_writes: list[str] = field(default_factory=list)


RAISED: list[BaseException] = []  # what the last server error raised, for its report


def _raised(sender: Any, request: Any = None, **kwargs: Any) -> None:
    RAISED[:] = [sys.exc_info()[1]] if sys.exc_info()[1] is not None else []


@contextmanager
def in_process() -> Iterator[Any]:
    """The WSGI app, with the connection kept open between calls (as Django's test client does): the handler
    would otherwise close it at the end of each request, and with it the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(_raised)
    try:
        yield get_wsgi_application()
    finally:
        got_request_exception.disconnect(_raised)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load(app: Any) -> Any:
    return from_wsgi("/api/v1/openapi.json", app)


def _known_ids(count: int) -> dict[str, list[int]]:
    from aidx.core.sweep import subjects

    return {
        s.key: list(s.model._default_manager.order_by("pk").values_list("pk", flat=True)[:count]) for s in subjects()
    }


def _problems(case: Any, response: Any, checks: list[Any]) -> list[str]:
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        return [str(failure.title) for failure in group.exceptions]
    return []


def _describe(case: Any, status: int) -> str:
    query = "&".join(f"{k}={v!r}" for k, v in (case.query or {}).items())
    body = repr(case.body)[:120] if case.body is not None and case.body is not NOT_SET else ""
    return f"{case.method} {case.formatted_path}{'?' + query if query else ''} {body} -> {status}"


@dataclass
class Fuzzer:
    app: Any
    write_token: str
    read_token: str
    known: dict[str, list[int]]
    rng: random.Random  # which existing record a case names

    def send(self, tally: Tally, operation_path: str, case: Any) -> None:
        """The case as generated, then (a case with a record in its path) with a record that exists."""
        self.call(tally, case)
        subject = next((key for pattern, key in PATHS if pattern.search(operation_path)), None)
        codes = next((values for suffix, values in CODES.items() if operation_path.endswith(suffix)), None)
        if not case.path_parameters or not (subject or codes):
            return
        for name in case.path_parameters:
            if name == "sequence":
                case.path_parameters[name] = self.rng.choice([1, 2])
            elif codes:
                case.path_parameters[name] = self.rng.choice(codes)
            elif subject and self.known.get(subject):
                case.path_parameters[name] = self.rng.choice(self.known[subject])
        self.call(tally, case)

    def call(self, tally: Tally, case: Any) -> None:
        for token, read_only in ((self.write_token, False), (self.read_token, True)):
            point = transaction.savepoint()
            RAISED.clear()
            try:
                response = case.call(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
            finally:
                transaction.savepoint_rollback(point)
                connection.needs_rollback = False
            status = response.status_code
            tally.calls += 1
            tally.statuses[status] += 1
            described = _describe(case, status)
            if status >= 500:
                cause = f" ({type(RAISED[0]).__name__}: {str(RAISED[0])[:100]})" if RAISED else ""
                (tally.nul_errors if NUL_ERROR.search(cause) else tally.server_errors).append(described + cause)
                continue
            outside = _problems(case, response, [response_schema_conformance, content_type_conformance])
            if outside:
                tally.outside_schema.append(f"{described}: {'; '.join(outside)}")
            if _problems(case, response, [status_code_conformance]):
                tally.undocumented.append(described)
            if read_only and case.method.upper() != "GET" and 200 <= status < 300:
                tally.read_only_writes.append(described)


def fuzz(
    schema: Any,
    app: Any,
    *,
    write_token: str,
    read_token: str,
    examples: int,
    seed_value: int,
    operations: Iterable[str] | None = None,
    explicit: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Tally]:
    """Send `examples` generated cases (half valid, half invalid by the schema) to every operation, with each token.
    `explicit`: cases always sent first, by operation ("GET /api/v1/requests": [{"query": {...}}, ...])."""
    fuzzer = Fuzzer(app, write_token, read_token, _known_ids(20), random.Random(seed_value))
    tallies: dict[str, Tally] = {}
    wanted = set(operations) if operations else None
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if wanted is not None and label not in wanted:
            continue
        tally = tallies.setdefault(label, Tally())
        for fixed in (explicit or {}).get(label, []):
            fuzzer.send(tally, operation.path, operation.Case(**fixed))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _generate(fuzzer, tally, operation, mode, examples=max(1, examples // 2), seed_value=seed_value)
    return tallies


def _generate(
    fuzzer: Fuzzer, tally: Tally, operation: Any, mode: GenerationMode, *, examples: int, seed_value: int
) -> None:
    @seed(seed_value)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        fuzzer.send(tally, operation.path, case)

    run()
