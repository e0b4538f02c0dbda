"""Exact line-level reference solver (small problems; the tests' oracle).

One variable per feasible (offer line, request line) pair, no aggregation and
no weights: the lexicographic objective is solved stage by stage with HiGHS
``scipy.optimize.milp`` (maximise met quantity of priority 1; keep that total
as a constraint and maximise priority 2; ...; finally minimise kg·km plus
substitution penalty).  Quadratic in the number of lines: use it for a few
hundred lines, not for production.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, vstack

from .feasibility import feasible_pairs, pair_costs, remaining
from .model import PRIORITIES, Problem

# HiGHS's presolve (scipy 1.17.1) called a lexicographic step infeasible that is not: priority 1 met 12, and with
# "priority 1 meets at least 12" added the priority 2 model came back infeasible (the test's seed 2253). The oracle
# is small; it solves without presolve, which finds 12, 19, 25, 22 and the cost.
_OPTIONS = {"presolve": False}


def solve_lines(problem: Problem) -> dict:
    """Return dict(pairs=(o, r, qty) arrays of NEW allocations (fixed excluded),
    met=(p1..p4) incl. fixed, cost_kgkm, penalty) for the optimal solution."""
    o_left, r_left = remaining(problem)
    o, r = feasible_pairs(problem)
    rq = problem.requests
    fo, fr, fq = problem.fixed
    fixed_met = np.array([int(fq[rq.priority[fr] == p].sum()) for p in PRIORITIES], dtype=np.int64)
    fk, fp = pair_costs(problem, fo, fr)
    fixed_kgkm = int((fk * fq).sum())
    fixed_pen = int((fp * fq).sum())
    n = o.size
    if n == 0:
        return {
            "pairs": (o, r, np.zeros(0, np.int64)),
            "met": tuple(int(x) for x in fixed_met),
            "cost_kgkm": fixed_kgkm,
            "penalty": fixed_pen,
        }
    kgkm, pen = pair_costs(problem, o, r)
    cols = np.arange(n)
    a_off = coo_matrix((np.ones(n), (o, cols)), shape=(len(problem.offers), n))
    a_req = coo_matrix((np.ones(n), (r, cols)), shape=(len(rq), n))
    base = [LinearConstraint(vstack([a_off, a_req]).tocsr(), -np.inf, np.concatenate([o_left, r_left]).astype(float))]
    prio = rq.priority[r]
    met = []
    integrality = np.ones(n)
    bounds = Bounds(0, np.inf)
    for p in PRIORITIES:
        c = -(prio == p).astype(float)
        if not c.any():
            met.append(0)
            continue
        res = milp(c, constraints=base, integrality=integrality, bounds=bounds, options=_OPTIONS)
        if res.status != 0:
            raise RuntimeError(f"reference milp failed: {res.message}")
        best = round(-res.fun)
        met.append(best)
        base.append(LinearConstraint((prio == p).astype(float)[None, :], best - 0.5, np.inf))
    res = milp((kgkm + pen).astype(float), constraints=base, integrality=integrality, bounds=bounds, options=_OPTIONS)
    if res.status != 0:
        raise RuntimeError(f"reference milp failed: {res.message}")
    x = np.rint(res.x).astype(np.int64)
    keep = x > 0
    return {
        "pairs": (o[keep], r[keep], x[keep]),
        "met": tuple(int(m + f) for m, f in zip(met, fixed_met, strict=False)),
        "cost_kgkm": int((kgkm * x).sum()) + fixed_kgkm,
        "penalty": int((pen * x).sum()) + fixed_pen,
    }
