"""Exact min-cost flow with an independently checked certificate.

Two exact solvers: LEMON's primal network simplex (through ``pylmcf``, the
default: it returns the optimal basis' node potentials, i.e. the dual
solution, directly) and OR-Tools' cost-scaling push-relabel (kept as the
fallback for cost ranges too wide for the simplex' 64-bit potentials and as an
independent cross-check in the tests).

The certificate is a vector of node potentials pi with reduced costs
rc(a) = cost(a) + pi(tail) - pi(head) >= 0 on every arc with residual
capacity and <= 0 on every arc carrying flow (complementary slackness), which
proves the flow optimal for the LP (and the integer problem).  The potentials
are shortest-path distances in the residual graph, computed by a vectorised
Bellman-Ford (a negative cycle -- i.e. a non-optimal flow -- makes it fail).
The LP dual value  -sum_v b_v pi_v - sum_a u_a max(0, -rc_a)  is computed
exactly (Python integers) and must equal the primal cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .network import segment_sum

_STATUS = {
    min_cost_flow.SimpleMinCostFlow.OPTIMAL: "optimal",
    min_cost_flow.SimpleMinCostFlow.INFEASIBLE: "infeasible",
    min_cost_flow.SimpleMinCostFlow.UNBALANCED: "unbalanced",
    min_cost_flow.SimpleMinCostFlow.BAD_RESULT: "bad_result",
    min_cost_flow.SimpleMinCostFlow.BAD_COST_RANGE: "bad_cost_range",
    min_cost_flow.SimpleMinCostFlow.BAD_CAPACITY_RANGE: "bad_capacity_range",
    min_cost_flow.SimpleMinCostFlow.NOT_SOLVED: "not_solved",
}


class SolveError(RuntimeError):
    pass


@dataclass
class FlowSolution:
    flow: np.ndarray
    cost: int  # sum cost*flow (Python int, exact)
    potentials: np.ndarray | None
    verified: bool
    dual: int
    detail: str


def min_cost_flow_solve(
    n: int, tail: np.ndarray, head: np.ndarray, cap: np.ndarray, cost: np.ndarray, supply: np.ndarray
) -> np.ndarray:
    """Optimal integer flow of one balanced network; raises SolveError otherwise."""
    m = tail.size
    if m == 0:
        if supply.any():
            raise SolveError("unbalanced network")
        return np.zeros(0, np.int64)
    big = int(np.abs(cost).max()) if m else 0
    if big * (n + 1) >= 2**62:
        raise SolveError("cost range too large for exact min-cost flow")
    s = min_cost_flow.SimpleMinCostFlow()
    s.add_arcs_with_capacity_and_unit_cost(
        tail.astype(np.int32), head.astype(np.int32), cap.astype(np.int64), cost.astype(np.int64)
    )
    s.set_nodes_supplies(np.arange(n, dtype=np.int32), supply.astype(np.int64))
    st = s.solve()
    if st != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise SolveError(f"min-cost flow status {_STATUS.get(st, st)}")
    return np.asarray(s.flows(np.arange(m, dtype=np.int32)), dtype=np.int64)


# |potential| <= nodes x largest |cost| on a spanning-tree path; keep the sums of
# check_potentials (cost + pi[tail] - pi[head]) inside int64 with room to spare.
_SIMPLEX_LIMIT = 2**61


def simplex_fits(n: int, cost: np.ndarray) -> bool:
    """Whether ``network_simplex`` can solve a network of ``n`` nodes with these costs exactly in 64 bits."""
    big = int(np.abs(cost).max()) if cost.size else 0
    return (big + 1) * (n + 2) < _SIMPLEX_LIMIT


def network_simplex(
    n: int, tail: np.ndarray, head: np.ndarray, cap: np.ndarray, cost: np.ndarray, supply: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal integer flow and optimal node potentials of one balanced network
    (LEMON network simplex, block-search pivoting); raises SolveError otherwise.

    LEMON (as bound by pylmcf) takes non-negative costs only, so an arc of
    negative cost c is handed over reversed -- (head, tail, cap, -c), with
    ``cap`` units pre-sent along it (tail loses, head gains ``cap`` supply) --
    and its flow mapped back as cap - x'.  The potentials are the same for
    both networks (the reduced cost of a reversed arc is the negation of the
    original's), so complementary slackness carries over unchanged."""
    import pylmcf

    m = tail.size
    if m == 0:
        if supply.any():
            raise SolveError("unbalanced network")
        return np.zeros(0, np.int64), np.zeros(n, np.int64)
    if not simplex_fits(n, cost):
        raise SolveError("cost range too large for the 64-bit network simplex")
    neg = cost < 0
    t = np.where(neg, head, tail).astype(np.int64)
    h = np.where(neg, tail, head).astype(np.int64)
    sup = supply.astype(np.int64).copy()
    if neg.any():
        sup -= np.bincount(tail[neg], weights=cap[neg], minlength=n).astype(np.int64)
        sup += np.bincount(head[neg], weights=cap[neg], minlength=n).astype(np.int64)
    order = np.argsort(t * n + h, kind="stable")  # pylmcf wants arcs sorted by (tail, head); runs sort fast
    g = pylmcf.Graph(n, t[order], h[order])
    g.set_pivot_rule("block_search")
    g.set_node_supply(sup)
    g.set_edge_costs(np.abs(cost)[order].astype(np.int64))
    g.set_edge_capacities(cap[order].astype(np.int64))
    try:
        g.solve()
    except (RuntimeError, ValueError) as exc:
        raise SolveError(f"network simplex: {exc}") from exc
    x = np.empty(m, dtype=np.int64)
    x[order] = g.result()
    x = np.where(neg, cap - x, x)
    pi = np.asarray(g.potentials(), dtype=np.int64)
    return x, pi


