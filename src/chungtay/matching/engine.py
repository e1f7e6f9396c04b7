"""The matching engine: propose supporting–supported groups of schools that maximise complementarity.

Pure Python over numpy/scipy/OR-Tools, with no Django import, so it can be benchmarked and
property-tested on its own (`chungtay.matching.services` feeds it from the database).

The problem. Supporting schools s take between `min_load` and `capacity` supported schools; a supported
school t takes up to `capacity` partners (usually 1). A pair (s, t) is allowed when the schools share a
level (if `same_level`), lie within `max_distance_km` (if set) and is not forbidden. Its quality is

    q(s, t) = sum over areas a of  w_a * max(0, score_s[a] - score_t[a])  -  distance_weight * km(s, t)

— the help s can give where t is weaker, less the cost of travel. The engine returns an assignment that
is exactly optimal, lexicographically: first as many supported schools covered as possible, then as many
supporting schools reaching their minimum load as possible, then the largest total quality. Pinned pairs
are fixed before solving (an impossible pin is an error naming it). It is solved as one min-cost flow
(OR-Tools SimpleMinCostFlow, integer costs, quality in millionths), whose priorities are encoded by
bonuses larger than any possible difference of the lower priorities, so the optimum of the flow is the
optimum of the stated objective. Costs are qualities in millionths (`_scale`: coarser only where the
bonuses would not fit in 64 bits), so the objective is within a millionth per pair of the exact float
optimum. Large instances are pruned first, keeping an optimum provably (`_prune`). Inputs are sorted by
school ID, so equal inputs give equal outputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow
from scipy.spatial import cKDTree

from chungtay.matching.geometry import haversine_pairs_km, planar_km

FINEST_SCALE = 10**6  # quality in millionths as integer costs, unless the instance is too large for it
COST_LIMIT = 2**62  # OR-Tools scales costs by the number of nodes while solving: stay clear of int64
PRUNE_FROM = 100_000  # candidate pairs from which a large instance is pruned (see `_prune`)


class MatchingError(ValueError):
    """The input cannot be matched as stated; `culprits` names what is wrong."""

    def __init__(self, code: str, culprits: Sequence[str] = ()) -> None:
        self.code = code
        self.culprits = tuple(culprits)
        super().__init__(f"{code}: {', '.join(self.culprits)}" if culprits else code)


@dataclass(frozen=True)
class SchoolInput:
    id: str
    levels: frozenset[str]
    latitude: float | None = None
    longitude: float | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    capacity: int = 1
    min_load: int = 0


@dataclass(frozen=True)
class Rules:
    area_weights: Mapping[str, float]
    distance_weight: float = 0.0
    max_distance_km: float | None = None
    same_level: bool = True
    pinned: frozenset[tuple[str, str]] = frozenset()
    forbidden: frozenset[tuple[str, str]] = frozenset()
    default_score: float = 3.0


@dataclass(frozen=True)
class Pair:
    supporting_id: str
    supported_id: str
    quality: float
    distance_km: float | None
    gains: tuple[tuple[str, float], ...]  # area, weighted gain; largest first
    pinned: bool = False


@dataclass
class Result:
    pairs: list[Pair]
    objective: float  # total quality of the pairs
    covered: int  # supported schools with at least one partner
    load_shortfall: int  # units of minimum load not reached
    unmatched: dict[str, str]  # school id -> reason
    warnings: list[str]
    default_scores: list[str]  # schools whose missing scores took the default

    def groups(self) -> dict[str, list[Pair]]:
        grouped: dict[str, list[Pair]] = {}
        for pair in self.pairs:
            grouped.setdefault(pair.supporting_id, []).append(pair)
        return grouped


# --- input checks ----------------------------------------------------------------------------------------


def _validate(supporting: Sequence[SchoolInput], supported: Sequence[SchoolInput], rules: Rules) -> list[str]:
    if not supporting or not supported:
        raise MatchingError("no_schools", ["supporting" if not supporting else "supported"])
    ids = [s.id for s in supporting] + [t.id for t in supported]
    duplicates = sorted({i for i in ids if ids.count(i) > 1}) if len(set(ids)) != len(ids) else []
    if duplicates:
        raise MatchingError("duplicate_school", duplicates)
    bad = [
        s.id for s in [*supporting, *supported] if s.capacity < 0 or s.min_load < 0 or s.min_load > s.capacity
    ]
    if bad:
        raise MatchingError("bad_capacity", bad)
    if any(w < 0 for w in rules.area_weights.values()) or rules.distance_weight < 0:
        raise MatchingError("negative_weight", [a for a, w in rules.area_weights.items() if w < 0])
    total = sum(s.capacity for s in supporting)
    if total < len(supported):
        raise MatchingError("capacity_short", [f"capacity {total} < {len(supported)} supported schools"])
    warnings = []
    if not any(rules.area_weights.values()):
        warnings.append("weights_all_zero")
    warnings.extend(f"capacity_zero:{s.id}" for s in supporting if s.capacity == 0)
    return warnings


# --- candidates ------------------------------------------------------------------------------------------


def _coordinates(
    schools: Sequence[SchoolInput],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    lat = np.array([s.latitude if s.latitude is not None else np.nan for s in schools], dtype=float)
    lon = np.array([s.longitude if s.longitude is not None else np.nan for s in schools], dtype=float)
    return lat, lon, ~(np.isnan(lat) | np.isnan(lon))


def _candidate_pairs(
    supporting: Sequence[SchoolInput], supported: Sequence[SchoolInput], rules: Rules
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Index pairs (i, j) allowed by level and distance (forbidden pairs are removed later)."""
    levels = (
        sorted({lvl for s in [*supporting, *supported] for lvl in s.levels}) if rules.same_level else [""]
    )
    slat, slon, s_ok = _coordinates(supporting)
    tlat, tlon, t_ok = _coordinates(supported)
    chunks_i: list[NDArray[np.int64]] = []
    chunks_j: list[NDArray[np.int64]] = []
    for level in levels:
        si = np.array([i for i, s in enumerate(supporting) if not level or level in s.levels], dtype=np.int64)
        tj = np.array([j for j, t in enumerate(supported) if not level or level in t.levels], dtype=np.int64)
        if not len(si) or not len(tj):
            continue
        if rules.max_distance_km is None:
            chunks_i.append(np.repeat(si, len(tj)))
            chunks_j.append(np.tile(tj, len(si)))
            continue
        si, tj = si[s_ok[si]], tj[t_ok[tj]]
        if not len(si) or not len(tj):
            continue
        ref = float(np.nanmean(np.concatenate([slat[si], tlat[tj]])))
        tree_s = cKDTree(planar_km(slat[si], slon[si], ref))
        tree_t = cKDTree(planar_km(tlat[tj], tlon[tj], ref))
        # a little slack: the projection is approximate; exact distances filter below
        near = tree_s.sparse_distance_matrix(
            tree_t, rules.max_distance_km * 1.01 + 0.01, output_type="ndarray"
        )
        chunks_i.append(si[near["i"]])
        chunks_j.append(tj[near["j"]])
    if not chunks_i:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    i = np.concatenate(chunks_i)
    j = np.concatenate(chunks_j)
    if len(levels) > 1:  # multi-level schools meet on several levels: keep each pair once
        key = np.unique(i * len(supported) + j)
        i, j = key // len(supported), key % len(supported)
    return i.astype(np.int64, copy=False), j.astype(np.int64, copy=False)


