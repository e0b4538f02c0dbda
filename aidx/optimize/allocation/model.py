"""Immutable problem and result types of the allocation engine.

The problem is columnar: one numpy array per attribute of request lines and of
offer lines (read-only arrays), so that a million lines cost a few tens of MB
and every step can be vectorised.  Small problems are most easily built from
:class:`RequestLine` / :class:`OfferLine` objects with :meth:`Problem.build`.

Dates are stored as integer day numbers (days since 1970-01-01).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EPOCH = _dt.date(1970, 1, 1)
PRIORITIES = (1, 2, 3, 4)


class ProblemError(ValueError):
    """The input does not describe a valid allocation problem."""


def day_number(d: _dt.date | str | int) -> int:
    """Date (or ISO string, or day number) -> days since 1970-01-01."""
    if isinstance(d, (int, np.integer)) and not isinstance(d, bool):
        return int(d)
    if isinstance(d, str):
        try:
            d = _dt.date.fromisoformat(d)
        except ValueError as exc:
            raise ProblemError(f"bad date {d!r}: expected YYYY-MM-DD") from exc
    if isinstance(d, _dt.datetime):
        d = d.date()
    if not isinstance(d, _dt.date):
        raise ProblemError(f"bad date {d!r}")
    return (d - EPOCH).days


def day_date(n: int) -> _dt.date:
    return EPOCH + _dt.timedelta(days=int(n))


def _ro(a: Any, dtype: Any = None) -> np.ndarray:
    arr = np.array(a, dtype=dtype, copy=True)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class Site:
    id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Item:
    id: str
    unit_weight_kg: float


@dataclass(frozen=True)
class Substitution:
    """Item ``offered`` may serve a request for item ``requested`` at ``penalty`` per unit."""

    offered: str
    requested: str
    penalty: int


@dataclass(frozen=True)
class RequestLine:
    id: Any
    nation: str
    item: str
    quantity: int
    priority: int
    needed_by: _dt.date | str | int
    site: str


@dataclass(frozen=True)
class OfferLine:
    id: Any
    nation: str
    item: str
    quantity: int
    available_from: _dt.date | str | int
    available_until: _dt.date | str | int
    site: str
    releasable_to: frozenset[str] | None = None


@dataclass(frozen=True)
class Params:
    """Feasibility parameters.

    transit days = ``base_days`` + ceil(great-circle km / ``km_per_day``);
    ship day = max(available_from, ``today``) (``today`` None: available_from).
    """

    base_days: int = 1
    km_per_day: float = 2000.0
    today: int | None = None  # day number

    def __post_init__(self) -> None:
        if self.base_days < 0 or not self.km_per_day > 0:
            raise ProblemError("params: base_days must be >= 0 and km_per_day > 0")


@dataclass(frozen=True, eq=False)  # holds numpy arrays: identity equality
class RequestTable:
    ids: np.ndarray
    nation: np.ndarray  # int32 index into Problem.nations
    item: np.ndarray  # int32 index into Problem.items
    quantity: np.ndarray  # int64
    priority: np.ndarray  # int8, 1..4
    needed_by: np.ndarray  # int64 day number
    site: np.ndarray  # int32 index into Problem.sites

    def __len__(self) -> int:
        return int(self.quantity.shape[0])


@dataclass(frozen=True, eq=False)  # holds numpy arrays: identity equality
class OfferTable:
    ids: np.ndarray
    nation: np.ndarray
    item: np.ndarray
    quantity: np.ndarray
    available_from: np.ndarray
    available_until: np.ndarray
    site: np.ndarray
    release_class: np.ndarray  # int32 index into Problem.release_classes

    def __len__(self) -> int:
        return int(self.quantity.shape[0])


@dataclass(frozen=True, eq=False)  # holds numpy arrays: identity equality
class Problem:
    """An allocation problem (immutable).

    ``release_classes[k]`` is ``None`` (releasable to every nation) or a
    frozenset of nation codes; offer line ``o`` is releasable to the nations of
    ``release_classes[offers.release_class[o]]``.  ``substitutions`` are
    ``(offered item index, requested item index, penalty)`` triples.
    ``excluded`` is a pair of index arrays (offer line, request line);
    ``fixed`` a triple of arrays (offer line, request line, quantity).
    """

    sites: tuple[Site, ...]
    items: tuple[Item, ...]
    nations: tuple[str, ...]
    release_classes: tuple[frozenset[str] | None, ...]
    substitutions: tuple[tuple[int, int, int], ...]
    requests: RequestTable
    offers: OfferTable
    excluded: tuple[np.ndarray, np.ndarray] = field(default_factory=lambda: (_ro([], np.int64), _ro([], np.int64)))
    fixed: tuple[np.ndarray, np.ndarray, np.ndarray] = field(
        default_factory=lambda: (_ro([], np.int64), _ro([], np.int64), _ro([], np.int64))
    )
    params: Params = Params()

    def __post_init__(self) -> None:
        validate(self)

    # -- constructors -------------------------------------------------------
    @classmethod
    def from_arrays(
        cls,
        *,
        sites: Sequence[Site],
        items: Sequence[Item],
        nations: Sequence[str],
        release_classes: Sequence[frozenset[str] | None],
        substitutions: Iterable[tuple[int, int, int]] = (),
        requests: dict[str, Any],
        offers: dict[str, Any],
        excluded: tuple[Any, Any] | None = None,
        fixed: tuple[Any, Any, Any] | None = None,
        params: Params | None = None,
    ) -> Problem:
        """Columnar constructor (used by the benchmark generator)."""
        rq = RequestTable(
            ids=_ro(requests["ids"]),
            nation=_ro(requests["nation"], np.int32),
            item=_ro(requests["item"], np.int32),
            quantity=_ro(requests["quantity"], np.int64),
            priority=_ro(requests["priority"], np.int8),
            needed_by=_ro(requests["needed_by"], np.int64),
            site=_ro(requests["site"], np.int32),
        )
        of = OfferTable(
            ids=_ro(offers["ids"]),
            nation=_ro(offers["nation"], np.int32),
            item=_ro(offers["item"], np.int32),
            quantity=_ro(offers["quantity"], np.int64),
            available_from=_ro(offers["available_from"], np.int64),
            available_until=_ro(offers["available_until"], np.int64),
            site=_ro(offers["site"], np.int32),
            release_class=_ro(offers["release_class"], np.int32),
        )
        ex = excluded if excluded is not None else ([], [])
        fx = fixed if fixed is not None else ([], [], [])
        return cls(
            sites=tuple(sites),
            items=tuple(items),
            nations=tuple(nations),
            release_classes=tuple(None if c is None else frozenset(c) for c in release_classes),
            substitutions=tuple((int(a), int(b), int(p)) for a, b, p in substitutions),
            requests=rq,
            offers=of,
            excluded=(_ro(ex[0], np.int64), _ro(ex[1], np.int64)),
            fixed=(_ro(fx[0], np.int64), _ro(fx[1], np.int64), _ro(fx[2], np.int64)),
            params=params or Params(),
        )

    @classmethod
    def build(
        cls,
        *,
        requests: Sequence[RequestLine],
        offers: Sequence[OfferLine],
        sites: Sequence[Site],
        items: Sequence[Item],
        substitutions: Sequence[Substitution] = (),
        excluded: Iterable[tuple[Any, Any]] = (),
        fixed: Iterable[tuple[Any, Any, int]] = (),
        params: Params | None = None,
    ) -> Problem:
        """Build from line objects; ids are resolved and validated."""
        site_ix = _index({s.id: k for k, s in enumerate(sites)}, len(sites), "site")
        item_ix = _index({it.id: k for k, it in enumerate(items)}, len(items), "item")
        nations = sorted(
            {r.nation for r in requests}
            | {o.nation for o in offers}
            | {n for o in offers if o.releasable_to for n in o.releasable_to}
        )
        nat_ix = {n: k for k, n in enumerate(nations)}
        classes: dict[frozenset[str] | None, int] = {}
        for o in offers:
            key = None if o.releasable_to is None else frozenset(o.releasable_to)
            classes.setdefault(key, len(classes))

        def look(table: dict[str, int], key: str, what: str, line: Any) -> int:
            try:
                return table[key]
            except KeyError:
                raise ProblemError(f"{what} {key!r} of line {line!r} is not defined") from None

        rq = {
            "ids": _id_array([r.id for r in requests]),
            "nation": [nat_ix[r.nation] for r in requests],
            "item": [look(item_ix, r.item, "item", r.id) for r in requests],
            "quantity": [_int(r.quantity, "quantity", r.id) for r in requests],
            "priority": [_int(r.priority, "priority", r.id) for r in requests],
            "needed_by": [day_number(r.needed_by) for r in requests],
            "site": [look(site_ix, r.site, "site", r.id) for r in requests],
        }
        of = {
            "ids": _id_array([o.id for o in offers]),
            "nation": [nat_ix[o.nation] for o in offers],
            "item": [look(item_ix, o.item, "item", o.id) for o in offers],
            "quantity": [_int(o.quantity, "quantity", o.id) for o in offers],
            "available_from": [day_number(o.available_from) for o in offers],
            "available_until": [day_number(o.available_until) for o in offers],
            "site": [look(site_ix, o.site, "site", o.id) for o in offers],
            "release_class": [classes[None if o.releasable_to is None else frozenset(o.releasable_to)] for o in offers],
        }
        subs = [
            (
                look(item_ix, s.offered, "item", "substitution"),
                look(item_ix, s.requested, "item", "substitution"),
                _int(s.penalty, "penalty", "substitution"),
            )
            for s in substitutions
        ]
        rid = {r.id: k for k, r in enumerate(requests)}
        oid = {o.id: k for k, o in enumerate(offers)}
        if len(rid) != len(requests) or len(oid) != len(offers):
            raise ProblemError("line ids must be unique")

        def line(table: dict[Any, int], key: Any, what: str) -> int:
            try:
                return table[key]
            except (KeyError, TypeError):
                raise ProblemError(f"unknown {what} line id {key!r}") from None

        ex = list(excluded)
        fx = list(fixed)
        return cls.from_arrays(
            sites=sites,
            items=items,
            nations=nations,
            release_classes=list(classes),
            substitutions=subs,
            requests=rq,
            offers=of,
            excluded=([line(oid, o, "offer") for o, _ in ex], [line(rid, r, "request") for _, r in ex]),
            fixed=(
                [line(oid, f[0], "offer") for f in fx],
                [line(rid, f[1], "request") for f in fx],
                [_int(f[2], "fixed quantity", f[:2]) for f in fx],
            ),
            params=params,
        )


def _index(table: dict[str, int], n: int, what: str) -> dict[str, int]:
    if len(table) != n:
        raise ProblemError(f"{what} ids must be unique")
    return table


def _int(v: Any, what: str, line: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ProblemError(f"{what} of {line!r} must be an integer, got {v!r}")
    return int(v)


def _id_array(ids: list[Any]) -> np.ndarray:
    if all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in ids):
        return np.array(ids, dtype=np.int64)
    return np.array(ids, dtype=object)


def validate(p: Problem) -> None:
    """Raise :class:`ProblemError` unless the problem is consistent."""
    rq, of = p.requests, p.offers
    nr, no = len(rq), len(of)
    for name in ("ids", "nation", "item", "priority", "needed_by", "site"):
        if getattr(rq, name).shape != (nr,):
            raise ProblemError(f"requests.{name} has the wrong length")
    for name in ("ids", "nation", "item", "available_from", "available_until", "site", "release_class"):
        if getattr(of, name).shape != (no,):
            raise ProblemError(f"offers.{name} has the wrong length")
    if len(p.sites) == 0 and (nr or no):
        raise ProblemError("no sites defined")
    for s in p.sites:
        if not (-90.0 <= float(s.lat) <= 90.0 and -180.0 <= float(s.lon) <= 180.0):
            raise ProblemError(f"site {s.id!r}: latitude/longitude out of range")
    for it in p.items:
        if not float(it.unit_weight_kg) >= 0.0:
            raise ProblemError(f"item {it.id!r}: unit_weight_kg must be >= 0")

    def rng(a: np.ndarray, hi: int, what: str) -> None:
        if a.size and (a.min() < 0 or a.max() >= hi):
            raise ProblemError(f"{what}: index out of range")

    rng(rq.nation, len(p.nations), "request nation")
    rng(of.nation, len(p.nations), "offer nation")
    rng(rq.item, len(p.items), "request item")
    rng(of.item, len(p.items), "offer item")
    rng(rq.site, len(p.sites), "request site")
    rng(of.site, len(p.sites), "offer site")
    rng(of.release_class, len(p.release_classes), "offer release class")
    if (rq.quantity < 0).any() or (of.quantity < 0).any():
        raise ProblemError("quantities must be >= 0")
    if rq.priority.size and (rq.priority.min() < 1 or rq.priority.max() > 4):
        raise ProblemError("priority must be 1..4")
    for a, b, pen in p.substitutions:
        if not (0 <= a < len(p.items) and 0 <= b < len(p.items)):
            raise ProblemError("substitution item out of range")
        if pen < 0:
            raise ProblemError("substitution penalty must be >= 0")
    ex_o, ex_r = p.excluded
    rng(ex_o, no, "excluded offer")
    rng(ex_r, nr, "excluded request")
    fo, fr, fq = p.fixed
    rng(fo, no, "fixed offer")
    rng(fr, nr, "fixed request")
    if (fq < 0).any():
        raise ProblemError("fixed quantities must be >= 0")
    if fq.size:
        if (np.bincount(fo, weights=fq, minlength=no) > of.quantity).any():
            raise ProblemError("fixed allocations exceed an offer line's quantity")
        if (np.bincount(fr, weights=fq, minlength=nr) > rq.quantity).any():
            raise ProblemError("fixed allocations exceed a request line's quantity")


@dataclass(frozen=True)
class Certificate:
    """Proof of optimality.

    kind ``"potentials"``: node potentials of the aggregated network whose
    reduced costs satisfy complementary slackness with the flow (checked);
    kind ``"lp-duality"``: a dual bound equal to the primal value (checked).
    """

    kind: str
    verified: bool
    primal: int | float
    dual: int | float
    detail: str = ""


@dataclass(frozen=True)
class FairShare:
    family: int  # index of the family's smallest item
    priority: int
    lp_bound: float  # max-min fraction of the LP relaxation (upper bound)
    achieved: float  # smallest fraction met by the integer allocation


@dataclass(frozen=True, eq=False)  # holds numpy arrays: identity equality
class Result:
    """Line-level allocation.

    ``alloc_offer``/``alloc_request`` are line indices into the problem's
    tables, ``alloc_qty`` the quantities, ``alloc_fixed`` marks the rows that
    came from ``Problem.fixed``.  ``unmet[r]`` is the unmet quantity of request
    line ``r``.  ``kg_km`` is the integer transport objective (sum over rows of
    qty × round(unit_weight_kg × km)); ``ton_km`` = kg_km / 1000.
    """

    status: str
    mode: str
    alloc_offer: np.ndarray
    alloc_request: np.ndarray
    alloc_qty: np.ndarray
    alloc_fixed: np.ndarray
    unmet: np.ndarray
    met_by_priority: tuple[int, int, int, int]
    demand_by_priority: tuple[int, int, int, int]
    kg_km: int
    penalty: int
    certificate: Certificate
    fair_share: tuple[FairShare, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ton_km(self) -> float:
        return self.kg_km / 1000.0

    def allocations(self, problem: Problem) -> list[tuple[Any, Any, int]]:
        """(offer line id, request line id, quantity) rows, fixed rows included."""
        oid = problem.offers.ids[self.alloc_offer].tolist()
        rid = problem.requests.ids[self.alloc_request].tolist()
        return list(zip(oid, rid, self.alloc_qty.tolist(), strict=False))
