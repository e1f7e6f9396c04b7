"""What the reviews' pages read: a cycle's progress and results, a submission's scores, and the records
a score counted ("why this score")."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from chungtay.activities.models import Activity, ActivitySchool, Participation
from chungtay.directory.models import IndicatorValue, School, SelfAssessment
from chungtay.partnerships.models import Agreement, Commitment
from chungtay.reviews import rules as r
from chungtay.reviews import scoring
from chungtay.reviews.models import Criterion, Rule, Score, Submission, Unit
from chungtay.support.models import SupportRecord

PER_PAGE_LINKS = 500  # records listed on the "why" page (the count is always the whole)


def status_counts(submissions: QuerySet[Submission]) -> dict[str, int]:
    return dict(submissions.values_list("status").annotate(n=Count("id")).order_by())


@dataclass
class Rollup:
    """A group's figures over its units, each unit counted once: never a mean of means."""

    units: int
    mean: Decimal | None
    gates_met: int


def rollup(totals: list[tuple[Decimal, bool]]) -> Rollup:
    """The mean total over units (each partnership one unit) and how many met every gate. Order does
    not matter; the mean lies between the lowest and the highest total."""
    if not totals:
        return Rollup(0, None, 0)
    return Rollup(
        len(totals),
        r.q(sum((t for t, _ in totals), Decimal(0)) / len(totals)),
        sum(1 for _, g in totals if g),
    )


def results(submissions: QuerySet[Submission]) -> dict[str, list[Submission]]:
    """The published ranking per category (a partnership's level; schools of a level; the district
    offices), best first: the partnerships' categories, then the schools', then the offices'."""
    found: dict[str, list[Submission]] = defaultdict(list)
    rows = submissions.select_related("partnership", "school", "office")
    for submission in sorted(rows, key=lambda s: (_unit_order(s.unit), s.category, s.rank or 0, s.order_key)):
        found[submission.category].append(submission)
    return dict(found)


def _unit_order(unit: str) -> int:
    return [Unit.PARTNERSHIP, Unit.SCHOOL, Unit.OFFICE].index(Unit(unit))


def rollups(submissions: QuerySet[Submission]) -> dict[str, Rollup]:
    rows: dict[tuple[int, str], list[tuple[Decimal, bool]]] = defaultdict(list)
    for unit, category, total, gates in submissions.values_list("unit", "category", "total", "gates_met"):
        rows[(_unit_order(unit), category)].append((total, gates))
    return {category: rollup(values) for (_, category), values in sorted(rows.items())}


@dataclass
class Why:
    """The records a score counted, read back, and the rule run again on them."""

    score: Score
    reproduced: r.Result
    matches: bool
    activities: list[Activity]
    participations: list[tuple[Activity, int, list[str]]]  # activity, count, teachers' names (first ones)
    commitments: list[Commitment]
    agreements: list[Agreement]
    support: list[SupportRecord]
    counted: int
    assessments: list[SelfAssessment]
    indicator_values: list[IndicatorValue]


