"""Immutable input and output of the preparedness engine.

Days are counted from the first day of the horizon (day 0). A wave's occupancy comes per nation either from a
SEIR model (:class:`Seir`) or as given daily figures (an uploaded curve). Resources are what is consumed or held
per occupied bed: an item used per bed-day (masks, gowns, oxygen) is *consumed*; one held per occupied bed
(a ventilator per ICU bed) is *durable* and stays with the nation once received. Supply comes from
:class:`Source` records (standby pledges, stockpile lots, fund purchases) that become ready on a day and lapse on
another; the airlift pledged in tonnes per week limits what can cross a border.

:meth:`Problem.to_json` / :meth:`Problem.from_json` give the exact input that a stored run can be re-run from.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

MAX_HORIZON = 730
MAX_RUNS = 5000
BASES = ("bed", "icu")
KINDS = ("pledge", "lot", "fund")


class ProblemError(ValueError):
    """The input is not a valid preparedness problem; `problems` lists every fault found, not just the first."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Seir:
    """A SEIR epidemic after the method of Penn Medicine's CHIME: Rt changes on given days; admissions are new
    infections × rate; occupancy is the admissions of the last `*_days` days (length of stay)."""

    population: float
    infected: float  # infectious on day 0
    rt: tuple[tuple[int, float], ...]  # (from day, Rt), the first from day 0
    hospital_rate: float  # share of infections admitted to hospital
    icu_rate: float  # share of infections needing intensive care
    hospital_days: float = 7.0
    icu_days: float = 9.0
    incubation_days: float = 5.0
    infectious_days: float = 10.0


@dataclass(frozen=True)
class Nation:
    code: str
    lat: float
    lon: float
    seir: Seir | None = None
    hospital: tuple[float, ...] = ()  # given daily occupancy (an uploaded curve), when there is no SEIR
    icu: tuple[float, ...] = ()


@dataclass(frozen=True)
class Resource:
    code: str
    basis: str  # "bed" or "icu": which occupancy the rate applies to
    rate: float  # per occupied bed-day (consumed) or per occupied bed (durable)
    durable: bool = False
    priority: int = 2  # 1 first (ICU-related)
    unit_weight_kg: float = 1.0
    price_minor: int = 0  # what the fund pays per unit; 0: the fund does not buy it
    lead_days: int = 30  # from the fund's order to stock at its site


@dataclass(frozen=True)
class Source:
    """Supply of one resource: ready on `ready_day` at (lat, lon), usable until `until_day` (a lot's expiry, a
    pledge's validity). `serves`: the nations it may go to (None: all), by its releasability."""

    id: str
    kind: str  # "pledge", "lot" or "fund"
    resource: str
    quantity: float
    ready_day: int
    until_day: int
    lat: float
    lon: float
    nation: str = ""  # the owner: it never serves itself ("" for the stockpile's or the fund's stock)
    site_nation: str = ""  # where it stands: going anywhere else takes airlift
    serves: frozenset[str] | None = None


@dataclass(frozen=True)
class Airlift:
    tonnes_per_week: float
    ready_day: int = 0
    until_day: int = MAX_HORIZON


@dataclass(frozen=True)
class Uncertainty:
    """Each run draws, uniformly: a factor on every Rt in [1 − rt_spread, 1 + rt_spread], a shift of the curve
    in whole days in [−shift_days, +shift_days] (a later or earlier peak), and a factor on the hospital and ICU
    rates in [1 − rate_spread, 1 + rate_spread]. All zero: every run is the central case."""

    rt_spread: float = 0.0
    shift_days: int = 0
    rate_spread: float = 0.0


