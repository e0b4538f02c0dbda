"""Random small instances for the allocation tests."""

from __future__ import annotations

import numpy as np

from aidx.optimize.allocation import Item, OfferLine, Params, Problem, RequestLine, Site, Substitution

SITES = (
    Site("OSL", 59.91, 10.75),
    Site("WAW", 52.23, 21.01),
    Site("LIS", 38.72, -9.14),
    Site("HEL", 60.17, 24.94),
    Site("ATH", 37.98, 23.73),
    Site("KBP", 50.45, 30.52),
)
NATIONS = ("NOR", "POL", "PRT", "FIN", "GRC", "UKR")


def random_problem(
    seed: int, n_req: int = 8, n_off: int = 8, n_items: int = 4, excl: int = 2, fixed: int = 1, subs: bool = True
) -> Problem:
    rng = np.random.default_rng(seed)
    items = [Item(f"i{k}", float(rng.choice([0.5, 2.0, 10.0, 25.0]))) for k in range(n_items)]
    s = []
    if subs:
        for a in range(n_items):
            for b in range(n_items):
                if a != b and rng.random() < 0.3:
                    s.append(Substitution(f"i{a}", f"i{b}", int(rng.integers(0, 3000))))
    sites = SITES[: int(rng.integers(2, len(SITES) + 1))]
    reqs = []
    for k in range(n_req):
        si = int(rng.integers(len(sites)))
        reqs.append(
            RequestLine(
                f"r{k}",
                NATIONS[si] if rng.random() < 0.8 else str(rng.choice(NATIONS)),
                f"i{rng.integers(n_items)}",
                int(rng.integers(0, 30)),
                int(rng.integers(1, 5)),
                int(rng.integers(3, 12)),
                sites[si].id,
            )
        )
    offs = []
    for k in range(n_off):
        si = int(rng.integers(len(sites)))
        a = int(rng.integers(0, 8))
        u = rng.random()
        rel = None if u < 0.5 else frozenset(rng.choice(NATIONS, size=int(rng.integers(1, 4)), replace=False).tolist())
        offs.append(
            OfferLine(
                f"o{k}",
                NATIONS[si],
                f"i{rng.integers(n_items)}",
                int(rng.integers(0, 40)),
                a,
                a + int(rng.integers(-1, 6)),
                sites[si].id,
                rel,
            )
        )
    ex = set()
    for _ in range(excl):
        ex.add((f"o{rng.integers(n_off)}", f"r{rng.integers(n_req)}"))
    fx = []
    ocap = {o.id: o.quantity for o in offs}
    rcap = {r.id: r.quantity for r in reqs}
    for _ in range(fixed):
        o = offs[int(rng.integers(n_off))]
        r = reqs[int(rng.integers(n_req))]
        q = int(min(ocap[o.id], rcap[r.id], rng.integers(0, 6)))
        if q > 0:
            fx.append((o.id, r.id, q))
            ocap[o.id] -= q
            rcap[r.id] -= q
    today = int(rng.integers(0, 4)) if rng.random() < 0.3 else None
    return Problem.build(
        requests=reqs,
        offers=offs,
        sites=sites,
        items=items,
        substitutions=s,
        excluded=sorted(ex),
        fixed=fx,
        params=Params(today=today),
    )
