"""Synthetic load data for the exchange: many requests and offers on top of a loaded scenario.

    aidx generate --requests 1000000 --offers 1000000 --seed 0

This deliberately bypasses services.py: it is synthetic load data for benchmarks and demos, so it writes
no audit entries and sends no notifications, and it inserts in bulk (COPY on PostgreSQL, batched inserts
elsewhere) to reach a million lines in minutes. What services would guarantee it guarantees by
construction instead, and the database checks the rest: every record has an owner, quantities are
positive, a line names an item or a capability (never both), an offer line's window is ordered, a sale
has a price, named releasability comes with named nations (and only then).

The mix is shaped on the 2020 story: requests mostly from Italy and Spain and the other allies, some
from partners and the European Union; masks and gloves common, ventilators rare; priority 1 rare,
3 common; needed within a 60-day horizon at an airfield or hospital; releasable to allies and partners
(70 %), allies only (25 %) or named nations (5 %). The same seed on the same reference data gives the
same records (ids aside, which continue from what is in the database).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction

from aidx.accounts.models import User
from aidx.assistance.models import AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.catalogue.models import CapabilityType, Item
from aidx.nations.models import Membership, Organisation, Site
from aidx.nations.policy import Releasability

SCENARIO = "covid-2020"
START = dt.datetime(2020, 3, 1, tzinfo=dt.UTC)  # first day of the generated activity
HORIZON_DAYS = 60
BATCH = 5_000
MAX_LINES_PER_RECORD = 5

# Relative weight of an owner; anyone not named weighs 1. The hardest hit ask most, the biggest give most.
REQUEST_WEIGHTS = {
    "ITA": 14,
    "ESP": 10,
    "FRA": 3,
    "GBR": 3,
    "BEL": 2,
    "NLD": 2,
    "PRT": 2,
    "ROU": 2,
    "UKR": 2,
    "MKD": 2,
    "MNE": 2,
    "ALB": 2,
    "BIH": 2,
    "MDA": 2,
    "eu": 2,
}
OFFER_WEIGHTS = {
    "USA": 8,
    "DEU": 8,
    "TUR": 6,
    "CZE": 5,
    "NOR": 4,
    "POL": 4,
    "FRA": 3,
    "GBR": 3,
    "NLD": 3,
    "DNK": 3,
    "CAN": 3,
    "AUS": 3,
    "AUT": 3,
    "CHE": 3,
    "eu": 4,
}
# Item popularity and the median quantity of a line (lognormal around it).
ITEMS = {
    "mask-surgical": (30, 200_000),
    "mask-ffp2": (24, 50_000),
    "gloves-nitrile": (20, 100_000),
    "mask-ffp3": (6, 20_000),
    "gown-isolation": (8, 20_000),
    "goggles": (4, 5_000),
    "face-shield": (5, 10_000),
    "hand-sanitiser": (6, 5_000),
    "disinfectant": (4, 5_000),
    "test-kit-pcr": (6, 10_000),
    "oxygen-concentrator": (2, 50),
    "patient-monitor": (1.5, 40),
    "hospital-bed": (1.5, 100),
    "ventilator-icu": (1, 30),
    "ventilator-transport": (1, 20),
}
CAPABILITY_SHARE = 0.02
PRIORITY = ([1, 2, 3, 4], [0.07, 0.23, 0.45, 0.25])
RELEASABILITY = ([Releasability.ALLIES_AND_PARTNERS, Releasability.ALLIES, Releasability.NAMED], [0.70, 0.25, 0.05])
REQUEST_STATUS = (
    ["submitted", "partially_met", "draft", "met", "withdrawn", "expired"],
    [0.60, 0.05, 0.10, 0.12, 0.08, 0.05],
)
OFFER_STATUS = (["open", "partially_allocated", "draft", "withdrawn", "expired"], [0.68, 0.04, 0.10, 0.12, 0.06])
TERMS = (["donation", "loan", "sale"], [0.85, 0.10, 0.05])
# The line count of a record when --lines-per is not given: mostly one or two.
LINES = ([1, 2, 3, 4, 5], [0.40, 0.25, 0.15, 0.12, 0.08])
INCIDENTS = (["covid-19", "covid-19 second wave", ""], [0.80, 0.05, 0.15])
NEEDS = ["Urgent", "Resupply", "Stock for", "Reinforcement for", "Shortage at", "Surge capacity for"]
REASONS = [
    "",
    "",
    "Intensive care units are at capacity.",
    "Stocks last less than a week.",
    "Cases are doubling every three days.",
    "Field hospital opening.",
    "Second shipment of the month.",
]


TABLES = [model._meta.db_table for model in (AssistanceRequest, RequestLine, Offer, OfferLine)] + [
    model.release_to.through._meta.db_table for model in (AssistanceRequest, Offer)
]


@dataclass
class Report:
    requests: int = 0
    request_lines: int = 0
    offers: int = 0
    offer_lines: int = 0
    named: int = 0
    seconds: float = 0.0
    releasability: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _World:
    """Reference data the generator draws from, read once and ordered so that a seed means the same data."""

    owners: list[tuple[str | None, int | None, str]]  # (nation, organisation, weight key)
    nations: list[str]
    items: list[int]
    item_names: list[str]
    item_weight: np.ndarray
    item_median: np.ndarray
    capabilities: list[int]
    delivery_sites: dict[str | None, list[tuple[int, str]]]
    origin_sites: dict[str | None, list[int]]
    users: dict[str, int]


def _world() -> _World:
    nations = sorted(set(Membership.objects.filter(nation__isnull=False).values_list("nation_id", flat=True)))
    eu = Organisation.objects.filter(code="eu").first()
    items = {i.code: i for i in Item.objects.filter(code__in=ITEMS)}
    if not nations or not items or not Site.objects.exists():
        raise LookupError(f"Load the {SCENARIO} scenario first.")
    codes = sorted(items)
    owners: list[tuple[str | None, int | None, str]] = [(n, None, n) for n in nations]
    if eu is not None:
        owners.append((None, eu.pk, "eu"))
    delivery: dict[str | None, list[tuple[int, str]]] = {}
    origin: dict[str | None, list[int]] = {}
    for pk, nation, kind, name in Site.objects.order_by("code").values_list("pk", "nation_id", "kind", "name"):
        if kind in (Site.Kind.AIRFIELD, Site.Kind.HOSPITAL):
            delivery.setdefault(nation, []).append((pk, name))
            delivery.setdefault(None, []).append((pk, name))
        if kind in (Site.Kind.AIRFIELD, Site.Kind.WAREHOUSE):
            origin.setdefault(nation, []).append(pk)
    users = dict(User.objects.filter(nation__isnull=False).order_by("-id").values_list("nation_id", "pk"))
    return _World(
        owners=owners,
        nations=nations,
        items=[items[c].pk for c in codes],
        item_names=[str(items[c].name_en) for c in codes],
        item_weight=np.array([ITEMS[c][0] for c in codes], dtype=float),
        item_median=np.array([ITEMS[c][1] for c in codes], dtype=float),
        capabilities=list(CapabilityType.objects.order_by("code").values_list("pk", flat=True)),
        delivery_sites=delivery,
        origin_sites=origin,
        users=users,
    )


def _choice(rng: np.random.Generator, mix: tuple[Sequence[Any], Sequence[float]], n: int) -> np.ndarray:
    values, p = mix
    return rng.choice(len(values), size=n, p=np.asarray(p) / sum(p))


def _line_counts(rng: np.random.Generator, total: int, lines_per: int | None) -> np.ndarray:
    """Lines per record, summing to exactly `total` (the last record takes what is left)."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    if lines_per:
        counts = np.full(-(-total // lines_per), lines_per, dtype=np.int64)
    else:
        guess = int(total / 2.2) + 16
        counts = np.array(LINES[0])[_choice(rng, LINES, guess)]
        while counts.sum() < total:
            counts = np.concatenate([counts, np.array(LINES[0])[_choice(rng, LINES, guess)]])
    ends = np.cumsum(counts)
    n = int(np.searchsorted(ends, total)) + 1
    counts = counts[:n].copy()
    counts[-1] -= int(ends[n - 1] - total)
    return counts


class _Writer:
    """COPY on PostgreSQL; executemany in batches of 5,000 elsewhere.

    Not bulk_create: its pre_save would overwrite the generated created_at (auto_now_add) with now(),
    and the spread of creation times over the horizon is what the lists are ordered by.
    """

    def __init__(self, say: Callable[[str], Any]) -> None:
        self.say = say
        self.postgres = connection.vendor == "postgresql"

    def next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our own table names
            return int(cursor.fetchone()[0]) + 1

    def write(self, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]], total: int) -> None:
        started = time.perf_counter()
        written = 0
        names = ", ".join(columns)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        written += 1
                        if written % 200_000 == 0:
                            self._progress(table, written, total, started)
            else:
                adapt = self._adapters(table, columns)
                sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
                batch: list[tuple[Any, ...]] = []
                for row in rows:
                    batch.append(tuple(a(v) if a else v for a, v in zip(adapt, row, strict=True)))
                    if len(batch) == BATCH:
                        cursor.executemany(sql, batch)
                        written += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    written += len(batch)
        self._progress(table, written, total, started, done=True)

    def _adapters(self, table: str, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
        ops = connection.ops
        out: list[Callable[[Any], Any] | None] = []
        for column in columns:
            if column.endswith("_at"):
                out.append(ops.adapt_datetimefield_value)
            elif column in ("needed_by", "available_from", "available_until"):
                out.append(ops.adapt_datefield_value)
            else:
                out.append(None)
        return out

    def _progress(self, table: str, written: int, total: int, started: float, done: bool = False) -> None:
        seconds = max(time.perf_counter() - started, 1e-9)
        rows = f"{written:,} rows" if done else f"{written:,} of {total:,} rows"
        self.say(f"  {table}: {rows} in {seconds:.1f} s ({written / seconds:,.0f} rows/s)")

    def suspend_foreign_keys(self, tables: Sequence[str]) -> list[tuple[str, str, str]]:
        """On PostgreSQL, drop the foreign keys of `tables` for the load and give back their definitions.

        A foreign key checks each inserted row on its own at commit (a lookup and a row lock on the
        referenced row): hours of work for millions of rows. Added back at the end, within the same
        transaction, each is validated by one join over the table instead, as pg_restore does; a
        violation aborts the whole load.
        """
        if not self.postgres:
            return []
        with connection.cursor() as cursor:
            # Rows written earlier in this transaction have their checks pending, and a table with pending
            # trigger events cannot be altered: run those checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
                [list(tables)],
            )
            keys = [(table, name, definition) for table, name, definition in cursor.fetchall()]
            for table, name, _definition in keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        return keys

    def restore_foreign_keys(self, keys: list[tuple[str, str, str]]) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table, name, definition in keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            if self.postgres:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's INITIALLY DEFERRED
        if keys:
            self.say(f"  {len(keys)} foreign keys validated in {time.perf_counter() - started:.1f} s")

    def fix_sequence(self, table: str) -> None:
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )


