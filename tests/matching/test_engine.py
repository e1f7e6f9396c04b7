"""The engine on its own: every hard rule holds, capacities are respected, the optimum equals brute
force and an independent exact solver, never falls below greedy, and forbidding a pair never helps."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chungtay.matching.engine import MatchingError, Rules, SchoolInput, match
from chungtay.matching.geometry import haversine_km
from chungtay.matching.reference import candidate_quality, exact_by_assignment, greedy

AREAS = ("digital", "gifted_training", "subject_teaching")
LEVELS = ("th", "thcs")


@st.composite
def instances(draw, max_supporting=4, max_supported=5, min_loads=True):
    def school(prefix, n, supporting):
        levels = draw(st.sets(st.sampled_from(LEVELS), min_size=1, max_size=2))
        return SchoolInput(
            id=f"{prefix}{n:02d}",
            levels=frozenset(levels),
            latitude=draw(st.floats(20.9, 21.1)),
            longitude=draw(st.floats(105.7, 105.9)),
            scores={a: draw(st.integers(1, 5)) for a in AREAS},
            capacity=draw(st.integers(1, 3)) if supporting else 1,
            min_load=draw(st.integers(0, 1)) if supporting and min_loads else 0,
        )

    sup = [school("S", n, True) for n in range(draw(st.integers(1, max_supporting)))]
    tgt = [school("T", n, False) for n in range(draw(st.integers(1, max_supported)))]
    if sum(s.capacity for s in sup) < len(tgt):
        sup[0] = SchoolInput(**{**sup[0].__dict__, "capacity": len(tgt)})
    pairs = [(s.id, t.id) for s in sup for t in tgt]
    forbidden = frozenset(draw(st.sets(st.sampled_from(pairs), max_size=3)))
    rules = Rules(
        area_weights={a: draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])) for a in AREAS},
        distance_weight=draw(st.sampled_from([0.0, 0.1, 0.5])),
        max_distance_km=draw(st.sampled_from([None, 8.0, 15.0])),
        forbidden=forbidden,
    )
    return sup, tgt, rules


def _brute_force(sup, tgt, rules):
    """The best (covered, -shortfall, quality) over every assignment of supported schools."""
    sup = sorted(sup, key=lambda s: s.id)
    tgt = sorted(tgt, key=lambda s: s.id)
    i, j, q = candidate_quality(sup, tgt, rules)
    options = {b: [None] for b in range(len(tgt))}
    quality = {}
    for a, b, value in zip(i.tolist(), j.tolist(), q.tolist(), strict=True):
        options[b].append(a)
        quality[(a, b)] = value
    best = None
    for choice in itertools.product(*(options[b] for b in range(len(tgt)))):
        load = [0] * len(sup)
        for a in choice:
            if a is not None:
                load[a] += 1
        if any(load[a] > s.capacity for a, s in enumerate(sup)):
            continue
        covered = sum(a is not None for a in choice)
        shortfall = sum(max(0, s.min_load - load[a]) for a, s in enumerate(sup))
        total = sum(quality[(a, b)] for b, a in enumerate(choice) if a is not None)
        key = (covered, -shortfall, total)
        best = key if best is None or key > best else best
    return best


def _rounding(result):
    """How far the engine's objective may be from the exact float optimum: costs are qualities rounded to
    millionths, so at most one millionth per pair (and the float sums' own error)."""
    return 1e-6 * max(1, len(result.pairs)) + 1e-9


def _check_rules(result, sup, tgt, rules):
    by_id = {s.id: s for s in [*sup, *tgt]}
    loads = {}
    partners = {}
    for pair in result.pairs:
        s, t = by_id[pair.supporting_id], by_id[pair.supported_id]
        assert s.levels & t.levels, "same level"
        assert (s.id, t.id) not in rules.forbidden
        if rules.max_distance_km is not None:
            assert (
                haversine_km(s.latitude, s.longitude, t.latitude, t.longitude) <= rules.max_distance_km + 1e-9
            )
        loads[s.id] = loads.get(s.id, 0) + 1
        partners[t.id] = partners.get(t.id, 0) + 1
    assert all(loads[k] <= by_id[k].capacity for k in loads)
    assert all(partners[k] <= by_id[k].capacity for k in partners)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_hard_rules_and_capacities_hold_and_the_optimum_equals_brute_force(instance):
    sup, tgt, rules = instance
    result = match(sup, tgt, rules)
    _check_rules(result, sup, tgt, rules)
    expected = _brute_force(sup, tgt, rules)
    assert (result.covered, -result.load_shortfall) == expected[:2]
    assert result.objective == pytest.approx(expected[2], abs=_rounding(result))


@settings(max_examples=100, deadline=None)
@given(instances(max_supporting=6, max_supported=9, min_loads=False))
def test_equals_the_independent_exact_solver_and_never_loses_to_greedy(instance):
    sup, tgt, rules = instance
    result = match(sup, tgt, rules)
    covered, total = exact_by_assignment(sup, tgt, rules)
    assert result.covered == covered
    assert result.objective == pytest.approx(total, abs=_rounding(result))
    greedy_covered, greedy_total = greedy(sup, tgt, rules)
    tolerance = _rounding(result)
    assert result.covered > greedy_covered or (
        result.covered == greedy_covered and result.objective >= greedy_total - tolerance
    )


@settings(max_examples=60, deadline=None)
@given(instances(min_loads=False), st.data())
def test_forbidding_a_pair_never_improves_the_objective(instance, data):
    sup, tgt, rules = instance
    before = match(sup, tgt, rules)
    if not before.pairs:
        return
    pair = data.draw(st.sampled_from(before.pairs))
    stricter = Rules(
        **{**rules.__dict__, "forbidden": rules.forbidden | {(pair.supporting_id, pair.supported_id)}}
    )
    after = match(sup, tgt, stricter)
    # the solver optimises costs rounded to millionths: two optima of the rounded problem may differ by
    # that rounding on each pair in the true objective
    tolerance = _rounding(before) + _rounding(after)
    assert after.covered <= before.covered
    if after.covered == before.covered:
        assert after.objective <= before.objective + tolerance


@settings(max_examples=40, deadline=None)
@given(instances())
def test_the_same_input_gives_the_same_output_whatever_its_order(instance):
    sup, tgt, rules = instance
    assert match(sup, tgt, rules).pairs == match(list(reversed(sup)), list(reversed(tgt)), rules).pairs


def _school(id_, level="th", lat=21.0, lon=105.8, capacity=1, scores=None, min_load=0):
    return SchoolInput(
        id_, frozenset({level}), lat, lon, {"digital": 3} if scores is None else scores, capacity, min_load
    )


RULES = Rules(area_weights={"digital": 1.0}, max_distance_km=10)


def test_an_impossible_pin_is_an_error_naming_it():
    sup = [_school("S1"), _school("S2", level="thcs")]
    tgt = [_school("T1")]
    with pytest.raises(MatchingError) as excinfo:
        match(sup, tgt, Rules(**{**RULES.__dict__, "pinned": frozenset({("S2", "T1")})}))
    assert excinfo.value.code == "pinned_pair_not_allowed"
    assert excinfo.value.culprits == ("S2–T1",)


def test_a_pin_is_kept_even_when_another_pair_is_better():
    sup = [_school("S1", scores={"digital": 5}), _school("S2", scores={"digital": 4})]
    tgt = [_school("T1", scores={"digital": 1})]
    pinned = Rules(**{**RULES.__dict__, "pinned": frozenset({("S2", "T1")})})
    result = match(sup, tgt, pinned)
    assert [(p.supporting_id, p.supported_id, p.pinned) for p in result.pairs] == [("S2", "T1", True)]


def test_more_supported_schools_than_capacity_is_an_error():
    with pytest.raises(MatchingError) as excinfo:
        match([_school("S1", capacity=1)], [_school("T1"), _school("T2")], RULES)
    assert excinfo.value.code == "capacity_short"


def test_unmatched_schools_get_reasons():
    sup = [_school("S1", capacity=3), _school("S2", capacity=0)]
    tgt = [
        _school("T1", level="thcs"),
        _school("T2", lat=22.0),
        _school("T3", lat=None, lon=None),
    ]
    result = match(sup, tgt, RULES)
    assert result.unmatched == {
        "T1": "no_same_level_partner",
        "T2": "none_within_distance",
        "T3": "no_coordinates",
    }
    assert "capacity_zero:S2" in result.warnings


def test_capacity_exhausted_is_named():
    sup = [_school("S1", capacity=1), _school("S2", capacity=1, lat=21.5)]
    tgt = [_school("T1"), _school("T2")]
    result = match(sup, tgt, RULES)
    assert list(result.unmatched.values()) == ["capacity_exhausted"]


def test_missing_scores_take_the_default_and_are_flagged():
    sup = [_school("S1", scores={})]
    tgt = [_school("T1", scores={"digital": 1})]
    result = match(sup, tgt, RULES)
    assert result.default_scores == ["S1"]
    assert result.pairs[0].gains == (("digital", 2.0),)


def test_all_zero_weights_are_flagged():
    result = match([_school("S1")], [_school("T1")], Rules(area_weights={"digital": 0.0}))
    assert result.warnings == ["weights_all_zero"]


def test_no_schools_is_an_error():
    with pytest.raises(MatchingError) as excinfo:
        match([], [_school("T1")], RULES)
    assert excinfo.value.code == "no_schools"


def test_minimum_load_spreads_supported_schools():
    strong = {"digital": 5}
    sup = [
        _school("S1", capacity=2, scores=strong, min_load=1),
        _school("S2", capacity=2, scores={"digital": 4}, min_load=1),
    ]
    tgt = [_school("T1", scores={"digital": 1}), _school("T2", scores={"digital": 1})]
    result = match(sup, tgt, RULES)
    assert sorted(p.supporting_id for p in result.pairs) == ["S1", "S2"]
    assert result.load_shortfall == 0


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.floats(8, 24), st.floats(102, 110)), min_size=1, max_size=6),
    st.lists(st.tuples(st.floats(8, 24), st.floats(102, 110)), min_size=1, max_size=6),
)
def test_the_per_point_haversine_equals_the_textbook_one(first, second):
    import numpy as np

    from chungtay.matching.geometry import haversine_pairs_km

    lat1, lon1 = (np.array(v) for v in zip(*first, strict=True))
    lat2, lon2 = (np.array(v) for v in zip(*second, strict=True))
    i, j = (a.ravel() for a in np.meshgrid(np.arange(len(first)), np.arange(len(second)), indexing="ij"))
    fast = haversine_pairs_km(lat1, lon1, lat2, lon2, i, j)
    slow = haversine_km(lat1[i], lon1[i], lat2[j], lon2[j])
    assert np.allclose(fast, slow, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(instances(max_supporting=6, max_supported=9, min_loads=False))
def test_pruning_keeps_an_optimum(instance):
    """Large instances are pruned before solving (`_prune`); forced on small ones, the result still equals
    the independent exact solver."""
    from chungtay.matching import engine

    sup, tgt, rules = instance
    whole = match(sup, tgt, rules)
    original = engine.PRUNE_FROM
    engine.PRUNE_FROM = 0
    try:
        pruned = match(sup, tgt, rules)
    finally:
        engine.PRUNE_FROM = original
    covered, total = exact_by_assignment(sup, tgt, rules)
    assert pruned.covered == whole.covered == covered
    assert pruned.objective == pytest.approx(total, abs=_rounding(pruned))


def test_pruning_keeps_enough_places_for_every_supported_school():
    """60 ↔ 60 schools, every pair a candidate, two places each: each supported school keeps its 30 best
    supporting schools (30 × 2 places ≥ 60 to place), half the arcs; fewer waiting, fewer kept."""
    import numpy as np

    from chungtay.matching.engine import _prune

    rng = np.random.default_rng(7)
    i, j = (a.ravel() for a in np.meshgrid(np.arange(60), np.arange(60), indexing="ij"))
    quality = rng.random(len(i))
    capacity = np.full(60, 2, dtype=np.int64)
    kept = _prune(i, j, quality, capacity, np.ones(60, dtype=np.int64), 60, 60)
    assert len(kept) == 60 * 30
    for school in range(60):  # the kept arcs of each supported school are its 30 best
        mine = np.flatnonzero(j == school)
        best = set(mine[np.argsort(-quality[mine])[:30]].tolist())
        assert set(kept[j[kept] == school].tolist()) == best
    waiting = np.zeros(60, dtype=np.int64)
    waiting[:10] = 1  # ten still to place: each keeps its five best
    assert len(_prune(i, j, quality, capacity, waiting, 60, 60)) == 60 * 5
    full = np.zeros(60, dtype=np.int64)
    full[:59] = 2  # a supporting school without room loses its arcs
    assert not np.isin(i[_prune(i, j, quality, full, np.ones(60, dtype=np.int64), 60, 60)], [59]).any()


def test_costs_are_millionths_unless_the_bonuses_would_overflow():
    from chungtay.matching.engine import FINEST_SCALE, _scale

    city = _scale(40.0, slots=1451, covers=1, nodes=2902, flow=2900)
    assert city == FINEST_SCALE
    # a national instance where supported schools take several partners and supporting schools have
    # minimum loads: the coverage bonus multiplies the load bonus, so the scale is coarser, never overflowing
    national = _scale(40.0, slots=47_001, covers=47_002, nodes=47_002, flow=94_000)
    assert national < FINEST_SCALE
    q_max = int(40.0 * national) + 2
    assert (2 * 47_001 * q_max + 1) * 47_002 * 4 * (47_002 + 94_000 + 1) < 2**62
