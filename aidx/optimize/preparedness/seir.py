"""Hospital and ICU occupancy of a wave, by the method of Penn Medicine's CHIME hospital-impact model.

CHIME runs a compartmental model (SIR, and SEIR in later versions) whose transmission changes on given dates
(social distancing, here an Rt that changes on given days), takes each day's new infections times the hospital
(and ICU) rate as admissions, and the admissions of the last length-of-stay days as the census. This module does
the same with a SEIR model integrated by scipy's `solve_ivp` (see pyproject.toml for why not a dedicated package):

    S' = −β S I,  E' = β S I − σ E,  I' = σ E − γ I,  R' = γ I,   β = Rt · γ,  σ = 1/incubation,  γ = 1/infectious

in shares of the population. Rt is constant between its change days, so each stretch between two change days is
integrated on its own (no discontinuity inside a step), with every curve of every run in one system.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.integrate import solve_ivp

from .model import Nation


def _segments(curves: list[tuple[tuple[int, float], ...]], days: int) -> list[int]:
    cuts = {0, days}
    for rt in curves:
        cuts.update(d for d, _ in rt if 0 < d < days)
    return sorted(cuts)


def _rt_on(rt: tuple[tuple[int, float], ...], day: int) -> float:
    value = rt[0][1]
    for start, r in rt:
        if start <= day:
            value = r
    return value


def new_infections(
    populations: np.ndarray,
    infected: np.ndarray,
    rts: list[tuple[tuple[int, float], ...]],
    rt_factor: np.ndarray,
    incubation: np.ndarray,
    infectious: np.ndarray,
    days: int,
) -> np.ndarray:
    """Daily new infections [K, days] of K curves (each with its own Rt schedule times `rt_factor`)."""
    k = populations.size
    i0 = infected / populations
    y = np.concatenate([1.0 - i0, np.zeros(k), i0, np.zeros(k)])
    sigma, gamma = 1.0 / incubation, 1.0 / infectious
    s_daily = np.empty((k, days + 1))
    cuts = _segments(rts, days)
    for start, end in itertools.pairwise(cuts):
        beta = np.array([_rt_on(rt, start) for rt in rts]) * rt_factor * gamma

        def rhs(_t: float, v: np.ndarray, beta: np.ndarray = beta) -> np.ndarray:
            s, e, i = v[:k], v[k : 2 * k], v[2 * k : 3 * k]
            infect = beta * s * i
            return np.concatenate([-infect, infect - sigma * e, sigma * e - gamma * i, gamma * i])

        t_eval = np.arange(start, end + 1, dtype=np.float64)
        sol = solve_ivp(rhs, (start, end), y, t_eval=t_eval, method="RK45", rtol=1e-7, atol=1e-10)
        if not sol.success:  # pragma: no cover - RK45 on this smooth system does not fail
            raise RuntimeError(f"SEIR integration failed: {sol.message}")
        s_daily[:, start : end + 1] = sol.y[:k]
        y = sol.y[:, -1]
    return np.clip(s_daily[:, :-1] - s_daily[:, 1:], 0.0, None) * populations[:, None]


def census(admissions: np.ndarray, length_of_stay: np.ndarray) -> np.ndarray:
    """Occupancy [K, days]: the admissions of the last `length_of_stay` days (rounded, at least one)."""
    stay = np.maximum(1, np.rint(length_of_stay).astype(np.int64))
    cum = np.concatenate([np.zeros((admissions.shape[0], 1)), np.cumsum(admissions, axis=1)], axis=1)
    days = admissions.shape[1]
    t = np.arange(1, days + 1)
    lower = np.maximum(0, t[None, :] - stay[:, None])
    return cum[:, 1:] - np.take_along_axis(cum, lower, axis=1)


def occupancy(
    nations: tuple[Nation, ...] | list[Nation],
    horizon: int,
    *,
    rt_factor: np.ndarray | None = None,
    rate_factor: np.ndarray | None = None,
    shift: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hospital and ICU occupancy [runs, nations, horizon] for each run's draw (default: one central run).

    `shift[r]` > 0 moves run r's curve that many days later (the first day's figure fills the start), < 0 earlier.
    Given (uploaded) curves are shifted and scaled by `rate_factor` too; shorter ones end on their last figure.
    """
    rt_factor = np.ones(1) if rt_factor is None else np.asarray(rt_factor, dtype=np.float64)
    runs = rt_factor.size
    rate_factor = np.ones(runs) if rate_factor is None else np.asarray(rate_factor, dtype=np.float64)
    shift = np.zeros(runs, np.int64) if shift is None else np.asarray(shift, dtype=np.int64)
    pad = int(np.abs(shift).max()) if shift.size else 0
    days = horizon + pad
    n = len(nations)
    hosp = np.zeros((runs, n, days))
    icu = np.zeros((runs, n, days))
    modelled = [j for j, nation in enumerate(nations) if nation.seir is not None]
    if modelled:
        seirs = [nations[j].seir for j in modelled]
        assert all(s is not None for s in seirs)

        def column(name: str) -> np.ndarray:
            return np.tile(np.array([float(getattr(s, name)) for s in seirs]), runs)

        new = new_infections(
            column("population"),
            column("infected"),
            [s.rt for s in seirs] * runs,  # type: ignore[union-attr]
            np.repeat(rt_factor, len(modelled)),
            column("incubation_days"),
            column("infectious_days"),
            days,
        )
        scale = np.repeat(rate_factor, len(modelled))[:, None]
        h = census(new * column("hospital_rate")[:, None] * scale, column("hospital_days"))
        c = census(new * column("icu_rate")[:, None] * scale, column("icu_days"))
        hosp[:, modelled, :] = h.reshape(runs, len(modelled), days)
        icu[:, modelled, :] = c.reshape(runs, len(modelled), days)
    for j, nation in enumerate(nations):
        if nation.seir is None:
            for target, given in ((hosp, nation.hospital), (icu, nation.icu)):
                curve = np.asarray(given, dtype=np.float64)[:days]
                filled = np.concatenate([curve, np.full(days - curve.size, curve[-1] if curve.size else 0.0)])
                target[:, j, :] = filled[None, :] * rate_factor[:, None]
    return _shifted(hosp, shift, horizon), _shifted(icu, shift, horizon)


def _shifted(curves: np.ndarray, shift: np.ndarray, horizon: int) -> np.ndarray:
    """Each run's curves moved by its shift: day t shows day t − shift (clamped to the days computed)."""
    t = np.arange(horizon)[None, :] - shift[:, None]
    t = np.clip(t, 0, curves.shape[2] - 1)
    return np.take_along_axis(curves, t[:, None, :].repeat(curves.shape[1], axis=1), axis=2)
