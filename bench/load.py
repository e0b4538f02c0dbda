"""Load and faults: gunicorn with several workers on PostgreSQL and a task worker, simulated users over HTTP, a web
worker killed, the task worker killed, PostgreSQL restarted; then the ledgers and invariants checked.

    .venv/bin/python bench/load.py                  # 60 users for 5 minutes, 4 web workers
    .venv/bin/python bench/load.py --quick          # 24 users for 45 s (CI)
    .venv/bin/python bench/load.py --users 80 --seconds 600 --workers 6 [--database-url URL]

PostgreSQL: by default the script starts a PostgreSQL cluster of its own (initdb in a temporary folder, a free
port, run as the `postgres` user when started as root), so that restarting it disturbs nobody else's database;
with --database-url it uses that server (the database is dropped and created again; `aidx` and `test_aidx*` are
refused) and, as it may not restart a server it shares, ends every connection to the database instead
(pg_terminate_backend).

The users, each a thread with its own HTTP session and API token, until the time is up: points of contact of
allied and partner nations post requests and offers (with an Idempotency-Key, retried after a dropped
connection), propose their offers to open requests, and accept or decline what is proposed to them; coordinators
run the matching on the worker and publish its proposals; a stockpile manager receives lots and moves stock; a
fund manager books contributions; readers list and open requests, offers, allocations and figures.

At 30 % of the time a gunicorn worker is killed (SIGKILL), at 50 % the task worker is killed and started again
3 s later, at 70 % PostgreSQL is restarted (or its connections ended). Afterwards: no offer or request line
allocated beyond its quantity, no negative stock and the stock projection equal to its ledger, every fund
transaction balanced and every account equal to its postings, every write confirmed to a user present exactly
once and every write in doubt at most once, no match run left running. Prints the tables (requests by type with
p50/p95, faults with the failures they caused and the time to the next success, invariants) and exits 1 if an
invariant is broken or the server answered 5xx. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
ALLIES = ["ITA", "ESP", "FRA", "DEU", "POL", "NOR", "TUR", "PRT", "NLD", "BEL"]
PARTNERS = ["AUS", "SWE", "FIN"]
ITEMS = [("load-mask", "Mask", "0.01"), ("load-ventilator", "Ventilator", "40"), ("load-gloves", "Gloves", "0.5")]


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pg_bin(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install PostgreSQL's server package, or pass --database-url.")
    return found


class PrivateCluster:
    """A PostgreSQL cluster of the script's own, in a temporary folder, that it may restart."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="aidx-load-pg-"))
        self.data, self.port = self.folder / "data", free_port()
        self.as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.folder}'\n"
            )
            conf.write("max_connections = 200\nfsync = on\n")
        self.start()

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)

    def ctl(self, *action: str) -> None:
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w", *action)

    def start(self) -> None:
        self.ctl("start")

    def restart(self) -> None:
        self.ctl("-m", "fast", "restart")

    def stop(self) -> None:
        try:
            self.ctl("-m", "fast", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def fresh_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name or name == "aidx" or name.startswith("test_aidx"):
        raise SystemExit(f"Refusing to recreate database {name!r}.")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def end_connections(url: str) -> int:
    import psycopg

    parts = urlparse(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [parts.path.lstrip("/")],
        ).fetchall()
    return len(rows)


# --- the world -------------------------------------------------------------------------------------------------


def seed_world(env: dict[str, str]) -> dict[str, Any]:
    """Nations, people and their API tokens, a catalogue, airfields, a warehouse, pledges, and a first set of open
    requests and offers; through the services, in this process."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from aidx.accounts.services import token_create, user_create
    from aidx.assistance import services as exchange
    from aidx.assistance.services import LineInput
    from aidx.catalogue.services import item_upsert
    from aidx.fund import services as fund
    from aidx.nations import services as registry

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    common = {"category": "ppe", "unit": "piece", "unit_volume_m3": "0.001", "name_nb": "", "name_nn": ""}
    for code, name, kg in ITEMS:
        item_upsert(actor=None, code=code, name_en=name, unit_weight_kg=kg, **common)
    centre = registry.organisation_create(actor=None, code="load-centre", kind="centre", name_en="Centre")
    tokens: dict[str, Any] = {"nations": {}, "sites": {}}
    for n, code in enumerate(ALLIES + PARTNERS):
        nation = registry.nation_create(actor=None, code=code)
        kind = "ally" if code in ALLIES else "partner"
        registry.membership_add(actor=None, nation=nation, kind=kind, valid_from=dt.date(2000, 1, 1))
        site = registry.site_create(
            actor=None,
            code=f"load-{code.lower()}",
            name=f"{code} airfield",
            kind="airfield",
            nation=nation,
            latitude=str(35 + n),
            longitude=str(n - 5),
        )
        user = user_create(actor=None, username=f"poc-{code.lower()}", password=None, nation=nation, roles={"poc"})
        tokens["nations"][code] = token_create(actor=user, user=user, name="load", write=True)[1]
        tokens["sites"][code] = site.code
        for k in range(3):
            request = exchange.request_create(
                actor=user,
                title=f"seed request {code} {k}",
                needed_by=today + dt.timedelta(days=30),
                delivery_site=site,
                lines=[LineInput(item=ITEMS[k % 3][0], quantity=500)],
            )
            exchange.request_submit(actor=user, request=request)
            offer = exchange.offer_create(
                actor=user,
                title=f"seed offer {code} {k}",
                lines=[
                    LineInput(item=ITEMS[(k + 1) % 3][0], quantity=400, available_from=today, origin_site=site.code)
                ],
            )
            exchange.offer_publish(actor=user, offer=offer)
    people = {
        "coordinator": user_create(
            actor=None, username="load-coord", password=None, organisation=centre, roles={"coordinator"}
        ),
        "reader": user_create(actor=None, username="load-viewer", password=None, organisation=centre, roles={"viewer"}),
        "manager": user_create(
            actor=None, username="load-manager", password=None, organisation=centre, roles={"stockpile"}
        ),
    }
    for role, user in people.items():
        tokens[role] = token_create(actor=user, user=user, name="load", write=role != "reader")[1]
    warehouses = [
        registry.site_create(
            actor=None,
            code=f"load-depot-{n}",
            name=f"Depot {n}",
            kind="warehouse",
            nation=registry.nation_create(actor=None, code="BEL"),
            organisation=centre,
            latitude="50.9",
            longitude=str(4 + n),
        ).code
        for n in range(2)
    ]
    tokens["warehouses"] = warehouses
    tokens["pledges"] = [
        fund.pledge_create(actor=people["manager"], nation=code, amount_minor=10**11, currency="EUR").pk
        for code in ALLIES[:5]
    ]
    return tokens


# --- the users -----------------------------------------------------------------------------------------------


@dataclass
class Sample:
    label: str
    started: float
    seconds: float
    status: int  # 0: the connection dropped
    clean: bool  # a 2xx, or an error answered in the API's JSON error shape


@dataclass
class Run:
    base: str
    deadline: float
    samples: list[Sample] = field(default_factory=list)
    confirmed: Counter[str] = field(default_factory=Counter)  # titles/lot numbers of writes answered 2xx
    in_doubt: set[str] = field(default_factory=set)  # writes whose answer never came
    errors: Counter[str] = field(default_factory=Counter)  # what the server errors said
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class User:
    def __init__(self, run: Run, token: str, seed: int) -> None:
        self.run, self.rng = run, random.Random(seed)
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}", "Accept-Language": "en"})

    def call(self, label: str, method: str, path: str, body: Any = None, *, key: str | None = None) -> Any:
        """One request; a GET or a write with an Idempotency-Key is tried again after a dropped connection."""
        headers = {"Idempotency-Key": key} if key else {}
        for attempt in range(4):
            started = time.monotonic()
            try:
                response = self.http.request(method, self.run.base + path, json=body, headers=headers, timeout=60)
            except requests.RequestException:
                self.run.record(Sample(label, started, time.monotonic() - started, 0, False))
                if method != "GET" and not key:
                    return None
                time.sleep(0.5 * (attempt + 1))
                continue
            elapsed = time.monotonic() - started
            ok = 200 <= response.status_code < 300
            try:
                payload = response.json()
            except ValueError:
                payload = None
            clean = ok or (isinstance(payload, dict) and "error" in payload and "code" in payload["error"])
            self.run.record(Sample(label, started, elapsed, response.status_code, clean))
            if (response.status_code >= 500 and response.status_code != 503) or not clean:
                with self.run.lock:
                    self.run.errors[f"{label} {response.status_code}: {response.text[:200]!r}"] += 1
            if response.status_code == 503 and clean and (method == "GET" or key):
                time.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            return payload if ok else None
        return None

    def think(self) -> None:
        time.sleep(self.rng.uniform(0.2, 1.0))

    def loop(self) -> None:
        while time.monotonic() < self.run.deadline:
            self.act()
            self.think()

    def act(self) -> None:
        raise NotImplementedError


class Nation(User):
    def __init__(self, run: Run, token: str, seed: int, code: str, site: str) -> None:
        super().__init__(run, token, seed)
        self.code, self.site, self.n = code, site, 0

    def unique(self, kind: str) -> str:
        self.n += 1
        return f"{kind} {self.code} {uuid.uuid4().hex[:10]}"

    def write(self, label: str, path: str, body: dict[str, Any], name: str) -> Any:
        key = uuid.uuid4().hex
        with self.run.lock:
            self.run.in_doubt.add(name)
        created = self.call(label, "POST", path, body, key=key)
        if created is not None:
            with self.run.lock:
                self.run.in_doubt.discard(name)
                self.run.confirmed[name] += 1
        return created

    def act(self) -> None:
        import datetime as dt

        roll, today = self.rng.random(), dt.date.today()
        item = self.rng.choice(ITEMS)[0]
        if roll < 0.15:
            title = self.unique("request")
            body = {
                "title": title,
                "needed_by": (today + dt.timedelta(days=30)).isoformat(),
                "delivery_site": self.site,
                "lines": [{"item": item, "quantity": self.rng.randint(50, 500)}],
                "submit": True,
            }
            self.write("POST /requests", "/api/v1/requests", body, title)
        elif roll < 0.30:
            title = self.unique("offer")
            line = {"item": item, "quantity": self.rng.randint(50, 500), "available_from": today.isoformat()}
            body = {"title": title, "lines": [{**line, "origin_site": self.site}], "publish": True}
            self.write("POST /offers", "/api/v1/offers", body, title)
        elif roll < 0.50:
            self.propose(item)
        elif roll < 0.70:
            self.decide()
        else:
            path = self.rng.choice(["/api/v1/offers?status=open", "/api/v1/figures", "/api/v1/allocations"])
            self.call("GET " + path.split("?")[0].removeprefix("/api/v1"), "GET", path)

    def propose(self, item: str) -> None:
        """One of my open offer lines to an open request line for the same item: over-allocation races here."""
        mine = self.call("GET /offers", "GET", f"/api/v1/offers?nation={self.code}&status=open&item={item}")
        wanted = self.call("GET /requests", "GET", f"/api/v1/requests?status=submitted&item={item}&page_size=50")
        if not mine or not wanted or not mine["items"] or not wanted["items"]:
            return
        offer = self.call("GET /offers/{id}", "GET", f"/api/v1/offers/{self.rng.choice(mine['items'])['id']}")
        request = self.call("GET /requests/{id}", "GET", f"/api/v1/requests/{self.rng.choice(wanted['items'])['id']}")
        if not offer or not request or request.get("owner") == self.code:
            return
        lines = [line for line in offer["lines"] if line.get("item") == item]
        needs = [line for line in request["lines"] if line.get("item") == item]
        if lines and needs:
            body = {"offer_line": lines[0]["id"], "request_line": needs[0]["id"], "quantity": self.rng.randint(10, 200)}
            self.call("POST /allocations", "POST", "/api/v1/allocations", body, key=uuid.uuid4().hex)

    def decide(self) -> None:
        proposed = self.call("GET /allocations", "GET", "/api/v1/allocations?status=proposed&page_size=20")
        for allocation in (proposed or {}).get("items", [])[:3]:
            if allocation.get("requesting") != self.code:
                continue
            if self.rng.random() < 0.8:
                self.call("POST /allocations/{id}/accept", "POST", f"/api/v1/allocations/{allocation['id']}/accept")
            else:
                reason = {"reason": "not needed"}
                self.call(
                    "POST /allocations/{id}/decline", "POST", f"/api/v1/allocations/{allocation['id']}/decline", reason
                )


class Coordinator(User):
    def act(self) -> None:
        run = self.call(
            "POST /match-runs", "POST", "/api/v1/match-runs", {"time_limit": 5, "seed": self.rng.randint(0, 99)}
        )
        if not run:
            return
        for _ in range(30):
            if time.monotonic() > self.run.deadline:
                return
            time.sleep(2)
            run = self.call("GET /match-runs/{id}", "GET", f"/api/v1/match-runs/{run['id']}") or run
            if run["status"] not in ("queued", "running"):
                break
        if run["status"] == "succeeded":
            self.call("POST /match-runs/{id}/publish", "POST", f"/api/v1/match-runs/{run['id']}/publish")


class Reader(User):
    PATHS = ["/api/v1/requests", "/api/v1/offers", "/api/v1/figures", "/api/v1/documents", "/api/v1/logistics/figures"]

    def act(self) -> None:
        path = self.rng.choice(self.PATHS)
        listed = self.call("GET " + path.removeprefix("/api/v1"), "GET", path)
        if listed and listed.get("items") and path in ("/api/v1/requests", "/api/v1/offers"):
            record = self.rng.choice(listed["items"])
            self.call(f"GET {path.removeprefix('/api/v1')}/{{id}}", "GET", f"{path}/{record['id']}")


class StockManager(User):
    def __init__(self, run: Run, token: str, seed: int, warehouses: list[str]) -> None:
        super().__init__(run, token, seed)
        self.warehouses, self.lots = warehouses, []

    def act(self) -> None:
        if not self.lots or self.rng.random() < 0.4:
            number = f"LOT-{uuid.uuid4().hex[:10]}"
            body = {"warehouse": self.warehouses[0], "item": self.rng.choice(ITEMS)[0], "lot_number": number}
            with self.run.lock:
                self.run.in_doubt.add(number)
            lot = self.call("POST /stockpile/receipts", "POST", "/api/v1/stockpile/receipts", {**body, "quantity": 100})
            if lot:
                with self.run.lock:
                    self.run.in_doubt.discard(number)
                    self.run.confirmed[number] += 1
                self.lots.append(lot["id"])
            return
        lot = self.rng.choice(self.lots)
        source, destination = self.rng.sample(self.warehouses, 2)
        body = {"source": source, "destination": destination, "quantity": self.rng.randint(1, 40), "reason": "load"}
        self.call("POST /stockpile/lots/{id}/transfer", "POST", f"/api/v1/stockpile/lots/{lot}/transfer", body)


class FundManager(User):
    def __init__(self, run: Run, token: str, seed: int, pledges: list[int]) -> None:
        super().__init__(run, token, seed)
        self.pledges = pledges

    def act(self) -> None:
        if self.rng.random() < 0.7:
            pledge = self.rng.choice(self.pledges)
            body = {"amount_minor": self.rng.randint(1, 10_000) * 100}
            self.call("POST /fund/contributions", "POST", f"/api/v1/fund/pledges/{pledge}/contributions", body)
        else:
            self.call("GET /fund/totals", "GET", "/api/v1/fund/totals")


def users_for(run: Run, world: dict[str, Any], count: int) -> list[User]:
    made: list[User] = [
        Coordinator(run, world["coordinator"], 1),
        Coordinator(run, world["coordinator"], 2),
        StockManager(run, world["manager"], 3, world["warehouses"]),
        FundManager(run, world["manager"], 4, world["pledges"]),
    ]
    codes = list(world["nations"])
    n = 0
    while len(made) < count:
        n += 1
        if n % 4 == 0:
            made.append(Reader(run, world["reader"], 100 + n))
        else:
            code = codes[n % len(codes)]
            made.append(Nation(run, world["nations"][code], 100 + n, code, world["sites"][code]))
    return made


# --- processes -------------------------------------------------------------------------------------------------


def wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


def gunicorn_workers(master: subprocess.Popen[bytes]) -> list[int]:
    """The master's children, from /proc (field 4 of /proc/<pid>/stat is the parent)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master.pid:
                children.append(int(entry.name))
    return children


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "aidx"), "worker", "--interval", "1", "--no-reload"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


