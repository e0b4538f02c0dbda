"""``solve(problem, mode=...)``: aggregated min-cost flow, line-level output."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from .fair import fair_solve
from .feasibility import families, pair_costs, remaining
from .mcf import (
    FlowSolution,
    SolveError,
    certify,
    check_potentials,
    max_flow_with_cut,
    min_cost_flow_solve,
    network_simplex,
    simplex_fits,
)
from .model import PRIORITIES, Certificate, FairShare, OfferTable, Problem, RequestTable, Result
from .network import DEMAND, DIRECT, MET, SPARE, TRANSFER, TRANSPORT, Network, build_network, segment_sum

Progress = Callable[[str, float], None]
PARALLEL_MIN_LINES = 20_000  # smaller problems are solved in-process even with workers > 1


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


def fill_lines(
    group_of_line: np.ndarray, line_qty: np.ndarray, group_total: np.ndarray
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


def _weighted_family(
    net: Network,
    arcs: np.ndarray,
    nodes: np.ndarray,
    local: np.ndarray,
    lower: np.ndarray | None = None,
    solver: str = "auto",
) -> tuple[np.ndarray, FlowSolution]:
    """One substitution family's lexicographic optimum as a single min-cost
    flow: lexicographic weights on the met/tier arcs (proof in
    :mod:`.network`), checked by complementary slackness on every arc.
    ``lower``: optional lower bounds per arc (of the whole network)."""
    n = nodes.size
    tl, hd = local[net.tail[arcs]], local[net.head[arcs]]
    lo = np.zeros(arcs.size, np.int64) if lower is None else lower[arcs]
    cap = net.cap[arcs] - lo
    cost = net.cost[arcs].copy()
    wtd = net.kind[arcs] == net.weighted_kind
    cmax = int(np.abs(cost).max()) if cost.size else 0  # met arcs may carry a penalty of their own
    G = n * cmax + 1
    cost[wtd] -= (5 - net.arc_prio[arcs[wtd]]) * G
    sup = net.supply[nodes].copy()
    if lo.any():
        np.subtract.at(sup, tl, lo)
        np.add.at(sup, hd, lo)
    if solver == "simplex" or (solver == "auto" and simplex_fits(n, cost)):
        x, pi = network_simplex(n, tl, hd, cap, cost, sup)  # SolveError if the costs do not fit
        cert = check_potentials(tl, hd, cap, cost, sup, x, pi)
    else:
        x = min_cost_flow_solve(n, tl, hd, cap, cost, sup)
        cert = certify(n, tl, hd, cap, cost, sup, x)
    return x + lo, cert


def _family_solve(
    net: Network, progress: Progress | None, t0: float, time_limit: float | None, lower: np.ndarray | None = None
) -> tuple[np.ndarray, list]:
    """Solve each substitution family's weighted network in turn (fair mode's
    last step); return arc flows and the per-family certificates."""
    flow = np.zeros(net.tail.size, dtype=np.int64)
    certs = []
    fams = list(_split_families(net))
    for idx, (_f, arcs, nodes, local) in enumerate(fams):
        x, cert = _weighted_family(net, arcs, nodes, local, lower)
        flow[arcs] = x
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
        nodes = norder[np.searchsorted(nf_sorted, f, "left") : np.searchsorted(nf_sorted, f, "right")]
        yield int(f), order[fstart[idx] : fend[idx]], nodes, local


def solve_family_priority(
    net: Network, family: int, arcs: np.ndarray, nodes: np.ndarray, local: np.ndarray
) -> tuple[np.ndarray, FlowSolution, bool, list[int]]:
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
            n + 1,
            np.concatenate([tl[use], np.full(src.size, S)]),
            np.concatenate([hd[use], src]),
            np.concatenate([cap[use], sup[src]]),
            S,
            sink,
        )
        F.append(val)
        cuts_ok &= ok
    M = np.diff(F)
    # a flow meeting exactly M_p at every priority (max flow through P-nodes)
    met = kind == MET
    P = n + 1 + np.arange(4)
    hd2 = hd.copy()
    hd2[met] = P[prio[met] - 1]
    use = kind != SPARE
    val, _flow, ok = max_flow_with_cut(
        n + 5,
        np.concatenate([tl[use], np.full(src.size, S), P]),
        np.concatenate([hd2[use], src, np.full(4, sink)]),
        np.concatenate([cap[use], sup[src], M]),
        S,
        sink,
    )
    if val != int(M.sum()):
        raise SolveError("lexicographic totals not simultaneously reachable")
    # phase 2: min cost with met totals fixed; P-nodes absorb exactly M_p.  OR-Tools returns no potentials,
    # so they are found independently on the residual graph, and checked on every arc.
    hd2 = hd.copy()
    hd2[met] = n + prio[met] - 1
    sup2 = np.concatenate([sup, -M])
    sup2[sink] += int(M.sum())
    cost = net.cost[arcs]
    x = min_cost_flow_solve(n + 4, tl, hd2, cap, cost, sup2)
    cert = certify(n + 4, tl, hd2, cap, cost, sup2, x)
    return x, cert, cuts_ok and ok, F[1:]


_FORK_STATE: dict = {}


def _worker_init() -> None:
    """Start-up of a forked family worker.

    * Default signal handlers: the worker must die when the pool terminates it, whatever handlers the
      parent installed (the task worker's SIGTERM handler only flags a graceful shutdown, which would
      leave the pool waiting for a worker that never exits).
    * Let glibc's malloc keep freed memory for reuse instead of returning it to the system at once.  A
      family's build and solve allocate and free arrays of a few MB over and over; left to the defaults,
      each gets fresh pages from the kernel, and with two workers at once the page faults made each about
      50% slower (measured at 10^5 lines).  The workers exit when the solve ends, so nothing is kept; where
      the C library is not glibc nothing changes.
    """
    import ctypes
    import signal

    for name in ("SIGTERM", "SIGINT", "SIGQUIT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    libc.mallopt(m_mmap_threshold, 1 << 30)
    libc.mallopt(m_trim_threshold, 1 << 31)
    libc.mallopt(m_top_pad, 1 << 26)


def _priority_family(
    net: Network, f: int, arcs: np.ndarray, nodes: np.ndarray, local: np.ndarray, solver: str
) -> tuple[np.ndarray, FlowSolution, bool]:
    """Priority mode, one family: a single weighted network simplex when its
    costs fit in 64 bits, else the two exact OR-Tools phases."""
    if solver == "simplex":
        try:
            x, cert = _weighted_family(net, arcs, nodes, local, solver="simplex")
            return x, cert, True
        except SolveError:
            pass  # weights too large for 64-bit potentials: the two phases keep the costs small
    x, cert, cuts_ok, _F = solve_family_priority(net, f, arcs, nodes, local)
    return x, cert, cuts_ok


def disaggregate(problem: Problem, net: Network, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group-level arc flows -> line-level (offer line, request line, qty)."""
    n_rg = net.rg_qty.size
    pos = flow > 0
    kind, ch, day, layer = net.kind, net.arc_chain, net.arc_day, net.arc_layer
    kmax = int(day.max()) + 1 if day.size else 1

    # origin chains: the goods on a transport arc come from the groups of its origin chain up to the group it
    # leaves from (a group's goods never leave before its ship day), first come first served: cumulated in
    # ship-day order, the supply of a chain's groups is never less than what left from them
    tp = np.flatnonzero(pos & (kind == TRANSPORT))
    n_og = net.og_qty.size
    og_sorted = np.empty(n_og, np.int64)
    og_sorted[net.og_rank] = np.arange(n_og)
    n_oc = int(net.og_chain.max()) + 1 if n_og else 0
    left_in_chain = segment_sum(net.og_chain, net.og_qty, n_oc) - segment_sum(
        net.og_chain[net.arc_og[tp]], flow[tp], n_oc
    )
    chain_last = np.zeros(n_oc, np.int64)
    np.maximum.at(chain_last, net.og_chain, net.og_rank)
    sink_key = np.concatenate([net.og_rank[net.arc_og[tp]] * 2, chain_last * 2 + 1])
    sink_q = np.concatenate([flow[tp], left_in_chain])
    so = np.argsort(sink_key, kind="stable")
    ia, ib, q = interval_match(net.og_qty[og_sorted], sink_q[so])
    dep = so[ib] < tp.size
    t_arc = tp[so[ib][dep]]
    t_og, t_q = og_sorted[ia][dep], q[dep]
    t_key = ch[t_arc] * kmax + day[t_arc]

    pieces_og, pieces_rg, pieces_q = [], [], []
    # layer 0 (clean): transport in; demand (solo requests) + transfer out
    sel0 = np.flatnonzero(layer[t_arc] == 0)
    sel0 = sel0[np.argsort(t_key[sel0], kind="stable")]
    dout0 = np.flatnonzero(pos & (kind == DEMAND) & (layer == 0))
    tr_a = np.flatnonzero(pos & (kind == TRANSFER))
    out0 = np.concatenate([dout0, tr_a])
    out0 = out0[np.argsort(ch[out0] * kmax + day[out0], kind="stable")]
    ia, ib, q = interval_match(t_q[sel0], flow[out0])
    src_og = t_og[sel0[ia]]
    dst = out0[ib]
    is_dem = kind[dst] == DEMAND
    pieces_og.append(src_og[is_dem])
    pieces_rg.append(net.arc_hub[dst[is_dem]])
    pieces_q.append(q[is_dem])
    # pieces entering transfers: (transfer arc, og, q)
    x_arc, x_og, x_q = dst[~is_dem], src_og[~is_dem], q[~is_dem]
    # layer 1 (full): transport pieces and transfers in; demand out
    sel1 = np.flatnonzero(layer[t_arc] == 1)
    in_q = np.concatenate([t_q[sel1], flow[tr_a]])
    in_og = np.concatenate([t_og[sel1], np.full(tr_a.size, -1, np.int64)])  # -1: a transfer
    in_arc = np.concatenate([np.full(sel1.size, -1, np.int64), tr_a])
    io = np.argsort(np.concatenate([t_key[sel1], ch[tr_a] * kmax + day[tr_a]]), kind="stable")
    out1 = np.flatnonzero(pos & ((kind == DEMAND) | (kind == MET)) & (layer == 1))  # MET: hubs without a node
    out1 = out1[np.argsort(ch[out1] * kmax + day[out1], kind="stable")]
    ia, ib, q = interval_match(in_q[io], flow[out1])
    src_og, src_arc = in_og[io][ia], in_arc[io][ia]
    rg = net.arc_hub[out1[ib]]
    is_tp = src_og >= 0
    pieces_og.append(src_og[is_tp])
    pieces_rg.append(rg[is_tp])
    pieces_q.append(q[is_tp])
    # compose transfers: (transfer, og) pieces with (transfer, rg) pieces
    y_arc, y_rg, y_q = src_arc[~is_tp], rg[~is_tp], q[~is_tp]
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

    # offer lines: what each group gave, filled in line order
    used = segment_sum(p_og, p_q, n_og)
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


