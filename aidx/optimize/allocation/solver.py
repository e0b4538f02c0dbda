"""``solve(problem, mode=...)``: aggregated min-cost flow, line-level output."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .feasibility import pair_costs, remaining
from .mcf import (
    FlowSolution,
    SolveError,
    certify,
    check_potentials,
    max_flow_with_cut,
    min_cost_flow_solve,
    residual_potentials,
)
from .model import PRIORITIES, Certificate, FairShare, Problem, Result
from .network import DEMAND, DIRECT, MET, SPARE, TRANSFER, TRANSPORT, Network, build_network

Progress = Callable[[str, float], None]
PARALLEL_MIN_ARCS = 100_000  # smaller networks are solved in-process even with workers > 1
PRICING_K = 1 << 40  # transport arcs per offer group in the first pricing round (all by default)


def interval_match(qa: np.ndarray, qb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlay two sequences of non-negative quantities with equal totals.

    Returns (index into a, index into b, quantity) pieces such that the pieces
    of each a-entry sum to it, likewise for b, and the order is preserved."""
    ca = np.cumsum(qa, dtype=np.int64)
    cb = np.cumsum(qb, dtype=np.int64)
    if ca.size == 0 or cb.size == 0:
        if (ca.size and ca[-1]) or (cb.size and cb[-1]):
            raise SolveError("disaggregation: totals differ")
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    if ca[-1] != cb[-1]:
        raise SolveError("disaggregation: totals differ")
    bounds = np.sort(np.concatenate([ca, cb]), kind="stable")  # two sorted runs
    bounds = bounds[np.concatenate([[True], bounds[1:] != bounds[:-1]]) & (bounds > 0)]
    starts = np.concatenate([[0], bounds[:-1]])
    ia = np.searchsorted(ca, starts, "right")
    ib = np.searchsorted(cb, starts, "right")
    return ia.astype(np.int64), ib.astype(np.int64), (bounds - starts).astype(np.int64)


