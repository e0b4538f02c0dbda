"""Benchmark of the allocation engine (aidx.optimize.allocation).

    .venv/bin/python bench/allocation.py [--sizes 1000,10000] [--seed 0] [--lp-max 100000]

For each size N: a synthetic problem with N request lines and N offer lines
(30 European sites of 15 nations, 50 items in 10 substitution families,
30-day horizon, priorities 1-4, a releasability mix, a few exclusions and
fixed allocations) is generated in a fresh child process, solved exactly and
disaggregated to line level; beside it a greedy baseline (highest priority
first, nearest feasible offer first) and HiGHS (scipy linprog) on the same
aggregated network when it has at most --lp-max arcs.  Timings are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from aidx.optimize.allocation import Item, Params, Problem, Site, solve
from aidx.optimize.allocation.feasibility import (
    acceptance,
    release_matrix,
    ship_days,
    site_km,
    transit_days,
    unit_weights,
)

CITIES = [  # (site, nation, lat, lon)
    ("OSL", "NOR", 59.91, 10.75),
    ("BGO", "NOR", 60.39, 5.32),
    ("ARN", "SWE", 59.33, 18.07),
    ("GOT", "SWE", 57.71, 11.97),
    ("HEL", "FIN", 60.17, 24.94),
    ("TMP", "FIN", 61.50, 23.76),
    ("CPH", "DNK", 55.68, 12.57),
    ("AAR", "DNK", 56.16, 10.20),
    ("BER", "DEU", 52.52, 13.40),
    ("MUC", "DEU", 48.14, 11.58),
    ("WAW", "POL", 52.23, 21.01),
    ("KRK", "POL", 50.06, 19.94),
    ("PRG", "CZE", 50.08, 14.44),
    ("BRQ", "CZE", 49.20, 16.61),
    ("AMS", "NLD", 52.37, 4.90),
    ("RTM", "NLD", 51.92, 4.48),
    ("PAR", "FRA", 48.86, 2.35),
    ("MRS", "FRA", 43.30, 5.37),
    ("MAD", "ESP", 40.42, -3.70),
    ("BCN", "ESP", 41.39, 2.17),
    ("LIS", "PRT", 38.72, -9.14),
    ("OPO", "PRT", 41.15, -8.61),
    ("ROM", "ITA", 41.90, 12.50),
    ("MIL", "ITA", 45.46, 9.19),
    ("TLL", "EST", 59.44, 24.75),
    ("TAY", "EST", 58.38, 26.72),
    ("KBP", "UKR", 50.45, 30.52),
    ("LWO", "UKR", 49.84, 24.03),
    ("BUH", "ROU", 44.43, 26.10),
    ("CLJ", "ROU", 46.77, 23.59),
]
DAY0 = 20000  # a day number (2024-10-04)


def generate(n_req: int, n_off: int, seed: int = 0) -> Problem:
    rng = np.random.default_rng(seed)
    sites = [Site(c[0], c[2], c[3]) for c in CITIES]
    nations = sorted({c[1] for c in CITIES})
    nat_of_site = np.array([nations.index(c[1]) for c in CITIES])
    n_nat = len(nations)
    n_items, fam_size = 50, 5
    weights = np.round(np.exp(rng.uniform(np.log(0.5), np.log(500.0), n_items)), 1)
    items = [Item(f"item{k:02d}", float(weights[k])) for k in range(n_items)]
    subs = []
    for f in range(n_items // fam_size):
        for k in range(fam_size - 1):
            a = f * fam_size + k
            subs.append((a + 1, a, int(rng.integers(100, 5000))))  # bigger variant serves smaller
            if k % 2 == 0:
                subs.append((a, a + 1, int(rng.integers(1000, 20000))))
    # release classes: 0 = all, 1 = NATO-ish, 2 = EU-ish, 3 = Nordic+Baltic
    classes = [
        None,
        frozenset({"NOR", "DNK", "DEU", "POL", "CZE", "NLD", "FRA", "ESP", "PRT", "ITA", "EST", "ROU", "FIN", "SWE"}),
        frozenset({"SWE", "FIN", "DNK", "DEU", "POL", "CZE", "NLD", "FRA", "ESP", "PRT", "ITA", "EST", "ROU", "UKR"}),
        frozenset({"NOR", "SWE", "FIN", "DNK", "EST", "UKR"}),
    ]
    # a nation's policy per family (sensitive families restricted)
    policy = rng.choice(4, size=(n_nat, n_items // fam_size), p=[0.6, 0.15, 0.15, 0.1])
    # demand concentrated on a few nations (the crisis), supply from all
    req_w = rng.dirichlet(np.full(n_nat, 0.7))
    r_nat = rng.choice(n_nat, size=n_req, p=req_w)
    r_site = np.array([np.flatnonzero(nat_of_site == k) for k in range(n_nat)])[r_nat, rng.integers(0, 2, n_req)]
    r_item = rng.integers(0, n_items, n_req)
    requests = {
        "ids": np.arange(n_req, dtype=np.int64),
        "nation": r_nat,
        "item": r_item,
        "quantity": rng.integers(1, 101, n_req),
        "priority": rng.choice([1, 2, 3, 4], size=n_req, p=[0.15, 0.25, 0.3, 0.3]),
        "needed_by": DAY0 + rng.integers(2, 31, n_req),
        "site": r_site,
    }
    o_nat = rng.integers(0, n_nat, n_off)
    o_site = np.array([np.flatnonzero(nat_of_site == k) for k in range(n_nat)])[o_nat, rng.integers(0, 2, n_off)]
    o_item = rng.integers(0, n_items, n_off)
    a_from = DAY0 + rng.integers(0, 25, n_off)
    offers = {
        "ids": np.arange(n_off, dtype=np.int64) + 10**9,
        "nation": o_nat,
        "item": o_item,
        "quantity": rng.integers(1, 81, n_off),
        "available_from": a_from,
        "available_until": a_from + rng.integers(0, 30, n_off),
        "site": o_site,
        "release_class": policy[o_nat, o_item // fam_size],
    }
    n_ex = min(200, max(1, n_req // 1000))
    excluded = (rng.integers(0, n_off, n_ex), rng.integers(0, n_req, n_ex))
    n_fx = min(100, max(1, n_req // 1000))
    fo = rng.choice(n_off, n_fx, replace=False)
    fr = rng.choice(n_req, n_fx, replace=False)
    fq = np.minimum(requests["quantity"][fr], offers["quantity"][fo]) // 2
    return Problem.from_arrays(
        sites=sites,
        items=items,
        nations=nations,
        release_classes=classes,
        substitutions=subs,
        requests=requests,
        offers=offers,
        excluded=excluded,
        fixed=(fo, fr, fq),
        params=Params(base_days=1, km_per_day=2000.0),
    )


def greedy(problem: Problem) -> tuple[tuple[int, ...], int]:
    """Baseline: request groups by priority then needed-by day; each takes from
    the nearest feasible offer groups first.  Group level (lines in a group
    are interchangeable), Python loop over request groups."""
    from aidx.optimize.allocation.network import build_network

    net = build_network(problem)
    of, rq = problem.offers, problem.requests
    km = site_km(problem)
    tr = transit_days(km, problem.params.base_days, problem.params.km_per_day)
    acc, rel, w = acceptance(problem), release_matrix(problem), unit_weights(problem)
    ship = ship_days(problem)
    rep_o = net.og_lines[np.unique(net.og_line_group, return_index=True)[1]]
    rep_r = net.rg_lines[np.unique(net.rg_line_group, return_index=True)[1]]
    oi, osite, oship, onat, ocls = (
        of.item[rep_o],
        of.site[rep_o],
        ship[rep_o],
        of.nation[rep_o],
        of.release_class[rep_o],
    )
    left = net.og_qty.copy()
    by_item = [np.flatnonzero(oi == i) for i in range(len(problem.items))]
    met = [0, 0, 0, 0]
    cost = 0
    order = np.lexsort((rq.needed_by[rep_r], net.rg_priority))
    # exclusions are ignored at group level except solo groups are skipped entirely
    for g in order:
        if net.rg_qty[g] == 0:
            continue
        r = rep_r[g]
        j, s, d, n = rq.item[r], rq.site[r], rq.needed_by[r], rq.nation[r]
        cand = np.concatenate([by_item[i] for i in np.flatnonzero(acc[:, j] >= 0)])
        if cand.size == 0:
            continue
        ok = (left[cand] > 0) & (onat[cand] != n) & rel[ocls[cand], n] & (oship[cand] + tr[osite[cand], s] <= d)
        cand = cand[ok]
        if cand.size == 0:
            continue
        cand = cand[np.argsort(km[osite[cand], s], kind="stable")]
        need = int(net.rg_qty[g])
        take = np.minimum(left[cand], np.maximum(need - (np.cumsum(left[cand]) - left[cand]), 0))
        left[cand] -= take
        got = int(take.sum())
        met[net.rg_priority[g] - 1] += got
        cost += int((take * (np.rint(w[oi[cand]] * km[osite[cand], s]).astype(np.int64) + acc[oi[cand], j])).sum())
    return tuple(m + f for m, f in zip(met, fixed_met(problem), strict=True)), cost


def fixed_met(problem: Problem) -> tuple[int, ...]:
    """Quantity of the fixed allocations per priority (the networks carry only what is left)."""
    _fo, fr, fq = problem.fixed
    return tuple(int(fq[problem.requests.priority[fr] == p].sum()) for p in (1, 2, 3, 4))


def lp_highs(problem: Problem) -> tuple[float, tuple[int, ...] | None, int]:
    """HiGHS (scipy linprog) on the same aggregated network and weights: seconds, the quantity met per priority
    (fixed allocations included; None without an optimum) and HiGHS' status."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    from aidx.optimize.allocation.network import MET, build_network

    net = build_network(problem)
    m = net.tail.size
    t0 = time.perf_counter()
    wtd = net.kind == net.weighted_kind
    cmax = int(np.abs(net.cost).max())
    G = net.n_nodes * cmax + 1
    c = net.cost.astype(float)
    c[wtd] -= (5 - net.arc_prio[wtd]) * float(G)
    a = coo_matrix(
        (
            np.concatenate([np.ones(m), -np.ones(m)]),
            (np.concatenate([net.tail, net.head]), np.concatenate([np.arange(m)] * 2)),
        ),
        shape=(net.n_nodes, m),
    ).tocsr()
    res = linprog(
        c,
        A_eq=a,
        b_eq=net.supply.astype(float),
        bounds=np.stack([np.zeros(m), net.cap], 1),
        method="highs",
        options={"time_limit": 600.0},
    )
    seconds = time.perf_counter() - t0
    if res.status != 0 or res.x is None:  # e.g. HiGHS gives up on the wide range of the weighted costs
        return seconds, None, res.status
    met_arc = net.kind == MET
    met = [int(np.rint(res.x[met_arc & (net.arc_prio == p)].sum())) for p in (1, 2, 3, 4)]
    return seconds, tuple(m + f for m, f in zip(met, fixed_met(problem), strict=True)), 0