def exact_dot(a: np.ndarray, b: np.ndarray) -> int:
    """sum(a * b) of integer arrays, exactly (in int64 when no overflow can occur)."""
    if a.size == 0:
        return 0
    if int(np.abs(a).max()) * int(np.abs(b).sum()) < 2**63:
        return int(np.dot(a.astype(np.int64), b.astype(np.int64)))
    return int(np.dot(a.astype(object), b.astype(object)))


def _result(
    problem: Problem,
    mode: str,
    o: np.ndarray,
    r: np.ndarray,
    q: np.ndarray,
    certificate: Certificate,
    stats: dict,
    fair: tuple[FairShare, ...] = (),
) -> Result:
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
    m1, m2, m3, m4 = (int(met_line[pri == p].sum()) for p in PRIORITIES)
    d1, d2, d3, d4 = (int(rq.quantity[pri == p].sum()) for p in PRIORITIES)
    met_p, dem_p = (m1, m2, m3, m4), (d1, d2, d3, d4)
    for a in (ao, ar, aq, af, unmet):
        a.flags.writeable = False
    return Result(
        status="optimal" if certificate.verified else "unverified",
        mode=mode,
        alloc_offer=ao,
        alloc_request=ar,
        alloc_qty=aq,
        alloc_fixed=af,
        unmet=unmet,
        met_by_priority=met_p,
        demand_by_priority=dem_p,
        kg_km=exact_dot(kgkm, aq),
        penalty=exact_dot(pen, aq),
        certificate=certificate,
        fair_share=fair,
        stats=stats,
    )


