"""Distances between schools, vectorised. Pure: no Django."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_KM = 6371.0088


def haversine_km(
    lat1: NDArray[np.float64], lon1: NDArray[np.float64], lat2: NDArray[np.float64], lon2: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Great-circle distance in km between paired points (arrays of equal shape, or broadcastable)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def planar_km(lat: NDArray[np.float64], lon: NDArray[np.float64], ref_lat: float) -> NDArray[np.float64]:
    """Equirectangular projection to km, accurate enough to find candidates within tens of km; the
    distances used are then recomputed exactly with `haversine_km`."""
    x = np.radians(lon) * EARTH_RADIUS_KM * np.cos(np.radians(ref_lat))
    y = np.radians(lat) * EARTH_RADIUS_KM
    return np.column_stack([x, y])