def why(score: Score) -> Why:
    reproduced = scoring.reproduce(score)
    matches = reproduced.value == score.value and reproduced.points == score.points
    links: dict[str, list[int]] = score.links
    counted = sum(len(ids) for key, ids in links.items() if key != "school")
    activities: list[Activity] = []
    participations: list[tuple[Activity, int, list[str]]] = []
    if links.get("activity"):
        activities = list(
            Activity.objects.filter(pk__in=links["activity"][:PER_PAGE_LINKS]).order_by("held_on", "pk")
        )
        hosts = defaultdict(list)
        for row in ActivitySchool.objects.filter(activity__in=activities, is_host=True).select_related(
            "school"
        ):
            hosts[row.activity_id].append(row.school.name)
        for activity in activities:
            activity.host_names = hosts.get(activity.pk, [])  # type: ignore[attr-defined]
    if links.get("participation"):
        ids = links["participation"]
        per_activity = Counter(
            Participation.objects.filter(pk__in=ids)
            .values_list("activity_id", flat=True)
            .iterator(chunk_size=5000)
        )
        names: dict[int, list[str]] = defaultdict(list)
        top = [a for a, _ in per_activity.most_common(PER_PAGE_LINKS // 10)]
        for activity_id, name in Participation.objects.filter(pk__in=ids, activity_id__in=top).values_list(
            "activity_id", "teacher__full_name"
        ):
            names[activity_id].append(name)
        by_pk = Activity.objects.in_bulk(top)
        participations = [
            (by_pk[a], per_activity[a], sorted(names[a]))
            for a in sorted(top, key=lambda a: by_pk[a].held_on or 0)
        ]
    commitments = list(Commitment.objects.filter(pk__in=links.get("commitment", [])).select_related("school"))
    agreements = list(Agreement.objects.filter(pk__in=links.get("agreement", [])))
    support = list(
        SupportRecord.objects.filter(pk__in=links.get("support", [])[:PER_PAGE_LINKS]).select_related(
            "receiving_school", "donor"
        )
    )
    assessments = list(
        SelfAssessment.objects.filter(pk__in=links.get("assessment", [])[:PER_PAGE_LINKS])
        .select_related("school", "school_year")
        .order_by("school__sort_key", "area", "school_year__start_year")
    )
    indicator_values = list(
        IndicatorValue.objects.filter(pk__in=links.get("indicator_value", [])[:PER_PAGE_LINKS])
        .select_related("school", "school_year", "indicator")
        .order_by("school__sort_key", "indicator__code", "school_year__start_year")
    )
    return Why(
        score,
        reproduced,
        matches,
        activities,
        participations,
        commitments,
        agreements,
        support,
        counted,
        assessments,
        indicator_values,
    )


def school_names(ids: list[int]) -> dict[int, str]:
    return dict(School.objects.filter(pk__in=ids).values_list("pk", "name"))


def rule_text(criterion: Criterion) -> str:
    """How the criterion's rule turns the records into its sub-score, in the language of the page."""
    texts = {
        Rule.ACTIVITIES_HELD: _(
            "The partnership's activities held in the period (one activity shared by several "
            "schools counts once) ÷ the target × 100, at most 100."
        ),
        Rule.TOPICS_HOSTED: _(
            "Held topical lessons of the partnership hosted by one of its schools ÷ the target × 100, "
            "at most 100."
        ),
        Rule.PARTICIPATION: _(
            "Teacher participations of the member schools' teachers at the partnership's held "
            "activities, per teacher on the schools' rosters, ÷ the target × 100, at most 100. No "
            "teacher on the rosters: not computed, the criterion does not count."
        ),
        Rule.RECIPROCITY: _(
            "Held activities hosted by each side: the fewest hosted by a side ÷ the most × 100 (both "
            "sides hosting equally: 100; one side never hosting: 0)."
        ),
        Rule.COMMITMENTS_MET: _(
            "Commitments of the partnership's agreements due in the period: met (marked done) ÷ due × "
            "100. None due: not computed, the criterion does not count."
        ),
        Rule.AGREEMENT_IN_FORCE: _(
            "The share of the period's days on which an agreement was in force × 100."
        ),
        Rule.SUPPORT_DELIVERED: _(
            "Support records of the partnership given to a member school in the period ÷ the target × "
            "100, at most 100."
        ),
        Rule.SECONDMENT_DAYS: _(
            "Days of teacher secondment given within the period by the partnership's held secondments begun "
            "in it (each programme's days per week in each whole week) ÷ the target × 100, at most 100."
        ),
        Rule.NEEDS_IMPROVED: _(
            "Areas the supported schools scored as a need (1–2) in their last self-assessment before the "
            "period (or, with none, their first in it): those scored higher in their last one in the "
            "period ÷ those needs × 100. No need with a later assessment: not computed, the criterion does "
            "not count."
        ),
        Rule.INDICATORS_IMPROVED: _(
            "Outcome indicators of the schools with a value before the period (or, with none, early in it) "
            "and a later one in it: those that moved the better way ÷ those compared × 100. Read, never "
            "required: with nothing to compare, the criterion does not count."
        ),
        Rule.JUDGEMENT: _(
            "Scored by the reviewer (0–100) with a comment and the evidence it rests on; 0 until scored."
        ),
    }
    return str(texts[Rule(criterion.rule)])


def inputs_label(score: Score, names: dict[int, str]) -> list[tuple[str, Any]]:
    """A score's inputs as label and value, in the language of the page."""
    labels = {
        "held": _("held"),
        "hosted": _("hosted"),
        "target": _("target"),
        "participations": _("participations"),
        "distinct_teachers": _("distinct teachers"),
        "teachers": _("teachers on the rosters"),
        "due": _("due in the period"),
        "met": _("met"),
        "days": _("days in the period"),
        "days_in_force": _("days in force"),
        "records": _("records"),
        "partnerships": _("partnerships pooled (a target counts once for each)"),
        "secondment_days": _("days of secondment"),
        "secondments": _("secondments"),
        "needs": _("needs at the start"),
        "improved": _("improved"),
        "compared": _("indicators compared"),
        "supporting": _("hosted by the supporting side"),
        "supported": _("hosted by the supported side"),
    }
    found = []
    for key, value in score.inputs.items():
        if key == "target" and value in ("None", ""):
            continue
        label = labels.get(key)
        if label is None and key.startswith("school:"):
            school = key.split(":", 1)[1]
            label = _("hosted by %(school)s") % {"school": names.get(int(school), school)}
        found.append((label or key, _plain(value)))
    return found


def _plain(value: str) -> str:
    """A stored number written for the page's language (6, 1,5, 1.234)."""
    try:
        number = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        return value
    if not number.is_finite():
        return value
    number = number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
    return str(number_format(number, use_l10n=True, force_grouping=True))