def family_parts(problem: Problem) -> list[tuple[np.ndarray, np.ndarray]]:
    """(offer lines, request lines) of each substitution family that has both;
    families never share a feasible pair, so each is an independent problem."""
    fam = families(problem)
    small = np.int16 if len(problem.items) < 2**15 else np.int64  # stable sort of int16 is a radix sort
    of_f, rq_f = fam[problem.offers.item].astype(small), fam[problem.requests.item].astype(small)
    o_order = np.argsort(of_f, kind="stable")
    r_order = np.argsort(rq_f, kind="stable")
    labels = np.intersect1d(of_f, rq_f)
    o_lo, o_hi = np.searchsorted(of_f[o_order], labels, "left"), np.searchsorted(of_f[o_order], labels, "right")
    r_lo, r_hi = np.searchsorted(rq_f[r_order], labels, "left"), np.searchsorted(rq_f[r_order], labels, "right")
    return [(o_order[a:b], r_order[c:d]) for a, b, c, d in zip(o_lo, o_hi, r_lo, r_hi, strict=True)]


def subproblem(problem: Problem, o_lines: np.ndarray, r_lines: np.ndarray) -> Problem:
    """The part of ``problem`` on these lines, with what the fixed allocations
    leave as quantities (and no fixed allocations of its own)."""
    of, rq = problem.offers, problem.requests
    o_left, r_left = remaining(problem)
    ex_o, ex_r = problem.excluded
    o_pos = np.full(len(of), -1, np.int64)
    r_pos = np.full(len(rq), -1, np.int64)
    o_pos[o_lines] = np.arange(o_lines.size)
    r_pos[r_lines] = np.arange(r_lines.size)
    keep = (o_pos[ex_o] >= 0) & (r_pos[ex_r] >= 0) if ex_o.size else np.zeros(0, bool)
    empty = np.zeros(0, np.int64)
    return dataclasses.replace(
        problem,
        offers=OfferTable(
            ids=of.ids[o_lines],
            nation=of.nation[o_lines],
            item=of.item[o_lines],
            quantity=o_left[o_lines],
            available_from=of.available_from[o_lines],
            available_until=of.available_until[o_lines],
            site=of.site[o_lines],
            release_class=of.release_class[o_lines],
        ),
        requests=RequestTable(
            ids=rq.ids[r_lines],
            nation=rq.nation[r_lines],
            item=rq.item[r_lines],
            quantity=r_left[r_lines],
            priority=rq.priority[r_lines],
            needed_by=rq.needed_by[r_lines],
            site=rq.site[r_lines],
        ),
        excluded=(o_pos[ex_o[keep]], r_pos[ex_r[keep]]) if ex_o.size else (empty, empty),
        fixed=(empty, empty, empty),
    )