@dataclass
class Fault:
    name: str
    at: float  # seconds into the run
    began: float = 0.0
    done: float = 0.0  # when the act was over (PostgreSQL up again, the worker started again)


def inject(faults: list[Fault], started: float, act: dict[str, Any]) -> None:
    for fault in faults:
        time.sleep(max(0.0, started + fault.at - time.monotonic()))
        fault.began = time.monotonic() - started
        act[fault.name]()
        fault.done = time.monotonic() - started


# --- the checks -------------------------------------------------------------------------------------------------


def invariants(run: Run) -> list[tuple[str, int, str]]:
    """(what, count of violations, detail)."""
    from django.db import connection
    from django.db.models import F, Q

    from aidx.assistance.models import AssistanceRequest, Offer
    from aidx.fund import services as fund
    from aidx.matching.models import MatchRun
    from aidx.stockpile import services as stock
    from aidx.stockpile.models import Balance, Lot

    connection.close()  # (PostgreSQL was restarted under this process's connection)
    rows: list[tuple[str, int, str]] = []
    over = {}
    for line, table in (("offer_line", "assistance_offerline"), ("request_line", "assistance_requestline")):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} l WHERE l.quantity < (SELECT COALESCE(SUM(a.quantity), 0) "  # noqa: S608
                f"FROM assistance_allocation a WHERE a.{line}_id = l.id AND a.status IN "
                "('proposed', 'accepted', 'shipped', 'delivered'))"
            )
            over[line] = cursor.fetchone()[0]
    rows.append(
        (
            "lines allocated beyond their quantity",
            sum(over.values()),
            f"offer {over['offer_line']}, request {over['request_line']}",
        )
    )
    negative = Balance.objects.filter(Q(on_hand__lt=0) | Q(reserved__lt=0) | Q(reserved__gt=F("on_hand"))).count()
    rows.append(("negative stock (or reserved above on hand)", negative, f"{Balance.objects.count()} balance rows"))
    differences = stock.check_balances()
    rows.append(("stock projection rows that differ from the ledger", len(differences), "aidx stock check"))
    unbalanced, accounts = fund.unbalanced_transactions(), fund.check_accounts()
    rows.append(("fund transactions that do not balance", len(unbalanced), "aidx fund check"))
    rows.append(("fund accounts that differ from their postings", len(accounts), "aidx fund check"))
    titles = Counter(AssistanceRequest.objects.values_list("title", flat=True))
    titles.update(Offer.objects.values_list("title", flat=True))
    titles.update(Lot.objects.values_list("lot_number", flat=True))
    lost = [name for name in run.confirmed if titles[name] == 0]
    duplicated = [name for name in set(run.confirmed) | run.in_doubt if titles[name] > 1]
    doubtful_made = sum(titles[name] == 1 for name in run.in_doubt)
    rows.append(("writes confirmed but lost", len(lost), f"{sum(run.confirmed.values())} confirmed"))
    rows.append(("writes made twice", len(duplicated), f"{len(run.in_doubt)} in doubt, {doubtful_made} of them made"))
    left = list(MatchRun.objects.filter(status__in=["queued", "running"]).order_by("pk"))
    stuck = len(left)
    if left:  # what became of each one's task, to say why it is left
        from django_tasks_db.models import DBTaskResult

        tasks = {
            (result.args_kwargs.get("args") or [None])[0]: result
            for result in DBTaskResult.objects.filter(task_path__endswith="execute_match_run").order_by("enqueued_at")
        }
        for left_run in left:
            task = tasks.get(left_run.pk)
            said = f"task {task.status}, workers {task.worker_ids}" if task else "no task"
            began = f"{left_run.started_at:%H:%M:%S}" if left_run.started_at else "-"
            print(
                f"- match run {left_run.pk} left {left_run.status} (made {left_run.created_at:%H:%M:%S}, "
                f"started {began}, phase {left_run.phase!r}): {said}"
            )
    for error, count in Counter(MatchRun.objects.filter(status="failed").values_list("error", flat=True)).items():
        print(f"- {count} match run(s) failed: {error[:200]}")
    # A run whose worker died is failed by the reaper; one whose connection was cut, by its own worker once the
    # database answers again (aidx/core/worker.py): none is left behind.
    rows.append(("match runs left queued or running 90 s after the faults", stuck, f"{MatchRun.objects.count()} runs"))
    return rows


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