def _owners(rng: np.random.Generator, world: _World, weights: Mapping[str, float], n: int) -> np.ndarray:
    w = np.array([weights.get(key, 1.0) for _, _, key in world.owners], dtype=float)
    return rng.choice(len(world.owners), size=n, p=w / w.sum())


def _headers(rng: np.random.Generator, world: _World, n: int, weights: Mapping[str, float]) -> dict[str, np.ndarray]:
    """What requests and offers share: owner, releasability and named nations, creation time."""
    owner = _owners(rng, world, weights, n)
    releasability = _choice(rng, RELEASABILITY, n)
    seconds = np.sort(rng.uniform(0, HORIZON_DAYS * 86400, size=n))  # ids follow creation time, as in life
    return {"owner": owner, "releasability": releasability, "seconds": seconds}


def _named(rng: np.random.Generator, world: _World, owner: tuple[str | None, int | None, str]) -> list[str]:
    others = [n for n in world.nations if n != owner[0]]
    k = int(rng.integers(1, 4))
    return [others[i] for i in sorted(rng.choice(len(others), size=k, replace=False))]


def _line_items(rng: np.random.Generator, world: _World, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(item index or -1, capability index or -1, quantity) for n lines."""
    item = rng.choice(len(world.items), size=n, p=world.item_weight / world.item_weight.sum())
    quantity = np.maximum(1, np.rint(world.item_median[item] * rng.lognormal(0.0, 0.8, size=n))).astype(np.int64)
    capability = np.full(n, -1, dtype=np.int64)
    if world.capabilities:
        is_capability = rng.random(n) < CAPABILITY_SHARE
        capability[is_capability] = rng.integers(0, len(world.capabilities), size=int(is_capability.sum()))
        item[is_capability] = -1
        quantity[is_capability] = rng.integers(1, 4, size=int(is_capability.sum()))
    return item, capability, quantity


def generate(
    *,
    requests: int,
    offers: int,
    seed: int = 0,
    lines_per: int | None = None,
    say: Callable[[str], Any] = print,
) -> Report:
    """Add `requests` request lines and `offers` offer lines (1-5 lines a record, or exactly `lines_per`)."""
    started = time.perf_counter()
    world = _world()
    writer = _Writer(say)
    report = Report()
    with transaction.atomic():
        if writer.postgres:
            with connection.cursor() as cursor:  # ids are chosen here: keep other writers out meanwhile
                cursor.execute(f"LOCK TABLE {', '.join(TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        foreign_keys = writer.suspend_foreign_keys(TABLES)
        rng = np.random.default_rng([seed, 1])
        _requests(rng, world, writer, report, requests, lines_per)
        rng = np.random.default_rng([seed, 2])
        _offers(rng, world, writer, report, offers, lines_per)
        writer.restore_foreign_keys(foreign_keys)
    if writer.postgres:
        # Fresh rows are not yet all-visible: without a vacuum, counts cannot use index-only scans.
        outside = not connection.in_atomic_block
        say("  vacuum analyze …" if outside else "  analyze …")
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"{'VACUUM ANALYZE' if outside else 'ANALYZE'} {table}")
    report.seconds = time.perf_counter() - started
    say(
        f"Generated {report.requests:,} requests ({report.request_lines:,} lines) and {report.offers:,} offers "
        f"({report.offer_lines:,} lines) in {report.seconds:.1f} s."
    )
    return report


def _when(seconds: float) -> dt.datetime:
    return START + dt.timedelta(seconds=float(seconds))


def _requests(
    rng: np.random.Generator, world: _World, writer: _Writer, report: Report, total: int, lines_per: int | None
) -> None:
    counts = _line_counts(rng, total, lines_per)
    n = len(counts)
    if n == 0:
        return
    h = _headers(rng, world, n, REQUEST_WEIGHTS)
    priority = np.array(PRIORITY[0])[_choice(rng, PRIORITY, n)]
    status = _choice(rng, REQUEST_STATUS, n)
    lead_days = rng.integers(2, HORIZON_DAYS + 1, size=n)
    site_pick = rng.random(n)
    need_pick = rng.integers(0, len(NEEDS), size=n)
    reason_pick = rng.integers(0, len(REASONS), size=n)
    incident = _choice(rng, INCIDENTS, n)
    step = rng.uniform(60, 3600, size=n)
    item, capability, quantity = _line_items(rng, world, int(counts.sum()))
    substitutes_ok = rng.random(int(counts.sum())) < 0.8
    first_line = np.concatenate([[0], np.cumsum(counts)[:-1]])
    first_id = writer.next_id(AssistanceRequest._meta.db_table)
    named: list[tuple[int, str]] = []
    capability_names = dict(CapabilityType.objects.values_list("pk", "name_en"))

    def headers() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            nation, organisation, _key = world.owners[h["owner"][i]]
            created = _when(h["seconds"][i])
            state = REQUEST_STATUS[0][status[i]]
            releasability = RELEASABILITY[0][h["releasability"][i]]
            sites = world.delivery_sites.get(nation) or world.delivery_sites[None]
            site_pk, site_name = sites[int(site_pick[i] * len(sites))]
            line = first_line[i]
            what = (
                world.item_names[item[line]]
                if item[line] >= 0
                else capability_names[world.capabilities[capability[line]]]
            )
            title = f"{NEEDS[need_pick[i]]} {site_name}: {what.lower()}" + (
                f" and {counts[i] - 1} more" if counts[i] > 1 else ""
            )
            submitted = None if state == "draft" else created + dt.timedelta(seconds=float(step[i]))
            closed = (
                submitted + dt.timedelta(days=float(lead_days[i]) / 2)
                if submitted and state in ("met", "withdrawn", "expired")
                else None
            )
            if releasability == Releasability.NAMED:
                named.extend((first_id + i, code) for code in _named(rng, world, world.owners[h["owner"][i]]))
            yield (
                first_id + i,
                releasability,
                title[:200],
                REASONS[reason_pick[i]],
                INCIDENTS[0][incident[i]],
                int(priority[i]),
                (created + dt.timedelta(days=int(lead_days[i]))).date(),
                "",
                state,
                created,
                closed or submitted or created,
                submitted,
                closed,
                "",
                world.users.get(nation) if nation else None,
                site_pk,
                nation,
                organisation,
            )

    writer.say(f"Requests: {n:,} with {int(counts.sum()):,} lines")
    writer.write(
        AssistanceRequest._meta.db_table,
        [
            "id",
            "releasability",
            "title",
            "description",
            "incident",
            "priority",
            "needed_by",
            "contact",
            "status",
            "created_at",
            "updated_at",
            "submitted_at",
            "closed_at",
            "scenario_key",
            "created_by_id",
            "delivery_site_id",
            "owner_nation_id",
            "owner_organisation_id",
        ],
        headers(),
        n,
    )
    writer.fix_sequence(AssistanceRequest._meta.db_table)
    request_of_line = np.repeat(np.arange(n), counts) + first_id
    first_line_id = writer.next_id(RequestLine._meta.db_table)

    def lines() -> Iterator[tuple[Any, ...]]:
        for j in range(len(request_of_line)):
            yield (
                first_line_id + j,
                int(quantity[j]),
                "",
                bool(substitutes_ok[j]),
                world.capabilities[capability[j]] if capability[j] >= 0 else None,
                world.items[item[j]] if item[j] >= 0 else None,
                int(request_of_line[j]),
            )

    writer.write(
        RequestLine._meta.db_table,
        ["id", "quantity", "notes", "substitutes_ok", "capability_id", "item_id", "request_id"],
        lines(),
        len(request_of_line),
    )
    writer.fix_sequence(RequestLine._meta.db_table)
    _release_to(writer, AssistanceRequest, "assistancerequest_id", named)
    report.requests, report.request_lines, report.named = n, len(request_of_line), report.named + len(named)
    for k, value in enumerate(RELEASABILITY[0]):
        report.releasability[f"request:{value}"] = int((h["releasability"] == k).sum())


def _offers(
    rng: np.random.Generator, world: _World, writer: _Writer, report: Report, total: int, lines_per: int | None
) -> None:
    counts = _line_counts(rng, total, lines_per)
    n = len(counts)
    if n == 0:
        return
    h = _headers(rng, world, n, OFFER_WEIGHTS)
    status = _choice(rng, OFFER_STATUS, n)
    terms = _choice(rng, TERMS, n)
    price = rng.integers(100, 10_000_000, size=n)
    transport = rng.random(n) < 0.3
    reason_pick = rng.integers(0, len(REASONS), size=n)
    step = rng.uniform(60, 3600, size=n)
    m = int(counts.sum())
    item, capability, quantity = _line_items(rng, world, m)
    delay = rng.integers(0, 15, size=m)
    window = rng.integers(7, HORIZON_DAYS + 1, size=m)
    open_ended = rng.random(m) < 0.3
    site_pick = rng.random(m)
    first_line = np.concatenate([[0], np.cumsum(counts)[:-1]])
    first_id = writer.next_id(Offer._meta.db_table)
    named: list[tuple[int, str]] = []
    capability_names = dict(CapabilityType.objects.values_list("pk", "name_en"))

    def headers() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            nation, organisation, _key = world.owners[h["owner"][i]]
            created = _when(h["seconds"][i])
            state = OFFER_STATUS[0][status[i]]
            releasability = RELEASABILITY[0][h["releasability"][i]]
            term = TERMS[0][terms[i]]
            line = first_line[i]
            what = (
                world.item_names[item[line]]
                if item[line] >= 0
                else capability_names[world.capabilities[capability[line]]]
            )
            giver = nation or "EU"
            title = f"{what} from {giver}" + (f" and {counts[i] - 1} more" if counts[i] > 1 else "")
            published = None if state == "draft" else created + dt.timedelta(seconds=float(step[i]))
            closed = published + dt.timedelta(days=20) if published and state in ("withdrawn", "expired") else None
            if releasability == Releasability.NAMED:
                named.extend((first_id + i, code) for code in _named(rng, world, world.owners[h["owner"][i]]))
            yield (
                first_id + i,
                releasability,
                title[:200],
                REASONS[reason_pick[i]],
                term,
                int(price[i]) if term == "sale" else None,
                "EUR" if term == "sale" else "",
                bool(transport[i]),
                state,
                created,
                closed or published or created,
                published,
                closed,
                "",
                world.users.get(nation) if nation else None,
                None,
                nation,
                organisation,
            )

    writer.say(f"Offers: {n:,} with {m:,} lines")
    writer.write(
        Offer._meta.db_table,
        [
            "id",
            "releasability",
            "title",
            "description",
            "terms",
            "price_minor",
            "currency",
            "transport_included",
            "status",
            "created_at",
            "updated_at",
            "published_at",
            "closed_at",
            "scenario_key",
            "created_by_id",
            "in_reply_to_id",
            "owner_nation_id",
            "owner_organisation_id",
        ],
        headers(),
        n,
    )
    writer.fix_sequence(Offer._meta.db_table)
    offer_of_line = np.repeat(np.arange(n), counts)
    first_line_id = writer.next_id(OfferLine._meta.db_table)

    day0 = np.datetime64(START.date(), "D")
    from_days = day0 + (h["seconds"][offer_of_line] // 86400).astype("timedelta64[D]") + delay.astype("timedelta64[D]")
    available_from = from_days.tolist()
    available_until = (from_days + window.astype("timedelta64[D]")).tolist()
    site_lists = [world.origin_sites.get(owner[0]) or [] for owner in world.owners]
    line_owner = h["owner"][offer_of_line].tolist()
    items = [world.items[k] if k >= 0 else None for k in range(-1, len(world.items))]  # index k + 1
    capabilities = [world.capabilities[k] if k >= 0 else None for k in range(-1, len(world.capabilities))]
    columns = zip(
        quantity.tolist(),
        available_from,
        available_until,
        open_ended.tolist(),
        (capability + 1).tolist(),
        (item + 1).tolist(),
        (offer_of_line + first_id).tolist(),
        line_owner,
        site_pick.tolist(),
        strict=True,
    )

    def lines() -> Iterator[tuple[Any, ...]]:
        for j, (qty, start, until, ended, cap, what, offer, owner, pick) in enumerate(columns):
            sites = site_lists[owner]
            yield (
                first_line_id + j,
                qty,
                "",
                start,
                None if ended else until,
                capabilities[cap],
                items[what],
                offer,
                sites[int(pick * len(sites))] if sites else None,
            )

    writer.write(
        OfferLine._meta.db_table,
        [
            "id",
            "quantity",
            "notes",
            "available_from",
            "available_until",
            "capability_id",
            "item_id",
            "offer_id",
            "origin_site_id",
        ],
        lines(),
        m,
    )
    writer.fix_sequence(OfferLine._meta.db_table)
    _release_to(writer, Offer, "offer_id", named)
    report.offers, report.offer_lines, report.named = n, m, report.named + len(named)
    for k, value in enumerate(RELEASABILITY[0]):
        report.releasability[f"offer:{value}"] = int((h["releasability"] == k).sum())


def _release_to(
    writer: _Writer, model: type[AssistanceRequest] | type[Offer], column: str, named: list[tuple[int, str]]
) -> None:
    table = model.release_to.through._meta.db_table
    first = writer.next_id(table)
    writer.write(
        table,
        ["id", column, "nation_id"],
        ((first + k, record, nation) for k, (record, nation) in enumerate(named)),
        len(named),
    )
    writer.fix_sequence(table)