@dataclasses.dataclass
class FamilyOutcome:
    """What one family's build -> solve -> line output returns (global line indices)."""

    offer: np.ndarray
    request: np.ndarray
    qty: np.ndarray
    certificate: FlowSolution
    cuts_ok: bool
    nodes: int
    arcs: int
    offer_groups: int
    request_groups: int
    build_s: float
    solve_s: float
    lines_s: float


def solve_family(problem: Problem, o_lines: np.ndarray, r_lines: np.ndarray, solver: str) -> FamilyOutcome:
    """Priority mode for one substitution family, from lines to line allocations."""
    t0 = time.perf_counter()
    sub = subproblem(problem, o_lines, r_lines)
    net = build_network(sub)
    t1 = time.perf_counter()
    flow = np.zeros(net.tail.size, dtype=np.int64)
    certs: list[FlowSolution] = []
    cuts_ok = True
    for f, arcs, nodes, local in _split_families(net):
        x, cert, ok = _priority_family(net, f, arcs, nodes, local, solver)
        flow[arcs] = x
        certs.append(cert)
        cuts_ok &= ok
    if len(certs) == 1:
        cert = certs[0]
        cert.potentials = None  # not needed by the caller; keeps the pickle small
    else:  # no arcs at all (nothing can be allocated), or a family split by the line subset
        cert = FlowSolution(
            flow,
            sum(c.cost for c in certs),
            None,
            all(c.verified for c in certs),
            sum(c.dual for c in certs),
            "; ".join(c.detail for c in certs) or "empty network",
        )
    t2 = time.perf_counter()
    o, r, q = disaggregate(sub, net, flow)
    t3 = time.perf_counter()
    return FamilyOutcome(
        o_lines[o],
        r_lines[r],
        q,
        cert,
        cuts_ok,
        int(net.n_nodes),
        int(net.tail.size),
        int(net.og_qty.size),
        int(net.rg_qty.size),
        t1 - t0,
        t2 - t1,
        t3 - t2,
    )


