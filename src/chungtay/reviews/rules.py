"""The scoring rules: each a small pure function from a partnership's facts over a period to a measured
value, a sub-score from 0 to 100 and the records it counted. Nothing here reads the database, so every
rule is tested on hand-made facts, and a stored score is reproduced by running its rule again on the
records it links to (`reviews.scoring.reproduce`).

The rules, written once:

- **Activities held**: the partnership's activities held in the period (one activity shared by several
  schools is one). Sub-score: held ÷ target × 100, at most 100.
- **Topics hosted**: held topical lessons (chuyên đề) of the partnership hosted by one of its schools.
  Sub-score as above.
- **Participation**: teacher participations (lượt) of the member schools' teachers at the partnership's
  held activities, per teacher of those schools (their roster today). Sub-score: the rate ÷ target × 100,
  at most 100. No teacher on the rosters: the criterion cannot be computed and does not count.
- **Both sides host**: held activities hosted by each side (supporting, supported; in a group of equals
  each school is its own side). Sub-score: the fewest hosted by a side ÷ the most × 100; a side that
  hosted nothing scores 0. No held activity: 0.
- **Commitments met**: the commitments of the partnership's agreements due within the period; met are
  those marked done. Sub-score: met ÷ due × 100. None due: cannot be computed, does not count.
- **Agreement in force**: the share of the period's days on which an agreement of the partnership was
  in force (from its coming into force to its end). Sub-score: that share × 100.
- **Support delivered**: support records of the partnership given to a member school within the period.
  Sub-score: records ÷ target × 100, at most 100.
- **Secondment days**: the days of teacher secondment the partnership's held secondments begun in the
  period give within it (each programme's days per week in each whole week, or its weekdays). Sub-score:
  days ÷ target × 100, at most 100.
- **Needs improved**: the areas a helped school (the supported side; each school in a group of equals)
  scored as a need (≤ 2) in its last self-assessment of a school year before the period's first (or, with
  none, its first one in the period), and of those the ones it scored higher in its last self-assessment
  of a school year in the period. Sub-score: improved ÷ needs × 100. No need with a later assessment: not
  computed, does not count.
- **Outcome indicators improved** (read, never required): the indicators of the unit's schools compared
  the same way (the last school year's value before the period, or its first in it, against the last in
  it); improved when it moved the better way (up, or down for an indicator where lower is better).
  Sub-score: improved ÷ compared × 100. Nothing to compare: not computed, does not count.
- **Judgement**: the reviewer's sub-score; until scored it counts as 0 and the total says so.

A teacher nominated by their school is shown with their contributions over the period, counted from the
records (`teacher_contributions`): participations (lượt) at held activities; topical lessons they took part
in that their school hosted; days of secondment and of volunteer tutoring — each programme's days within
the period: its days per week in each whole week, at most as many in the last part-week, or the weekdays
when the days per week are not recorded.

A **school** or a **district office** reviewed as a unit is scored by the same rules on the records of
the partnerships it took part in during the period, pooled (each record once): an activity shared by two
of its partnerships counts once. Its own schools (the school; the office's schools) are those whose
teachers' participations and rosters count and whose hosting counts for topics; the sides of "both sides
host" are the partnerships' sides; a target per partnership (activities, topics, support) counts once
per partnership pooled, while the participation target stays a rate per teacher.

The total is Σ weight × sub-score ÷ Σ weight over the criteria that count (so 0–100), each criterion's
weight as the set gives it: a weighted sum, never a mean of means."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from chungtay.core import schoolyears
from chungtay.directory.validators import NEED_SCORE

HUNDRED = Decimal(100)
CENT = Decimal("0.01")

SUPPORTING = "supporting"
SUPPORTED = "supported"
MUTUAL = "mutual"
TOPIC = "topic"
DONE = "done"


def q(value: Decimal | int | float) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ActivityFact:
    id: int
    kind: str
    held_on: dt.date | None
    hosts: frozenset[int]  # school ids
    ends_on: dt.date | None = None  # a secondment's or tutoring's last day
    days_per_week: int | None = None


class ParticipationFact(NamedTuple):
    """A teacher's participation (a tuple: a city's cycle reads 150,000 of them)."""

    id: int
    activity: int
    teacher: int
    school: int


@dataclass(frozen=True)
class CommitmentFact:
    id: int
    due_on: dt.date | None
    status: str


@dataclass(frozen=True)
class AgreementFact:
    id: int
    starts: dt.date | None  # in force from (None: never in force)
    ends: dt.date | None  # last day in force, None while it still is


@dataclass(frozen=True)
class SupportFact:
    id: int
    school: int
    given_on: dt.date


@dataclass(frozen=True)
class AssessmentFact:
    """A school's self-assessed score (1–5) of one area in one school year."""

    id: int
    school: int
    year: int  # the school year's start year
    area: str
    score: int


