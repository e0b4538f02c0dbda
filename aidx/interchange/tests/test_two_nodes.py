"""Two aidx nodes on 127.0.0.1, each with its own database, web server and worker, linked through the API: a request
released to the other node's nation arrives there as a request, an offer made there arrives back as an offer, the
acceptance travels back, each side keeps its own audit trail; a node that is down for a while catches up without
duplicates.

The alliance node serves Italy and Spain, the partner node Australia. On each node the other node's nation
subscribes (as the user whose token the other node holds) and the subscription speaks for the node's own nation;
a coordinator of the centre accepts the other node's signed deliveries (an inbound link with the agreed secret).
On the PostgreSQL pass the nodes' databases are named from the test database; on SQLite they are files under a
temporary directory. Both start from the same migrated and loaded database (one load, copied).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection

from aidx.accounts.services import token_create
from aidx.core.tests.worker_process import stop as stop_process

AIDX = str(pathlib.Path(sys.executable).with_name("aidx"))
SECRET = "two-nodes-shared-secret-0123456789"
EVENTS = [
    "allocation.accepted",
    "allocation.cancelled",
    "allocation.declined",
    "allocation.proposed",
    "allocation.shipped",
    "offer.published",
    "request.submitted",
]
IDLE_ENDED = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = %(database)s AND pid <> pg_backend_pid() AND state = 'idle'"
)
USERNAMES = {"italy": "ally_a", "australia": "partner", "coordinator": "coord"}  # the base users (aidx/conftest.py)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(what: str, condition: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


@dataclass
class Node:
    name: str
    env: dict[str, str]
    folder: pathlib.Path
    port: int = field(default_factory=_free_port)
    tokens: dict[str, str] = field(default_factory=dict)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, role: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{role}.log").open("ab")
        return subprocess.Popen([AIDX, *args], env=self.env, stdout=log, stderr=log, start_new_session=True)

    def start(self) -> None:
        self.server = self._spawn("server", "runserver", "--noreload", f"127.0.0.1:{self.port}")
        self.worker = self._spawn("worker", "worker", "--interval", "0.3", "--no-reload", "--no-startup-delay", "-v0")

    def wait_up(self) -> None:
        _wait(f"{self.name} to answer", lambda: self.call("italy", "GET", "/api/v1/interchange/messages")[0] == 200)

    def stop(self) -> None:
        for process in (self.server, self.worker):
            stop_process(process)
        self.server = self.worker = None

    def call(self, user: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310  (our own node, over http)
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.tokens[user]}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310  (our own node)
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")
        except (urllib.error.URLError, OSError):
            return 0, None

    def ok(self, user: str, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.call(user, method, path, body)
        assert status in (200, 201), f"{self.name}: {method} {path} answered {status}: {answer}"
        return answer

    def received(self, user: str, kind: str) -> list[dict[str, Any]]:
        """Messages of `kind` received by the user's nation, oldest first."""
        answer = self.ok(user, "GET", "/api/v1/interchange/messages?page_size=100")
        return [m for m in reversed(answer["items"]) if m["kind"] == kind]

    def logs(self) -> str:
        return "\n".join(
            f"--- {self.name} {path.name}:\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )


class Databases:
    """The nodes' databases: copies of the test database as the test has filled it (SQLite files under the
    temporary directory, or PostgreSQL databases named from the test database), and direct SQL on them."""

    def __init__(self, tmp_path: pathlib.Path) -> None:
        self.tmp_path = tmp_path
        self.postgres = connection.vendor == "postgresql"
        s = connection.settings_dict
        self.server = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        self.prefix = str(s["NAME"])
        self.made: list[str] = []

    def copy(self, node: str) -> dict[str, str]:
        """The test database as it is now, for `node`: the environment variables that point at the copy."""
        if not self.postgres:
            connection.ensure_connection()
            target = sqlite3.connect(self.tmp_path / node / "aidx.sqlite3")
            connection.connection.backup(target)
            target.close()
            return {}
        name = f"{self.prefix}_{node}"
        connection.close()  # a template database has no other session: ours closed, idle ones left behind ended
        self._admin(
            IDLE_ENDED,
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{self.prefix}"',
            database=self.prefix,
        )
        self.made.append(name)
        return {"DATABASE_URL": f"{self.server}/{name}"}

    def sql(self, node: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
        if not self.postgres:
            with sqlite3.connect(self.tmp_path / node / "aidx.sqlite3", timeout=20) as db:
                return db.execute(query.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(f"{self.server}/{self.prefix}_{node}", autocommit=True) as db:
            cursor = db.execute(query, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def drop(self) -> None:
        if self.made:
            self._admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self.made))

    def _admin(self, *statements: str, database: str = "") -> None:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as admin:
            for statement in statements:
                admin.execute(statement, {"database": database} if "%(database)s" in statement else None)  # type: ignore[arg-type]


def _node(name: str, nations: str, databases: Databases, users: dict[str, Any]) -> Node:
    """A node's environment and database (a copy of the test database with fresh API tokens for `users`)."""
    folder = databases.tmp_path / name
    folder.mkdir()
    tokens = {
        label: token_create(actor=user, user=user, name=f"{name} node", write=True)[1] for label, user in users.items()
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "DATABASE_URL"))}
    env.update(
        AIDX_ENV="embedded",
        AIDX_VAR_DIR=str(folder),
        AIDX_LOG_LEVEL="WARNING",
        AIDX_NODE_ID=name,
        AIDX_INTERCHANGE_NATIONS=nations,
        AIDX_WEBHOOK_TICK_SECONDS="1",
        AIDX_WEBHOOK_BACKOFF_SECONDS="1",
        AIDX_WEBHOOK_BACKOFF_MAX_SECONDS="2",
        AIDX_WEBHOOK_TIMEOUT_SECONDS="5",
        **databases.copy(name),
    )
    return Node(name, env, folder, tokens=tokens)