def fill_lines(group_of_line: np.ndarray, line_qty: np.ndarray, group_total: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread each group's total over its lines in line order (first lines
    first).  Returns (line order, group of each ordered line, filled qty)."""
    order = np.argsort(group_of_line, kind="stable")
    g = group_of_line[order]
    q = line_qty[order]
    cum = np.cumsum(q, dtype=np.int64)
    first = np.searchsorted(g, g, "left")
    before = cum - q - (cum[first] - q[first])
    filled = np.clip(group_total[g] - before, 0, q)
    return order, g, filled


def _family_solve(net: Network, progress: Progress | None, t0: float,
                  time_limit: float | None, lower: np.ndarray | None = None) -> tuple[np.ndarray, list]:
    """Solve each substitution family's network separately (lexicographic
    weights on the met/tier arcs, see :mod:`.network`); return arc flows and
    the per-family certificates.  ``lower``: optional lower bounds per arc."""
    arc_fam = net.node_family[net.tail]
    order = np.argsort(arc_fam, kind="stable")
    fams, fstart = np.unique(arc_fam[order], return_index=True)
    fend = np.append(fstart[1:], order.size)
    norder = np.argsort(net.node_family, kind="stable")
    nf_sorted = net.node_family[norder]
    local = np.empty(net.n_nodes, dtype=np.int64)
    nstart = np.searchsorted(nf_sorted, nf_sorted, "left")
    local[norder] = np.arange(net.n_nodes) - nstart
    flow = np.zeros(net.tail.size, dtype=np.int64)
    certs = []
    lo = np.zeros(net.tail.size, np.int64) if lower is None else lower
    for idx, f in enumerate(fams):
        arcs = order[fstart[idx]:fend[idx]]
        nodes = norder[np.searchsorted(nf_sorted, f, "left"):np.searchsorted(nf_sorted, f, "right")]
        n = nodes.size
        tl, hd = local[net.tail[arcs]], local[net.head[arcs]]
        cap = net.cap[arcs] - lo[arcs]
        cost = net.cost[arcs].copy()
        wtd = net.kind[arcs] == net.weighted_kind
        cmax = int(np.abs(cost[~wtd]).max()) if (~wtd).any() else 0
        G = n * cmax + 1
        cost[wtd] = -(5 - net.arc_prio[arcs[wtd]]) * G
        sup = net.supply[nodes].copy()
        if lo[arcs].any():
            np.subtract.at(sup, tl, lo[arcs])
            np.add.at(sup, hd, lo[arcs])
        x = min_cost_flow_solve(n, tl, hd, cap, cost, sup)
        cert = certify(n, tl, hd, cap, cost, sup, x)
        flow[arcs] = x + lo[arcs]
        certs.append(cert)
        if progress is not None:
            progress("solve", 20.0 + 50.0 * (idx + 1) / max(len(fams), 1))
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            raise TimeoutError("allocation: time limit reached")
    return flow, certs


def _split_families(net: Network):
    """Yield (family, arc indices, node indices, local node numbering)."""
    arc_fam = net.node_family[net.tail]
    order = np.argsort(arc_fam, kind="stable")
    fams, fstart = np.unique(arc_fam[order], return_index=True)
    fend = np.append(fstart[1:], order.size)
    norder = np.argsort(net.node_family, kind="stable")
    nf_sorted = net.node_family[norder]
    local = np.empty(net.n_nodes, dtype=np.int64)
    nstart = np.searchsorted(nf_sorted, nf_sorted, "left")
    local[norder] = np.arange(net.n_nodes) - nstart
    for idx, f in enumerate(fams):
        nodes = norder[np.searchsorted(nf_sorted, f, "left"):np.searchsorted(nf_sorted, f, "right")]
        yield int(f), order[fstart[idx]:fend[idx]], nodes, local


def solve_family_priority(net: Network, family: int, arcs: np.ndarray, nodes: np.ndarray,
                          local: np.ndarray) -> tuple[np.ndarray, FlowSolution, bool, list[int]]:
    """Lexicographic optimum of one family's network in two exact phases.

    Phase 1: F_k = maximum flow into the met arcs of priorities <= k
    (k = 1..4), each with a checked minimum cut.  The sets of satisfiable
    demand vectors form a polymatroid, so one flow meets exactly
    M_k = F_k - F_{k-1} at every priority k at once, and no flow can do better
    at any prefix (the cuts bound it).  Phase 2: min-cost flow (kg·km +
    penalty, all costs >= 0) with met arcs of priority p routed to a node that
    must absorb exactly M_p; optimality by checked potentials."""
    n = nodes.size
    tl, hd = local[net.tail[arcs]], local[net.head[arcs]]
    cap = net.cap[arcs]
    kind = net.kind[arcs]
    prio = net.arc_prio[arcs]
    sup = net.supply[nodes]
    src = np.flatnonzero(sup > 0)
    sink = int(local[net.sink_of_family[family]])
    base = (kind != SPARE) & (kind != MET)
    S = n
    F = [0]
    cuts_ok = True
    for k in PRIORITIES:
        if not ((kind == MET) & (prio == k)).any():
            F.append(F[-1])
            continue
        use = base | ((kind == MET) & (prio <= k))
        val, _, ok = max_flow_with_cut(
            n + 1, np.concatenate([tl[use], np.full(src.size, S)]), np.concatenate([hd[use], src]),
            np.concatenate([cap[use], sup[src]]), S, sink)
        F.append(val)
        cuts_ok &= ok
    M = np.diff(F)
    # a flow meeting exactly M_p at every priority (max flow through P-nodes)
    met = kind == MET
    P = n + 1 + np.arange(4)
    hd2 = hd.copy()
    hd2[met] = P[prio[met] - 1]
    use = kind != SPARE
    val, f0, ok = max_flow_with_cut(
        n + 5, np.concatenate([tl[use], np.full(src.size, S), P]), np.concatenate([hd2[use], src, np.full(4, sink)]),
        np.concatenate([cap[use], sup[src], M]), S, sink)
    if val != int(M.sum()):
        raise SolveError("lexicographic totals not simultaneously reachable")
    support = np.zeros(arcs.size, dtype=bool)
    support[np.flatnonzero(use)] = f0[: int(use.sum())] > 0
    # phase 2: min cost with met totals fixed; P-nodes absorb exactly M_p.
    # Column generation over transport arcs: start with the support above and
    # the K cheapest transport arcs of each offer group, price the rest with
    # the potentials, add violated arcs, repeat.  The final potentials are
    # checked against every arc, so the result is optimal for the full network.
    hd2 = hd.copy()
    hd2[met] = n + prio[met] - 1
    sup2 = np.concatenate([sup, -M])
    sup2[sink] += int(M.sum())
    cost = net.cost[arcs]
    tp = kind == TRANSPORT
    og = net.arc_og[arcs]
    tpi = np.flatnonzero(tp)
    o = tpi[np.lexsort((cost[tpi], og[tpi]))]
    first = np.searchsorted(og[o], og[o], "left")
    active = ~tp | support
    active[o[(np.arange(o.size) - first) < PRICING_K]] = True
    x = np.zeros(arcs.size, dtype=np.int64)
    pi = None
    for _ in range(50):
        a = np.flatnonzero(active)
        xa = min_cost_flow_solve(n + 4, tl[a], hd2[a], cap[a], cost[a], sup2)
        pia = residual_potentials(n + 4, tl[a], hd2[a], cap[a], cost[a], xa)
        if pia is None:
            raise SolveError("min-cost flow result failed the optimality check")
        x[:] = 0
        x[a] = xa
        pi = pia
        ina = np.flatnonzero(~active)
        rc = cost[ina] + pi[tl[ina]] - pi[hd2[ina]]
        viol = ina[rc < 0]
        if viol.size == 0:
            break
        active[viol] = True
    cert = check_potentials(tl, hd2, cap, cost, sup2, x, pi)
    return x, cert, cuts_ok and ok, F[1:]


_FORK_STATE: dict = {}


def _fork_worker(idx: int):
    net, fams = _FORK_STATE["net"], _FORK_STATE["fams"]
    f, arcs, nodes, local = fams[idx]
    x, cert, cuts_ok, _F = solve_family_priority(net, f, arcs, nodes, local)
    cert.potentials = None  # not needed by the parent; keeps the pickle small
    return idx, x, cert, cuts_ok


def _priority_solve(net: Network, progress: Progress | None, t0: float, time_limit: float | None,
                    workers: int = 1):
    flow = np.zeros(net.tail.size, dtype=np.int64)
    fams = list(_split_families(net))
    certs: list = [None] * len(fams)

    def done(count: int, idx: int, x: np.ndarray, cert: FlowSolution, cuts_ok: bool) -> None:
        if not cuts_ok:
            cert.verified = False
            cert.detail += "; max-flow cut check failed"
        flow[fams[idx][1]] = x
        certs[idx] = cert
        if progress is not None:
            progress("solve", 20.0 + 50.0 * count / max(len(fams), 1))
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            raise TimeoutError("allocation: time limit reached")

    if workers > 1 and len(fams) > 1 and net.tail.size >= PARALLEL_MIN_ARCS:
        import multiprocessing as mp

        # largest families first; children inherit net via fork (no copy)
        order = sorted(range(len(fams)), key=lambda k: -fams[k][1].size)
        _FORK_STATE.update(net=net, fams=fams)
        try:
            with mp.get_context("fork").Pool(min(workers, len(fams))) as pool:
                for count, (idx, x, cert, ok) in enumerate(pool.imap_unordered(_fork_worker, order), start=1):
                    done(count, idx, x, cert, ok)
        finally:
            _FORK_STATE.clear()
    else:
        for idx, (f, arcs, nodes, local) in enumerate(fams):
            x, cert, cuts_ok, _F = solve_family_priority(net, f, arcs, nodes, local)
            done(idx + 1, idx, x, cert, cuts_ok)
    return flow, certs


def disaggregate(problem: Problem, net: Network, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group-level arc flows -> line-level (offer line, request line, qty)."""
    n_rg = net.rg_qty.size
    pos = flow > 0
    kind, ch, day, layer = net.kind, net.arc_chain, net.arc_day, net.arc_layer
    kmax = int(day.max()) + 1 if day.size else 1

    def arcs(k: int, lay: int | None = None) -> np.ndarray:
        m = pos & (kind == k)
        if lay is not None:
            m &= layer == lay
        a = np.flatnonzero(m)
        return a[np.argsort(ch[a] * kmax + day[a], kind="stable")]

    pieces_og, pieces_rg, pieces_q = [], [], []
    # layer 0 (clean): transport in; demand (solo requests) + transfer out
    tin0 = arcs(TRANSPORT, 0)
    dout0 = np.flatnonzero(pos & (kind == DEMAND) & (layer == 0))
    tr_a = np.flatnonzero(pos & (kind == TRANSFER))
    out0 = np.concatenate([dout0, tr_a])
    out0 = out0[np.argsort(ch[out0] * kmax + day[out0], kind="stable")]
    ia, ib, q = interval_match(flow[tin0], flow[out0])
    src_og = net.arc_og[tin0[ia]]
    dst = out0[ib]
    is_dem = kind[dst] == DEMAND
    pieces_og.append(src_og[is_dem])
    pieces_rg.append(net.arc_hub[dst[is_dem]])
    pieces_q.append(q[is_dem])
    # pieces entering transfers: (transfer arc, og, q)
    x_arc, x_og, x_q = dst[~is_dem], src_og[~is_dem], q[~is_dem]
    # layer 1 (full): transport from solo offers + transfers in; demand out
    if tr_a.size or (pos & (kind == TRANSPORT) & (layer == 1)).any():
        tin1 = np.flatnonzero(pos & (kind == TRANSPORT) & (layer == 1))
        in1 = np.concatenate([tin1, tr_a])
        in1 = in1[np.argsort(ch[in1] * kmax + day[in1], kind="stable")]
        out1 = arcs(DEMAND, 1)
        ia, ib, q = interval_match(flow[in1], flow[out1])
        src = in1[ia]
        rg = net.arc_hub[out1[ib]]
        is_tp = kind[src] == TRANSPORT
        pieces_og.append(net.arc_og[src[is_tp]])
        pieces_rg.append(rg[is_tp])
        pieces_q.append(q[is_tp])
        # compose transfers: (transfer, og) pieces with (transfer, rg) pieces
        y_arc, y_rg, y_q = src[~is_tp], rg[~is_tp], q[~is_tp]
        oa = np.argsort(x_arc, kind="stable")
        ob = np.argsort(y_arc, kind="stable")
        ja, jb, qq = interval_match(x_q[oa], y_q[ob])
        pieces_og.append(x_og[oa][ja])
        pieces_rg.append(y_rg[ob][jb])
        pieces_q.append(qq)
    dir_a = np.flatnonzero(pos & (kind == DIRECT))
    pieces_og.append(net.arc_og[dir_a])
    pieces_rg.append(net.arc_hub[dir_a])
    pieces_q.append(flow[dir_a])
    p_og = np.concatenate(pieces_og)
    p_hub = np.concatenate(pieces_rg)
    p_q = np.concatenate(pieces_q)
    # hub -> request groups (met arcs of the hub, in request-group order)
    ma = np.flatnonzero(pos & (kind == MET))
    ma = ma[np.argsort(net.arc_hub[ma], kind="stable")]
    ph = np.argsort(p_hub, kind="stable")
    ia, ib, q = interval_match(p_q[ph], flow[ma])
    p_og, p_rg, p_q = p_og[ph][ia], net.arc_rg[ma][ib], q

    # offer lines: used = group qty - spare flow, filled in line order
    n_og = net.og_qty.size
    spare = np.zeros(n_og, dtype=np.int64)
    sa = np.flatnonzero(kind == SPARE)
    spare[net.arc_og[sa]] = flow[sa]
    used = net.og_qty - spare
    o_left, r_left = remaining(problem)
    o_ord, _, o_fill = fill_lines(net.og_line_group, o_left[net.og_lines], used)
    po = np.argsort(p_og, kind="stable")
    ia, ib, q1 = interval_match(o_fill, p_q[po])
    line_o = net.og_lines[o_ord[ia]]
    rg1 = p_rg[po][ib]
    # request lines: met = flow on MET arcs, filled in line order
    met = np.zeros(n_rg, dtype=np.int64)
    ma = np.flatnonzero(kind == MET)
    met[net.arc_rg[ma]] = flow[ma]
    r_ord, _, r_fill = fill_lines(net.rg_line_group, r_left[net.rg_lines], met)
    pr = np.argsort(rg1, kind="stable")
    ja, jb, q2 = interval_match(q1[pr], r_fill)
    lo_ = line_o[pr][ja]
    lr_ = net.rg_lines[r_ord[jb]]
    # merge duplicate pairs, sort by (offer, request)
    nr = len(problem.requests)
    key = lo_.astype(np.int64) * max(nr, 1) + lr_
    order = np.argsort(key, kind="stable")
    ks = key[order]
    if ks.size == 0:
        return ks, ks, ks
    flag = np.concatenate([[True], ks[1:] != ks[:-1]])
    uk = ks[flag]
    qty = np.add.reduceat(q2[order], np.flatnonzero(flag))
    keep = qty > 0
    uk, qty = uk[keep], qty[keep]
    return uk // max(nr, 1), uk % max(nr, 1), qty