@dataclass(frozen=True)
class IndicatorFact:
    """A school's value of one outcome indicator in one school year."""

    id: int
    school: int
    indicator: int
    year: int
    value: Decimal
    higher_is_better: bool


@dataclass(frozen=True)
class Facts:
    """What the rules read about one reviewed unit over one period: a partnership's records, or those of
    the `scale` partnerships a school or an office took part in, pooled, with the unit's own schools."""

    period: tuple[dt.date, dt.date]
    sides: dict[int, str]  # member school → side
    teachers: dict[int, int]  # member school → teachers on its roster
    activities: tuple[ActivityFact, ...] = ()
    participations: tuple[ParticipationFact, ...] = ()
    commitments: tuple[CommitmentFact, ...] = ()
    agreements: tuple[AgreementFact, ...] = ()
    support: tuple[SupportFact, ...] = ()
    own: frozenset[int] | None = None  # the unit's own schools (None: every member, a partnership)
    scale: int = 1  # partnerships pooled: a target per partnership counts that many times
    assessments: tuple[AssessmentFact, ...] = ()
    indicators: tuple[IndicatorFact, ...] = ()

    @property
    def own_schools(self) -> frozenset[int]:
        return frozenset(self.sides) if self.own is None else self.own


@dataclass(frozen=True)
class Result:
    """A rule's answer. `points` is None when the rule cannot be computed (it then does not count)."""

    value: Decimal | None
    points: Decimal | None
    links: dict[str, list[int]] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)


def _scaled(target: Decimal | None, facts: Facts) -> Decimal | None:
    """A target per partnership, for the partnerships a unit pools."""
    return None if target is None else target * facts.scale


def _inputs(facts: Facts, **values: object) -> dict[str, str]:
    found = {name: str(value) for name, value in values.items()}
    if facts.scale != 1:
        found["partnerships"] = str(facts.scale)
    return found


def _ratio(count: Decimal, target: Decimal | None) -> Decimal:
    if target is None or target <= 0:
        return HUNDRED if count > 0 else Decimal(0)
    return q(min(HUNDRED, count * HUNDRED / target))


def activities_held(facts: Facts, target: Decimal | None) -> Result:
    ids = sorted(a.id for a in facts.activities)
    value = Decimal(len(ids))
    return Result(
        q(value),
        _ratio(value, _scaled(target, facts)),
        {"activity": ids},
        _inputs(facts, held=len(ids), target=target),
    )


def topics_hosted(facts: Facts, target: Decimal | None) -> Result:
    own = facts.own_schools
    ids = sorted(a.id for a in facts.activities if a.kind == TOPIC and a.hosts & own)
    value = Decimal(len(ids))
    return Result(
        q(value),
        _ratio(value, _scaled(target, facts)),
        {"activity": ids},
        _inputs(facts, hosted=len(ids), target=target),
    )


def participation(facts: Facts, target: Decimal | None) -> Result:
    held = {a.id for a in facts.activities}
    own = facts.own_schools
    rows = [p for p in facts.participations if p.activity in held and p.school in own]
    teachers = sum(facts.teachers.get(school, 0) for school in own)
    distinct = len({p.teacher for p in rows})
    inputs = {
        "participations": str(len(rows)),
        "distinct_teachers": str(distinct),
        "teachers": str(teachers),
        "target": str(target),
    }
    links = {"participation": sorted(p.id for p in rows), "school": sorted(own)}
    if teachers == 0:
        return Result(None, None, links, inputs)
    rate = Decimal(len(rows)) / Decimal(teachers)
    return Result(q(rate), _ratio(rate, target), links, inputs)


def side_of(school: int, sides: dict[int, str]) -> str:
    side = sides[school]
    return f"school:{school}" if side == MUTUAL else side


def reciprocity(facts: Facts, target: Decimal | None) -> Result:
    hosted: dict[str, set[int]] = {side_of(school, facts.sides): set() for school in facts.sides}
    for activity in facts.activities:
        for school in activity.hosts:
            if school in facts.sides:
                hosted[side_of(school, facts.sides)].add(activity.id)
    counts = {side: len(ids) for side, ids in hosted.items()}
    most = max(counts.values(), default=0)
    fewest = min(counts.values(), default=0)
    points = q(HUNDRED * fewest / most) if most else Decimal(0).quantize(CENT)
    ids = sorted(set().union(*hosted.values())) if hosted else []
    inputs = {side: str(count) for side, count in sorted(counts.items())}
    return Result(points, points, {"activity": ids}, inputs)


