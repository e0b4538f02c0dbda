"""The largest gaps of a simulation, and what would close each: computed from the median run, never typed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Problem, Result

MEDIAN = 1


@dataclass(frozen=True)
class Gap:
    """`quantity` more of `resource` (None: airlift, in tonnes a week) ready by `by_day` would close the gap;
    `nations` are those short, most short first."""

    resource: str | None
    priority: int
    quantity: float
    by_day: int
    nations: tuple[str, ...]


def gaps(problem: Problem, result: Result, *, top: int = 10) -> list[Gap]:
    out = []
    short = result.shortfall[MEDIAN]  # [N, J, W]
    for j, resource in enumerate(problem.resources):
        per_nation = short[:, j, :].max(axis=1) if resource.durable else short[:, j, :].sum(axis=1)
        total = float(per_nation.sum())
        if total < 0.5:
            continue
        order = np.argsort(-per_nation)
        nations = tuple(result.nations[n] for n in order if per_nation[n] >= 0.5)
        by_day = int(result.days_of_cover[MEDIAN, :, j].min())
        out.append(Gap(resource.code, resource.priority, float(np.ceil(total)), by_day, nations))
    lacking = result.airlift_needed_t[MEDIAN] - result.airlift_pledged_t
    if problem.airlift_limited and (lacking > 0.5).any():
        first = int(np.argmax(lacking > 0.5))
        out.append(Gap(None, 1, float(np.ceil(lacking.max())), first * result.step_days, ()))
    out.sort(key=lambda g: (g.priority, -g.quantity))
    return out[:top]