# --- quality ---------------------------------------------------------------------------------------------


def _score_matrix(
    schools: Sequence[SchoolInput], areas: Sequence[str], default: float
) -> tuple[NDArray[np.float64], list[str]]:
    matrix = np.empty((len(schools), len(areas)), dtype=float)
    defaulted = []
    for row, school in enumerate(schools):
        missing = False
        for col, area in enumerate(areas):
            value = school.scores.get(area)
            if value is None:
                missing = True
                value = default
            matrix[row, col] = value
        if missing:
            defaulted.append(school.id)
    return matrix, defaulted


def _pair_quality(
    i: NDArray[np.int64],
    j: NDArray[np.int64],
    s_scores: NDArray[np.float64],
    t_scores: NDArray[np.float64],
    weights: NDArray[np.float64],
    distance: NDArray[np.float64],
    distance_weight: float,
) -> NDArray[np.float64]:
    total = np.zeros(len(i))
    gain = np.empty(len(i))
    # one area at a time (no pairs × areas temporary), each area's scores a contiguous column to gather
    # from, and the arithmetic in place
    s_columns, t_columns = np.ascontiguousarray(s_scores.T), np.ascontiguousarray(t_scores.T)
    for area, weight in enumerate(weights):
        if weight:
            np.subtract(s_columns[area].take(i), t_columns[area].take(j), out=gain)
            np.maximum(gain, 0.0, out=gain)
            if weight != 1.0:
                gain *= weight
            total += gain
    if distance_weight:
        total -= distance_weight * np.nan_to_num(distance, nan=0.0)
    return total