def commitments_met(facts: Facts, target: Decimal | None) -> Result:
    start, end = facts.period
    due = [c for c in facts.commitments if c.due_on is not None and start <= c.due_on <= end]
    met = [c for c in due if c.status == DONE]
    links = {"commitment": sorted(c.id for c in due)}
    inputs = {"due": str(len(due)), "met": str(len(met))}
    if not due:
        return Result(None, None, links, inputs)
    return Result(q(len(met)), q(HUNDRED * len(met) / len(due)), links, inputs)


def agreement_in_force(facts: Facts, target: Decimal | None) -> Result:
    start, end = facts.period
    days = (end - start).days + 1
    covered: set[int] = set()
    used = []
    for agreement in facts.agreements:
        if agreement.starts is None:
            continue
        first = max(start, agreement.starts)
        last = min(end, agreement.ends or end)
        if first <= last:
            used.append(agreement.id)
            covered.update(range((first - start).days, (last - start).days + 1))
    share = q(HUNDRED * len(covered) / days)
    return Result(
        share, share, {"agreement": sorted(used)}, {"days": str(days), "days_in_force": str(len(covered))}
    )


def support_delivered(facts: Facts, target: Decimal | None) -> Result:
    start, end = facts.period
    ids = sorted(s.id for s in facts.support if s.school in facts.sides and start <= s.given_on <= end)
    value = Decimal(len(ids))
    return Result(
        q(value),
        _ratio(value, _scaled(target, facts)),
        {"support": ids},
        _inputs(facts, records=len(ids), target=target),
    )


def secondment_days(facts: Facts, target: Decimal | None) -> Result:
    """Days of teacher secondment the partnership's held secondments begun in the period give within it."""
    rows = [a for a in facts.activities if a.kind == SECONDMENT]
    days = 0
    for a in rows:
        if a.held_on is not None:
            days += programme_days(a.held_on, a.ends_on, a.days_per_week, facts.period)
    value = Decimal(days)
    return Result(
        q(value),
        _ratio(value, _scaled(target, facts)),
        {"activity": sorted(a.id for a in rows)},
        _inputs(facts, secondment_days=days, secondments=len(rows), target=target),
    )


def _years(period: tuple[dt.date, dt.date]) -> tuple[int, int]:
    """The school years (their start years) a period starts and ends in."""
    return schoolyears.start_year_of(period[0]), schoolyears.start_year_of(period[1])


def _before_after(years: Iterable[int], period: tuple[dt.date, dt.date]) -> tuple[int, int] | None:
    """The school years to compare: the last before the period's first (or, with none, the first within the
    period) and the last within the period after it; None when there is no such pair."""
    first, last = _years(period)
    known = sorted(y for y in years if y <= last)
    earlier = [y for y in known if y < first]
    before = earlier[-1] if earlier else (known[0] if known else None)
    if before is None or known[-1] <= before:
        return None
    return before, known[-1]


def _helped(facts: Facts) -> list[int]:
    """The schools whose needs the partnership answers for: the supported side's (every school in a group
    of equals), among the unit's own schools when it has them and they include any."""
    helped = [school for school, side in facts.sides.items() if side in (SUPPORTED, MUTUAL)]
    own = [school for school in helped if school in facts.own_schools]
    return own or helped


def needs_improved(facts: Facts, target: Decimal | None) -> Result:
    """Of the areas a helped school scored as a need (≤ 2) in its last self-assessment before the period
    (or, with none, its first in the period), those it scored higher in its last one in the period."""
    by_school: dict[int, dict[int, dict[str, AssessmentFact]]] = {}
    for row in facts.assessments:
        by_school.setdefault(row.school, {}).setdefault(row.year, {})[row.area] = row
    needs = improved = 0
    links: list[int] = []
    for school in _helped(facts):
        years = by_school.get(school, {})
        pair = _before_after(years, facts.period)
        if pair is None:
            continue
        before, after = pair
        for area, then in sorted(years[before].items()):
            now = years[after].get(area)
            if then.score > NEED_SCORE or now is None:
                continue
            needs += 1
            links += [then.id, now.id]
            improved += now.score > then.score
    inputs = _inputs(facts, needs=needs, improved=improved)
    if not needs:
        return Result(None, None, {"assessment": sorted(links)}, inputs)
    return Result(q(improved), q(HUNDRED * improved / needs), {"assessment": sorted(links)}, inputs)


