"""Airlift planning on top of PyVRP.

Model (see ``docs/airlift-format.md`` for the full description):

* one PyVRP *location* per airfield, one *depot* per home base;
* every shipment (piece) is a native PyVRP ``Shipment`` (pickup-and-delivery
  pair between any two airfields, depots included), optional with a prize
  that dominates any routing cost, so the solver carries as much as it can
  and the rest is reported as unplaced;
* aircraft with identical characteristics and home form one vehicle type;
  every aircraft flies at most one mission (route) from and back to its home;
* one routing *profile* per aircraft performance class. Its distance matrix
  holds flight minutes (so the objective is cost per flight hour), its
  duration matrix ground time + flight minutes for every leg between two
  different airfields (ground time is spent once per stop, before take-off);
* the per-leg range is a hard constraint: a leg longer than the range gets a
  distance far above the route's ``max_distance``, so any route using it is
  infeasible;
* loads have two dimensions: kg and litres (m³ × 1000).

Integer scales: time in minutes from :attr:`Plan.start`, flight "distance" in
minutes, load in kg and litres; objective units: the cheapest aircraft's
cost per flight hour / 600, i.e. it costs 10 per flight minute, the others
proportionally (PyVRP's violation penalties are capped, so the objective must
not be scaled up to currency cents).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from ..geo import distance_matrix_km
from .problem import Aircraft, Problem, Shipment
from .result import Leg, Load, Mission, Plan, Reason, Stop, Unplaced

Progress = Callable[[str, float], object]

UNIT_COST = 10  # objective units per flight minute of the cheapest aircraft
MAX_FIXED = 10**9  # cap on a fixed cost in objective units
CAP_MINUTES = 10_000_000  # max_distance of every vehicle type (~19 years)
FORBIDDEN = 2 * CAP_MINUTES  # "distance" of a leg beyond the aircraft's range
SMALL_PIECES = 30  # up to this many pieces ...
SMALL_PATIENCE = 10_000  # ... stop after this many non-improving iterations


class PlanningCancelled(Exception):
    """May be raised by a progress callback to stop planning."""


# --------------------------------------------------------------------------
# preparation


@dataclass(frozen=True, slots=True)
class _Piece:
    shipment: Shipment
    number: int  # 1-based
    of: int
    kg: int
    litres: int


@dataclass(slots=True)
class _Prepared:
    problem: Problem
    start: datetime
    index: dict[str, int]  # airfield code -> location index
    km: np.ndarray  # (n, n) float
    ground: int  # minutes
    profiles: list[tuple]  # profile keys
    profile_of: dict[str, int]  # aircraft id -> profile index
    flight: list[np.ndarray]  # per profile: (n, n) int flight minutes (real)

    def minutes(self, when: datetime | None, default: int, *, up: bool = False) -> int:
        """Whole minutes since ``start``: rounded down for deadlines, up
        (``up=True``) for "not before" times, so rounding never breaks one."""
        if when is None:
            return default
        exact = (when - self.start).total_seconds() / 60
        return math.ceil(exact - 1e-9) if up else math.floor(exact + 1e-9)

    def when(self, minutes: int) -> datetime:
        return self.start + timedelta(minutes=int(minutes))


def _time_origin(problem: Problem) -> datetime:
    if problem.start is not None:
        return problem.start
    stamps = [a.available_from for a in problem.aircraft if a.available_from]
    stamps += [s.earliest_pickup for s in problem.shipments if s.earliest_pickup]
    origin = min(stamps) if stamps else datetime.now(UTC)
    return origin.replace(second=0, microsecond=0)


def _profile_key(problem: Problem, a: Aircraft) -> tuple:
    if problem.flight_hours is not None and a.type in problem.flight_hours:
        return ("type", a.type, a.range_km)
    return ("speed", a.cruise_kmh, a.range_km)


def _prepare(problem: Problem) -> _Prepared:
    index = {af.code: i for i, af in enumerate(problem.airfields)}
    if problem.distance_km is not None:
        km = np.array(problem.distance_km, dtype=float)
    else:
        km = distance_matrix_km([af.lat for af in problem.airfields], [af.lon for af in problem.airfields])
    if len(km):
        np.fill_diagonal(km, 0.0)

    profiles: list[tuple] = []
    profile_of: dict[str, int] = {}
    flight: list[np.ndarray] = []
    for a in problem.aircraft:
        key = _profile_key(problem, a)
        if key not in profiles:
            profiles.append(key)
            if problem.flight_hours is not None and key[0] == "type":
                hours = np.array(problem.flight_hours[a.type], dtype=float)
            else:
                hours = km / a.cruise_kmh
            minutes = np.ceil(hours * 60 - 1e-9).astype(np.int64)
            np.fill_diagonal(minutes, 0)
            flight.append(np.maximum(minutes, 0))
        profile_of[a.id] = profiles.index(key)

    return _Prepared(
        problem=problem,
        start=_time_origin(problem),
        index=index,
        km=km,
        ground=round(problem.ground_time_hours * 60),
        profiles=profiles,
        profile_of=profile_of,
        flight=flight,
    )


def _litres(m3: float) -> int:
    return math.ceil(m3 * 1000 - 1e-9)


def _fmt(kg: int, litres: int) -> str:
    return f"{kg:,} kg / {litres / 1000:,.1f} m³".replace(",", " ")


@dataclass(slots=True)
class _Trips:
    """How each aircraft (array index = position in ``problem.aircraft``)
    could carry one shipment on its own."""

    reachable: np.ndarray  # home -> pickup -> delivery -> home via legs in range
    direct_range: np.ndarray  # ... and the dedicated trip needs no extra stops
    direct_ok: np.ndarray  # pickup -> delivery alone meets the deadline
    time_ok: np.ndarray  # dedicated trip fits availability and mission length


@dataclass(slots=True)
class _Fleet:
    """The aircraft as arrays, for checks vectorised over the fleet."""

    home: np.ndarray
    profile: np.ndarray
    range_km: np.ndarray
    free_from: np.ndarray  # minutes
    free_until: np.ndarray  # minutes
    max_mission: np.ndarray  # minutes
    payload: np.ndarray  # kg
    volume: np.ndarray  # litres

    @classmethod
    def of(cls, prep: _Prepared) -> _Fleet:
        craft = prep.problem.aircraft
        inf = 1 << 60
        return cls(
            home=np.array([prep.index[a.home] for a in craft], dtype=np.int64),
            profile=np.array([prep.profile_of[a.id] for a in craft], dtype=np.int64),
            range_km=np.array([a.range_km for a in craft], dtype=float),
            free_from=np.array([max(0, prep.minutes(a.available_from, 0, up=True)) for a in craft], dtype=np.int64),
            free_until=np.array([prep.minutes(a.available_until, inf) for a in craft], dtype=np.int64),
            max_mission=np.array(
                [inf if a.max_mission_hours is None else round(a.max_mission_hours * 60) for a in craft],
                dtype=np.int64,
            ),
            payload=np.array([a.payload_kg for a in craft], dtype=np.int64),
            volume=np.array([max(1, math.floor(a.volume_m3 * 1000)) for a in craft], dtype=np.int64),
        )


def _reachability(prep: _Prepared) -> list[np.ndarray]:
    """Per profile: may an aircraft get from airfield i to j with legs within
    range, stopping only at airfields a mission can visit (homes, pickups and
    deliveries)? Transitive closure, so it is a necessary condition."""
    problem = prep.problem
    n = len(problem.airfields)
    visitable = np.zeros(n, dtype=bool)
    for a in problem.aircraft:
        visitable[prep.index[a.home]] = True
    for s in problem.shipments:
        visitable[prep.index[s.pickup]] = True
        visitable[prep.index[s.delivery]] = True
    out = []
    for key in prep.profiles:
        hop = prep.km <= key[2] + 1e-9
        closure = hop.copy()
        via = hop & visitable[None, :]  # i -> k with k a possible stop
        while True:
            grown = closure | ((via.astype(np.int32) @ closure.astype(np.int32)) > 0)
            if (grown == closure).all():
                break
            closure = grown
        np.fill_diagonal(closure, True)
        out.append(closure)
    return out


def _dedicated(prep: _Prepared, fleet: _Fleet, flight: np.ndarray, reach: np.ndarray, s: Shipment) -> _Trips:
    """Dedicated round trips home -> pickup -> delivery -> home, all aircraft.

    ``flight`` and ``reach`` are stacked per profile. Times on direct legs are
    a lower bound for any route carrying the shipment (a detour only adds
    ground and flight time), so failing them proves the shipment unplaceable.
    """
    h, prof = fleet.home, fleet.profile
    p, d = prep.index[s.pickup], prep.index[s.delivery]
    g = prep.ground
    reachable = reach[prof, h, p] & reach[prof, p, d] & reach[prof, d, h]
    fits = fleet.range_km + 1e-9
    direct_range = (
        reachable
        & ((h == p) | (prep.km[h, p] <= fits))
        & (prep.km[p, d] <= fits)
        & ((h == d) | (prep.km[d, h] <= fits))
    )
    f_hp = np.where(h == p, 0, g + flight[prof, h, p])
    f_pd = g + flight[prof, p, d]
    f_dh = np.where(h == d, 0, g + flight[prof, d, h])

    early = max(0, prep.minutes(s.earliest_pickup, 0, up=True))
    inf = 1 << 60
    late = prep.minutes(s.latest_delivery, inf + g) - g  # latest landing
    direct_ok = early + f_pd <= late

    landing = np.maximum(fleet.free_from + f_hp, early) + f_pd
    time_ok = (landing <= late) & (landing + f_dh <= fleet.free_until) & (f_hp + f_pd + f_dh <= fleet.max_mission)
    return _Trips(reachable, direct_range, direct_ok, time_ok)


def _pieces(
    prep: _Prepared, fleet: _Fleet, flight: np.ndarray, reach: np.ndarray, s: Shipment
) -> tuple[list[_Piece], Unplaced | None, bool]:
    """Split a shipment into pieces, or say why it cannot be flown at all.

    The third value tells whether some usable aircraft could fly it without
    intermediate stops (used to explain pieces the solver leaves out)."""
    problem = prep.problem
    litres = _litres(s.m3)

    def refuse(reason: Reason, message: str):
        return [], Unplaced(s.id, reason, message, s.kg, s.m3, 1, 1), False

    if s.pickup == s.delivery:
        return refuse(
            Reason.NO_FLIGHT_NEEDED,
            f"pickup and delivery are both {s.pickup}; nothing to fly",
        )
    if not problem.aircraft:
        return refuse(Reason.NO_AIRCRAFT, "no aircraft are offered")

    t = _dedicated(prep, fleet, flight, reach, s)
    if not t.reachable.any():
        return refuse(
            Reason.OUT_OF_RANGE,
            f"no aircraft can fly home → {s.pickup} → {s.delivery} → home with every leg within its range",
        )
    if not (t.direct_ok & t.reachable).any():
        return refuse(
            Reason.DEADLINE_UNREACHABLE,
            f"even a direct flight {s.pickup} → {s.delivery} leaving at the "
            "earliest pickup (plus ground times) misses the latest delivery",
        )
    usable = t.reachable & t.time_ok
    if not usable.any():
        return refuse(
            Reason.NO_AIRCRAFT_IN_WINDOW,
            "no aircraft can be positioned, fly the shipment in its time "
            "window and return home within its availability",
        )
    direct = bool((t.direct_range & usable).any())
    needed = np.maximum(np.maximum(-(-s.kg // fleet.payload), -(-litres // fleet.volume)), 1)
    best = int(needed[usable].min())
    if not s.divisible:
        if best > 1:
            return refuse(
                Reason.TOO_HEAVY,
                f"{_fmt(s.kg, litres)} is indivisible and exceeds the hold of every aircraft that can fly it in time",
            )
        n = 1
    else:
        n = best
        if problem.max_piece_kg is not None:
            n = max(n, math.ceil(s.kg / problem.max_piece_kg))
        if n > problem.max_pieces_per_shipment:
            return refuse(
                Reason.TOO_HEAVY,
                f"{_fmt(s.kg, litres)} would need {n} flights even when split, "
                f"more than the maximum of {problem.max_pieces_per_shipment}",
            )
    kq, kr = divmod(s.kg, n)
    lq, lr = divmod(litres, n)
    pieces = [_Piece(s, i + 1, n, kq + (i < kr), lq + (i < lr)) for i in range(n)]
    return pieces, None, direct


# --------------------------------------------------------------------------
# PyVRP model


def _vehicle_groups(problem: Problem) -> dict[tuple, list[Aircraft]]:
    groups: dict[tuple, list[Aircraft]] = {}
    for a in problem.aircraft:
        key = (
            a.type,
            a.home,
            a.payload_kg,
            a.volume_m3,
            a.cruise_kmh,
            a.range_km,
            a.available_from,
            a.available_until,
            a.fixed_cost,
            a.cost_per_hour,
            a.max_mission_hours,
        )
        groups.setdefault(key, []).append(a)
    return groups


def _build(prep: _Prepared, pieces: list[_Piece], groups: list[list[Aircraft]]):
    from pyvrp import (
        Depot,
        Location,
        ProblemData,
        VehicleType,
    )
    from pyvrp import Shipment as VrpShipment

    problem = prep.problem
    g = prep.ground
    locations = [Location(x=af.lon, y=af.lat, name=af.code) for af in problem.airfields]
    homes = sorted({grp[0].home for grp in groups}, key=prep.index.__getitem__)
    depot_of = {code: i for i, code in enumerate(homes)}
    depots = [Depot(location=prep.index[c], name=c) for c in homes]

    distances: list[Any] = []
    durations: list[Any] = []
    for p, key in enumerate(prep.profiles):
        flight = prep.flight[p]
        dist = flight.copy()
        dist[prep.km > key[2] + 1e-9] = FORBIDDEN
        dur = flight + g
        np.fill_diagonal(dur, 0)
        np.fill_diagonal(dist, 0)
        distances.append(dist.astype(np.int64))
        durations.append(dur.astype(np.int64))

    # Objective scale: the cheapest aircraft costs UNIT_COST per flight
    # minute. PyVRP's penalties per unit of violation are capped (1e5), so
    # routing costs must stay modest or infeasible solutions look cheap.
    # Rate ratios above 1000 are compressed (the cheap aircraft then all cost
    # the minimum); every unit is clipped to stay far from overflow.
    rates = [grp[0].cost_per_hour for grp in groups if grp[0].cost_per_hour > 0]
    ref = max(min(rates), max(rates) / 1000) if rates else 1.0

    vehicle_types = []
    for grp in groups:
        a = grp[0]
        kwargs: dict[str, Any] = {}
        if a.available_from is not None:
            kwargs["tw_early"] = max(0, prep.minutes(a.available_from, 0, up=True))
        if a.available_until is not None:
            kwargs["tw_late"] = max(0, prep.minutes(a.available_until, 0))
        if a.max_mission_hours is not None:
            kwargs["shift_duration"] = round(a.max_mission_hours * 60)
        vehicle_types.append(
            VehicleType(
                num_available=len(grp),
                capacity=[a.payload_kg, math.floor(a.volume_m3 * 1000)],
                start_depot=depot_of[a.home],
                end_depot=depot_of[a.home],
                fixed_cost=min(MAX_FIXED, round(a.fixed_cost / ref * 60 * UNIT_COST)),
                max_distance=CAP_MINUTES,
                unit_distance_cost=max(1, round(a.cost_per_hour / ref * UNIT_COST)),
                profile=prep.profile_of[a.id],
                name=a.id,
                **kwargs,
            )
        )

    # A prize larger than the cost of a dedicated round trip on the most
    # expensive aircraft: serving a piece always beats leaving it out.
    bound = 1
    for pc in pieces:
        s = pc.shipment
        p, d = prep.index[s.pickup], prep.index[s.delivery]
        for grp, vt in zip(groups, vehicle_types, strict=True):
            a = grp[0]
            f = prep.flight[prep.profile_of[a.id]]
            h = prep.index[a.home]
            minutes = int(f[h, p] + f[p, d] + f[d, h])
            bound = max(bound, vt.fixed_cost + vt.unit_distance_cost * minutes)
    prize = 4 * bound

    shipments = []
    for pc in pieces:
        s = pc.shipment
        windows: dict[str, Any] = {}
        if s.earliest_pickup is not None:
            windows["pickup_tw_early"] = max(0, prep.minutes(s.earliest_pickup, 0, up=True))
        if s.latest_delivery is not None:
            windows["delivery_tw_late"] = max(0, prep.minutes(s.latest_delivery, 0) - g)
        shipments.append(
            VrpShipment(
                pickup_location=prep.index[s.pickup],
                delivery_location=prep.index[s.delivery],
                amount=[pc.kg, pc.litres],
                prize=prize,
                required=False,
                name=f"{s.id}#{pc.number}",
                **windows,
            )
        )
    return ProblemData(
        locations=locations,
        clients=[],
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=distances,
        duration_matrices=durations,
        shipments=shipments,
    )


class _Stopper:
    """PyVRP stopping criterion: wall-clock limit plus progress reports."""

    def __init__(
        self,
        limit: float,
        progress: Progress | None,
        begun: float,
        patience: int | None = None,
    ):
        self.limit = limit
        self.progress = progress
        self.begun = begun
        self.patience = patience  # stop after this many non-improving iterations
        self.iterations = 0
        self._best: int | None = None
        self._since = 0
        self._last = -1.0

    def __call__(self, best_cost: int) -> bool:
        self.iterations += 1
        if self._best is None or best_cost < self._best:
            self._best, self._since = best_cost, 0
        else:
            self._since += 1
            if self.patience is not None and self._since >= self.patience:
                return True
        elapsed = time.perf_counter() - self.begun
        if self.progress is not None and elapsed - self._last >= 0.25:
            self._last = elapsed
            self.progress("solve", min(99.0, 100.0 * elapsed / max(self.limit, 1e-9)))
        return elapsed >= self.limit


def _solve(data, stop: _Stopper, seed: int):
    """PyVRP's ``solve`` with default parameters, except that the search
    starts from the *empty* plan improved by an exhaustive local search: all
    pieces are optional, so this start is feasible, and it is cheaper and
    better than repairing a random, badly infeasible first solution."""
    from pyvrp import IteratedLocalSearch, PenaltyManager, RandomNumberGenerator, Solution
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
    from pyvrp.solve import SolveParams

    params = SolveParams()
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, params.neighbourhood)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    if EMPTY_START:
        init = ls(Solution(data, []), pm.max_cost_evaluator(), exhaustive=True)
    else:
        random = Solution.make_random(data, rng)
        init = ls(random, pm.max_cost_evaluator(), exhaustive=True)
    algo = IteratedLocalSearch(data, pm, ls, init, params.ils)
    return algo.run(stop, False, False)


EMPTY_START = True


# --------------------------------------------------------------------------
# extraction


def _mission(prep: _Prepared, route, aircraft: Aircraft, pieces: list[_Piece]) -> Mission:
    f = prep.flight[prep.profile_of[aircraft.id]]
    g = prep.ground
    codes = [af.code for af in prep.problem.airfields]
    depots = [aircraft.home]  # start and end depot are the home base

    # consecutive activities at the same airfield form one stop
    groups: list[list] = []  # [location, first_start, last_end, pickups, drops]
    for act in route.schedule():
        if act.is_depot():
            loc = prep.index[depots[0]]
        else:
            pc = pieces[act.idx]
            s = pc.shipment
            loc = prep.index[s.pickup if act.is_pickup() else s.delivery]
        if groups and groups[-1][0] == loc:
            grp = groups[-1]
            grp[2] = max(grp[2], act.end_time)
        else:
            grp = [loc, act.start_time, act.end_time, [], []]
            groups.append(grp)
        if not act.is_depot():
            load = Load(s.id, pc.number, pc.of, pc.kg, pc.litres / 1000)
            (grp[3] if act.is_pickup() else grp[4]).append(load)

    stops: list[Stop] = []
    legs: list[Leg] = []
    onboard: dict[tuple[str, int], Load] = {}
    arrival: datetime | None = None
    for i, (loc, _first, last_end, picked, dropped) in enumerate(groups):
        for load in dropped:
            onboard.pop((load.shipment_id, load.piece), None)
        for load in picked:
            onboard[(load.shipment_id, load.piece)] = load
        final = i == len(groups) - 1
        takeoff = last_end + g
        stops.append(
            Stop(
                airfield=codes[loc],
                arrival=arrival,
                departure=None if final else prep.when(takeoff),
                picked_up=tuple(picked),
                dropped=tuple(dropped),
            )
        )
        if not final:
            nxt = groups[i + 1][0]
            minutes = int(f[loc, nxt])
            landing = takeoff + minutes
            arrival = prep.when(landing)
            legs.append(
                Leg(
                    origin=codes[loc],
                    destination=codes[nxt],
                    departure=prep.when(takeoff),
                    arrival=arrival,
                    distance_km=round(float(prep.km[loc, nxt]), 1),
                    flight_hours=round(minutes / 60, 3),
                    kg=sum(x.kg for x in onboard.values()),
                    m3=round(sum(x.m3 for x in onboard.values()), 3),
                    shipment_ids=tuple(sorted({x.shipment_id for x in onboard.values()})),
                )
            )
    flight_minutes = sum(int(f[prep.index[x.origin], prep.index[x.destination]]) for x in legs)
    hours = flight_minutes / 60
    cost = aircraft.fixed_cost + aircraft.cost_per_hour * hours
    return Mission(
        aircraft_id=aircraft.id,
        aircraft_type=aircraft.type,
        stops=tuple(stops),
        legs=tuple(legs),
        distance_km=round(sum(x.distance_km for x in legs), 1),
        flight_hours=round(hours, 3),
        cost=round(cost, 2),
    )


# --------------------------------------------------------------------------
# entry point


def plan(
    problem: Problem,
    *,
    time_limit: float,
    seed: int = 0,
    progress: Progress | None = None,
) -> Plan:
    """Plan missions for ``problem`` within about ``time_limit`` seconds.

    ``progress(phase, percent)`` is called now and then (phases ``prepare``,
    ``solve``, ``extract``); any exception it raises aborts planning and
    propagates to the caller (use it to cancel).
    """
    begun = time.perf_counter()
    if not isinstance(problem, Problem):
        raise TypeError("problem must be an airlift.Problem")
    if not (isinstance(time_limit, (int, float)) and time_limit >= 0):
        raise ValueError("time_limit must be a non-negative number of seconds")
    if progress is not None:
        progress("prepare", 0.0)

    prep = _prepare(problem)
    n = len(problem.airfields)
    reach = np.stack(_reachability(prep)) if prep.profiles else np.zeros((0, n, n), dtype=bool)
    flight = np.stack(prep.flight) if prep.profiles else np.zeros((0, n, n), dtype=np.int64)
    fleet = _Fleet.of(prep)
    pieces: list[_Piece] = []
    unplaced: list[Unplaced] = []
    needs_stops: set[str] = set()  # only reachable via intermediate stops
    for s in problem.shipments:
        got, refused, direct = _pieces(prep, fleet, flight, reach, s)
        pieces.extend(got)
        if refused is not None:
            unplaced.append(refused)
        elif not direct:
            needs_stops.add(s.id)

    groups = list(_vehicle_groups(problem).values())
    missions: list[Mission] = []
    carried: set[int] = set()
    iterations = 0
    if pieces and groups:
        data = _build(prep, pieces, groups)
        if progress is not None:
            progress("solve", 0.0)
        # keep a little time for extracting the missions afterwards
        reserve = 0.05 + 0.0003 * len(pieces)
        remaining = max(0.0, time_limit - reserve - (time.perf_counter() - begun))
        # Small instances converge in well under a second; do not burn the
        # whole time limit on them.
        patience = SMALL_PATIENCE if len(pieces) <= SMALL_PIECES else None
        stopper = _Stopper(remaining, progress, time.perf_counter(), patience)
        result = _solve(data, stopper, seed)
        iterations = result.num_iterations
        if progress is not None:
            progress("extract", 100.0)

        used: dict[int, int] = {}
        routes = sorted(result.best.routes(), key=lambda r: (r.vehicle_type(), r.start_time()))
        for route in routes:
            # Safety net: never return a route that breaks a constraint.
            if not route.is_feasible():
                continue
            vt = route.vehicle_type()
            k = used.get(vt, 0)
            used[vt] = k + 1
            aircraft = groups[vt][k]
            missions.append(_mission(prep, route, aircraft, pieces))
            for act in route.schedule():
                if act.is_pickup():
                    carried.add(act.idx)

    # pieces the solver could not fit
    left: dict[str, list[_Piece]] = {}
    for i, pc in enumerate(pieces):
        if i not in carried:
            left.setdefault(pc.shipment.id, []).append(pc)
    for sid, pcs in left.items():
        s = pcs[0].shipment
        kg = sum(p.kg for p in pcs)
        litres = sum(p.litres for p in pcs)
        part = "it" if len(pcs) == pcs[0].of else f"{len(pcs)} of its {pcs[0].of} pieces"
        if sid in needs_stops:
            reason = Reason.OUT_OF_RANGE
            message = (
                f"{part} ({_fmt(kg, litres)}) can only be flown with "
                "intermediate stops to stay within range, and no mission offers them"
            )
        else:
            reason = Reason.FLEET_EXHAUSTED
            message = (
                f"the fleet has no aircraft time or capacity left to carry {part} "
                f"({_fmt(kg, litres)}) within the time windows"
            )
        unplaced.append(
            Unplaced(
                sid,
                reason,
                message,
                kg,
                round(litres / 1000, 3) if len(pcs) < pcs[0].of else s.m3,
                len(pcs),
                pcs[0].of,
            )
        )

    order = {s.id: i for i, s in enumerate(problem.shipments)}
    unplaced.sort(key=lambda u: order[u.shipment_id])
    missions.sort(key=lambda m: m.aircraft_id)
    placed = sum(pc.kg for i, pc in enumerate(pieces) if i in carried)
    return Plan(
        missions=tuple(missions),
        unplaced=tuple(unplaced),
        start=prep.start,
        flight_hours=round(sum(m.flight_hours for m in missions), 3),
        distance_km=round(sum(m.distance_km for m in missions), 1),
        cost=round(sum(m.cost for m in missions), 2),
        placed_kg=placed,
        runtime_s=round(time.perf_counter() - begun, 3),
        iterations=iterations,
    )