COLUMNS = ("count", "2xx", "4xx", "503", "5xx", "dropped", "unclean")


def _counts(samples: list[Sample]) -> dict[str, int]:
    return {
        "count": len(samples),
        "2xx": sum(200 <= s.status < 300 for s in samples),
        "4xx": sum(400 <= s.status < 500 and s.clean for s in samples),
        "503": sum(s.status == 503 and s.clean for s in samples),
        "5xx": sum(s.status >= 500 and not (s.status == 503 and s.clean) for s in samples),
        "dropped": sum(s.status == 0 for s in samples),
        "unclean": sum(bool(s.status) and not s.clean for s in samples),
    }


def report(run: Run, faults: list[Fault], started: float, seconds: float, users: int, workers: int) -> bool:
    by_label: dict[str, list[Sample]] = defaultdict(list)
    for sample in run.samples:
        by_label[sample.label].append(sample)
    print(f"\nLoad: {users} users for {seconds:.0f} s, gunicorn {workers} workers, a task worker, PostgreSQL\n")
    print(
        "| request | count | 2xx | 4xx (JSON error) | 503 (JSON, retried) | other 5xx | connection dropped | "
        "not JSON | p50 ms | p95 ms | max ms |"
    )
    print("|---|" + "---:|" * 10)
    total: Counter[str] = Counter()
    for label in sorted(by_label):
        samples = by_label[label]
        times = [s.seconds * 1000 for s in samples if s.status]
        counts = _counts(samples)
        total.update(counts)
        median = statistics.median(times) if times else 0
        cells = " | ".join(f"{v:,}" for v in counts.values())
        print(f"| `{label}` | {cells} | {median:.0f} | {percentile(times, 0.95):.0f} | {max(times, default=0):.0f} |")
    print("| **all** | " + " | ".join(f"{total[k]:,}" for k in COLUMNS) + " | | | |")
    print(f"\n{total['count'] / seconds:.0f} requests per second\n")
    print("| fault | at s | lasted s | requests that failed | of them a clean error | next success s after |")
    print("|---|---:|---:|---:|---:|---:|")
    for fault in faults:
        after = sorted((s for s in run.samples if s.started - started >= fault.began), key=lambda s: s.started)
        first_ok = next((s for s in after if 200 <= s.status < 300 and s.started - started >= fault.done), None)
        until = first_ok.started + first_ok.seconds if first_ok else float("inf")
        failed = [s for s in after if s.started < until and not (200 <= s.status < 500)]
        clean = sum(s.status == 503 and s.clean for s in failed)
        back = until - started - fault.done
        print(
            f"| {fault.name} | {fault.began:.1f} | {fault.done - fault.began:.1f} | {len(failed)} | {clean} | "
            f"{back:.1f} |"
        )
    for message, count in run.errors.most_common(10):
        print(f"- {count} × {message}")
    rows = invariants(run)
    print("\n| invariant | violations | |\n|---|---:|---|")
    for what, count, detail in rows:
        print(f"| {what} | {count} | {detail} |")
    return not any(count for _what, count, _detail in rows) and total["5xx"] == 0 and total["unclean"] == 0