@dataclass(frozen=True)
class Problem:
    nations: tuple[Nation, ...]
    resources: tuple[Resource, ...]
    sources: tuple[Source, ...] = ()
    own_stock: tuple[tuple[str, str, float], ...] = ()  # (nation, resource, quantity)
    airlift: tuple[Airlift, ...] = ()
    fund_cash_minor: int = 0
    fund_site: tuple[float, float, str] = (40.47, 17.24, "ITA")  # (lat, lon, nation) where bought stock arrives
    horizon_days: int = 180
    step_days: int = 7
    uncertainty: Uncertainty = field(default_factory=Uncertainty)
    base_days: int = 1  # transit days = base_days + ceil(km / km_per_day), as the allocation engine counts them
    km_per_day: float = 2000.0
    airlift_limited: bool = True  # False: what crosses a border is not limited (no airlift pledged counts as none)

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise ProblemError(problems)

    @property
    def weeks(self) -> int:
        return math.ceil(self.horizon_days / self.step_days)

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        for source in document["sources"]:
            source["serves"] = None if source["serves"] is None else sorted(source["serves"])
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Problem:
        d = dict(document)
        nations = []
        for n in d.get("nations", []):
            seir = n.get("seir")
            if seir is not None:
                seir = Seir(**{**seir, "rt": tuple((int(a), float(b)) for a, b in seir["rt"])})
            nations.append(
                Nation(
                    code=n["code"],
                    lat=n["lat"],
                    lon=n["lon"],
                    seir=seir,
                    hospital=tuple(n.get("hospital", ())),
                    icu=tuple(n.get("icu", ())),
                )
            )
        sources = [
            Source(**{**s, "serves": None if s.get("serves") is None else frozenset(s["serves"])})
            for s in d.get("sources", [])
        ]
        return cls(
            nations=tuple(nations),
            resources=tuple(Resource(**r) for r in d.get("resources", [])),
            sources=tuple(sources),
            own_stock=tuple((a, b, float(q)) for a, b, q in d.get("own_stock", [])),
            airlift=tuple(Airlift(**a) for a in d.get("airlift", [])),
            fund_cash_minor=int(d.get("fund_cash_minor", 0)),
            fund_site=tuple(d.get("fund_site", (40.47, 17.24, "ITA"))),  # type: ignore[arg-type]
            horizon_days=int(d.get("horizon_days", 180)),
            step_days=int(d.get("step_days", 7)),
            uncertainty=Uncertainty(**d.get("uncertainty", {})),
            base_days=int(d.get("base_days", 1)),
            km_per_day=float(d.get("km_per_day", 2000.0)),
            airlift_limited=bool(d.get("airlift_limited", True)),
        )


