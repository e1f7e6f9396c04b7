"""The scoring rules on hand-made facts, each result computed by hand; the total and the roll-up
property-tested (order-invariant, bounded, monotone in each criterion)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from chungtay.reviews import rules as r
from chungtay.reviews.selectors import rollup

PERIOD = (dt.date(2023, 8, 1), dt.date(2024, 7, 31))
A, B, C = 1, 2, 3  # schools: A supporting, B and C supported


def facts(**kwargs: object) -> r.Facts:
    values: dict[str, object] = {
        "period": PERIOD,
        "sides": {A: "supporting", B: "supported", C: "supported"},
        "teachers": {A: 40, B: 20, C: 20},
    }
    values.update(kwargs)
    return r.Facts(**values)  # type: ignore[arg-type]


def activity(pk: int, kind: str = "observation", hosts: tuple[int, ...] = (A,)) -> r.ActivityFact:
    return r.ActivityFact(pk, kind, dt.date(2023, 10, pk % 28 + 1), frozenset(hosts))


def test_activities_held_against_the_target() -> None:
    result = r.activities_held(facts(activities=(activity(1), activity(2), activity(3))), D(8))
    assert result.value == D("3.00")
    assert result.points == D("37.50")  # 3 ÷ 8 × 100
    assert result.links == {"activity": [1, 2, 3]}
    capped = r.activities_held(facts(activities=tuple(activity(i) for i in range(1, 11))), D(8))
    assert capped.points == D("100.00")  # 10 of 8: at most 100


def test_topics_hosted_counts_topics_hosted_by_a_member() -> None:
    rows = (
        activity(1, "topic", (A,)),
        activity(2, "topic", (B,)),
        activity(3, "topic", (99,)),  # hosted by a school outside the partnership
        activity(4, "observation", (A,)),
    )
    result = r.topics_hosted(facts(activities=rows), D(3))
    assert result.links == {"activity": [1, 2]}
    assert result.points == D("66.67")  # 2 ÷ 3 × 100, rounded half up


def test_participation_per_teacher_on_the_rosters() -> None:
    rows = (
        r.ParticipationFact(10, 1, 100, A),
        r.ParticipationFact(11, 1, 101, B),
        r.ParticipationFact(12, 2, 100, A),
        r.ParticipationFact(13, 2, 500, 99),  # a teacher of a school outside: not counted
        r.ParticipationFact(14, 7, 102, C),  # at an activity not held in the period: not counted
    )
    result = r.participation(facts(activities=(activity(1), activity(2)), participations=rows), D("0.5"))
    assert result.inputs["participations"] == "3"
    assert result.inputs["distinct_teachers"] == "2"
    assert result.value == D("0.04")  # 3 ÷ 80 teachers = 0.0375 → 0.04
    assert result.points == D("7.50")  # 0.0375 ÷ 0.5 × 100
    assert result.links["participation"] == [10, 11, 12]


def test_participation_without_teachers_does_not_count() -> None:
    result = r.participation(facts(teachers={A: 0, B: 0, C: 0}), D(1))
    assert result.points is None and result.value is None


def test_reciprocity_fewest_over_most_by_side() -> None:
    rows = (
        activity(1, hosts=(A,)),
        activity(2, hosts=(A,)),
        activity(3, hosts=(A,)),
        activity(4, hosts=(B,)),
    )
    result = r.reciprocity(facts(activities=rows), None)
    assert result.inputs == {"supported": "1", "supporting": "3"}
    assert result.points == D("33.33")  # 1 ÷ 3 × 100
    one_sided = r.reciprocity(facts(activities=rows[:3]), None)
    assert one_sided.points == D("0.00")
    assert r.reciprocity(facts(), None).points == D("0.00")


def test_reciprocity_in_a_group_of_equals_each_school_is_a_side() -> None:
    rows = (activity(1, hosts=(A,)), activity(2, hosts=(B,)), activity(3, hosts=(B,)))
    result = r.reciprocity(facts(sides={A: "mutual", B: "mutual"}, activities=rows), None)
    assert result.points == D("50.00")  # A hosted 1, B hosted 2


def test_commitments_met_among_those_due_in_the_period() -> None:
    rows = (
        r.CommitmentFact(1, dt.date(2023, 12, 31), "done"),
        r.CommitmentFact(2, dt.date(2024, 3, 31), "missed"),
        r.CommitmentFact(3, dt.date(2024, 5, 31), "open"),
        r.CommitmentFact(4, dt.date(2024, 12, 31), "done"),  # due after the period
        r.CommitmentFact(5, None, "done"),  # no due date
    )
    result = r.commitments_met(facts(commitments=rows), None)
    assert result.links == {"commitment": [1, 2, 3]}
    assert result.points == D("33.33")
    assert r.commitments_met(facts(commitments=rows[3:]), None).points is None


def test_agreement_in_force_share_of_days() -> None:
    # 366 days (2024 is a leap year); in force from 1/2/2024: 182 days to 31/7/2024
    rows = (r.AgreementFact(1, dt.date(2024, 2, 1), None), r.AgreementFact(2, None, None))
    result = r.agreement_in_force(facts(agreements=rows), None)
    assert result.inputs == {"days": "366", "days_in_force": "182"}
    assert result.points == D("49.73")
    # two agreements overlapping count each day once
    both = (
        r.AgreementFact(1, dt.date(2023, 8, 1), dt.date(2024, 1, 31)),
        r.AgreementFact(3, dt.date(2024, 1, 1), None),
    )
    assert r.agreement_in_force(facts(agreements=both), None).points == D("100.00")


def test_support_delivered_to_members_in_the_period() -> None:
    rows = (
        r.SupportFact(1, B, dt.date(2023, 9, 5)),
        r.SupportFact(2, C, dt.date(2024, 8, 5)),  # after the period
        r.SupportFact(3, 99, dt.date(2023, 9, 5)),  # not a member
    )
    result = r.support_delivered(facts(support=rows), D(2))
    assert result.links == {"support": [1]}
    assert result.points == D("50.00")


def test_total_weights_the_criteria_that_count() -> None:
    # (20 × 50 + 30 × 100) ÷ 50 = 80; the criterion that does not count leaves its weight out
    assert r.total([(D(20), D(50)), (D(30), D(100)), (D(50), None)]) == D("80.00")
    assert r.total([(D(50), None)]) == D("0.00")


def test_gates() -> None:
    assert r.gates_met([(D(30), D(30)), (None, D(0)), (D(50), None)])
    assert not r.gates_met([(D(30), D("29.99"))])


weights = st.decimals(min_value=D("0.01"), max_value=D(100), places=2)
points = st.one_of(st.none(), st.decimals(min_value=D(0), max_value=D(100), places=2))


@given(st.lists(st.tuples(weights, points), min_size=1, max_size=10), st.randoms())
def test_total_is_bounded_and_order_invariant(rows: list[tuple[D, D | None]], rng) -> None:  # noqa: ANN001
    value = r.total(rows)
    assert D(0) <= value <= D(100)
    shuffled = list(rows)
    rng.shuffle(shuffled)
    assert r.total(shuffled) == value
    counted = [p for _, p in rows if p is not None]
    if counted:
        assert min(counted) - D("0.01") <= value <= max(counted) + D("0.01")


@given(
    st.lists(st.tuples(weights, points), min_size=1, max_size=10),
    st.integers(0, 9),
    st.decimals(0, 100, places=2),
)
def test_total_is_monotone_in_each_criterion(rows: list[tuple[D, D | None]], which: int, raise_by: D) -> None:
    which %= len(rows)
    weight, before = rows[which]
    if before is None:
        return
    better = list(rows)
    better[which] = (weight, min(D(100), before + raise_by))
    assert r.total(better) >= r.total(rows)


@given(st.lists(st.tuples(st.decimals(0, 100, places=2), st.booleans()), max_size=30), st.randoms())
def test_rollup_counts_each_unit_once(rows: list[tuple[D, bool]], rng) -> None:  # noqa: ANN001
    result = rollup(rows)
    assert result.units == len(rows)
    assert result.gates_met == sum(1 for _, g in rows if g)
    shuffled = list(rows)
    rng.shuffle(shuffled)
    assert rollup(shuffled) == result
    if rows:
        assert result.mean is not None
        assert min(t for t, _ in rows) <= result.mean <= max(t for t, _ in rows)


def test_programme_days_within_the_period() -> None:
    period = (dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    # 15/1 (Monday) to 28/1: 14 days, two days a week → 2 whole weeks × 2
    assert r.programme_days(dt.date(2024, 1, 15), dt.date(2024, 1, 28), 2, period) == 4
    # 10 days, three a week: one whole week (3) and a part-week of 3 days (at most 3)
    assert r.programme_days(dt.date(2024, 1, 1), dt.date(2024, 1, 10), 3, period) == 6
    # started before the period, ends after it: only January counts (31 days = 4 weeks + 3 days, 1/week)
    assert r.programme_days(dt.date(2023, 12, 1), dt.date(2024, 3, 1), 1, period) == 5
    # no days per week recorded: the weekdays, 1/1/2024 (Monday) to 7/1 → 5
    assert r.programme_days(dt.date(2024, 1, 1), dt.date(2024, 1, 7), None, period) == 5
    assert r.programme_days(dt.date(2024, 3, 1), dt.date(2024, 3, 9), 2, period) == 0


def test_a_teachers_contributions() -> None:
    period = (dt.date(2023, 8, 1), dt.date(2024, 7, 31))
    rows = [
        r.TeacherActivity(1, 10, "topic", dt.date(2023, 10, 5), None, None, True),
        r.TeacherActivity(2, 11, "topic", dt.date(2023, 11, 5), None, None, False),  # hosted by the partner
        r.TeacherActivity(3, 12, "observation", dt.date(2024, 2, 5), None, None, True),
        r.TeacherActivity(4, 13, "secondment", dt.date(2024, 3, 4), dt.date(2024, 3, 17), 2, False),
        r.TeacherActivity(5, 14, "tutoring", dt.date(2024, 4, 1), dt.date(2024, 4, 5), None, True),
        r.TeacherActivity(6, 15, "topic", dt.date(2024, 9, 5), None, None, True),  # after the period
    ]
    found = r.teacher_contributions(rows, period)
    assert (found.participations, found.topics_hosted, found.secondment_days, found.tutoring_days) == (
        5,
        1,
        4,
        5,
    )
    assert found.links == {"participation": [1, 2, 3, 4, 5]}


# --- A school or an office reviewed as a unit: the records of its partnerships, pooled ------------------


def test_a_pooled_unit_counts_a_target_once_per_partnership() -> None:
    pooled = facts(activities=tuple(activity(i) for i in range(1, 7)), own=frozenset({A}), scale=2)
    result = r.activities_held(pooled, D(4))
    assert result.value == D("6.00")
    assert result.points == D("75.00")  # 6 ÷ (4 × 2 partnerships) × 100
    assert result.inputs["partnerships"] == "2"
    support = (r.SupportFact(1, B, dt.date(2023, 9, 1)), r.SupportFact(2, C, dt.date(2023, 9, 2)))
    assert r.support_delivered(facts(support=support, own=frozenset({A}), scale=4), D(1)).points == D("50.00")
    # a partnership's facts (scale 1) say nothing of pooling
    assert "partnerships" not in r.activities_held(facts(activities=(activity(1),)), D(4)).inputs


def test_a_pooled_unit_counts_its_own_schools_hosting_and_teachers() -> None:
    rows = (activity(1, "topic", (A,)), activity(2, "topic", (B,)), activity(3, "topic", (A, C)))
    school = facts(activities=rows, own=frozenset({B}), scale=2)
    assert r.topics_hosted(school, D(1)).links == {"activity": [2]}  # only those B hosted
    assert r.topics_hosted(school, D(1)).points == D("50.00")  # 1 ÷ (1 × 2)
    taking_part = (
        r.ParticipationFact(10, 1, 100, A),
        r.ParticipationFact(11, 1, 101, B),
        r.ParticipationFact(12, 2, 101, B),
        r.ParticipationFact(13, 3, 102, C),
    )
    result = r.participation(
        facts(activities=rows, participations=taking_part, own=frozenset({B}), scale=2), D("0.5")
    )
    assert result.links == {"participation": [11, 12], "school": [B]}
    assert result.value == D("0.10")  # 2 participations ÷ B's 20 teachers
    assert result.points == D("20.00")  # a rate per teacher: its target is not multiplied
    # both sides host: the sides of the partnerships pooled (A hosted 2, B and C's side 2)
    assert r.reciprocity(school, None).points == D("100.00")


# --- Secondments, needs improved, outcome indicators ---------------------------------------------------


def test_secondment_days_within_the_period() -> None:
    second = r.ActivityFact(
        1, "secondment", dt.date(2024, 7, 1), frozenset({A}), ends_on=dt.date(2024, 9, 30), days_per_week=2
    )
    other = r.ActivityFact(2, "secondment", dt.date(2023, 9, 4), frozenset({A}))  # no end: its first day
    observation = activity(3)
    result = r.secondment_days(facts(activities=(second, other, observation)), D(20))
    # 1/7–31/7/2024 (the period ends 31/7): 31 days = 4 whole weeks × 2 + min(3, 2) = 10; 4/9/2023, a
    # Monday, no days per week recorded: 1 weekday
    assert result.value == D("11.00")
    assert result.points == D("55.00")  # 11 ÷ 20 × 100
    assert result.links == {"activity": [1, 2]}


def _assessed(pk: int, school: int, year: int, area: str, score: int) -> r.AssessmentFact:
    return r.AssessmentFact(pk, school, year, area, score)


def test_needs_improved_among_the_supported_schools_needs() -> None:
    rows = (
        _assessed(1, B, 2022, "digital", 2),  # a need before the period (2023–2024)…
        _assessed(2, B, 2023, "digital", 4),  # …improved in its last assessment in the period
        _assessed(3, B, 2022, "facilities", 1),
        _assessed(4, B, 2023, "facilities", 1),  # still a need: not improved
        _assessed(5, B, 2022, "governance", 4),  # not a need: not counted
        _assessed(6, B, 2023, "governance", 5),
        _assessed(7, C, 2023, "digital", 1),  # C's only assessment is in the period: nothing to compare
        _assessed(8, A, 2022, "digital", 1),  # A supports: its needs are not the partnership's to meet
        _assessed(9, A, 2023, "digital", 5),
    )
    result = r.needs_improved(facts(assessments=rows), None)
    assert result.inputs["needs"] == "2" and result.inputs["improved"] == "1"
    assert result.points == D("50.00")
    assert result.links == {"assessment": [1, 2, 3, 4]}
    assert r.needs_improved(facts(assessments=rows[4:]), None).points is None  # no need: does not count


def test_indicators_improved_read_the_better_way() -> None:
    def value(
        pk: int, school: int, indicator: int, year: int, amount: str, higher: bool = True
    ) -> r.IndicatorFact:
        return r.IndicatorFact(pk, school, indicator, year, D(amount), higher)

    rows = (
        value(1, B, 10, 2022, "92.5"),
        value(2, B, 10, 2023, "95.0"),  # graduation rate up: improved
        value(3, B, 11, 2022, "8.0", higher=False),
        value(4, B, 11, 2023, "9.5", higher=False),  # a rate where lower is better went up: not improved
        value(5, C, 10, 2023, "90.0"),  # no value before the period: not compared
    )
    result = r.indicators_improved(facts(indicators=rows), None)
    assert result.inputs["compared"] == "2" and result.inputs["improved"] == "1"
    assert result.points == D("50.00")
    assert result.links == {"indicator_value": [1, 2, 3, 4]}
    assert r.indicators_improved(facts(indicators=rows[4:]), None).points is None  # never required
