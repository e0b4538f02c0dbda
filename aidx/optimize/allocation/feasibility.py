"""Feasibility rules shared by every solver of the allocation engine.

An offer line ``o`` may serve a request line ``r`` iff all of:

1. item: ``o.item == r.item`` (penalty 0) or a substitution
   ``(offered=o.item, requested=r.item, penalty)`` exists (the smallest penalty
   counts if given twice);
2. releasability: ``o.releasable_to`` is None or contains ``r.nation``;
3. ``o.nation != r.nation``;
4. ``(o, r)`` is not an excluded pair;
5. time: ship day ``t = max(o.available_from, params.today)`` (just
   ``available_from`` when ``today`` is None); ``t <= o.available_until`` and
   ``t + transit_days(o.site, r.site) <= r.needed_by`` where
   ``transit_days = base_days + ceil(km / km_per_day)`` and ``km`` is the
   haversine great-circle distance with Earth radius 6371.0088 km (0 for the
   same site, so transit = ``base_days``).

Unit transport cost of a pair: ``round(unit_weight_kg(o.item) * km)`` kg·km
(numpy ``rint``: nearest integer, ties to even); the solvers optimise this
integer, so the reported ton-km = kg·km / 1000 is exact for the integer model
and within 0.0005 t·km per unit of the unrounded value.
"""

from __future__ import annotations

import numpy as np

from ..geo import distance_matrix_km
from ..geo import haversine_km as haversine_km  # matching's tonne-km per pair imports it from here
from .model import Problem


def site_km(problem: Problem) -> np.ndarray:
    """(sites × sites) great-circle distance matrix in km (exactly 0 on the diagonal)."""
    return distance_matrix_km([s.lat for s in problem.sites], [s.lon for s in problem.sites])


def transit_days(km: np.ndarray, base_days: int, km_per_day: float) -> np.ndarray:
    return (base_days + np.ceil(km / km_per_day)).astype(np.int64)


def ship_days(problem: Problem) -> np.ndarray:
    of = problem.offers
    t = of.available_from.astype(np.int64)
    if problem.params.today is not None:
        t = np.maximum(t, int(problem.params.today))
    return t


def unit_weights(problem: Problem) -> np.ndarray:
    return np.array([it.unit_weight_kg for it in problem.items], dtype=np.float64)


def acceptance(problem: Problem) -> np.ndarray:
    """(items × items) int64 matrix: penalty of offered item i for requested j, -1 if not allowed."""
    n = len(problem.items)
    acc = np.full((n, n), -1, dtype=np.int64)
    for a, b, pen in problem.substitutions:
        if acc[a, b] < 0 or pen < acc[a, b]:
            acc[a, b] = pen
    np.fill_diagonal(acc, 0)
    return acc


def families(problem: Problem) -> np.ndarray:
    """Family (connected component of the substitution graph) of each item,
    labelled by the smallest item index in it."""
    n = len(problem.items)
    parent = np.arange(n)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for a, b, _ in problem.substitutions:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def release_matrix(problem: Problem) -> np.ndarray:
    """(release classes × nations) bool: may a class be released to a nation."""
    nat = {n: k for k, n in enumerate(problem.nations)}
    m = np.zeros((len(problem.release_classes), len(problem.nations)), dtype=bool)
    for c, cls in enumerate(problem.release_classes):
        if cls is None:
            m[c, :] = True
        else:
            for n in cls:
                if n in nat:
                    m[c, nat[n]] = True
    return m


def remaining(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Offer and request quantities left after the fixed allocations."""
    of, rq = problem.offers, problem.requests
    fo, fr, fq = problem.fixed
    o_left = of.quantity - np.bincount(fo, weights=fq, minlength=len(of)).astype(np.int64)
    r_left = rq.quantity - np.bincount(fr, weights=fq, minlength=len(rq)).astype(np.int64)
    return o_left, r_left


def pair_costs(
    problem: Problem, o: np.ndarray, r: np.ndarray, km: np.ndarray | None = None, acc: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(kg·km per unit, substitution penalty per unit) of offer/request line pairs."""
    km = site_km(problem) if km is None else km
    acc = acceptance(problem) if acc is None else acc
    of, rq = problem.offers, problem.requests
    w = unit_weights(problem)
    kgkm = np.rint(w[of.item[o]] * km[of.site[o], rq.site[r]]).astype(np.int64)
    pen = acc[of.item[o], rq.item[r]]
    return kgkm, pen


def feasible_pairs(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """All feasible (offer line, request line) pairs by the rules above, computed
    pair by pair (quadratic: meant for small problems, tests and oracles)."""
    of, rq = problem.offers, problem.requests
    no, nr = len(of), len(rq)
    if no == 0 or nr == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    km = site_km(problem)
    tr = transit_days(km, problem.params.base_days, problem.params.km_per_day)
    acc = acceptance(problem)
    rel = release_matrix(problem)
    t = ship_days(problem)
    og, rg = np.meshgrid(np.arange(no), np.arange(nr), indexing="ij")
    o, r = og.ravel(), rg.ravel()
    ok = acc[of.item[o], rq.item[r]] >= 0
    ok &= rel[of.release_class[o], rq.nation[r]]
    ok &= of.nation[o] != rq.nation[r]
    ok &= t[o] <= of.available_until[o]
    ok &= t[o] + tr[of.site[o], rq.site[r]] <= rq.needed_by[r]
    ex_o, ex_r = problem.excluded
    if ex_o.size:
        bad = np.zeros((no, nr), dtype=bool)
        bad[ex_o, ex_r] = True
        ok &= ~bad.ravel()
    return o[ok].astype(np.int64), r[ok].astype(np.int64)
