"""Fair-share mode.

Within each substitution family f and priority p, a *tier* is the set of
request lines of one requesting nation n.  Its fraction met is
(fixed + newly allocated) / total quantity of those lines.  For p = 1, 2, 3, 4:

1. maximise t_{f,p} = the smallest fraction met over the nations of (f, p)
   (max-min; LP relaxation with HiGHS ``scipy.optimize.linprog``, keeping all
   earlier decisions as constraints);
2. fix integer floors: every tier of (f, p) must receive at least
   floor(t_{f,p} · D) - fixed units (D = tier quantity); then the integer
   optimum of the smallest fraction (a value k/D <= t_{f,p}) is found by
   binary search over those candidates with feasibility LPs, and its
   ceil(value · D) - fixed becomes the floor;
3. maximise the quantity met at priority p under these floors (again an LP;
   its optimum is integral because the constraint matrix is a network matrix
   with integer bounds) and keep it as a constraint.

Finally the integer allocation is the lexicographic min-cost flow of
:mod:`.network` with the floors as lower bounds on the tier arcs; the stage
totals are then reached exactly (the floors and totals are LP-feasible
together, hence integer-feasible).  Each optimisation LP's dual bound is
checked against its primal value.  ``FairShare.lp_bound`` is the LP max-min,
``achieved`` the integer one (the best possible for integer quantities).

Only HiGHS through SciPy is used (never ``highspy``).  The LPs are over the
aggregated network, so fair mode is meant for up to ~10^5 lines.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, vstack

from .feasibility import families
from .mcf import SolveError
from .model import PRIORITIES, FairShare, Problem
from .network import TIER, Network, group_rows


def _dual_value(res, b_eq, b_ub, lb, ub) -> float:
    d = float(np.dot(res.eqlin.marginals, b_eq)) if b_eq.size else 0.0
    if b_ub.size:
        d += float(np.dot(res.ineqlin.marginals, b_ub))
    fl = np.isfinite(lb)
    fu = np.isfinite(ub)
    d += float(np.dot(res.lower.marginals[fl], lb[fl])) + float(np.dot(res.upper.marginals[fu], ub[fu]))
    return d


def fair_solve(problem: Problem, net: Network, progress, t0: float, time_limit: float | None, solve_families):
    """`solve_families` is the solver's weighted family solve (passed in: the solver imports this module)."""
    m = net.tail.size
    n = net.n_nodes
    cols = np.arange(m)
    a_eq = csr_matrix(
        coo_matrix(
            (
                np.concatenate([np.ones(m), -np.ones(m)]),
                (np.concatenate([net.tail, net.head]), np.concatenate([cols, cols])),
            ),
            shape=(n, m),
        )
    )
    b_eq = net.supply.astype(float)
    tier_arc = np.full(net.tier_nation.size, -1, np.int64)
    ta = np.flatnonzero(net.kind == TIER)
    tier_arc[net.arc_tier[ta]] = ta
    n_tier = tier_arc.size

    # tier demand D and fixed quantities (all lines of the tier's key)
    rq = problem.requests
    fam = families(problem)
    key_t = np.stack([net.tier_nation, net.tier_family, net.tier_priority], 1)
    key_l = np.stack([rq.nation.astype(np.int64), fam[rq.item], rq.priority.astype(np.int64)], 1)
    inv, first = group_rows([np.concatenate([key_t[:, j], key_l[:, j]]) for j in range(3)])
    tier_of_key = np.full(first.size, -1, np.int64)
    tier_of_key[inv[:n_tier]] = np.arange(n_tier)
    line_tier = tier_of_key[inv[n_tier:]]
    D = np.zeros(n_tier, np.int64)
    sel = line_tier >= 0
    np.add.at(D, line_tier[sel], rq.quantity[sel])
    fx = np.zeros(n_tier, np.int64)
    _fo, fr, fq = problem.fixed
    ft = line_tier[fr] if fr.size else np.zeros(0, np.int64)
    np.add.at(fx, ft[ft >= 0], fq[ft >= 0])

    lb = np.zeros(m)
    ub = net.cap.astype(float)
    totals: list[tuple[np.ndarray, int]] = []  # (tier arcs of priority q, M_q)
    shares: list[tuple[int, int, float]] = []
    gaps: list[float] = []
    opts: dict[str, bool | float] = {"presolve": True}
    if time_limit is not None:
        opts["time_limit"] = max(1.0, time_limit - (time.perf_counter() - t0))

    def total_rows(extra: int) -> tuple[list, list]:
        rows, rhs = [], []
        for arcs_q, mq in totals:
            rows.append(coo_matrix((-np.ones(arcs_q.size), (np.zeros(arcs_q.size), arcs_q)), shape=(1, m + extra)))
            rhs.append(-float(mq))
        return rows, rhs

    for step, p in enumerate(PRIORITIES):
        tp = np.flatnonzero(net.tier_priority == p)
        if tp.size == 0:
            continue
        fams_p, f_of_t = np.unique(net.tier_family[tp], return_inverse=True)
        nf = fams_p.size
        # (1) max-min fraction per family
        a_eq1 = csr_matrix((a_eq.data, a_eq.indices, a_eq.indptr), shape=(n, m + nf))
        rows = [
            coo_matrix(
                (
                    np.concatenate([D[tp].astype(float), -np.ones(tp.size)]),
                    (np.concatenate([np.arange(tp.size)] * 2), np.concatenate([m + f_of_t, tier_arc[tp]])),
                ),
                shape=(tp.size, m + nf),
            )
        ]
        rhs = [fx[tp].astype(float)]
        r2, h2 = total_rows(nf)
        a_ub = vstack(rows + r2).tocsr()
        b_ub = np.concatenate(rhs + [np.array(h2)]) if h2 else rhs[0]
        c = np.zeros(m + nf)
        c[m:] = -1.0
        lb1 = np.concatenate([lb, np.zeros(nf)])
        ub1 = np.concatenate([ub, np.ones(nf)])
        res = linprog(
            c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq1, b_eq=b_eq, bounds=np.stack([lb1, ub1], 1), method="highs", options=opts
        )
        if res.status != 0:
            raise SolveError(f"fair mode LP failed: {res.message}")
        gaps.append(abs(_dual_value(res, b_eq, b_ub, lb1, ub1) - res.fun))
        tf = np.clip(res.x[m:], 0.0, 1.0)
        floor = np.floor(tf[f_of_t] * D[tp] + 1e-6).astype(np.int64) - fx[tp]
        floor = np.clip(floor, 0, net.cap[tier_arc[tp]])
        lb[tier_arc[tp]] = floor
        # integer max-min: the best integer value is some k/D <= t*; binary
        # search the candidates above what the floors give, per family, with
        # feasibility LPs (integral: network matrix, integer bounds)
        r2, h2 = total_rows(0)
        kw = {"A_ub": vstack(r2).tocsr(), "b_ub": np.array(h2)} if r2 else {}
        for k in range(nf):
            sel = tp[f_of_t == k]
            lo_frac = float(np.min((fx[sel] + lb[tier_arc[sel]]) / D[sel]))
            cand = np.unique(
                np.concatenate(
                    [np.arange(int(D[t] * lo_frac), int(np.floor(tf[k] * D[t] + 1e-6)) + 1) / D[t] for t in sel]
                )
            )
            cand = cand[(cand > lo_frac + 1e-12) & (cand <= tf[k] + 1e-9)]
            best = None
            a, b = 0, cand.size - 1
            while a <= b:
                mid = (a + b) // 2
                need = np.ceil(cand[mid] * D[sel] - 1e-9).astype(np.int64) - fx[sel]
                need = np.maximum(need, 0)
                if (need > net.cap[tier_arc[sel]]).any():
                    b = mid - 1
                    continue
                lb_try = lb.copy()
                lb_try[tier_arc[sel]] = need
                chk = linprog(
                    np.zeros(m),
                    A_eq=a_eq,
                    b_eq=b_eq,
                    bounds=np.stack([lb_try, ub], 1),
                    method="highs",
                    options=opts,
                    **kw,
                )
                if chk.status == 0:
                    best, a = need, mid + 1
                else:
                    b = mid - 1
            if best is not None:
                lb[tier_arc[sel]] = best
        for k, f in enumerate(fams_p):
            shares.append((int(f), int(p), float(tf[k])))
        if progress is not None:
            progress("fair", 20.0 + 12.0 * (step + 0.5))
        # (2) max total met at p under the floors
        c2 = np.zeros(m)
        c2[tier_arc[tp]] = -1.0
        r2, h2 = total_rows(0)
        kw = {"A_ub": vstack(r2).tocsr(), "b_ub": np.array(h2)} if r2 else {}
        res2 = linprog(c2, A_eq=a_eq, b_eq=b_eq, bounds=np.stack([lb, ub], 1), method="highs", options=opts, **kw)
        if res2.status != 0:
            raise SolveError(f"fair mode LP failed: {res2.message}")
        gaps.append(abs(_dual_value(res2, b_eq, kw.get("b_ub", np.zeros(0)), lb, ub) - res2.fun))
        totals.append((tier_arc[tp], int(np.floor(-res2.fun + 1e-6))))
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            raise TimeoutError("allocation: time limit reached")

    lower = np.zeros(m, np.int64)
    lower[tier_arc] = np.rint(lb[tier_arc]).astype(np.int64)
    flow, certs = solve_families(net, progress, t0, time_limit, lower=lower)
    # achieved integer smallest fractions
    got = fx + flow[tier_arc]
    out = []
    for f, p, bound in shares:
        t = np.flatnonzero((net.tier_family == f) & (net.tier_priority == p) & (D > 0))
        ach = float(np.min(got[t] / D[t])) if t.size else 1.0
        out.append(FairShare(family=f, priority=p, lp_bound=bound, achieved=ach))
    worst = max(gaps) if gaps else 0.0
    for c in certs:
        c.detail += f"; fair-mode LP stages: max |dual - primal| = {worst:.3g}"
        if worst > 1e-6:
            c.verified = False
    return flow, certs, tuple(out)