def _bad_number(value: Any, *, low: float = 0.0, strict: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return True
    return bool(not math.isfinite(value) or value < low or (strict and value <= low))


def validate(p: Problem) -> list[str]:
    """Every fault of the problem, in words (the Django side translates its own checks before this one)."""
    out: list[str] = []
    if not 1 <= p.horizon_days <= MAX_HORIZON:
        out.append(f"horizon must be 1..{MAX_HORIZON} days")
    if not 1 <= p.step_days <= 7:
        out.append("step must be 1..7 days")
    codes = [n.code for n in p.nations]
    if len(set(codes)) != len(codes):
        out.append("nation codes must be unique")
    for n in p.nations:
        if n.seir is None:
            if len(n.hospital) != len(n.icu) or not n.hospital:
                out.append(f"nation {n.code}: give a SEIR model or daily hospital and ICU occupancy of equal length")
            elif any(_bad_number(v) for v in (*n.hospital, *n.icu)):
                out.append(f"nation {n.code}: occupancy must be zero or more")
            continue
        s = n.seir
        if _bad_number(s.population, strict=True):
            out.append(f"nation {n.code}: population must be positive")
        elif _bad_number(s.infected) or s.infected > s.population:
            out.append(f"nation {n.code}: infected must be 0..population")
        if not s.rt or s.rt[0][0] != 0:
            out.append(f"nation {n.code}: Rt must be given from day 0")
        if any(_bad_number(rt, strict=True) for _, rt in s.rt):
            out.append(f"nation {n.code}: Rt must be greater than zero")
        if [d for d, _ in s.rt] != sorted({d for d, _ in s.rt}):
            out.append(f"nation {n.code}: Rt changes must be on distinct days in order")
        for name in ("hospital_rate", "icu_rate"):
            v = getattr(s, name)
            if _bad_number(v) or v > 1:
                out.append(f"nation {n.code}: {name} must be 0..1")
        for name in ("hospital_days", "icu_days", "incubation_days", "infectious_days"):
            if _bad_number(getattr(s, name), strict=True):
                out.append(f"nation {n.code}: {name} must be positive")
    rcodes = [r.code for r in p.resources]
    if len(set(rcodes)) != len(rcodes):
        out.append("resource codes must be unique")
    for r in p.resources:
        if r.basis not in BASES:
            out.append(f"resource {r.code}: basis must be bed or icu")
        if _bad_number(r.rate):
            out.append(f"resource {r.code}: rate must be zero or more")
        if r.priority not in (1, 2, 3, 4):
            out.append(f"resource {r.code}: priority must be 1..4")
        if _bad_number(r.unit_weight_kg) or _bad_number(r.price_minor) or _bad_number(r.lead_days):
            out.append(f"resource {r.code}: weight, price and lead time must be zero or more")
    known_n, known_r = set(codes), set(rcodes)
    for src in p.sources:
        if src.kind not in KINDS:
            out.append(f"source {src.id}: kind must be pledge, lot or fund")
        if src.resource not in known_r:
            out.append(f"source {src.id}: unknown resource {src.resource}")
        if _bad_number(src.quantity, strict=True):
            out.append(f"source {src.id}: quantity must be greater than zero")
        if _bad_number(src.ready_day) or src.until_day < src.ready_day:
            out.append(f"source {src.id}: ready day must be 0 or later and not after the until day")
    for nation, resource, quantity in p.own_stock:
        if nation not in known_n or resource not in known_r:
            out.append(f"own stock {nation}/{resource}: unknown nation or resource")
        if _bad_number(quantity):
            out.append(f"own stock {nation}/{resource}: quantity must be zero or more")
    for a in p.airlift:
        if _bad_number(a.tonnes_per_week):
            out.append("airlift tonnes per week must be zero or more")
    if _bad_number(p.fund_cash_minor):
        out.append("fund cash must be zero or more")
    u = p.uncertainty
    if _bad_number(u.rt_spread) or u.rt_spread >= 1 or _bad_number(u.rate_spread) or u.rate_spread >= 1:
        out.append("spreads must be 0 ≤ spread < 1")
    if _bad_number(u.shift_days) or u.shift_days > 90:
        out.append("shift must be 0..90 days")
    if p.base_days < 0 or not p.km_per_day > 0:
        out.append("base_days must be >= 0 and km_per_day > 0")
    return out


@dataclass(frozen=True, eq=False)  # holds numpy arrays
class Result:
    """Bands are arrays whose first axis is (P10, P50, P90) over the runs.

    demand / covered / shortfall: [3, nations, resources, weeks] in units (demand is net of own stock);
    days_of_cover: [3, nations, resources] (horizon_days where it never runs short);
    first_p1_unmet_day: [runs], −1 where no priority-1 need went unmet;
    airlift_needed_t: [3, weeks] tonnes that would cross a border to meet all demand; airlift_pledged_t: [weeks];
    unmet_share / p1_unmet_share: [runs] shortfall over demand (all, priority 1); fund_spent_minor: [runs];
    item_shortfall: [3, resources, weeks] bands of each run's shortfall summed over the nations (the fan chart);
    coverage: [3, nations, weeks] the share of each item's demand covered, averaged over the items a nation needs
    (NaN where it needs none).
    """

    nations: tuple[str, ...]
    resources: tuple[str, ...]
    weeks: int
    step_days: int
    runs: int
    seed: int
    demand: np.ndarray
    covered: np.ndarray
    shortfall: np.ndarray
    days_of_cover: np.ndarray
    first_p1_unmet_day: np.ndarray
    airlift_needed_t: np.ndarray
    airlift_pledged_t: np.ndarray
    unmet_share: np.ndarray
    p1_unmet_share: np.ndarray
    fund_spent_minor: np.ndarray
    item_shortfall: np.ndarray
    coverage: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict, compare=False)
