"""The one great-circle distance: a leg, a matrix and the allocation engine's pairs measure the same km."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from aidx.optimize.allocation.feasibility import site_km
from aidx.optimize.allocation.model import Item, OfferLine, Problem, RequestLine, Site
from aidx.optimize.geo import EARTH_RADIUS_KM, distance_matrix_km, haversine_km

LAT = st.floats(min_value=-90, max_value=90, allow_nan=False)
LON = st.floats(min_value=-180, max_value=180, allow_nan=False)


def test_it_measures_known_distances():
    assert math.isclose(haversine_km(59.91, 10.75, 52.23, 21.01), 1062.7, abs_tol=0.1)  # Oslo - Warsaw
    assert math.isclose(haversine_km(0, 0, 0, 180), math.pi * EARTH_RADIUS_KM)  # half the equator
    assert haversine_km(45.0, 9.0, 45.0, 9.0) == 0.0
    assert isinstance(haversine_km(1.0, 2.0, 3.0, 4.0), float)


@given(st.lists(st.tuples(LAT, LON), min_size=1, max_size=6))
def test_a_matrix_is_the_pairwise_distances(points):
    lat, lon = [p[0] for p in points], [p[1] for p in points]
    km = distance_matrix_km(lat, lon)
    assert km.shape == (len(points), len(points)) and (np.diag(km) == 0).all()
    for i, (a_lat, a_lon) in enumerate(points):
        for j, (b_lat, b_lon) in enumerate(points):
            if i != j:
                # numpy's vectorised trigonometry may differ from math's in the last bit
                assert math.isclose(km[i, j], haversine_km(a_lat, a_lon, b_lat, b_lon), rel_tol=1e-12, abs_tol=1e-9)
    assert np.allclose(km, km.T) and (km >= 0).all() and (km <= math.pi * EARTH_RADIUS_KM + 1e-6).all()


def test_the_allocation_engine_uses_it():
    sites = [Site("OSL", 59.91, 10.75), Site("WAW", 52.23, 21.01)]
    problem = Problem.build(
        requests=[RequestLine("r", "POL", "tent", 1, 1, 30, "WAW")],
        offers=[OfferLine("o", "NOR", "tent", 1, 0, 9, "OSL")],
        sites=sites,
        items=[Item("tent", 10.0)],
    )
    assert site_km(problem)[0, 1] == haversine_km(59.91, 10.75, 52.23, 21.01)