def _link(here: Node, there: Node, *, subscriber: str, speaks_for: str) -> str:
    """Here, `subscriber` (the user whose token the other node holds: its voice here) subscribes to what its nation
    may see of the changes made for `speaks_for`, delivered to the other node with the token that node gave for
    `speaks_for`'s user there; answers the subscription's key."""
    voice = {"ITA": "italy", "AUS": "australia"}[speaks_for]
    created = here.ok(
        subscriber,
        "POST",
        "/api/v1/interchange/subscriptions",
        {
            "name": f"{there.name} node",
            "url": f"{there.url}/api/v1/interchange/messages",
            "events": EVENTS,
            "format": "edxl",
            "secret": SECRET,
            "remote_token": there.tokens[voice],
            "remote_actor": USERNAMES[subscriber],
            "speaks_for": speaks_for,
        },
    )
    assert created["speaks_for"] == speaks_for and created["status"] == "active"
    return str(created["key"])


@pytest.mark.django_db(transaction=True)
def test_two_nodes_exchange_a_request_an_offer_and_the_acceptance_and_catch_up_after_an_outage(exchange, tmp_path):
    started = time.monotonic()
    w = exchange.world
    users = {"italy": w.ally_a, "australia": w.partner, "coordinator": w.coordinator}
    databases = Databases(tmp_path)
    nodes: list[Node] = []
    try:
        nodes.append(_node("alliance", "ITA,ESP", databases, users))
        nodes.append(_node("partner", "AUS", databases, users))
        alliance, partner = nodes
        migrations = [subprocess.Popen([AIDX, "migrate", "-v0"], env=node.env) for node in nodes]
        assert [m.wait(timeout=300) for m in migrations] == [0, 0]  # the copies are complete: nothing to apply
        for node in nodes:
            node.start()
        for node in nodes:
            node.wait_up()
        print(f"\ntwo nodes up in {time.monotonic() - started:.0f} s")
        _exchange(alliance, partner, databases)
        print(f"two nodes: the exchange done at {time.monotonic() - started:.0f} s")
        _outage(alliance, partner, databases)
        print(f"two nodes: the outage caught up at {time.monotonic() - started:.0f} s")
    except BaseException:
        for node in nodes:
            print(node.logs())
        raise
    finally:
        for node in nodes:
            node.stop()
        databases.drop()