def _family_worker(args: tuple[int, str]) -> tuple[int, FamilyOutcome]:
    idx, solver = args
    problem, parts = _FORK_STATE["problem"], _FORK_STATE["parts"]
    o_lines, r_lines = parts[idx]
    return idx, solve_family(problem, o_lines, r_lines, solver)


def _priority_pipeline(
    problem: Problem, progress: Progress | None, t0: float, time_limit: float | None, workers: int, solver: str
) -> list[FamilyOutcome]:
    """Build, solve and disaggregate every substitution family, in ``workers``
    forked processes when the problem is large (each child builds only its
    own family's network, so memory and time split with the families)."""
    parts = family_parts(problem)
    out: list[FamilyOutcome | None] = [None] * len(parts)
    size = [o.size + r.size for o, r in parts]

    def done(count: int) -> None:
        if progress is not None:
            progress("solve", 5.0 + 80.0 * count / max(len(parts), 1))
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            raise TimeoutError("allocation: time limit reached")

    if workers > 1 and len(parts) > 1 and sum(size) >= PARALLEL_MIN_LINES:
        import multiprocessing as mp

        order = sorted(range(len(parts)), key=lambda k: -size[k])  # largest first
        _FORK_STATE.update(problem=problem, parts=parts)
        try:
            with mp.get_context("fork").Pool(min(workers, len(parts)), initializer=_worker_init) as pool:
                jobs = pool.imap_unordered(_family_worker, [(k, solver) for k in order])
                for count, (idx, outcome) in enumerate(jobs, start=1):
                    out[idx] = outcome
                    done(count)
        finally:
            _FORK_STATE.clear()
    else:
        for idx, (o_lines, r_lines) in enumerate(parts):
            out[idx] = solve_family(problem, o_lines, r_lines, solver)
            done(idx + 1)
    return [o for o in out if o is not None]