def _result(problem: Problem, mode: str, o: np.ndarray, r: np.ndarray, q: np.ndarray,
            certificate: Certificate, stats: dict, fair: tuple[FairShare, ...] = ()) -> Result:
    fo, fr, fq = problem.fixed
    keep = fq > 0
    ao = np.concatenate([fo[keep], o]).astype(np.int64)
    ar = np.concatenate([fr[keep], r]).astype(np.int64)
    aq = np.concatenate([fq[keep], q]).astype(np.int64)
    af = np.concatenate([np.ones(int(keep.sum()), bool), np.zeros(o.size, bool)])
    rq = problem.requests
    met_line = np.bincount(ar, weights=aq, minlength=len(rq))
    met_line = np.rint(met_line).astype(np.int64)
    unmet = rq.quantity - met_line
    kgkm, pen = pair_costs(problem, ao, ar)
    pri = rq.priority.astype(np.int64)
    met_p = tuple(int(met_line[pri == p].sum()) for p in PRIORITIES)
    dem_p = tuple(int(rq.quantity[pri == p].sum()) for p in PRIORITIES)
    for a in (ao, ar, aq, af, unmet):
        a.flags.writeable = False
    return Result(
        status="optimal" if certificate.verified else "unverified",
        mode=mode, alloc_offer=ao, alloc_request=ar, alloc_qty=aq, alloc_fixed=af, unmet=unmet,
        met_by_priority=met_p, demand_by_priority=dem_p,
        kg_km=int(np.dot(kgkm.astype(object), aq.astype(object))) if aq.size else 0,
        penalty=int(np.dot(pen.astype(object), aq.astype(object))) if aq.size else 0,
        certificate=certificate, fair_share=fair, stats=stats,
    )


