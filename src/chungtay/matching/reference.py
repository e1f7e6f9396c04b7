"""Independent solvers to check the engine against: a greedy baseline (what an officer does by hand,
best pair first) and an exact assignment by scipy's `linear_sum_assignment` on the capacity-expanded
matrix (each supporting school repeated once per place). Both handle the common case: supported schools
take one partner and supporting schools have no minimum load."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from chungtay.matching.engine import (
    Rules,
    SchoolInput,
    _candidate_pairs,
    _coordinates,
    _pair_quality,
    _score_matrix,
)
from chungtay.matching.geometry import haversine_km


def candidate_quality(
    supporting: Sequence[SchoolInput], supported: Sequence[SchoolInput], rules: Rules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The allowed pairs (index arrays into the ID-sorted inputs) and their quality."""
    sup = sorted(supporting, key=lambda s: s.id)
    tgt = sorted(supported, key=lambda s: s.id)
    areas = sorted(rules.area_weights)
    weights = np.array([float(rules.area_weights[a]) for a in areas])
    s_scores, _ = _score_matrix(sup, areas, rules.default_score)
    t_scores, _ = _score_matrix(tgt, areas, rules.default_score)
    i, j = _candidate_pairs(sup, tgt, rules)
    slat, slon, _ = _coordinates(sup)
    tlat, tlon, _ = _coordinates(tgt)
    distance = haversine_km(slat[i], slon[i], tlat[j], tlon[j]) if len(i) else np.zeros(0)
    keep = np.ones(len(i), dtype=bool)
    if rules.max_distance_km is not None:
        keep &= distance <= rules.max_distance_km
    forbidden = {(a, b) for a, b in rules.forbidden}
    if forbidden:
        keep &= np.array(
            [(sup[a].id, tgt[b].id) not in forbidden for a, b in zip(i, j, strict=True)], dtype=bool
        )
    i, j, distance = i[keep], j[keep], distance[keep]
    return i, j, _pair_quality(i, j, s_scores, t_scores, weights, distance, rules.distance_weight)


def greedy(
    supporting: Sequence[SchoolInput], supported: Sequence[SchoolInput], rules: Rules
) -> tuple[int, float]:
    """(covered, total quality) of taking the best remaining pair first."""
    sup = sorted(supporting, key=lambda s: s.id)
    i, j, q = candidate_quality(supporting, supported, rules)
    left = [s.capacity for s in sup]
    taken: set[int] = set()
    total = 0.0
    for n in np.lexsort((j, i, -q)):
        a, b = int(i[n]), int(j[n])
        if b in taken or left[a] == 0:
            continue
        taken.add(b)
        left[a] -= 1
        total += float(q[n])
    return len(taken), total


def exact_by_assignment(
    supporting: Sequence[SchoolInput], supported: Sequence[SchoolInput], rules: Rules
) -> tuple[int, float]:
    """(covered, total quality) of the exact optimum — most schools covered, then best quality — by
    linear_sum_assignment over supported schools × supporting places."""
    sup = sorted(supporting, key=lambda s: s.id)
    tgt = sorted(supported, key=lambda s: s.id)
    i, j, q = candidate_quality(supporting, supported, rules)
    slots = np.repeat(np.arange(len(sup)), [s.capacity for s in sup])
    if not len(slots) or not len(tgt):
        return 0, 0.0
    big = 2.0 * (float(np.abs(q).sum()) + 1.0)
    gain = np.zeros((len(tgt), len(slots)))
    best = np.full((len(tgt), len(sup)), np.nan)
    best[j, i] = q
    allowed = ~np.isnan(best[:, slots])
    gain[allowed] = big + best[:, slots][allowed]
    rows, cols = linear_sum_assignment(gain, maximize=True)
    chosen = allowed[rows, cols]
    return int(chosen.sum()), float(best[rows[chosen], slots[cols[chosen]]].sum())
