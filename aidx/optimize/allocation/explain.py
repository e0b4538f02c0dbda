"""Why a request line stays unmet and why an offer line stays unused, after a solve.

Each line left with a quantity gets one reason code: the first rule of feasibility (feasibility.py) that rules out
every counterpart it might have had, in the order a person would ask. For a request line:

- ``no_offer``: no other nation offers the item or a substitute it accepts;
- ``substitutes_refused``: only substitutes are offered, and the request takes none (an excluded pair with that
  cause, see below);
- ``not_releasable``: every such offer is withheld from the requester (or the request from the offerer);
- ``declined``: the requester declined every offer left that could serve it;
- ``too_late``: none of them can arrive by the needed-by day given the transit (or is available no longer);
- ``short``: some could, but what they hold went to more urgent or nearer needs (or was shared fairly).

For an offer line with quantity left: ``no_request``, ``not_releasable``, ``declined``, ``too_late``, and ``surplus``
(more is offered than the needs it can reach take).

The engine knows an excluded pair only as excluded; ``excluded_why`` (offer id, request id) -> cause tells it the
cause the caller had (``substitutes_refused``, ``not_releasable`` or ``declined``; ``declined`` if not given).
Work and memory are linear in the number of (line, counterpart of the same substitution family) pairs examined.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .feasibility import acceptance, release_matrix, ship_days, site_km, transit_days
from .model import Problem, Result

# The order in which a counterpart is ruled out; a line's reason is the furthest stage any counterpart reached.
REQUEST_STAGES = ("no_offer", "substitutes_refused", "not_releasable", "declined", "too_late", "short")
OFFER_STAGES = ("no_request", "substitutes_refused", "not_releasable", "declined", "too_late", "surplus")


@dataclass(frozen=True)
class Reason:
    line: Any  # the line's id
    quantity: int  # what is left unmet or unused
    reason: str


@dataclass(frozen=True)
class Explanation:
    requests: tuple[Reason, ...]
    offers: tuple[Reason, ...]


def explain(
    problem: Problem, result: Result, *, excluded_why: Mapping[tuple[Any, Any], str] | None = None
) -> Explanation:
    of, rq = problem.offers, problem.requests
    used = np.bincount(result.alloc_offer, weights=result.alloc_qty, minlength=len(of)).astype(np.int64)
    unused = of.quantity - used
    unmet = result.unmet
    wanted_r = np.flatnonzero(unmet > 0)
    wanted_o = np.flatnonzero(unused > 0)
    if not wanted_r.size and not wanted_o.size:
        return Explanation((), ())
    acc = acceptance(problem)
    rel = release_matrix(problem)
    transit = transit_days(site_km(problem), problem.params.base_days, problem.params.km_per_day)
    ship = ship_days(problem)
    # The cause of each excluded pair, as a stage code: 1 substitutes refused, 2 not releasable, 3 declined.
    cause_stage = {"substitutes_refused": 1, "not_releasable": 2, "declined": 3}
    given = excluded_why or {}
    ex_o, ex_r = problem.excluded
    excluded = {
        (o, r): cause_stage.get(given.get((_plain(of.ids[o]), _plain(rq.ids[r])), "declined"), 3)
        for o, r in zip(ex_o.tolist(), ex_r.tolist(), strict=True)
    }
    serves: dict[int, list[int]] = defaultdict(list)  # requested item -> offered items that may serve it
    served_by: dict[int, list[int]] = defaultdict(list)  # offered item -> requested items it may serve
    for offered, requested in zip(*np.nonzero(acc >= 0), strict=True):
        serves[int(requested)].append(int(offered))
        served_by[int(offered)].append(int(requested))

    def stages(o: np.ndarray, r: np.ndarray) -> np.ndarray:
        """How far each pair (o[k], r[k]) gets: 0 same nation, 1 substitutes refused, 2 not releasable,
        3 declined, 4 too late, 5 feasible."""
        late = (ship[o] > of.available_until[o]) | (ship[o] + transit[of.site[o], rq.site[r]] > rq.needed_by[r])
        result = np.where(late, 4, 5)
        result = np.where(rel[of.release_class[o], rq.nation[r]], result, 2)
        if excluded:
            cause = np.array([excluded.get((a, b), 9) for a, b in zip(o.tolist(), r.tolist(), strict=True)])
            result = np.minimum(result, cause)
        return np.where(of.nation[o] == rq.nation[r], 0, result)

    def furthest(
        lines: np.ndarray,
        item_of: np.ndarray,
        partners: dict[int, list[int]],
        other_item: np.ndarray,
        request_side: bool,
    ) -> np.ndarray:
        """For each line, the furthest stage over every counterpart of an item it may pair with."""
        best = np.zeros(len(lines), dtype=np.int64)
        by_other: dict[int, np.ndarray] = {}
        for item in np.unique(item_of[lines]).tolist():
            group = np.flatnonzero(item_of[lines] == item)
            others = [by_other.setdefault(i, np.flatnonzero(other_item == i)) for i in partners[item]]
            counterparts = np.concatenate(others) if others else np.zeros(0, np.int64)
            if not counterparts.size:
                continue
            step = max(1, _BLOCK // counterparts.size)
            for start in range(0, group.size, step):
                block = lines[group[start : start + step]]
                mine = np.repeat(block, counterparts.size)
                theirs = np.tile(counterparts, block.size)
                pairs = stages(theirs, mine) if request_side else stages(mine, theirs)
                best[group[start : start + step]] = pairs.reshape(block.size, counterparts.size).max(axis=1)
        return best

    request_stage = furthest(wanted_r, rq.item, serves, of.item, request_side=True)
    offer_stage = furthest(wanted_o, of.item, served_by, rq.item, request_side=False)
    return Explanation(
        tuple(
            Reason(_plain(rq.ids[r]), int(unmet[r]), REQUEST_STAGES[s])
            for r, s in zip(wanted_r.tolist(), request_stage.tolist(), strict=True)
        ),
        tuple(
            Reason(_plain(of.ids[o]), int(unused[o]), OFFER_STAGES[s])
            for o, s in zip(wanted_o.tolist(), offer_stage.tolist(), strict=True)
        ),
    )


_BLOCK = 1 << 21  # pairs judged at once (a few tens of MB of temporaries)


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v