def solve(problem: Problem, *, mode: str = "priority", time_limit: float | None = None, seed: int = 0,
          progress: Progress | None = None, workers: int = 1) -> Result:
    """Solve the allocation problem exactly.

    mode ``"priority"``: lexicographic (met quantity of priority 1, 2, 3, 4;
    then least kg·km + substitution penalty).  mode ``"fair"``: per
    substitution family and priority, first the smallest fraction met among
    requesting nations is maximised (max-min), then the same lexicographic
    rest -- see :mod:`.fair`.

    ``time_limit`` (seconds) is checked between phases (TimeoutError) and passed
    to HiGHS in fair mode; ``seed`` is accepted for API symmetry -- every step
    is deterministic.  ``progress(phase, percent)`` is called between phases;
    raising from it cancels the solve.  ``workers`` > 1 solves the substitution
    families in that many forked processes when the network has at least
    ``PARALLEL_MIN_ARCS`` arcs (priority mode; POSIX only; do not use from a
    multi-threaded process); the result is identical.
    """
    if mode not in ("priority", "fair"):
        raise ValueError(f"unknown mode {mode!r}")
    t0 = time.perf_counter()
    stats: dict = {}

    def report(phase: str, pct: float) -> None:
        if progress is not None:
            progress(phase, pct)

    report("build", 0.0)
    net = build_network(problem, tiers=(mode == "fair"))
    stats["build_s"] = time.perf_counter() - t0
    stats["nodes"] = int(net.n_nodes)
    stats["arcs"] = int(net.tail.size)
    stats["offer_groups"] = int(net.og_qty.size)
    stats["request_groups"] = int(net.rg_qty.size)
    report("solve", 20.0)
    t1 = time.perf_counter()
    fair: tuple[FairShare, ...] = ()
    if mode == "priority":
        flow, certs = _priority_solve(net, progress, t0, time_limit, workers)
    else:
        from .fair import fair_solve

        flow, certs, fair = fair_solve(problem, net, progress, t0, time_limit)
    stats["solve_s"] = time.perf_counter() - t1
    report("disaggregate", 75.0)
    t2 = time.perf_counter()
    o, r, q = disaggregate(problem, net, flow)
    stats["disaggregate_s"] = time.perf_counter() - t2
    ok = all(c.verified for c in certs)
    primal = sum(c.cost for c in certs)
    dual = sum(c.dual for c in certs)
    cert = Certificate(
        kind="max-flow cuts + potentials" if mode == "priority" else "potentials + lp-duality",
        verified=ok, primal=primal, dual=dual,
        detail=f"{len(certs)} family network(s); "
        + ("all satisfy complementary slackness, dual == primal" if ok
           else "; ".join(c.detail for c in certs if not c.verified)),
    )
    res = _result(problem, mode, o, r, q, cert, stats, fair)
    stats["total_s"] = time.perf_counter() - t0
    report("done", 100.0)
    return res