def residual_potentials(
    n: int,
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    cost: np.ndarray,
    flow: np.ndarray,
    max_rounds: int | None = None,
) -> np.ndarray | None:
    """Shortest distances from a virtual root (0-arcs to all nodes) in the
    residual graph (Bellman-Ford, one vectorised relaxation of all arcs per
    round); None if a negative cycle exists (flow not optimal)."""
    fwd = flow < cap
    bwd = flow > 0
    u = np.concatenate([tail[fwd], head[bwd]])
    v = np.concatenate([head[fwd], tail[bwd]])
    c = np.concatenate([cost[fwd], -cost[bwd]])
    d = np.zeros(n, dtype=np.int64)
    if v.size == 0:
        return d
    # only arcs of negative reduced cost can ever lower a distance from 0
    order = np.argsort(v, kind="stable")
    u, v, c = u[order], v[order], c[order]
    hs, st = np.unique(v, return_index=True)
    rounds = max_rounds if max_rounds is not None else n + 1
    for _ in range(rounds):
        best = np.minimum.reduceat(d[u] + c, st)
        better = best < d[hs]
        if not better.any():
            return d
        d[hs[better]] = best[better]
    return None


def certify(
    n: int, tail: np.ndarray, head: np.ndarray, cap: np.ndarray, cost: np.ndarray, supply: np.ndarray, flow: np.ndarray
) -> FlowSolution:
    """Check feasibility and optimality of ``flow`` with potentials found independently (Bellman-Ford on the
    residual graph), for a solver that returns none."""
    problem = _infeasibility(tail, head, cap, supply, flow)
    pi = None if problem else residual_potentials(n, tail, head, cap, cost, flow)
    if pi is None:
        return FlowSolution(flow, _primal(cost, flow), None, False, 0, problem or "negative residual cycle")
    return check_potentials(tail, head, cap, cost, supply, flow, pi)


def max_flow_with_cut(
    n: int, tail: np.ndarray, head: np.ndarray, cap: np.ndarray, source: int, sink: int
) -> tuple[int, np.ndarray, bool]:
    """Maximum flow value, arc flows and whether the min cut returned by
    OR-Tools checks out (its capacity equals the flow value)."""
    from ortools.graph.python import max_flow

    mf = max_flow.SimpleMaxFlow()
    if tail.size:
        mf.add_arcs_with_capacity(tail.astype(np.int32), head.astype(np.int32), cap.astype(np.int64))
    st = mf.solve(source, sink)
    if st != max_flow.SimpleMaxFlow.OPTIMAL:
        raise SolveError(f"max flow status {st}")
    value = int(mf.optimal_flow())
    flow = (
        np.asarray(mf.flows(np.arange(tail.size, dtype=np.int32)), dtype=np.int64)
        if tail.size
        else np.zeros(0, np.int64)
    )
    side = np.zeros(n, dtype=bool)
    side[np.asarray(mf.get_source_side_min_cut(), dtype=np.int64)] = True
    side[source] = True  # OR-Tools returns [] when the source has no arcs
    cut = int(cap[side[tail] & ~side[head]].sum()) if tail.size else 0
    return value, flow, bool(side[source] and not side[sink] and cut == value)


def _primal(cost: np.ndarray, flow: np.ndarray) -> int:
    """Exact cost of a flow, in Python integers where the flow is not zero (a tenth of the arcs or fewer)."""
    used = flow != 0
    return int(np.dot(cost[used].astype(object), flow[used].astype(object))) if used.any() else 0


def _infeasibility(tail: np.ndarray, head: np.ndarray, cap: np.ndarray, supply: np.ndarray, flow: np.ndarray) -> str:
    """What makes ``flow`` infeasible (capacities, then conservation), or "" if nothing does."""
    if (flow < 0).any() or (flow > cap).any():
        return "capacity violated"
    n = supply.size
    if not np.array_equal(segment_sum(tail, flow, n) - segment_sum(head, flow, n), supply):
        return "flow conservation violated"
    return ""


def check_potentials(
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    cost: np.ndarray,
    supply: np.ndarray,
    flow: np.ndarray,
    pi: np.ndarray,
) -> FlowSolution:
    """Verify feasibility and complementary slackness of (flow, pi) on all arcs, and dual value == primal cost
    (exactly)."""
    primal = _primal(cost, flow)
    problem = _infeasibility(tail, head, cap, supply, flow)
    if problem:
        return FlowSolution(flow, primal, pi, False, 0, problem)
    if pi.size and (int(np.abs(pi).max()) >= _SIMPLEX_LIMIT or int(np.abs(cost).max()) >= _SIMPLEX_LIMIT):
        rc = cost.astype(object) + pi[tail].astype(object) - pi[head].astype(object)  # exact, slow
    else:
        rc = cost + pi[tail] - pi[head]
    bad = ((flow < cap) & (rc < 0)) | ((flow > 0) & (rc > 0))
    neg = rc < 0
    dual = -int(np.dot(supply.astype(object), pi.astype(object))) - int(
        np.dot(cap[neg].astype(object), (-rc[neg]).astype(object))
    )
    ok = (not bad.any()) and dual == primal
    return FlowSolution(
        flow,
        primal,
        pi,
        ok,
        dual,
        "complementary slackness holds; dual == primal" if ok else "certificate check failed",
    )
