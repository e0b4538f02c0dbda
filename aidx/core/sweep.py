"""The need-to-know sweep's registry: every surface that shows records, declared once by the app that owns it.

Each app declares in `aidx/<app>/sweep.py`:

- its `Subject`s: the kinds of record it owns that need-to-know applies to, each with the rule that says who may
  see one (`sees`, written with `aidx.nations.policy`: `may_see`, the parties rule, a role), including what a
  record reveals of another (a reply offer reveals its request);
- its `Surface`s: every page, API answer, search, count, export, figure, map, manifest, notification list and
  inbox that shows records, by URL, with the URL names (`routes`) it covers;
- `exempt(route, reason)` for a URL that shows no record (a form that posts, a static file, the admin).

`aidx/core/tests/test_sweep.py` builds random worlds (nations with dated memberships, records of every kind with
random releasability, derived records), opens every surface as every user of the world, and checks that each
record's marks (its own id, from a range the sweep gives each subject, and a token in its text) appear exactly
where its subject's rule lets the user see it. It also checks that every URL name is a surface or exempt, so a
new page cannot be forgotten: it joins the sweep by registration, not by a hand-written test.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from aidx.nations.policy import Viewer

KINDS = frozenset(
    {
        "page",  # an HTML list or overview
        "detail",  # an HTML page of one record
        "form",  # an HTML form (what it offers to choose from, what it fills in)
        "api-list",
        "api-detail",
        "search",  # a list filtered by `q=`, once per record (the record's token)
        "export",  # CSV, XLSX, HXL
        "figures",  # counts and sums: checked against the same numbers computed from the rule
        "map",
        "manifest",  # a record shown inside another (a mission's loads)
        "notifications",
        "inbox",
        "audit",
    }
)

# Each subject's records get ids from its own range (the sweep's world sets the sequences), so an id found
# anywhere in an answer names one record of one subject.
ID_BASE = 7_100_000
ID_SPAN = 100_000
# And each record with a text (a title, notes) carries a token in it, unique in the world: "swq00042x".
TOKEN = re.compile(r"\bswq\d{5}x\b")


def token(text: str) -> str:
    """The sweep's token in a record's text (for a search by it)."""
    found = TOKEN.search(text or "")
    if found is None:
        raise ValueError(f"no sweep token in {text!r}")
    return found.group()


@dataclass(frozen=True)
class Who:
    """A user of the sweep's world, as the rules see them."""

    user: Any
    viewer: Viewer
    label: str


@dataclass(frozen=True)
class Subject:
    key: str  # "<app>.<record>", e.g. "assistance.request"
    model: type[models.Model]
    sees: Callable[[Who, Any], bool]  # the rule: may this user see this record (and what it reveals)?


Where = Callable[[Any], bool]  # which records of a subject a surface lists (None: all)


@dataclass(frozen=True)
class AtFirst:
    """A fixed surface's URL that names the first record of a subject in the sweep's world (created first, so its
    id is the start of the subject's range, known once every subject is declared): a page of one record that lists
    others (a plan's pledges), opened by every user like a list rather than by a sample like a record's page."""

    key: str  # the subject
    path: str  # the URL with "{pk}" where the record's id goes

    def __str__(self) -> str:
        return self.path.format(pk=id_base(self.key))


@dataclass(frozen=True)
class Surface:
    key: str  # "<app>.<name>", e.g. "assistance.offer_list"
    kind: str
    routes: tuple[str, ...]  # the URL names it covers, with namespace ("exchange:offers", "api:offer_list")
    url: str | AtFirst | Callable[[Any], str]  # a fixed URL, or (with `per`) the URL for one record
    per: str | None = None  # a subject key: opened once per record, found (200) exactly when the user sees it
    marked: bool = True  # (with `per`) the answer carries the record's marks (a statement by nation does not)
    lists: Mapping[str, Where | None] = field(default_factory=dict)  # subjects shown in full: every one seen is there
    api: bool = False  # called with the user's API token
    read: Callable[[bytes], str] | None = None  # the answer as text (default: the body decoded; see xlsx_text)
    counted: bool = False  # a JSON list whose `count` is the number of listed records the user sees
    tally: Callable[[bytes], Mapping[str, Any]] | None = None  # numbers read from the answer ...
    expect: Callable[[Callable[..., list[Any]], Who], Mapping[str, Any]] | None = None  # ... and from the rule

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: unknown kind {self.kind}")
        if callable(self.url) != (self.per is not None):
            raise ValueError(f"{self.key}: a surface opened per record takes a function for its URL, and only then")
        if (self.tally is None) != (self.expect is None):
            raise ValueError(f"{self.key}: a tally needs its expectation")


SUBJECTS: dict[str, Subject] = {}
SURFACES: dict[str, Surface] = {}
EXEMPT: dict[str, str] = {}


def subject(key: str, model: type[models.Model], sees: Callable[[Who, Any], bool]) -> Subject:
    declared = Subject(key, model, sees)
    if key in SUBJECTS and SUBJECTS[key].model is not model:
        raise ValueError(f"two sweep subjects named {key}")
    SUBJECTS[key] = declared
    return declared


def surface(
    key: str, kind: str, routes: Iterable[str], url: str | AtFirst | Callable[[Any], str], **options: Any
) -> Surface:
    declared = Surface(key, kind, tuple(routes), url, **options)
    SURFACES[key] = declared
    return declared


def exempt(reason: str, *routes: str) -> None:
    """URL names that show no record to check, and why."""
    for route in routes:
        EXEMPT[route] = reason


def discover() -> None:
    """Import every installed app's `sweep` module (the declarations above)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("sweep")


def subjects() -> list[Subject]:
    discover()
    return sorted(SUBJECTS.values(), key=lambda s: s.key)


def surfaces() -> list[Surface]:
    discover()
    return sorted(SURFACES.values(), key=lambda s: s.key)


def id_base(key: str) -> int:
    """Where the ids of a subject's records start in the sweep's world."""
    return ID_BASE + ID_SPAN * [s.key for s in subjects()].index(key)


def xlsx_text(body: bytes) -> str:
    """An XLSX download's cells as text, one row a line."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(
        "\t".join("" if cell is None else str(cell) for cell in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def json_of(body: bytes) -> Any:
    return json.loads(body)