def _request(title: str, item: str, quantity: int, days: int) -> dict[str, Any]:
    return {
        "title": title,
        "needed_by": str(dt.date.today() + dt.timedelta(days=days)),
        "delivery_site": "rome",
        "releasability": "allies_partners",
        "lines": [{"item": item, "quantity": quantity}],
        "submit": True,
    }


def _exchange(alliance: Node, partner: Node, databases: Databases) -> None:
    key_a = _link(alliance, partner, subscriber="australia", speaks_for="ITA")
    key_b = _link(partner, alliance, subscriber="italy", speaks_for="AUS")
    alliance.ok("coordinator", "POST", "/api/v1/interchange/links", {"name": "partner", "key": key_b, "secret": SECRET})
    partner.ok("coordinator", "POST", "/api/v1/interchange/links", {"name": "alliance", "key": key_a, "secret": SECRET})

    # Italy asks on the alliance node, for allies and partners: it arrives on the partner node as Italy's request.
    asked = alliance.ok("italy", "POST", "/api/v1/requests", _request("Ventilators for Lombardy", "ventilator", 20, 10))
    (message,) = _wait("the request on the partner node", lambda: partner.received("italy", "RequestResource"))
    assert message["sender"] == "aidx@alliance"
    (made,) = message["records"]
    there = partner.ok("australia", "GET", f"/api/v1/requests/{made['id']}")
    assert (there["title"], there["owner"], there["status"]) == (asked["title"], "ITA", "submitted")
    assert [(line["item"], line["quantity"]) for line in there["lines"]] == [("ventilator", 20)]

    # Australia answers there with an offer in reply and proposes it, and offers masks unasked.
    today = str(dt.date.today())
    reply = partner.ok(
        "australia",
        "POST",
        "/api/v1/offers",
        {
            "title": "Ventilators from Australia",
            "in_reply_to": there["id"],
            "lines": [{"item": "ventilator", "quantity": 8, "available_from": today}],
            "publish": True,
        },
    )
    proposed_there = partner.ok(
        "australia",
        "POST",
        "/api/v1/allocations",
        {"offer_line": reply["lines"][0]["id"], "request_line": there["lines"][0]["id"], "quantity": 8},
    )
    unasked = partner.ok(
        "australia",
        "POST",
        "/api/v1/offers",
        {
            "title": "FFP2 masks from Australia",
            "releasability": "allies_partners",
            "lines": [{"item": "mask-ffp2", "quantity": 50000, "available_from": today}],
            "publish": True,
        },
    )

    # Back on the alliance node: the proposal (with its offer in reply) and the unasked offer, both Australia's.
    (proposal,) = _wait(
        "the proposal on the alliance node",
        lambda: alliance.ok("italy", "GET", f"/api/v1/allocations?request={asked['id']}")["items"],
    )
    assert (proposal["offering"], proposal["requesting"], proposal["quantity"], proposal["status"]) == (
        "AUS",
        "ITA",
        8,
        "proposed",
    )
    offer_here = alliance.ok("italy", "GET", f"/api/v1/offers/{proposal['offer']}")
    assert (offer_here["title"], offer_here["in_reply_to"], offer_here["owner"]) == (reply["title"], asked["id"], "AUS")
    (offered,) = _wait("the unasked offer", lambda: alliance.received("australia", "OfferUnsolicitedResource"))
    masks = alliance.ok("italy", "GET", f"/api/v1/offers/{offered['records'][0]['id']}")
    assert (masks["title"], masks["owner"], masks["status"]) == (unasked["title"], "AUS", "open")
    assert [(line["item"], line["quantity"]) for line in masks["lines"]] == [("mask-ffp2", 50000)]

    # Italy accepts on the alliance node; the partner node's allocation follows.
    alliance.ok("italy", "POST", f"/api/v1/allocations/{proposal['id']}/accept")
    _wait(
        "the acceptance on the partner node",
        lambda: partner.ok("australia", "GET", f"/api/v1/allocations/{proposed_there['id']}")["status"] == "accepted",
    )
    # Nothing came back to where it started: the alliance node received no request, the partner node no offer.
    assert alliance.received("australia", "RequestResource") == []
    assert partner.received("italy", "OfferUnsolicitedResource") == []

    # Each node keeps its own audit trail of the story, about its own records, with its own users as actors.
    story = "SELECT action, actor_name FROM audit_auditentry WHERE target_type = %s AND target_id = %s ORDER BY id"
    here = databases.sql("alliance", story, "assistance.allocation", str(proposal["id"]))
    remote = databases.sql("partner", story, "assistance.allocation", str(proposed_there["id"]))
    expected = [("allocation.propose", USERNAMES["australia"]), ("allocation.accept", USERNAMES["italy"])]
    assert [tuple(row) for row in here] == expected
    assert [tuple(row) for row in remote] == expected
    received = "SELECT sender, kind FROM interchange_inboundmessage ORDER BY id"
    assert [tuple(r) for r in databases.sql("alliance", received)] == [
        ("aidx@partner", "ResponseToRequestResource"),
        ("aidx@partner", "OfferUnsolicitedResource"),
    ]
    assert [tuple(r) for r in databases.sql("partner", received)] == [
        ("aidx@alliance", "RequestResource"),
        ("aidx@alliance", "ResponseToRequestResource"),
    ]


