"""Aggregated min-cost-flow network of the allocation problem.

Grouping (two lines share a group only if every feasibility rule treats them
identically):

* offer group  = (item, origin site, ship day, offering nation, release class,
  solo) -- ``available_until`` only enters as a filter (ship day <= until);
* request group = (item, delivery site, needed-by day, priority, requesting
  nation, solo);
* ``solo`` is the line's own index + 1 for a line named in an excluded pair
  (such a line is a group of its own), else 0.

Nodes: offer groups (supply); *chain* nodes (offered item i, destination
(site, nation), day k) for the needed-by days k of the hubs the chain feeds
(a second layer of them for excluded pairs, below);
*hubs* = request groups without the priority (item, site, needed-by day,
nation, solo); in fair mode one tier node per (nation, family, priority);
one sink per substitution family.

Arcs (all integer costs):

* transport  offer group -> chain(i, dest, first day >= ship + transit), cost
  round(kg/unit × km) per unit, only if the destination nation differs from the
  offering nation and the release class allows it -- one arc per (origin chain,
  chain node), from the latest group of the origin chain that lands there;
* origin wait  offer group -> the next group (ship day order) of its *origin
  chain* (the non-solo groups of one item, site, nation and release class), cost
  0: goods may leave with a later group.  That changes nothing a plan can do --
  a unit of an earlier group sent from a later one could have left at once and
  waited at the destination, at the same cost -- but it replaces a transport arc
  per (group, destination) by one per (origin chain, destination day).  Line
  output gives each transport arc's goods to the chain's groups up to it, first
  come first served, so an offer is never sent later than its own ship day;
* wait       chain(k) -> chain(k+1) (plus skip arcs k -> k+2, +4, +8, +16,
  compositions of wait arcs that shorten paths for OR-Tools' cost scaling and
  cost the network simplex nothing measurable), cost 0: goods may arrive early;
* demand     chain(i, dest, d) -> hub (j, dest, d) for every requested item j
  that accepts i, cost = substitution penalty;
* met        hub -> sink (fair mode: -> tier -> sink), one per request group,
  capacity = its open quantity.  A non-solo hub fed by one chain only gets no
  node: its met arcs leave that chain node and carry the demand arc's penalty
  (the network simplex's work grows with the nodes, about 5% fewer here);
* spare      offer group -> sink, cost 0 (unallocated supply).

Exclusions: a chain that feeds solo hubs gets a second, "clean" layer (layer 0,
only up to the last day a solo hub draws from it) that only non-solo offers
reach, and that feeds the full layer (layer 1) through transfer arcs (cost 0).
Solo hubs draw only from the clean layer, plus direct arcs from the solo offers
they do not exclude; solo offers land in the full layer only, which feeds the
non-solo hubs.  So an excluded pair never shares a path, and the second layer
stays as small as the excluded requests.

Size: at most items × sites × days × nations × classes × priorities groups,
independent of the number of lines.

Priority mode solves each family's network once, with lexicographic weights
on the met arcs (network simplex; the two exact OR-Tools phases of
``solver.solve_family_priority`` are the fallback when the weights would not
fit 64 bits).  Fair mode puts the weights on the tier arcs:

Lexicographic weights (why a weighted sum is exact here).  Let n be the
number of nodes of a family's network and c_max the largest |cost| of an
arc before weighting (a met arc of a merged hub carries a penalty); put
G = n·c_max + 1 and W_p = (5 - p)·G, so W_p - W_{p+1} = G for
p = 1..4 (W_5 = 0).  Take x optimal for the weighted costs and y
lexicographically best (met quantity of priority 1, then 2, 3, 4).  The
difference y - x (closed with a sink->source return arc) decomposes into
conformal simple cycles C_1..C_m of the residual graph of x, and x + C_k is
feasible for each k.  A simple cycle passes the sink at most once, so it
changes the met vector by e_a, -e_b or e_a - e_b (a, b priorities).  The
lexicographic order is a total group order and the sum of the changes is
lexicographically positive if y is strictly better, so some cycle C has a
lexicographically positive change: +e_a, or e_a - e_b with a < b; its weighted
gain is at least min(W_a, W_a - W_b) >= G, while its transport/penalty cost
is at most (arcs on a simple cycle) × c_max <= n·c_max < G.  Then x + C is
cheaper than x -- a contradiction.  Hence every weighted optimum is
lexicographically optimal in met quantities, and among those it minimises
kg·km + penalty (the W-terms are then a constant).  The largest cost is
W_1 = 4G; we check W_1·(n + 1) < 2^62 before solving (OR-Tools' cost scaling
multiplies costs by about n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .feasibility import (
    acceptance,
    families,
    release_matrix,
    remaining,
    ship_days,
    site_km,
    transit_days,
    unit_weights,
)
from .model import Problem

# arc kinds
TRANSPORT, WAIT, TRANSFER, DEMAND, DIRECT, MET, SPARE, TIER, ORIGIN_WAIT = range(9)
WAIT_STEPS = (1, 2, 4, 8, 16)


def group_rows(cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by equal values of all ``cols`` (non-negative ints).

    Returns (group id of each row, index of the first row of each group);
    groups are numbered in lexicographic key order (deterministic)."""
    n = cols[0].shape[0] if cols else 0
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    key = np.zeros(n, dtype=np.int64)
    span = 1
    ok = True
    for c in cols:
        c = c.astype(np.int64)
        lo, hi = int(c.min()), int(c.max())
        width = hi - lo + 1
        if span * width >= 2**62:
            ok = False
            break
        key = key * width + (c - lo)
        span *= width
    if ok:
        order = np.argsort(key, kind="stable")
        ks = key[order]
        flag = np.empty(n, dtype=bool)
        flag[0] = True
        np.not_equal(ks[1:], ks[:-1], out=flag[1:])
        inv = np.empty(n, dtype=np.int64)
        inv[order] = np.cumsum(flag) - 1
        return inv, order[flag].astype(np.int64)
    stacked = np.stack([c.astype(np.int64) for c in cols], axis=1)
    _, first, inv = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    return inv.ravel().astype(np.int64), first.astype(np.int64)


