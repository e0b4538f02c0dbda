"""Benchmark of the airlift planner and of PyVRP on shared VRPLIB instances.

    .venv/bin/python bench/airlift.py                 # 10 s and 60 s, everything
    .venv/bin/python bench/airlift.py --quick         # 2 s, 100 shipments (CI)
    .venv/bin/python bench/airlift.py --time-limits 10 --instances RC208 --synthetic 300

VRPLIB instances are read from ``$AIDX_VRP_DIR`` (default ``../shared/data/vrp``
relative to the repository root). The gap is measured against the cost of the
``.sol`` best-known solution evaluated under the same rounding convention as
the instance (the convention the published cost uses). For each instance one
run of the longest time limit is made and the best cost is recorded when each
shorter limit is reached. Synthetic airlift instances (5 aircraft types, 10
home bases) are planned once per time limit. Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aidx.optimize.airlift import (  # noqa: E402
    Aircraft,
    Airfield,
    Problem,
    Shipment,
    plan,
    violations,
)

# instance -> PyVRP rounding under which the .sol cost is comparable
INSTANCES = {
    "X-n101-k25": "round",  # CVRP: CVRPLIB rounds distances to integers
    "RC208": "dimacs",  # VRPTW: Solomon/DIMACS, one decimal, truncated (×10)
    "PR11A": "exact",  # MDVRPTW: exact distances (×1000)
    "X115-HVRP": "exact",  # HFVRP: exact distances (×1000)
}


def vrp_dir() -> Path:
    return Path(os.environ.get("AIDX_VRP_DIR", REPO.parent / "shared" / "data" / "vrp"))


class _Checkpoints:
    """Stopping criterion recording the best cost at each time limit."""

    def __init__(self, limits: list[float], clock=time.perf_counter):
        self.limits = sorted(limits)
        self.best: dict[float, int | None] = {}
        self.clock = clock
        self.begun = clock()
        self.wall_begun = time.perf_counter()
        self.wall: dict[float, float] = {}  # wall seconds when each limit was reached
        self.last: int | None = None

    def __call__(self, best_cost: int) -> bool:
        elapsed = self.clock() - self.begun
        for limit in self.limits:
            if limit not in self.best and elapsed >= limit:
                self.best[limit] = best_cost
                self.wall[limit] = time.perf_counter() - self.wall_begun
        self.last = best_cost
        return elapsed >= self.limits[-1]


def bench_vrplib(names: list[str], limits: list[float], seeds: list[int], clock=time.perf_counter) -> list[list[str]]:
    from pyvrp import read, solve
    from pyvrp.read import read_solution

    rows = []
    for name in names:
        where = vrp_dir() / f"{name}.vrp"
        if not where.exists():
            rows.append([name, "-", "-", "missing", "", "", "", ""])
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = read(where, round_func=INSTANCES.get(name, "round"))
        bks_solution = read_solution(where.with_suffix(".sol"), data)
        bks = bks_solution.distance_cost() + bks_solution.fixed_vehicle_cost()
        for seed in seeds:
            stop = _Checkpoints(limits, clock)
            solve(data, stop=stop, seed=seed, collect_stats=False, display=False)
            stop.best.setdefault(stop.limits[-1], stop.last)
            for limit in stop.limits:
                cost = stop.best[limit]
                if cost is not None and cost < 2**62:
                    shown, gap = str(cost), 100.0 * (cost - bks) / bks
                else:
                    shown, gap = "infeasible", float("nan")
                rows.append(
                    [
                        name,
                        str(seed),
                        f"{limit:g}",
                        shown,
                        str(bks),
                        f"{gap:.2f}",
                        str(data.num_clients),
                        f"{stop.wall.get(limit, float('nan')):.1f}",
                    ]
                )
            print(f"  done {name} seed {seed}", file=sys.stderr, flush=True)
    return rows


AIRCRAFT_TYPES = [
    # type, payload kg, volume m3, cruise km/h, range km, cost per hour, fixed
    ("C-17", 77_000, 590.0, 830.0, 4_400.0, 25_000.0, 40_000.0),
    ("A400M", 37_000, 340.0, 780.0, 4_500.0, 18_000.0, 20_000.0),
    ("KC-390", 26_000, 170.0, 850.0, 2_800.0, 12_000.0, 12_000.0),
    ("C-130J", 19_000, 128.0, 640.0, 3_300.0, 9_000.0, 8_000.0),
    ("C-295", 9_000, 50.0, 480.0, 1_300.0, 4_000.0, 3_000.0),
]


def synthetic(n_shipments: int, seed: int = 0) -> Problem:
    """A European crisis: 10 home bases, 40 other airfields, 5 types."""
    rng = np.random.default_rng(seed)
    start = datetime(2025, 3, 1, tzinfo=UTC)
    airfields = [Airfield(f"B{i:02d}", float(rng.uniform(38, 58)), float(rng.uniform(-8, 30))) for i in range(10)] + [
        Airfield(f"F{i:02d}", float(rng.uniform(36, 62)), float(rng.uniform(-10, 35))) for i in range(40)
    ]
    n_aircraft = int(np.clip(n_shipments // 12, 10, 80))
    aircraft = []
    for i in range(n_aircraft):
        t, kg, m3, speed, rng_km, cph, fixed = AIRCRAFT_TYPES[i % 5]
        aircraft.append(
            Aircraft(
                f"{t}-{i:03d}",
                t,
                f"B{i % 10:02d}",
                kg,
                m3,
                speed,
                rng_km,
                available_from=start,
                available_until=start + timedelta(days=7),
                fixed_cost=fixed,
                cost_per_hour=cph,
                max_mission_hours=7 * 24,
            )
        )
    shipments = []
    codes = [a.code for a in airfields]
    for i in range(n_shipments):
        p, d = rng.choice(len(codes), 2, replace=False)
        kg = int(min(150_000, rng.lognormal(np.log(6_000), 1.0)))
        m3 = round(kg / rng.uniform(120, 400), 1)
        early = start + timedelta(hours=int(rng.integers(0, 72)))
        shipments.append(
            Shipment(
                f"S{i:04d}",
                codes[p],
                codes[d],
                kg,
                m3,
                earliest_pickup=early,
                latest_delivery=early + timedelta(hours=int(rng.integers(24, 96))),
                divisible=bool(rng.random() < 0.9),
            )
        )
    return Problem(tuple(airfields), tuple(aircraft), tuple(shipments), start=start)


def bench_synthetic(sizes: list[int], limits: list[float], seeds: list[int]) -> list[list[str]]:
    rows = []
    for n in sizes:
        problem = synthetic(n, seed=0)  # the instance is fixed; the seed drives the search
        total_kg = sum(s.kg for s in problem.shipments)
        for seed in seeds:
            for limit in limits:
                begun = time.perf_counter()
                result = plan(problem, time_limit=limit, seed=seed)
                seconds = time.perf_counter() - begun
                broken = violations(problem, result)
                rows.append(
                    [
                        f"airlift-{n}",
                        str(seed),
                        f"{limit:g}",
                        f"{result.cost:,.0f}".replace(",", " "),
                        f"{result.flight_hours:.1f}",
                        f"{result.aircraft_used}/{len(problem.aircraft)}",
                        f"{100 * result.placed_kg / total_kg:.1f}",
                        str(len({u.shipment_id for u in result.unplaced})),
                        str(result.iterations),
                        f"{seconds:.1f}",
                        "ok" if not broken else str(len(broken)),
                    ]
                )
                print(f"  done airlift-{n} seed {seed} @ {limit:g}s", file=sys.stderr, flush=True)
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([line, rule, *body])


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limits", type=_floats, default=[10.0, 60.0])
    ap.add_argument("--instances", type=lambda s: [x for x in s.split(",") if x], default=list(INSTANCES))
    ap.add_argument("--synthetic", type=_ints, default=[100, 300, 1000])
    ap.add_argument("--seeds", type=_ints, default=[0], help="solver seeds, e.g. 0,1,2")
    ap.add_argument("--quick", action="store_true", help="2 s, 100 shipments (CI)")
    ap.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="VRPLIB time limits in wall-clock or process CPU seconds (cpu: fair on a shared, busy machine)",
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.time_limits, args.synthetic = [2.0], [100]

    print(
        f"# airlift benchmark, seeds {args.seeds}, time limits {args.time_limits} s "
        f"({args.clock} clock for VRPLIB), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n"
    )
    if args.instances:
        clock = time.process_time if args.clock == "cpu" else time.perf_counter
        rows = bench_vrplib(args.instances, args.time_limits, args.seeds, clock)
        print("## VRPLIB (gap to best-known solution)\n")
        print(table(["instance", "seed", "limit s", "cost", "best known", "gap %", "clients", "wall s"], rows))
        print()
    if args.synthetic:
        rows = bench_synthetic(args.synthetic, args.time_limits, args.seeds)
        print("## synthetic airlift (5 aircraft types, 10 home bases)\n")
        print(
            table(
                [
                    "instance",
                    "seed",
                    "limit s",
                    "cost",
                    "flight h",
                    "aircraft used",
                    "kg placed %",
                    "unplaced",
                    "iterations",
                    "seconds",
                    "check",
                ],
                rows,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
