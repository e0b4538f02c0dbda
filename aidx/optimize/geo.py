"""The one great-circle distance of aidx: the engines' costs and transit times, the planner's legs, and the
range check of a mission's leg all measure the same kilometres.

Haversine on a sphere of the IUGG mean Earth radius (6371.0088 km), in degrees. It takes numbers or numpy
arrays (broadcast against each other) and returns the same shape, so one formula serves a single leg and a
whole distance matrix; docs/allocation-format.md documents it for the allocation engine's files.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np

EARTH_RADIUS_KM = 6371.0088


@overload
def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float: ...


@overload
def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray: ...


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in km between (lat1, lon1) and (lat2, lon2), in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return float(km) if np.ndim(km) == 0 else km


def distance_matrix_km(lat: Any, lon: Any) -> np.ndarray:
    """(n × n) distances between n points given as sequences of degrees; exactly 0 on the diagonal."""
    lat, lon = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    km = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    np.fill_diagonal(km, 0.0)
    return km