def segment_sum(ids: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sum of values per id (0..n-1)."""
    values = values.astype(np.int64)
    if values.size == 0:
        return np.zeros(n, dtype=np.int64)
    if int(np.abs(values).sum()) < 2**52:  # float64 bincount is exact below 2^53
        return np.rint(np.bincount(ids, weights=values, minlength=n)).astype(np.int64)
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, ids, values)
    return out


@dataclass
class Network:
    """Arc list of the aggregated network plus what disaggregation needs."""

    n_nodes: int
    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    cost: np.ndarray  # transport/penalty part of the cost (met weights not included)
    kind: np.ndarray
    supply: np.ndarray  # per node
    node_family: np.ndarray  # family label of each node
    # offer groups
    og_line_group: np.ndarray  # per usable offer line: group id
    og_lines: np.ndarray  # usable offer line indices
    og_qty: np.ndarray
    og_chain: np.ndarray  # origin chain of each offer group (solo groups: a chain of their own)
    og_rank: np.ndarray  # position of each offer group in (origin chain, ship day) order
    # request groups
    rg_line_group: np.ndarray
    rg_lines: np.ndarray
    rg_qty: np.ndarray
    rg_priority: np.ndarray
    # arc -> (offer group) for transport/direct, (request group) for demand/direct/met
    arc_og: np.ndarray
    arc_rg: np.ndarray
    arc_hub: np.ndarray
    arc_chain: np.ndarray  # chain of transport/wait/transfer/demand arcs and of merged hubs' met arcs, -1 else
    arc_day: np.ndarray  # day index in that chain
    arc_layer: np.ndarray  # chain layer of the arc's chain end (0 clean, 1 full)
    sink_of_family: dict[int, int]
    arc_prio: np.ndarray  # priority of MET / TIER arcs, 0 else
    weighted_kind: int  # MET, or TIER when tiers are used
    # tiers (fair mode): (nation, family, priority) of each tier
    tier_nation: np.ndarray
    tier_family: np.ndarray
    tier_priority: np.ndarray
    arc_tier: np.ndarray


def build_network(problem: Problem, tiers: bool = False) -> Network:
    """Build the aggregated network.  ``tiers``: route met flow through one
    node per (requesting nation, family, priority) -- used by fair mode to put
    lower bounds on what each nation receives."""
    of, rq = problem.offers, problem.requests
    prm = problem.params
    km = site_km(problem)
    tr = transit_days(km, prm.base_days, prm.km_per_day)
    acc = acceptance(problem)
    rel = release_matrix(problem)
    w = unit_weights(problem)
    fam = families(problem)
    ship = ship_days(problem)
    o_left, r_left = remaining(problem)

    o_use = np.flatnonzero((o_left > 0) & (ship <= of.available_until))
    r_use = np.flatnonzero(r_left > 0)
    ex_o, ex_r = problem.excluded
    o_solo_flag = np.zeros(len(of), dtype=bool)
    r_solo_flag = np.zeros(len(rq), dtype=bool)
    o_solo_flag[ex_o] = True
    r_solo_flag[ex_r] = True

    # --- offer groups ------------------------------------------------------
    o_solo = np.where(o_solo_flag[o_use], o_use + 1, 0)
    og_inv, og_first = group_rows(
        [of.item[o_use], of.site[o_use], ship[o_use], of.nation[o_use], of.release_class[o_use], o_solo]
    )
    n_og = og_first.size
    rep = o_use[og_first]
    og_item, og_site, og_ship = of.item[rep].astype(np.int64), of.site[rep].astype(np.int64), ship[rep]
    og_nat, og_cls = of.nation[rep].astype(np.int64), of.release_class[rep].astype(np.int64)
    og_is_solo = o_solo[og_first] > 0
    og_qty = segment_sum(og_inv, o_left[o_use], n_og)

    # --- request groups and hubs ------------------------------------------
    r_solo = np.where(r_solo_flag[r_use], r_use + 1, 0)
    rg_inv, rg_first = group_rows(
        [rq.item[r_use], rq.site[r_use], rq.needed_by[r_use], rq.nation[r_use], r_solo, rq.priority[r_use]]
    )
    n_rg = rg_first.size
    rrep = r_use[rg_first]
    rg_item, rg_site = rq.item[rrep].astype(np.int64), rq.site[rrep].astype(np.int64)
    rg_day, rg_prio = rq.needed_by[rrep].astype(np.int64), rq.priority[rrep].astype(np.int64)
    rg_nat = rq.nation[rrep].astype(np.int64)
    rg_is_solo = r_solo[rg_first] > 0
    rg_qty = segment_sum(rg_inv, r_left[r_use], n_rg)
    # hub = request group without the priority: (item, site, day, nation, solo)
    rg_hub, hub_first = group_rows([rg_item, rg_site, rg_day, rg_nat, r_solo[rg_first]])
    n_hub = hub_first.size
    hub_item, hub_site, hub_day, hub_nat = rg_item[hub_first], rg_site[hub_first], rg_day[hub_first], rg_nat[hub_first]
    hub_solo = rg_is_solo[hub_first]

    # --- destinations (site, nation) and their day grids -------------------
    dc_of_hub, dc_first = group_rows([hub_site, hub_nat])
    dc_site, dc_nat = hub_site[dc_first], hub_nat[dc_first]
    if n_hub and n_og:
        day_lo = int(min(hub_day.min(), og_ship.min()))
        day_span = int(max(hub_day.max(), og_ship.max() + tr.max())) - day_lo + 2
    else:
        day_lo, day_span = 0, 1

    # --- demand pairs (offered item i, hub) --------------------------------
    n_items = len(problem.items)
    acc_i, acc_j = np.nonzero(acc.T >= 0)  # rows: requested item j, cols: offered item i
    acc_ptr = np.searchsorted(acc_i, np.arange(n_items + 1), "left")
    cnt = np.diff(acc_ptr)[hub_item]
    d_hub = np.repeat(np.arange(n_hub), cnt)
    off = np.arange(d_hub.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    d_item = acc_j[np.repeat(acc_ptr[hub_item], cnt) + off].astype(np.int64)
    d_pen = acc[d_item, hub_item[d_hub]]
    has_offer = np.zeros(n_items, dtype=bool)
    has_offer[og_item] = True
    keep = has_offer[d_item]
    d_hub, d_item, d_pen = d_hub[keep], d_item[keep], d_pen[keep]

    # chains = (offered item, dc), sorted by item then dc
    ch_of_d, ch_first = group_rows([d_item, dc_of_hub[d_hub]])
    n_ch = ch_first.size
    ch_item, ch_dc = d_item[ch_first], dc_of_hub[d_hub[ch_first]]
    # each chain's own day grid: the needed-by days of the hubs it feeds
    cg_inv, cg_first = group_rows([ch_of_d, hub_day[d_hub]])  # sorted by (chain, day)
    cg_ch, cg_day = ch_of_d[cg_first], hub_day[d_hub[cg_first]]
    cg_ptr = np.searchsorted(cg_ch, np.arange(n_ch + 1), "left")
    ch_len = np.diff(cg_ptr)
    d_k = cg_inv - cg_ptr[ch_of_d]
    ch_base = np.concatenate([[0], np.cumsum(ch_len)]).astype(np.int64)
    n_cn = int(ch_base[-1])  # clean-layer chain nodes
    ch_ptr_item = np.searchsorted(ch_item, np.arange(n_items + 1), "left")

    # --- transport arcs: offer group × chains of its item ------------------
    tcnt = np.diff(ch_ptr_item)[og_item]
    t_og = np.repeat(np.arange(n_og), tcnt)
    t_ch = np.repeat(ch_ptr_item[og_item], tcnt) + (np.arange(t_og.size) - np.repeat(np.cumsum(tcnt) - tcnt, tcnt))
    t_dc = ch_dc[t_ch]
    nat_r = dc_nat[t_dc]
    ok = (nat_r != og_nat[t_og]) & rel[og_cls[t_og], nat_r]
    t_og, t_ch, t_dc = t_og[ok], t_ch[ok], t_dc[ok]
    arrive = og_ship[t_og] + tr[og_site[t_og], dc_site[t_dc]]
    grid = cg_ch * day_span + (cg_day - day_lo)
    pos = np.searchsorted(grid, t_ch * day_span + (arrive - day_lo), "left")
    ok = pos < cg_ptr[t_ch + 1]
    t_og, t_ch, t_dc, pos = t_og[ok], t_ch[ok], t_dc[ok], pos[ok]
    t_k = pos - cg_ptr[t_ch]
    # clean layer only for chains that feed solo hubs, and only up to the last day a solo hub draws from it
    d_solo = hub_solo[d_hub]
    c_len_all = np.zeros(n_ch, np.int64)
    np.maximum.at(c_len_all, ch_of_d[d_solo], d_k[d_solo] + 1)
    c_chains = np.flatnonzero(c_len_all)
    c_of_ch = np.full(n_ch, -1, np.int64)
    c_of_ch[c_chains] = np.arange(c_chains.size)
    c_len = c_len_all[c_chains]
    c_base = np.concatenate([[0], np.cumsum(c_len)]).astype(np.int64)
    n_fn = int(c_base[-1])

    # origin chains: the non-solo offer groups of one (item, site, nation, class), in ship-day order
    oc_key = np.where(og_is_solo, np.arange(n_og) + 1, 0)
    og_chain, _ = group_rows([og_item, og_site, og_nat, og_cls, oc_key])
    og_order = np.lexsort((og_ship, og_chain))  # by chain, then ship day
    og_rank = np.empty(n_og, np.int64)
    og_rank[og_order] = np.arange(n_og)
    og_before = np.cumsum(og_qty[og_order]) - og_qty[og_order]  # supply of earlier groups (all chains)
    chain_start = np.searchsorted(og_chain[og_order], og_chain[og_order], "left")
    og_cum = np.empty(n_og, np.int64)  # supply of the group's chain up to and including the group
    og_cum[og_order] = og_before - og_before[chain_start] + og_qty[og_order]

    # layer of a landing: the clean layer (0) for non-solo offers where the chain has one, else the full layer (1)
    t_layer = np.where(~og_is_solo[t_og] & (t_k < c_len_all[t_ch]), 0, 1)
    # one arc per (origin chain, destination chain node): from the latest group landing there -- earlier groups
    # of the chain reach it through the origin wait arcs
    t_key, _ = group_rows([og_chain[t_og], t_ch, t_k])
    last = np.lexsort((og_rank[t_og], t_key))
    keep = np.ones(last.size, dtype=bool)
    keep[:-1] = t_key[last[1:]] != t_key[last[:-1]]
    sel = np.sort(last[keep])
    t_og, t_ch, t_dc, t_k, t_layer = t_og[sel], t_ch[sel], t_dc[sel], t_k[sel], t_layer[sel]
    t_cost = np.rint(w[og_item[t_og]] * km[og_site[t_og], dc_site[t_dc]]).astype(np.int64)

    # --- node numbering ----------------------------------------------------
    og_node = np.arange(n_og, dtype=np.int64)
    cn0 = n_og  # full-layer chain nodes
    fn0 = cn0 + n_cn  # clean-layer chain nodes
    # a non-solo hub with a single source chain needs no node: its met arcs leave that chain node (layer 1)
    # and carry the demand arc's penalty
    d_count = np.bincount(d_hub, minlength=n_hub)
    merged = (d_count == 1) & ~hub_solo
    d_merged = merged[d_hub]
    n_hub_nodes = int((~merged).sum())
    hub_node = np.full(n_hub, -1, np.int64)
    hub_node[~merged] = fn0 + n_fn + np.arange(n_hub_nodes, dtype=np.int64)
    if tiers:
        rg_tier, t_first = group_rows([rg_nat, fam[rg_item], rg_prio])
    else:
        rg_tier, t_first = np.zeros(n_rg, np.int64), np.zeros(0, np.int64)
    n_tier = t_first.size
    tier_node = fn0 + n_fn + n_hub_nodes + np.arange(n_tier, dtype=np.int64)
    sink0 = fn0 + n_fn + n_hub_nodes + n_tier
    fam_list = np.unique(fam[np.concatenate([og_item, rg_item])]) if (n_og + n_rg) else np.zeros(0, np.int64)
    sink_of_family = {int(f): sink0 + k for k, f in enumerate(fam_list)}
    fam_sink = np.full(n_items, -1, dtype=np.int64)
    for f, snode in sink_of_family.items():
        fam_sink[fam == f] = snode
    n_nodes = sink0 + fam_list.size

    node_family = np.empty(n_nodes, dtype=np.int64)
    node_family[og_node] = fam[og_item]
    node_family[cn0:fn0] = np.repeat(fam[ch_item], ch_len)
    node_family[fn0 : fn0 + n_fn] = np.repeat(fam[ch_item[c_chains]], c_len)
    node_family[hub_node[~merged]] = fam[hub_item[~merged]]
    node_family[tier_node] = fam[rg_item[t_first]]
    node_family[sink0:] = fam_list

    def chain_node(ch: np.ndarray, k: np.ndarray, layer: np.ndarray | int) -> np.ndarray:
        layer = np.broadcast_to(np.asarray(layer, dtype=np.int64), np.shape(ch))
        full = cn0 + ch_base[ch] + k
        clean = fn0 + c_base[np.maximum(c_of_ch[ch], 0)] + k
        return np.where(layer == 0, clean, full)

    parts: list[dict[str, np.ndarray]] = []
    big = np.int64(max(int(og_qty.sum()), 1))

    def add(
        kind: int, tail, head, cap, cost, og=None, rg=None, hub=None, ch=None, k=None, layer=None, prio=None, tier=None
    ) -> None:
        m = np.asarray(tail).size
        neg = np.full(m, -1, dtype=np.int64)

        def col(v):
            return neg if v is None else np.broadcast_to(np.asarray(v, np.int64), (m,))

        parts.append(
            {
                "tail": np.asarray(tail, np.int64),
                "head": np.asarray(head, np.int64),
                "cap": np.broadcast_to(np.asarray(cap, np.int64), (m,)),
                "cost": np.broadcast_to(np.asarray(cost, np.int64), (m,)),
                "kind": np.full(m, kind, np.int8),
                "og": col(og),
                "rg": col(rg),
                "hub": col(hub),
                "ch": col(ch),
                "k": col(k),
                "layer": col(layer),
                "prio": np.zeros(m, np.int64) if prio is None else col(prio),
                "tier": col(tier),
            }
        )

    add(
        TRANSPORT,
        og_node[t_og],
        chain_node(t_ch, t_k, t_layer),
        og_cum[t_og],
        t_cost,
        og=t_og,
        ch=t_ch,
        k=t_k,
        layer=t_layer,
    )
    # origin wait arcs: a group's goods may leave with a later group of its chain (they arrive no later than
    # if sent at once, and the destination chain lets them wait), cost 0
    ow = og_order[:-1][og_chain[og_order[1:]] == og_chain[og_order[:-1]]]
    if ow.size:
        nxt = og_order[og_rank[ow] + 1]
        add(ORIGIN_WAIT, og_node[ow], og_node[nxt], og_cum[ow], 0, og=ow)
    # wait arcs k -> k+1, plus skip arcs k -> k+step (compositions of wait arcs,
    # so they change nothing but shorten paths, which speeds up cost scaling)
    for layer, chs, lens in ((1, np.arange(n_ch), ch_len), (0, c_chains, c_len)):
        for step in WAIT_STEPS:
            nw = np.maximum(lens - step, 0)
            ch_rep = np.repeat(chs, nw)
            k_rep = np.arange(ch_rep.size) - np.repeat(np.cumsum(nw) - nw, nw)
            if step > 1:
                sel = k_rep % step == 0
                ch_rep, k_rep = ch_rep[sel], k_rep[sel]
            add(
                WAIT,
                chain_node(ch_rep, k_rep, layer),
                chain_node(ch_rep, k_rep + step, layer),
                big,
                0,
                ch=ch_rep,
                k=k_rep,
                layer=layer,
            )
    if n_fn:
        all_ch = np.repeat(c_chains, c_len)
        all_k = np.arange(n_fn) - np.repeat(c_base[:-1], c_len)
        add(TRANSFER, chain_node(all_ch, all_k, 0), chain_node(all_ch, all_k, 1), big, 0, ch=all_ch, k=all_k, layer=0)
    # demand arcs chain -> hub (solo hubs: clean layer; others: full layer if the chain has one)
    d_layer = np.where(d_solo, 0, 1)
    hub_qty = segment_sum(rg_hub, rg_qty, n_hub)
    dm = ~d_merged
    add(
        DEMAND,
        chain_node(ch_of_d[dm], d_k[dm], d_layer[dm]),
        hub_node[d_hub[dm]],
        hub_qty[d_hub[dm]],
        d_pen[dm],
        hub=d_hub[dm],
        ch=ch_of_d[dm],
        k=d_k[dm],
        layer=d_layer[dm],
    )
    # direct arcs: solo offer groups × solo hubs
    so = np.flatnonzero(og_is_solo)
    sh = np.flatnonzero(hub_solo)
    if so.size and sh.size:
        ga, gb = np.meshgrid(so, sh, indexing="ij")
        a, b = ga.ravel(), gb.ravel()
        pen = acc[og_item[a], hub_item[b]]
        okd = (pen >= 0) & (og_nat[a] != hub_nat[b]) & rel[og_cls[a], hub_nat[b]]
        okd &= og_ship[a] + tr[og_site[a], hub_site[b]] <= hub_day[b]
        excl = set(zip(ex_o.tolist(), ex_r.tolist(), strict=False))
        ol = o_use[og_first[a]]
        hub_line = np.zeros(n_hub, np.int64)
        hub_line[rg_hub] = r_use[rg_first]  # a solo hub has exactly one line
        rl = hub_line[b]
        okd &= np.array([(int(x), int(y)) not in excl for x, y in zip(ol, rl, strict=False)], dtype=bool)
        a, b, pen = a[okd], b[okd], pen[okd]
        cost = np.rint(w[og_item[a]] * km[og_site[a], hub_site[b]]).astype(np.int64) + pen
        add(DIRECT, og_node[a], hub_node[b], np.minimum(og_qty[a], hub_qty[b]), cost, og=a, hub=b)
    # met arcs hub -> sink (or tier) per request group, and spare arcs
    # met arcs leave the hub node, or for a merged hub its one source chain node (with that demand arc's penalty)
    src_ch = np.full(n_hub, -1, np.int64)
    src_k = np.full(n_hub, -1, np.int64)
    src_pen = np.zeros(n_hub, np.int64)
    src_ch[d_hub[d_merged]], src_k[d_hub[d_merged]], src_pen[d_hub[d_merged]] = (
        ch_of_d[d_merged],
        d_k[d_merged],
        d_pen[d_merged],
    )
    m_ch, m_k = src_ch[rg_hub], src_k[rg_hub]
    m_tail = hub_node[rg_hub]
    mg = merged[rg_hub]
    m_tail[mg] = chain_node(m_ch[mg], m_k[mg], 1)
    m_layer = np.where(merged[rg_hub], 1, -1)
    m_cost = src_pen[rg_hub]
    if tiers:
        add(
            MET,
            m_tail,
            tier_node[rg_tier],
            rg_qty,
            m_cost,
            rg=np.arange(n_rg),
            hub=rg_hub,
            prio=rg_prio,
            tier=rg_tier,
            ch=m_ch,
            k=m_k,
            layer=m_layer,
        )
        t_qty = segment_sum(rg_tier, rg_qty, n_tier)
        add(TIER, tier_node, fam_sink[rg_item[t_first]], t_qty, 0, prio=rg_prio[t_first], tier=np.arange(n_tier))
    else:
        add(
            MET,
            m_tail,
            fam_sink[rg_item],
            rg_qty,
            m_cost,
            rg=np.arange(n_rg),
            hub=rg_hub,
            prio=rg_prio,
            ch=m_ch,
            k=m_k,
            layer=m_layer,
        )
    add(SPARE, og_node, fam_sink[og_item], og_qty, 0, og=np.arange(n_og))

    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[og_node] = og_qty
    np.subtract.at(supply, fam_sink[og_item], og_qty)

    return Network(
        n_nodes=n_nodes,
        tail=cat["tail"],
        head=cat["head"],
        cap=cat["cap"].copy(),
        cost=cat["cost"].copy(),
        kind=cat["kind"],
        supply=supply,
        node_family=node_family,
        og_line_group=og_inv,
        og_lines=o_use,
        og_qty=og_qty,
        og_chain=og_chain,
        og_rank=og_rank,
        rg_line_group=rg_inv,
        rg_lines=r_use,
        rg_qty=rg_qty,
        rg_priority=rg_prio,
        arc_og=cat["og"],
        arc_rg=cat["rg"],
        arc_hub=cat["hub"],
        arc_chain=cat["ch"],
        arc_day=cat["k"],
        arc_layer=cat["layer"],
        sink_of_family=sink_of_family,
        arc_prio=cat["prio"],
        weighted_kind=TIER if tiers else MET,
        tier_nation=rg_nat[t_first],
        tier_family=fam[rg_item[t_first]],
        tier_priority=rg_prio[t_first],
        arc_tier=cat["tier"],
    )