def _outage(alliance: Node, partner: Node, databases: Databases) -> None:
    """The partner node stops; Italy asks twice; the deliveries wait and retry; the node comes back and receives
    both, in order, once each. An answer lost after the partner stored a message (the delivery sent again) is
    answered "duplicate" and counts as delivered: nothing is made twice."""
    (subscription,) = alliance.ok("australia", "GET", "/api/v1/interchange/subscriptions")["items"]
    deliveries = f"/api/v1/interchange/subscriptions/{subscription['id']}/deliveries?page_size=100"
    partner.stop()
    titles = [f"Oxygen for Lombardy, wave {n}" for n in (1, 2)]
    for title in titles:
        alliance.ok("italy", "POST", "/api/v1/requests", _request(title, "mask-surgical", 4000, 5))
    waiting = _wait(
        "retries while the partner node is down",
        lambda: [
            d
            for d in alliance.ok("australia", "GET", deliveries)["items"]
            if d["event"] == "request.submitted" and d["status"] == "pending" and d["attempts"] >= 2
        ],
    )
    assert waiting[0]["last_error"] and waiting[0]["next_attempt_at"]
    partner.start()
    partner.wait_up()
    received = _wait(
        "the queued requests on the partner node",
        lambda: len(found := partner.received("italy", "RequestResource")) == 3 and found,
        timeout=40,
    )
    made = [partner.ok("australia", "GET", f"/api/v1/requests/{m['records'][0]['id']}") for m in received[1:]]
    assert [request["title"] for request in made] == titles  # in the order they were asked
    log = alliance.ok("australia", "GET", deliveries)["items"]
    assert {d["status"] for d in log} == {"delivered"}

    # The answer to a catch-up delivery was lost: the alliance node sends it again (its worker, signed, as before).
    lost = next(d for d in reversed(log) if d["event"] == "request.submitted" and d["attempts"] >= 2)
    databases.sql(
        "alliance",
        "UPDATE interchange_delivery SET status = 'pending', next_attempt_at = %s WHERE id = %s",
        dt.datetime.now(dt.UTC) if databases.postgres else dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" "),
        lost["id"],
    )

    def resent() -> dict[str, Any] | None:
        found = next(d for d in alliance.ok("australia", "GET", deliveries)["items"] if d["id"] == lost["id"])
        return found if found["status"] == "delivered" and found["attempts"] > lost["attempts"] else None

    again = _wait("the delivery sent again", resent)
    assert again["last_status_code"] == 409  # "duplicate_message": counted as delivered
    assert len(partner.received("italy", "RequestResource")) == 3
    rows = databases.sql("partner", "SELECT title FROM assistance_assistancerequest WHERE title LIKE %s", "Oxygen%")
    assert sorted(title for (title,) in rows) == titles
