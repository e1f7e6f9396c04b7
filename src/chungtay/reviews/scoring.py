"""Scores from the records: the facts of many partnerships read in a fixed number of queries (pooled for a
school or an office reviewed as a unit), each criterion's rule run on them, the results stored with the
records they counted; and `reproduce`, which reads a stored score's linked records back and runs its rule
again ("why this score")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db.models import Count
from django.utils import timezone

from chungtay.activities.models import Activity, ActivitySchool, ActivityStatus, Participation
from chungtay.core import bulk, schoolyears
from chungtay.core.dates import valid_between
from chungtay.directory.models import IndicatorValue, SchoolManagement, SelfAssessment, Teacher
from chungtay.partnerships.models import Agreement, Commitment, PartnershipMember
from chungtay.reviews import rules as r
from chungtay.reviews.models import Criterion, Cycle, Score, Submission, Unit
from chungtay.support.models import SupportRecord

Period = tuple[dt.date, dt.date]
FEW = 50  # partnerships read by an IN list; more are read with their period's whole table


def _sides(partnerships: list[int], period: Period) -> dict[int, dict[int, str]]:
    members = PartnershipMember.objects.filter(
        valid_between(*period), partnership_id__in=partnerships
    ).order_by("valid_from")
    sides: dict[int, dict[int, str]] = defaultdict(dict)
    for partnership, school, side in members.values_list("partnership_id", "school_id", "side"):
        sides[partnership][school] = side
    return sides


def _teachers(schools: Iterable[int]) -> dict[int, int]:
    rows = Teacher.objects.filter(school_id__in=list(schools), is_active=True).values_list("school_id")
    return dict(rows.annotate(n=Count("id")))


def _activities(
    partnerships: list[int], period: Period
) -> tuple[dict[int, list[int]], dict[int, r.ActivityFact]]:
    """The held activities in the period of each partnership, as facts."""
    start, end = period
    links = Activity.partnerships.through.objects.filter(
        activity__status=ActivityStatus.HELD, activity__held_on__gte=start, activity__held_on__lte=end
    )
    wanted = set(partnerships)
    if len(wanted) <= FEW:
        links = links.filter(partnership_id__in=wanted)
    # else the period's links are read whole and kept here: an IN list of a city's partnerships made
    # SQLite probe it once per held activity (0.29 s against 0.01 s for the demo's final review)
    of: dict[int, list[int]] = defaultdict(list)
    for partnership, activity in links.values_list("partnership_id", "activity_id"):
        if partnership in wanted:
            of[partnership].append(activity)
    return of, _activity_facts({a for acts in of.values() for a in acts}, period)


def _activity_facts(ids: Iterable[int], period: Period | None = None) -> dict[int, r.ActivityFact]:
    """The activities with `ids` that are held, as facts with their host schools, in two queries (by
    their period's held activities when they are many and all within it, as for an IN list of links)."""
    ids = set(ids)
    hosting = ActivitySchool.objects.filter(is_host=True)
    held = Activity.objects.filter(status=ActivityStatus.HELD)
    if period is not None and len(ids) > FEW:
        hosting = hosting.filter(
            activity__status=ActivityStatus.HELD,
            activity__held_on__gte=period[0],
            activity__held_on__lte=period[1],
        )
        held = held.filter(held_on__gte=period[0], held_on__lte=period[1])
    else:
        hosting = hosting.filter(activity_id__in=ids)
        held = held.filter(pk__in=ids)
    hosts: dict[int, set[int]] = defaultdict(set)
    for activity, school in hosting.values_list("activity_id", "school_id"):
        if activity in ids:
            hosts[activity].add(school)
    rows = [
        row for row in held.values_list("pk", "kind", "held_on", "ends_on", "days_per_week") if row[0] in ids
    ]
    return {
        pk: r.ActivityFact(pk, kind, held_on, frozenset(hosts[pk]), ends_on, days_per_week)
        for pk, kind, held_on, ends_on, days_per_week in rows
    }


def _assessments(schools: Iterable[int], period: Period) -> dict[int, list[r.AssessmentFact]]:
    """The self-assessments of `schools` up to the period's last school year."""
    last = schoolyears.start_year_of(period[1])
    found: dict[int, list[r.AssessmentFact]] = defaultdict(list)
    for row in SelfAssessment.objects.filter(
        school_id__in=list(schools), school_year__start_year__lte=last
    ).values_list("pk", "school_id", "school_year__start_year", "area", "score"):
        found[row[1]].append(r.AssessmentFact(*row))
    return found


def _indicators(schools: Iterable[int], period: Period) -> dict[int, list[r.IndicatorFact]]:
    """The outcome indicator values of `schools` up to the period's last school year."""
    last = schoolyears.start_year_of(period[1])
    found: dict[int, list[r.IndicatorFact]] = defaultdict(list)
    for row in IndicatorValue.objects.filter(
        school_id__in=list(schools), school_year__start_year__lte=last
    ).values_list(
        "pk", "school_id", "indicator_id", "school_year__start_year", "value", "indicator__higher_is_better"
    ):
        found[row[1]].append(r.IndicatorFact(*row))
    return found


def facts_for(
    partnerships: list[int], period: Period, rules: Iterable[str] | None = None
) -> dict[int, r.Facts]:
    """The facts of every partnership in `partnerships` over `period`, in at most eleven queries: the
    self-assessments and indicator values only when `rules` (None: every rule) include those reading them."""
    start, end = period
    wanted = set(r.RULES) if rules is None else set(rules)
    sides = _sides(partnerships, period)
    schools = {school for members in sides.values() for school in members}
    teachers = _teachers(schools)
    assessments = _assessments(schools, period) if "needs_improved" in wanted else {}
    indicators = _indicators(schools, period) if "indicators_improved" in wanted else {}
    of, activities = _activities(partnerships, period)
    participations: dict[int, list[r.ParticipationFact]] = defaultdict(list)
    rows = Participation.objects.filter(activity_id__in=list(activities)).values_list(
        "pk", "activity_id", "teacher_id", "school_id"
    )
    for fact in map(r.ParticipationFact._make, rows.iterator(chunk_size=20000)):
        participations[fact.activity].append(fact)
    commitments: dict[int, list[r.CommitmentFact]] = defaultdict(list)
    for pk, partnership, due_on, status in Commitment.objects.filter(
        agreement__partnership_id__in=partnerships, due_on__gte=start, due_on__lte=end
    ).values_list("pk", "agreement__partnership_id", "due_on", "status"):
        commitments[partnership].append(r.CommitmentFact(pk, due_on, status))
    agreements: dict[int, list[r.AgreementFact]] = defaultdict(list)
    for row in Agreement.objects.filter(
        partnership_id__in=partnerships, activated_on__isnull=False
    ).values_list("pk", "partnership_id", "activated_on", "ended_on", "valid_to"):
        agreements[row[1]].append(_agreement(row[0], row[2], row[3], row[4]))
    support: dict[int, list[r.SupportFact]] = defaultdict(list)
    for pk, partnership, school, given_on in SupportRecord.objects.filter(
        partnership_id__in=partnerships, given_on__gte=start, given_on__lte=end
    ).values_list("pk", "partnership_id", "receiving_school_id", "given_on"):
        support[partnership].append(r.SupportFact(pk, school, given_on))
    result = {}
    for partnership in partnerships:
        members = sides.get(partnership, {})
        acts = [activities[a] for a in of.get(partnership, [])]
        result[partnership] = r.Facts(
            period=period,
            sides=members,
            teachers={school: teachers.get(school, 0) for school in members},
            activities=tuple(acts),
            participations=tuple(
                p for a in acts for p in participations.get(a.id, ()) if p.school in members
            ),
            commitments=tuple(commitments.get(partnership, ())),
            agreements=tuple(agreements.get(partnership, ())),
            support=tuple(support.get(partnership, ())),
            assessments=tuple(row for school in members for row in assessments.get(school, ())),
            indicators=tuple(row for school in members for row in indicators.get(school, ())),
        )
    return result


@dataclass(frozen=True)
class Frame:
    """What a reviewed unit answers for: the partnerships whose records it pools, their schools with
    their sides, and its own schools (None for a partnership: all its members)."""

    partnerships: tuple[int, ...]
    sides: dict[int, str]
    own: frozenset[int] | None = None

    @property
    def schools(self) -> frozenset[int]:
        """The schools the unit answers for: its own, or a partnership's members."""
        return frozenset(self.sides) if self.own is None else self.own


def managed_by(offices: Iterable[int], period: Period) -> dict[int, set[int]]:
    """The schools each office managed at some time in the period."""
    found: dict[int, set[int]] = defaultdict(set)
    for office, school in SchoolManagement.objects.filter(
        valid_between(*period), office_id__in=list(offices)
    ).values_list("office_id", "school_id"):
        found[office].add(school)
    return found


def frames(cycle: Cycle, submissions: list[Submission]) -> dict[int, Frame]:
    """The frame of each submission: a partnership's own; a school's, the cycle's reviewed partnerships
    it was a member of during the period; an office's, those of the schools it managed then."""
    period = (cycle.period_start, cycle.period_end)
    pooled = any(s.unit != Unit.PARTNERSHIP for s in submissions)
    if pooled:
        reviewed = list(
            Submission.objects.filter(cycle=cycle, unit=Unit.PARTNERSHIP).values_list(
                "partnership_id", flat=True
            )
        )
    else:
        reviewed = [s.partnership_id for s in submissions if s.partnership_id is not None]
    sides = _sides(reviewed, period)
    member_of: dict[int, list[int]] = defaultdict(list)
    for partnership in sorted(sides):
        for school in sides[partnership]:
            member_of[school].append(partnership)
    managed = managed_by({s.office_id for s in submissions if s.office_id is not None}, period)
    found = {}
    for submission in submissions:
        if submission.unit == Unit.PARTNERSHIP:
            own_partnership = submission.partnership_id or 0
            found[submission.pk] = Frame((own_partnership,), sides.get(own_partnership, {}))
            continue
        own: set[int]
        if submission.unit == Unit.SCHOOL:
            own = {submission.school_id or 0} & set(member_of)
        else:
            own = managed.get(submission.office_id or 0, set()) & set(member_of)
        partnerships = tuple(sorted({p for school in own for p in member_of[school]}))
        merged: dict[int, str] = {}
        for partnership in partnerships:
            merged.update(sides[partnership])
        found[submission.pk] = Frame(partnerships, merged, frozenset(own))
    return found


def pool(frame: Frame, parts: list[r.Facts], period: Period) -> r.Facts:
    """The facts of a unit from those of its partnerships, each record once."""
    if frame.own is None and len(parts) == 1:
        return parts[0]

    def once(items: Iterable[Any]) -> tuple[Any, ...]:
        return tuple({item.id: item for item in items}.values())

    own = frame.schools
    teachers: dict[int, int] = {}
    for part in parts:
        teachers.update(part.teachers)
    return r.Facts(
        period=period,
        sides=frame.sides,
        teachers=teachers,
        activities=once(a for part in parts for a in part.activities),
        # only its own schools' participations count (`rules.participation`): the others are not pooled
        participations=once(p for part in parts for p in part.participations if p.school in own),
        commitments=once(c for part in parts for c in part.commitments),
        agreements=once(a for part in parts for a in part.agreements),
        support=once(s for part in parts for s in part.support),
        assessments=once(a for part in parts for a in part.assessments),
        indicators=once(i for part in parts for i in part.indicators),
        own=frame.own,
        scale=len(parts),
    )


def unit_facts(
    cycle: Cycle, submissions: list[Submission], rules: Iterable[str] | None = None
) -> dict[int, r.Facts]:
    """The facts of each submission's unit over the cycle's period (submission id → facts), for `rules`
    (None: every rule)."""
    period = (cycle.period_start, cycle.period_end)
    framed = frames(cycle, submissions)
    facts = facts_for(sorted({p for frame in framed.values() for p in frame.partnerships}), period, rules)
    return {pk: pool(frame, [facts[p] for p in frame.partnerships], period) for pk, frame in framed.items()}


def _agreement(
    pk: int, activated_on: dt.date | None, ended_on: dt.date | None, valid_to: dt.date | None
) -> r.AgreementFact:
    ends = [day for day in (ended_on, valid_to) if day is not None]
    return r.AgreementFact(pk, activated_on, min(ends) if ends else None)


def run(criterion: Criterion, facts: r.Facts) -> r.Result:
    return r.RULES[criterion.rule](facts, criterion.target)


def settle(submission: Submission, scored: Iterable[tuple[Criterion, Decimal | None]]) -> None:
    """Set the submission's total and whether its gates are met from each criterion's sub-score (a
    judgement criterion not scored yet counts as 0)."""
    counted = [
        (criterion, Decimal(0) if points is None and criterion.is_judgement else points)
        for criterion, points in scored
    ]
    submission.total = r.total((criterion.weight, points) for criterion, points in counted)
    submission.gates_met = r.gates_met((criterion.gate, points) for criterion, points in counted)


def compute(cycle: Cycle, submissions: list[Submission] | None = None) -> int:
    """Compute every computed criterion of the cycle's submissions (or of `submissions`) from the records
    and store the scores that changed and the totals; judgement scores are kept. Returns the number of
    scores written."""
    stored_scores = Score.objects.filter(submission__cycle=cycle)
    if submissions is None:
        submissions = list(cycle.submissions.all())
    else:
        stored_scores = stored_scores.filter(submission__in=submissions)
    criteria = list(cycle.criteria_set.criteria.all())
    facts = unit_facts(cycle, submissions, {criterion.rule for criterion in criteria})
    # the stored scores as plain rows (no model instance per score: a city's cycle holds 15,000)
    existing: dict[tuple[int, int], tuple[int, dict[str, Any]]] = {
        (submission, criterion): (pk, {"value": value, "points": points, "links": links, "inputs": inputs})
        for pk, submission, criterion, value, points, links, inputs in stored_scores.values_list(
            "pk", "submission_id", "criterion_id", "value", "points", "links", "inputs"
        )
    }
    creates: list[Score] = []
    updates: list[SimpleNamespace] = []
    now = timezone.now()
    for submission in submissions:
        scored: list[tuple[Criterion, Decimal | None]] = []
        for criterion in criteria:
            stored = existing.get((submission.pk, criterion.pk))
            if criterion.is_judgement:
                if stored is None:
                    creates.append(Score(submission=submission, criterion=criterion))
                scored.append((criterion, stored[1]["points"] if stored is not None else None))
                continue
            result = run(criterion, facts[submission.pk])
            fields: dict[str, Any] = {
                "value": result.value,
                "points": result.points,
                "links": result.links,
                "inputs": result.inputs,
            }
            if stored is None:
                creates.append(Score(submission=submission, criterion=criterion, **fields))
            elif stored[1] != fields:
                # a row for `update_rows` (a model instance per changed score costs more than its SQL)
                updates.append(SimpleNamespace(pk=stored[0], **fields))
            scored.append((criterion, result.points))
        settle(submission, scored)
        submission.computed_at = now
    Score.objects.bulk_create(creates, batch_size=2000)
    # only the scores whose records changed are written (a recompute usually changes few)
    bulk.update_rows(Score, updates, ["value", "points", "links", "inputs"])
    bulk.update_rows(Submission, submissions, ["total", "gates_met", "computed_at"])
    return len(creates) + len(updates)


def reproduce(score: Score) -> r.Result:
    """Run the score's rule again on the records it links to, read back from the database: the same
    value and sub-score, or the records changed since (and the score is stale)."""
    return reproduce_many([score])[score.pk]


def reproduce_many(scores: list[Score]) -> dict[int, r.Result]:
    """`reproduce` for many scores (of any cycles), reading each kind of linked record in one pass."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for score in scores:
        for key, ids in score.links.items():
            wanted[key].update(ids)
    participations = {
        row[0]: r.ParticipationFact(*row)
        for row in Participation.objects.filter(pk__in=wanted["participation"])
        .values_list("pk", "activity_id", "teacher_id", "school_id")
        .iterator(chunk_size=20000)
    }
    held = _activity_facts(wanted["activity"] | {p.activity for p in participations.values()})
    commitments = {
        row[0]: r.CommitmentFact(*row)
        for row in Commitment.objects.filter(pk__in=wanted["commitment"]).values_list(
            "pk", "due_on", "status"
        )
    }
    agreements = {
        row[0]: _agreement(*row)
        for row in Agreement.objects.filter(pk__in=wanted["agreement"]).values_list(
            "pk", "activated_on", "ended_on", "valid_to"
        )
    }
    support = {
        row[0]: r.SupportFact(*row)
        for row in SupportRecord.objects.filter(pk__in=wanted["support"]).values_list(
            "pk", "receiving_school_id", "given_on"
        )
    }
    assessed = {
        row[0]: r.AssessmentFact(*row)
        for row in SelfAssessment.objects.filter(pk__in=wanted["assessment"]).values_list(
            "pk", "school_id", "school_year__start_year", "area", "score"
        )
    }
    measured = {
        row[0]: r.IndicatorFact(*row)
        for row in IndicatorValue.objects.filter(pk__in=wanted["indicator_value"]).values_list(
            "pk",
            "school_id",
            "indicator_id",
            "school_year__start_year",
            "value",
            "indicator__higher_is_better",
        )
    }
    cycles = {c.pk: c for c in Cycle.objects.filter(pk__in={s.submission.cycle_id for s in scores})}
    framed: dict[int, Frame] = {}
    for cycle in cycles.values():
        submissions = {s.submission_id: s.submission for s in scores if s.submission.cycle_id == cycle.pk}
        framed.update(frames(cycle, list(submissions.values())))
    teachers = _teachers({school for frame in framed.values() for school in frame.sides})
    results = {}
    for score in scores:
        cycle = cycles[score.submission.cycle_id]
        start, end = cycle.period_start, cycle.period_end
        frame = framed[score.submission_id]
        members = frame.sides
        links: dict[str, list[int]] = score.links
        linked_participations = tuple(
            participations[i] for i in links.get("participation", []) if i in participations
        )
        activities = [held[i] for i in links.get("activity", []) if i in held]
        activities += [held[a] for a in sorted({p.activity for p in linked_participations}) if a in held]
        facts = r.Facts(
            period=(start, end),
            sides=members,
            teachers={school: teachers.get(school, 0) for school in members},
            # an activity no longer held in the period is not counted again: the score is then stale
            activities=tuple(a for a in dict.fromkeys(activities) if a.held_on and start <= a.held_on <= end),
            participations=linked_participations,
            commitments=tuple(commitments[i] for i in links.get("commitment", []) if i in commitments),
            agreements=tuple(agreements[i] for i in links.get("agreement", []) if i in agreements),
            support=tuple(support[i] for i in links.get("support", []) if i in support),
            assessments=tuple(assessed[i] for i in links.get("assessment", []) if i in assessed),
            indicators=tuple(measured[i] for i in links.get("indicator_value", []) if i in measured),
            own=frame.own,
            scale=len(frame.partnerships) if frame.own is not None else 1,
        )
        results[score.pk] = run(score.criterion, facts)
    return results


def contributions(cycle: Cycle, teachers: dict[int, int]) -> dict[int, r.Contributions]:
    """The contributions over the cycle's period of each teacher (id → their school's id), from their
    participations at held activities, in two queries."""
    start, end = cycle.period_start, cycle.period_end
    rows = Participation.objects.filter(
        teacher_id__in=list(teachers),
        activity__status=ActivityStatus.HELD,
        activity__held_on__gte=start,
        activity__held_on__lte=end,
    ).values_list(
        "pk",
        "teacher_id",
        "activity_id",
        "activity__kind",
        "activity__held_on",
        "activity__ends_on",
        "activity__days_per_week",
    )
    found = list(rows)
    hosts: dict[int, set[int]] = defaultdict(set)
    for activity, school in ActivitySchool.objects.filter(
        activity_id__in={row[2] for row in found}, is_host=True
    ).values_list("activity_id", "school_id"):
        hosts[activity].add(school)
    per_teacher: dict[int, list[r.TeacherActivity]] = defaultdict(list)
    for pk, teacher, activity, kind, held_on, ends_on, days_per_week in found:
        if held_on is None:  # a held activity always has its date (a database constraint)
            continue
        per_teacher[teacher].append(
            r.TeacherActivity(
                pk, activity, kind, held_on, ends_on, days_per_week, teachers[teacher] in hosts[activity]
            )
        )
    return {
        teacher: r.teacher_contributions(per_teacher.get(teacher, []), (start, end)) for teacher in teachers
    }