# --- the solver ------------------------------------------------------------------------------------------


def match(supporting: Iterable[SchoolInput], supported: Iterable[SchoolInput], rules: Rules) -> Result:
    """The optimal assignment (see the module docstring), with reasons for every unmatched school."""
    sup = sorted(supporting, key=lambda s: s.id)
    tgt = sorted(supported, key=lambda s: s.id)
    warnings = _validate(sup, tgt, rules)
    areas = sorted(rules.area_weights)
    weights = np.array([float(rules.area_weights[a]) for a in areas])
    s_scores, s_default = _score_matrix(sup, areas, rules.default_score)
    t_scores, t_default = _score_matrix(tgt, areas, rules.default_score)
    s_index = {s.id: n for n, s in enumerate(sup)}
    t_index = {t.id: n for n, t in enumerate(tgt)}

    i, j = _candidate_pairs(sup, tgt, rules)
    slat, slon, _ = _coordinates(sup)
    tlat, tlon, _ = _coordinates(tgt)
    distance = haversine_pairs_km(slat, slon, tlat, tlon, i, j) if len(i) else np.zeros(0)
    keep = np.ones(len(i), dtype=bool)
    if rules.max_distance_km is not None:
        keep &= distance <= rules.max_distance_km
    if rules.forbidden:
        bad = [
            s_index[a] * len(tgt) + t_index[b] for a, b in rules.forbidden if a in s_index and b in t_index
        ]
        keep &= ~np.isin(i * len(tgt) + j, np.array(bad, dtype=np.int64))
    if not keep.all():
        i, j, distance = i[keep], j[keep], distance[keep]
    quality = _pair_quality(i, j, s_scores, t_scores, weights, distance, rules.distance_weight)

    # Pinned pairs are fixed first; each must be an allowed candidate.
    capacity = np.array([s.capacity for s in sup], dtype=np.int64)
    min_load = np.array([s.min_load for s in sup], dtype=np.int64)
    t_capacity = np.array([t.capacity for t in tgt], dtype=np.int64)
    fixed: list[int] = []
    bad_pins = []
    if rules.pinned:
        keys = i * len(tgt) + j  # sorted by construction within each level; search all the same
        for a, b in sorted(rules.pinned):
            found = np.flatnonzero(keys == s_index.get(a, -1) * len(tgt) + t_index.get(b, -1))
            if a not in s_index or b not in t_index or not len(found):
                bad_pins.append(f"{a}–{b}")
            else:
                fixed.append(int(found[0]))
    if bad_pins:
        raise MatchingError("pinned_pair_not_allowed", bad_pins)
    for n in fixed:
        capacity[i[n]] -= 1
        min_load[i[n]] = max(0, min_load[i[n]] - 1)
        t_capacity[j[n]] -= 1
    over = [sup[k].id for k in np.flatnonzero(capacity < 0)] + [
        tgt[k].id for k in np.flatnonzero(t_capacity < 0)
    ]
    if over:
        raise MatchingError("pinned_over_capacity", over)
    fixed_set = set(fixed)
    if fixed:
        is_free = np.ones(len(i), dtype=bool)
        is_free[fixed] = False
        free = np.flatnonzero(is_free)
        free_i, free_j, free_quality = i[free], j[free], quality[free]
    else:  # every candidate is free: no copy of the (possibly millions of) arcs
        free, free_i, free_j, free_quality = None, i, j, quality
    chosen = _solve_flow(
        free_i,
        free_j,
        free_quality,
        capacity,
        min_load,
        t_capacity,
        already=_already(i, j, fixed, len(tgt)),
    )
    chosen_arcs = chosen if free is None else free[chosen]
    selected = sorted([*fixed, *chosen_arcs.tolist()], key=lambda n: (sup[i[n]].id, tgt[j[n]].id))

    pairs = [
        Pair(
            supporting_id=sup[i[n]].id,
            supported_id=tgt[j[n]].id,
            quality=round(float(quality[n]), 4),
            distance_km=None if np.isnan(distance[n]) else round(float(distance[n]), 3),
            gains=_gains(s_scores[i[n]], t_scores[j[n]], weights, areas),
            pinned=n in fixed_set,
        )
        for n in selected
    ]
    covered_ids = {p.supported_id for p in pairs}
    loads: dict[str, int] = {}
    for p in pairs:
        loads[p.supporting_id] = loads.get(p.supporting_id, 0) + 1
    shortfall = sum(max(0, s.min_load - loads.get(s.id, 0)) for s in sup)
    unmatched = _reasons(sup, tgt, i, j, covered_ids, loads, rules)
    return Result(
        pairs=pairs,
        objective=round(float(quality[np.asarray(selected, dtype=np.int64)].sum()), 6),
        covered=len(covered_ids),
        load_shortfall=int(shortfall),
        unmatched=unmatched,
        warnings=warnings,
        default_scores=sorted(set(s_default) | set(t_default)),
    )