# --- main ---------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--quick", action="store_true", help="24 users for 45 s")
    parser.add_argument("--database-url", help="use this server (its connections are ended, not restarted)")
    args = parser.parse_args()
    if args.quick:
        args.users, args.seconds, args.workers = 24, 45, 2

    cluster = None if args.database_url else PrivateCluster()
    url = args.database_url or cluster.url("aidx_load")  # type: ignore[union-attr]
    var = Path(tempfile.mkdtemp(prefix="aidx-load-var-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        fresh_database(url)
        env = {**os.environ, "DATABASE_URL": url, "AIDX_ENV": "embedded", "AIDX_DEBUG": "0", "AIDX_VAR_DIR": str(var)}
        env["DJANGO_SETTINGS_MODULE"] = "aidx.settings"
        os.environ.update(env)
        import django

        django.setup()
        print(f"Seeding the world on {url} …", flush=True)
        world = seed_world(env)
        from django.db import connections

        connections.close_all()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "aidx.wsgi", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}"]
            + ["--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"],
            env=env,
            stdout=(var / "gunicorn.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        processes.append(web)
        wait_until_up(base)
        worker = {"process": start_worker(env, var / "worker.log")}

        def kill_web_worker() -> None:
            os.kill(random.choice(gunicorn_workers(web)), signal.SIGKILL)

        def kill_task_worker() -> None:
            worker["process"].kill()
            worker["process"].wait()
            time.sleep(3)
            worker["process"] = start_worker(env, var / "worker.log")

        def restart_database() -> None:
            if cluster is not None:
                cluster.restart()
            else:
                end_connections(url)

        faults = [
            Fault("gunicorn worker killed (SIGKILL)", 0.3 * args.seconds),
            Fault("task worker killed, started again 3 s later", 0.5 * args.seconds),
            Fault("PostgreSQL restarted" if cluster else "every PostgreSQL connection ended", 0.7 * args.seconds),
        ]
        started = time.monotonic()
        run = Run(base=base, deadline=started + args.seconds)
        users = users_for(run, world, args.users)
        print(f"{len(users)} users for {args.seconds:.0f} s …", flush=True)
        threads = [threading.Thread(target=user.loop, daemon=True) for user in users]
        for thread in threads:
            thread.start()
        act = {
            faults[0].name: kill_web_worker,
            faults[1].name: kill_task_worker,
            faults[2].name: restart_database,
        }
        injector = threading.Thread(target=inject, args=(faults, started, act), daemon=True)
        injector.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        injector.join(timeout=60)
        settle = time.monotonic() + 90  # let the worker finish (or fail) the last match runs
        from aidx.matching.models import MatchRun

        connections.close_all()  # (PostgreSQL was restarted under this process's connection)
        while time.monotonic() < settle and MatchRun.objects.filter(status__in=["queued", "running"]).exists():
            time.sleep(1)
        processes.append(worker["process"])
        ok = report(run, faults, started, args.seconds, len(users), args.workers)
        if run.errors:
            log = (var / "gunicorn.log").read_text(errors="replace").splitlines()
            found = Counter(line for line in log if "Error" in line)
            print("\nFrom the server's log:\n" + "\n".join(line for line, _n in found.most_common(8)))
            starts = [n for n, line in enumerate(log) if line.startswith("Traceback")]
            if starts:
                print("\nIts last traceback:\n" + "\n".join(log[starts[-1] : starts[-1] + 60]))
        return 0 if ok else 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        from django.db import connections

        connections.close_all()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