def solve(
    problem: Problem,
    *,
    mode: str = "priority",
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    workers: int = 1,
    solver: str = "simplex",
) -> Result:
    """Solve the allocation problem exactly.

    mode ``"priority"``: lexicographic (met quantity of priority 1, 2, 3, 4;
    then least kg·km + substitution penalty).  mode ``"fair"``: per
    substitution family and priority, first the smallest fraction met among
    requesting nations is maximised (max-min), then the same lexicographic
    rest -- see :mod:`.fair`.

    ``time_limit`` (seconds) is checked between phases (TimeoutError) and passed
    to HiGHS in fair mode; ``seed`` is accepted for API symmetry -- every step
    is deterministic.  ``progress(phase, percent)`` is called between phases;
    raising from it cancels the solve.  Priority mode treats each substitution
    family as its own problem (build, solve, line output); ``workers`` > 1 runs
    the families in that many forked processes when the problem has at least
    ``PARALLEL_MIN_LINES`` lines (POSIX only; do not use from a multi-threaded
    process); the result is identical.  ``solver``: ``"simplex"`` (LEMON
    network simplex on lexicographic weights, one solve per family) or
    ``"ortools"`` (max flows with checked cuts, then OR-Tools min-cost flow).
    """
    if mode not in ("priority", "fair"):
        raise ValueError(f"unknown mode {mode!r}")
    if solver not in ("simplex", "ortools"):
        raise ValueError(f"unknown solver {solver!r}")
    t0 = time.perf_counter()
    stats: dict = {}

    def report(phase: str, pct: float) -> None:
        if progress is not None:
            progress(phase, pct)

    fair: tuple[FairShare, ...] = ()
    if mode == "priority":
        report("build", 0.0)
        outcomes = _priority_pipeline(problem, progress, t0, time_limit, workers, solver)
        for name in ("nodes", "arcs", "offer_groups", "request_groups", "build_s", "solve_s"):
            stats[name] = sum(getattr(x, name) for x in outcomes)
        stats["disaggregate_s"] = sum(x.lines_s for x in outcomes)
        stats["families"] = len(outcomes)
        stats["parallel_wall_s"] = time.perf_counter() - t0
        report("disaggregate", 90.0)
        certs = []
        for x in outcomes:
            if not x.cuts_ok:
                x.certificate.verified = False
                x.certificate.detail += "; max-flow cut check failed"
            certs.append(x.certificate)
        if outcomes:
            o = np.concatenate([x.offer for x in outcomes])
            r = np.concatenate([x.request for x in outcomes])
            q = np.concatenate([x.qty for x in outcomes])
            order = np.argsort(o * max(len(problem.requests), 1) + r)  # by (offer line, request line)
            o, r, q = o[order], r[order], q[order]
        else:
            o = r = q = np.zeros(0, np.int64)
    else:
        report("build", 0.0)
        net = build_network(problem, tiers=True)
        stats["build_s"] = time.perf_counter() - t0
        stats["nodes"] = int(net.n_nodes)
        stats["arcs"] = int(net.tail.size)
        stats["offer_groups"] = int(net.og_qty.size)
        stats["request_groups"] = int(net.rg_qty.size)
        report("solve", 20.0)
        t1 = time.perf_counter()
        flow, certs, fair = fair_solve(problem, net, progress, t0, time_limit, _family_solve)
        stats["solve_s"] = time.perf_counter() - t1
        report("disaggregate", 75.0)
        t2 = time.perf_counter()
        o, r, q = disaggregate(problem, net, flow)
        stats["disaggregate_s"] = time.perf_counter() - t2
    ok = all(c.verified for c in certs)
    primal = sum(c.cost for c in certs)
    dual = sum(c.dual for c in certs)
    cert = Certificate(
        kind=("max-flow cuts + potentials" if solver == "ortools" else "network simplex potentials")
        if mode == "priority"
        else "potentials + lp-duality",
        verified=ok,
        primal=primal,
        dual=dual,
        detail=f"{len(certs)} family network(s); "
        + (
            "all satisfy complementary slackness, dual == primal"
            if ok
            else "; ".join(c.detail for c in certs if not c.verified)
        ),
    )
    res = _result(problem, mode, o, r, q, cert, stats, fair)
    stats["total_s"] = time.perf_counter() - t0
    report("done", 100.0)
    return res