def rss_mb() -> float:
    """Peak RSS of this process and of its finished worker processes (MB)."""
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ) / 1024.0


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and all its descendants (MB): the
    memory they really use, with pages shared after fork counted once."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(x) for x in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024.0


class PeakPss:
    """Samples tree_pss_mb of this process every few milliseconds while active."""

    def __init__(self, interval: float = 0.01) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_pss_mb(os.getpid()))
            self._stop.wait(interval)

    def __enter__(self) -> PeakPss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_pss_mb(os.getpid()))


def cpu_s() -> float:
    """User + system CPU seconds of this process and its finished children."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def run_one(n: int, seed: int, lp_max: int, ortools_max: int, do_greedy: bool, q) -> None:
    t0 = time.perf_counter()
    p = generate(n, n, seed)
    gen_s = time.perf_counter() - t0
    workers = int(os.environ.get("ALLOC_WORKERS", "2"))
    with PeakPss() as pss:  # a first solve for its memory (the sampler would slow the timed one by 20-30%)
        first = solve(p, workers=workers)
    first_answer = (first.met_by_priority, first.kg_km)
    del first
    cpu0 = cpu_s()
    res = solve(p, workers=workers)  # the timed solve, without the sampler
    cpu = cpu_s() - cpu0
    assert (res.met_by_priority, res.kg_km) == first_answer
    st = res.stats
    rss_solve = rss_mb()
    row = {
        "n": n,
        "cpu": cpu,
        "gen": gen_s,
        "build": st["build_s"],
        "solve": st["solve_s"],
        "out": st["disaggregate_s"],
        "total": st["total_s"],
        "rss": rss_solve,
        "pss": pss.peak,
        "met": res.met_by_priority,
        "dem": res.demand_by_priority,
        "tkm": res.ton_km,
        "pen": res.penalty,
        "status": res.status,
        "nodes": st["nodes"],
        "arcs": st["arcs"],
        "rows": int(res.alloc_qty.size),
    }
    if n <= ortools_max:
        t1 = time.perf_counter()
        ref = solve(p, workers=workers, solver="ortools")
        same = ref.met_by_priority == res.met_by_priority and ref.kg_km + ref.penalty == res.kg_km + res.penalty
        row.update(ortools_s=time.perf_counter() - t1, ortools_same=same)
    if do_greedy:
        t1 = time.perf_counter()
        gm, gc = greedy(p)
        row.update(greedy_s=time.perf_counter() - t1, greedy_met=gm, greedy_tkm=gc / 1000.0)
    if st["arcs"] <= lp_max:
        lp_s, lp_met, lp_status = lp_highs(p)
        row.update(lp_s=lp_s, lp_met=lp_met, lp_status=lp_status)
    q.put(row)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lp-max", type=int, default=100_000, help="max arcs for the HiGHS LP comparison")
    ap.add_argument(
        "--ortools-max",
        type=int,
        default=100_000,
        help="largest N also solved with the OR-Tools two-phase solver, for comparison",
    )
    ap.add_argument("--no-greedy", action="store_true")
    a = ap.parse_args(argv)
    sizes = [int(float(s)) for s in a.sizes.split(",") if s]
    ctx = mp.get_context("fork")

    def weighted_unmet(met, dem):
        return sum((5 - p) * (d - m) for p, (m, d) in enumerate(zip(met, dem, strict=False), start=1))

    print(
        f"{'N':>9} {'gen s':>6} {'build':>6} {'solve':>6} {'lines':>6} {'total':>6} {'CPU s':>6} {'PSS MB':>7} "
        f"{'RSS MB':>7} "
        f"{'nodes':>8} {'arcs':>9} {'status':>8} {'met p1/p2/p3/p4 (of demand)':>44} {'ton-km':>12} "
        f"{'greedy s':>8} {'gr. wunmet x':>12} {'gr. ton-km':>12} {'OR-Tools s':>10} {'LP s':>7}"
    )
    for n in sizes:
        q = ctx.Queue()
        pr = ctx.Process(target=run_one, args=(n, a.seed, a.lp_max, a.ortools_max, not a.no_greedy, q))
        pr.start()
        row = q.get()
        pr.join()
        met = "/".join(str(m) for m in row["met"])
        dem = "/".join(str(d) for d in row["dem"])
        g_s = f"{row['greedy_s']:.2f}" if "greedy_s" in row else "-"
        if "greedy_met" in row:
            wu = weighted_unmet(row["met"], row["dem"])
            gx = f"{weighted_unmet(row['greedy_met'], row['dem']) / max(wu, 1):.2f}"
            gt = f"{row['greedy_tkm']:.0f}"
        else:
            gx = gt = "-"
        lp = f"{row['lp_s']:.2f}" if "lp_s" in row else "skip"
        if "lp_s" in row and row["lp_met"] is None:
            lp += f" st{row['lp_status']}"
        elif "lp_s" in row and row["lp_met"] != row["met"]:
            lp += " DIFF"
        ort = "skip"
        if "ortools_s" in row:
            ort = f"{row['ortools_s']:.2f}" + ("" if row["ortools_same"] else " DIFF")
        print(
            f"{row['n']:>9} {row['gen']:>6.2f} {row['build']:>6.2f} {row['solve']:>6.2f} {row['out']:>6.2f} "
            f"{row['total']:>6.2f} {row['cpu']:>6.2f} {row['pss']:>7.0f} {row['rss']:>7.0f} {row['nodes']:>8} "
            f"{row['arcs']:>9} "
            f"{row['status']:>8} "
            f"{met + ' (' + dem + ')':>44} {row['tkm']:>12.0f} {g_s:>8} {gx:>12} {gt:>12} {ort:>10} {lp:>7}",
            flush=True,
        )
    print(
        "total = wall-clock seconds of solve(), line-level output included; build / solve (incl. certificate\n"
        "checks) / lines = seconds summed over the substitution families, which run in parallel workers;\n"
        "CPU s = user+sys of the solve incl. workers; PSS MB = peak proportional set size of the solving process\n"
        "and its workers together (pages shared after fork counted once), sampled every 10 ms during a first,\n"
        "identical solve (sampling slows a solve by 20-30%, so the timed one runs without it); RSS MB = peak\n"
        "RSS of the benchmark process + the largest worker (shared pages counted twice; incl. generation).\n"
        "gr. wunmet x = greedy's priority-weighted unmet demand (weights 4,3,2,1) / the optimum's;\n"
        "OR-Tools s = the same problem with solver='ortools' (max flows + cost scaling; DIFF if\n"
        "its met quantities or kg·km + penalty differ -- equally cheap plans may split the two differently);\n"
        "LP s = HiGHS (scipy linprog) on the whole aggregated network with the same weights, 10 min limit\n"
        "(stN: HiGHS status N, no optimum; DIFF if its met quantities per priority differ from the optimiser's)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