def indicators_improved(facts: Facts, target: Decimal | None) -> Result:
    """Of the outcome indicators of the unit's own schools with a value before the period (or, with none,
    early in it) and a later one in it, those that moved the better way. Read, never required: with no
    such pair it does not count."""
    own = facts.own_schools
    series: dict[tuple[int, int], dict[int, IndicatorFact]] = {}
    for row in facts.indicators:
        if row.school in own:
            series.setdefault((row.school, row.indicator), {})[row.year] = row
    compared = improved = 0
    links: list[int] = []
    for _key, values in sorted(series.items()):
        pair = _before_after(values, facts.period)
        if pair is None:
            continue
        then, now = values[pair[0]], values[pair[1]]
        compared += 1
        links += [then.id, now.id]
        change = now.value - then.value
        improved += (change > 0) if then.higher_is_better else (change < 0)
    inputs = _inputs(facts, compared=compared, improved=improved)
    if not compared:
        return Result(None, None, {"indicator_value": sorted(links)}, inputs)
    return Result(q(improved), q(HUNDRED * improved / compared), {"indicator_value": sorted(links)}, inputs)


RULES: dict[str, Callable[[Facts, Decimal | None], Result]] = {
    "activities_held": activities_held,
    "topics_hosted": topics_hosted,
    "participation": participation,
    "reciprocity": reciprocity,
    "commitments_met": commitments_met,
    "agreement_in_force": agreement_in_force,
    "support_delivered": support_delivered,
    "secondment_days": secondment_days,
    "needs_improved": needs_improved,
    "indicators_improved": indicators_improved,
}


def total(weighted: Iterable[tuple[Decimal, Decimal | None]]) -> Decimal:
    """Σ weight × sub-score ÷ Σ weight over the criteria that count (sub-score not None)."""
    counted = [(weight, points) for weight, points in weighted if points is not None]
    weights = sum((weight for weight, _ in counted), Decimal(0))
    if not weights:
        return Decimal(0).quantize(CENT)
    return q(sum((weight * points for weight, points in counted), Decimal(0)) / weights)


def gates_met(gated: Iterable[tuple[Decimal | None, Decimal | None]]) -> bool:
    """Every gate (a minimum sub-score) met; a criterion that cannot be computed does not block."""
    return all(gate is None or points is None or points >= gate for gate, points in gated)


@dataclass(frozen=True)
class TeacherActivity:
    """A held activity a teacher took part in, as the contributions read it."""

    participation: int
    activity: int
    kind: str
    held_on: dt.date
    ends_on: dt.date | None
    days_per_week: int | None
    hosted_by_own_school: bool


@dataclass(frozen=True)
class Contributions:
    participations: int
    topics_hosted: int
    secondment_days: int
    tutoring_days: int
    links: dict[str, list[int]]


SECONDMENT = "secondment"
TUTORING = "tutoring"


def programme_days(
    start: dt.date, end: dt.date | None, days_per_week: int | None, period: tuple[dt.date, dt.date]
) -> int:
    """The days of a secondment or tutoring programme within the period: its days per week in each whole
    week and at most as many in the last part-week, or the weekdays (Monday to Friday) when the days per
    week are not recorded."""
    first, last = max(start, period[0]), min(end or start, period[1])
    if first > last:
        return 0
    span = (last - first).days + 1
    if days_per_week:
        return (span // 7) * days_per_week + min(span % 7, days_per_week)
    return sum(1 for i in range(span) if (first + dt.timedelta(days=i)).weekday() < 5)


def teacher_contributions(rows: Iterable[TeacherActivity], period: tuple[dt.date, dt.date]) -> Contributions:
    start, end = period
    counted = [row for row in rows if start <= row.held_on <= end]
    topics = [row for row in counted if row.kind == TOPIC and row.hosted_by_own_school]
    secondments = [row for row in counted if row.kind == SECONDMENT]
    tutoring = [row for row in counted if row.kind == TUTORING]
    return Contributions(
        participations=len(counted),
        topics_hosted=len(topics),
        secondment_days=sum(
            programme_days(r.held_on, r.ends_on, r.days_per_week, period) for r in secondments
        ),
        tutoring_days=sum(programme_days(r.held_on, r.ends_on, r.days_per_week, period) for r in tutoring),
        links={"participation": sorted(row.participation for row in counted)},
    )
