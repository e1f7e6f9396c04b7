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


def haversine_pairs_km(
    lat1: NDArray[np.float64],
    lon1: NDArray[np.float64],
    lat2: NDArray[np.float64],
    lon2: NDArray[np.float64],
    i: NDArray[np.int64],
    j: NDArray[np.int64],
) -> NDArray[np.float64]:
    """`haversine_km` for the pairs (i, j) of two point sets, with the trigonometry done once per point
    rather than once per pair: sin((b−a)/2) = sin(b/2)cos(a/2) − cos(b/2)sin(a/2)."""
    p1, l1 = np.radians(lat1) / 2, np.radians(lon1) / 2
    p2, l2 = np.radians(lat2) / 2, np.radians(lon2) / 2
    sp1, cp1, sl1, cl1 = np.sin(p1), np.cos(p1), np.sin(l1), np.cos(l1)
    sp2, cp2, sl2, cl2 = np.sin(p2), np.cos(p2), np.sin(l2), np.cos(l2)
    cos1 = cp1**2 - sp1**2  # cos(φ1) from the half angle
    cos2 = cp2**2 - sp2**2
    dphi = sp2[j] * cp1[i] - cp2[j] * sp1[i]
    dlmb = sl2[j] * cl1[i] - cl2[j] * sl1[i]
    a = dphi * dphi + cos1[i] * cos2[j] * (dlmb * dlmb)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