def _already(
    i: NDArray[np.int64], j: NDArray[np.int64], fixed: list[int], n_supported: int
) -> NDArray[np.int64]:
    """How many partners each supported school already has from pinned pairs."""
    counts = np.zeros(n_supported, dtype=np.int64)
    for n in fixed:
        counts[j[n]] += 1
    return counts


def _solve_flow(
    i: NDArray[np.int64],
    j: NDArray[np.int64],
    quality: NDArray[np.float64],
    capacity: NDArray[np.int64],
    min_load: NDArray[np.int64],
    t_capacity: NDArray[np.int64],
    *,
    already: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Indices of the chosen candidate arcs. Nodes: source 0, sink 1, supporting 2.., supported after."""
    n_s, n_t = len(capacity), len(t_capacity)
    if not len(i):
        return np.zeros(0, dtype=np.int64)
    slots = int(t_capacity.sum()) + 1
    # When every supported school takes one partner, covering the most schools is a maximum flow, and
    # OR-Tools finds the cheapest maximum flow directly; otherwise a bonus on each school's first place
    # (more than any change of load and quality) makes coverage come first.
    multi = bool((t_capacity > 1).any())
    kept = None  # the arcs solved over, when a large instance is pruned
    if not multi and not min_load.any() and len(i) >= PRUNE_FROM:
        kept = _prune(i, j, quality, capacity, t_capacity, n_s, n_t)
        i, j, quality = i[kept], j[kept], quality[kept]
        if not len(i):  # no supporting school with room has a candidate
            return np.zeros(0, dtype=np.int64)
    scale = _scale(
        float(np.abs(quality).max()),
        slots=slots,
        covers=int(min_load.sum()) + 2 if multi else 1,
        nodes=2 + n_s + n_t,
        flow=int(capacity.sum()),
    )
    q = np.rint(quality * scale).astype(np.int64)
    q_max = int(np.abs(q).max()) + 1
    bonus_load = 2 * slots * q_max + 1  # more than any change of total quality
    bonus_cover = bonus_load * (int(min_load.sum()) + 2) if multi else 0
    source, sink = 0, 1
    s_node = 2 + np.arange(n_s, dtype=np.int64)
    t_node = 2 + n_s + np.arange(n_t, dtype=np.int64)
    total = int(capacity.sum())

    tails: list[NDArray[np.int64]] = []
    heads: list[NDArray[np.int64]] = []
    caps: list[NDArray[np.int64]] = []
    costs: list[NDArray[np.int64]] = []

    def arcs(t: NDArray[np.int64], h: NDArray[np.int64], c: NDArray[np.int64], k: NDArray[np.int64]) -> None:
        if len(c) and c.min() > 0:
            tails.append(t)
            heads.append(h)
            caps.append(c)
            costs.append(k)
            return
        keep = c > 0  # an empty arc would still widen the cost range the solver scales over
        tails.append(t[keep])
        heads.append(h[keep])
        caps.append(c[keep])
        costs.append(k[keep])

    first_pair = 0
    arcs(i + 2, j + 2 + n_s, np.ones(len(i), dtype=np.int64), -q)  # the candidate pairs come first
    arcs(np.full(n_s, source), s_node, min_load, np.full(n_s, -bonus_load))
    arcs(np.full(n_s, source), s_node, capacity - min_load, np.zeros(n_s, dtype=np.int64))
    first_slot = np.where(already == 0, np.minimum(t_capacity, 1), 0)
    arcs(t_node, np.full(n_t, sink), first_slot, np.full(n_t, -bonus_cover))
    arcs(t_node, np.full(n_t, sink), t_capacity - first_slot, np.zeros(n_t, dtype=np.int64))
    if multi:
        arcs(np.array([source]), np.array([sink]), np.array([total]), np.array([0]))  # unused capacity

    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    supplies = np.zeros(2 + n_s + n_t, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    solver.set_nodes_supplies(np.arange(len(supplies), dtype=np.int64), supplies)
    status = solver.solve() if multi else solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:
        raise MatchingError("solver_failed", [str(status)])
    flows = solver.flows(np.arange(first_pair, first_pair + len(i), dtype=np.int64))
    chosen = np.flatnonzero(flows > 0).astype(np.int64)
    return chosen if kept is None else kept[chosen]


def _scale(largest: float, *, slots: int, covers: int, nodes: int, flow: int) -> int:
    """The finest power of ten (at most a millionth) at which the integer costs, with the load and
    coverage bonuses built on the largest quality, stay clear of int64 while OR-Tools solves."""
    scale = FINEST_SCALE
    while scale > 1:
        q_max = math.ceil(largest * scale) + 2
        biggest = (2 * slots * q_max + 1) * covers
        if biggest * 4 * (nodes + flow + 1) < COST_LIMIT:
            break
        scale //= 10
    return scale


def _prune(
    i: NDArray[np.int64],
    j: NDArray[np.int64],
    quality: NDArray[np.float64],
    capacity: NDArray[np.int64],
    t_capacity: NDArray[np.int64],
    n_s: int,
    n_t: int,
) -> NDArray[np.int64]:
    """The candidate arcs worth keeping, when every supported school takes at most one partner and no
    supporting school has a minimum load: for each supported school, its best arcs whose supporting
    schools have room, enough of them that their places (K arcs of at least c places each, K·c ≥ m, m
    the supported schools still to place) outnumber every other supported school. This keeps an
    optimum: in an optimal assignment, a supported school paired outside its kept arcs has one of them
    with a free place (the others cannot fill all K·c ≥ m places), and moving it there covers the same
    schools, breaks no capacity (there are no minimum loads) and loses no quality — so an optimum exists
    within the kept arcs, and the optimum over them is one of the whole instance. Dense instances only
    (the best K per school are found in a supported × supporting matrix); the rest are returned whole."""
    places = capacity[capacity > 0]
    waiting = int((t_capacity > 0).sum())
    keep = -(-waiting // int(places.min())) if len(places) else n_s  # K = ceil(m / fewest places)
    if keep >= n_s or n_s * n_t > 8_000_000:
        return np.arange(len(i), dtype=np.int64)
    room = capacity[i] > 0
    everyone = bool(room.all())
    # filled supporting-major, the order the arcs come in (a sequential write), then turned so that each
    # supported school's arcs are one contiguous row
    matrix = np.full((n_s, n_t), -np.inf)
    if everyone:
        matrix[i, j] = quality
    else:
        matrix[i[room], j[room]] = quality[room]
    # the K-th best quality of each supported school's arcs (−inf where it has fewer); ties at it keep a
    # few more arcs, which only widens the kept set
    threshold = np.partition(np.ascontiguousarray(matrix.T), n_s - keep, axis=1)[:, n_s - keep]
    kept = quality >= threshold[j]
    if not everyone:
        kept &= room
    return np.flatnonzero(kept).astype(np.int64, copy=False)


def _gains(
    s_row: NDArray[np.float64], t_row: NDArray[np.float64], weights: NDArray[np.float64], areas: Sequence[str]
) -> tuple[tuple[str, float], ...]:
    gains = np.clip(s_row - t_row, 0.0, None) * weights
    order = sorted((a for a in range(len(areas)) if gains[a] > 0), key=lambda a: (-gains[a], areas[a]))
    return tuple((areas[a], round(float(gains[a]), 4)) for a in order)


def _reasons(
    sup: Sequence[SchoolInput],
    tgt: Sequence[SchoolInput],
    i: NDArray[np.int64],
    j: NDArray[np.int64],
    covered: set[str],
    loads: Mapping[str, int],
    rules: Rules,
) -> dict[str, str]:
    """Why each school is left without a partner."""
    has_candidate = np.zeros(len(tgt), dtype=bool)
    has_candidate[j] = True
    levels_offered = {lvl for s in sup if s.capacity > 0 for lvl in s.levels}
    reasons: dict[str, str] = {}
    for n, t in enumerate(tgt):
        if t.id in covered or t.capacity == 0:
            continue
        if has_candidate[n]:
            reasons[t.id] = "capacity_exhausted"
        elif rules.same_level and not (t.levels & levels_offered):
            reasons[t.id] = "no_same_level_partner"
        elif rules.max_distance_km is not None and (t.latitude is None or t.longitude is None):
            reasons[t.id] = "no_coordinates"
        elif rules.max_distance_km is not None:
            reasons[t.id] = "none_within_distance"
        else:
            reasons[t.id] = "all_partners_forbidden"
    for s in sup:
        if s.capacity > 0 and loads.get(s.id, 0) < s.min_load:
            reasons[s.id] = "below_minimum_load"
    return reasons
