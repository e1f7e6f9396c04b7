"""The movement's figures for any scope × period (see `analytics.query`), each counted in the database
from what was recorded, never typed in. Every surface (the dashboards, the API, the downloads, the
public page and the reports) reads them from here.

Counting rules, stated once:
- a **held activity** counts in the period it was held in (its `held_on`); an activity shared by several
  schools counts once in a total, and once under each level, area or unit of its schools in the scope
  (so the rows of such a breakdown can add up to more than the total);
- a **participation** (lượt) is one teacher of a school in the scope at one held activity; **distinct
  teachers** are counted by person;
- **pupils and parents** are the counts each school of the scope recorded at held activities;
- **stocks** (schools that have signed, agreements in force, twinnings) are counted as of the period's
  last day, or today if that is earlier;
- a school's **level** is each basic level it teaches (a TH&THCS school is primary and lower secondary);
  its **area** (inner/outer city) is taken on one map date for every period, the phase's start, so that a
  series does not break where the 2025 reform moved a ward across the line; its **unit** is the district
  it stood in on the day (the ward or commune after 1/7/2025);
- pupil counts of support below 5 are shown as "< 5".
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from chungtay.activities.facts import last_held_day
from chungtay.activities.models import (
    Activity,
    ActivityFact,
    ActivityKind,
    ActivityStatus,
    LinkFact,
    Mode,
    MonthFact,
    Participation,
    TeacherMonth,
    Tier,
)
from chungtay.analytics.query import FigureRequest
from chungtay.core import schoolyears
from chungtay.core.datacache import cached, data_version, query_text
from chungtay.core.dates import first_of_next_month, today, valid_on
from chungtay.directory.models import (
    BASIC_LEVEL_CHOICES,
    BASIC_LEVELS,
    AdminUnit,
    AreaClass,
    AreaClassification,
    SchoolLocation,
    levels_teaching,
)
from chungtay.partnerships.models import (
    AgreementKind,
    AgreementStatus,
    Commitment,
    CommitmentStatus,
    OfficeTwinning,
    PartnershipMember,
    PartnershipStatus,
    Plan,
    Side,
    Signature,
)
from chungtay.support.models import SupportKind, SupportRecord
from chungtay.support.selectors import support_figures

# Levels whose schools sign memoranda under their district office, and those the city manages directly,
# which sign covenants ("672 MN/TH/THCS schools signed memoranda; 65 THPT schools and centres signed
# covenants").
MEMORANDUM_LEVELS = ("mn", "th", "thcs")
COVENANT_LEVELS = ("thpt", "gdnn_gdtx")

LEVEL, AREA, UNIT, KIND, TIER, MODE, MONTH, YEAR, STATUS, SIDE, PARTNERSHIP = (
    "level",
    "area",
    "unit",
    "kind",
    "tier",
    "mode",
    "month",
    "school_year",
    "status",
    "side",
    "partnership",
)
DIMENSION_LABELS = {
    LEVEL: _("level"),
    AREA: _("inner/outer city"),
    UNIT: _("unit"),
    KIND: _("kind"),
    TIER: _("tier"),
    MODE: _("mode"),
    MONTH: _("month"),
    YEAR: _("school year"),
    STATUS: _("status"),
    SIDE: _("side"),
    PARTNERSHIP: _("partnership"),
}
# The breakdowns whose rows are an activity's own choices, in their order.
CHOICES = {KIND: ActivityKind.choices, TIER: Tier.choices, MODE: Mode.choices}
NO_AREA = "none"
NO_UNIT = 0


@dataclass
class Row:
    key: str
    label: str
    value: int | None  # None: suppressed ("< 5") or not computable
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "value": self.value, **self.extra}


@dataclass
class Figure:
    """One figure: its total, its parts (e.g. in person / online), and, when asked, one breakdown.
    `value` is None when the figure cannot be computed honestly; `reason` then says why."""

    key: str
    label: str
    value: int | None
    note: str
    parts: dict[str, int | None] = field(default_factory=dict)
    breakdown: str = ""
    rows: list[Row] = field(default_factory=list)
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "note": self.note,
            "reason": self.reason,
            "parts": self.parts,
            "breakdown": self.breakdown,
            "rows": [row.as_dict() for row in self.rows],
        }


NOT_APPLICABLE = _("This figure has no breakdown by “%(by)s”. Choose one of: %(allowed)s.")


class BreakdownNotApplicable(ValueError):
    def __init__(self, kind: str, by: str, allowed: Iterable[str]) -> None:
        self.kind, self.by, self.allowed = kind, by, list(allowed)
        super().__init__(f"{kind} by {by}")

    @property
    def message(self) -> str:
        return str(NOT_APPLICABLE) % {"by": self.by[:40], "allowed": ", ".join(self.allowed)}


# --- What is known about each school of the scope --------------------------------------------------


@dataclass
class SchoolFacts:
    levels: dict[int, frozenset[str]]
    area: dict[int, str]
    unit: dict[int, int]
    unit_labels: dict[int, str]

    def keys_of(self, school_id: int, by: str) -> list[str]:
        if by == LEVEL:
            return sorted(self.levels.get(school_id, frozenset()))
        if by == AREA:
            return [self.area.get(school_id, NO_AREA)]
        if by == UNIT:
            return [str(self.unit.get(school_id, NO_UNIT))]
        raise ValueError(by)

    def label_of(self, by: str, key: str) -> str:
        if by == LEVEL:
            return str(dict(BASIC_LEVEL_CHOICES).get(key, key))
        if by == AREA:
            return str(dict(AreaClass.choices).get(key, _("not classified")))
        if by == UNIT:
            return self.unit_labels.get(int(key), gettext("no unit recorded"))
        raise ValueError(by)

    def order(self, by: str, keys: Iterable[str]) -> list[str]:
        if by == LEVEL:
            ordered = [level for level, _label in BASIC_LEVEL_CHOICES]
            return [k for k in ordered if k in set(keys)]
        if by == AREA:
            return [k for k in (AreaClass.INNER, AreaClass.OUTER, NO_AREA) if k in set(keys)]
        return sorted(keys, key=lambda k: self.label_of(by, k))


SCHOOL_DIMENSIONS = (LEVEL, AREA, UNIT)


def school_facts(request: FigureRequest) -> SchoolFacts:
    """Levels, area (on the phase's start) and unit (on the period's day) of the scope's schools, in four
    queries whatever their number, once per request."""
    facts = _once(request, "school_facts", lambda: _school_facts(request))
    assert isinstance(facts, SchoolFacts)
    return facts


def _school_facts(request: FigureRequest) -> SchoolFacts:
    period = request.period
    schools = request.scope.schools
    levels = {pk: BASIC_LEVELS[level] for pk, level in schools.values_list("pk", "level")}
    day = period.day
    area_day = request.area_day or period.start
    located = _located(schools, day)
    located_then = located if area_day == day else _located(schools, area_day)
    classes = dict(AreaClassification.objects.filter(valid_on(area_day)).values_list("unit_id", "area"))
    area: dict[int, str] = {}
    for school, (ward, parent) in located_then.items():
        found = classes.get(ward) or (classes.get(parent) if parent else None)
        if found:
            area[school] = found
    parents = {parent for _unit, parent in located.values() if parent}
    district_levels = dict(AdminUnit.objects.filter(pk__in=parents).values_list("pk", "level"))
    unit: dict[int, int] = {}
    for school, (ward, parent) in located.items():
        unit[school] = parent if parent and district_levels.get(parent) == AdminUnit.Level.DISTRICT else ward
    labels = dict(AdminUnit.objects.filter(pk__in=set(unit.values())).values_list("pk", "name"))
    return SchoolFacts(levels=levels, area=area, unit=unit, unit_labels=labels)


def _located(schools: QuerySet[Any], day: dt.date) -> dict[int, tuple[int, int | None]]:
    """Each school's unit on `day`, with the unit's parent."""
    rows = SchoolLocation.objects.filter(valid_on(day), school__in=schools)
    return {
        school: (unit, parent)
        for school, unit, parent in rows.values_list("school_id", "unit_id", "unit__parent_id")
    }


def _group_distinct(pairs: Iterable[tuple[Any, int]], facts: SchoolFacts, by: str) -> Counter[str]:
    """From (item, school) pairs: per level/area/unit, how many distinct items."""
    seen: dict[str, set[Any]] = defaultdict(set)
    for item, school in pairs:
        for key in facts.keys_of(school, by):
            seen[key].add(item)
    return Counter({key: len(items) for key, items in seen.items()})


def _group_sum(per_school: dict[int, int], facts: SchoolFacts, by: str) -> Counter[str]:
    totals: Counter[str] = Counter()
    for school, n in per_school.items():
        for key in facts.keys_of(school, by):
            totals[key] += n
    return totals


def _rows_from(counter: Counter[str], facts: SchoolFacts, by: str) -> list[Row]:
    return [Row(key, facts.label_of(by, key), counter[key]) for key in facts.order(by, counter.keys())]


def _choice_rows(counter: Counter[str], choices: list[tuple[str, Any]]) -> list[Row]:
    return [Row(value, str(label), counter.get(value, 0)) for value, label in choices]


def _month_rows(counter: Counter[str], request: FigureRequest) -> list[Row]:
    rows = []
    for year, month in request.period.months():
        key = f"{year}-{month:02d}"
        rows.append(Row(key, f"{month:02d}/{year}", counter.get(key, 0)))
    return rows


def _year_rows(counter: Counter[str]) -> list[Row]:
    return [Row(key, schoolyears.label(int(key)), counter[key]) for key in sorted(counter)]


def _once(request: FigureRequest, key: Any, compute: Callable[[], Any]) -> Any:
    """A count several figures of one request share (a total shown beside each of its breakdowns),
    computed once."""
    if key not in request.memo:
        request.memo[key] = compute()
    return request.memo[key]


def _by_month(
    rows: QuerySet[Any], date_field: str, measure: Any, fold: Callable[[dt.date | None], str] | None = None
) -> Counter[str]:
    """`measure` per month of `date_field`, counted in the database, keyed "2023-03" (or by `fold` of
    the month's first day, e.g. its school year)."""
    counter: Counter[str] = Counter()
    grouped = (
        rows.annotate(_month=TruncMonth(date_field)).order_by().values_list("_month").annotate(n=measure)
    )
    for month, n in grouped:
        day = month.date() if isinstance(month, dt.datetime) else month
        counter[(fold or _month_of)(day)] += n or 0
    return counter


def _month_of(day: dt.date | None) -> str:
    assert day is not None  # a held activity has its date (a database constraint)
    return f"{day.year}-{day.month:02d}"


def _year_of(day: dt.date | None) -> str:
    assert day is not None
    return str(schoolyears.start_year_of(day))


# --- Activities ---------------------------------------------------------------------------------------


def _bounds(request: FigureRequest, whole_years: bool) -> tuple[dt.date, dt.date]:
    """The period's first and last day; with `whole_years`, those of the school years it touches (for a
    trend by year)."""
    first, last = request.period.start, request.period.end
    if whole_years:
        first = schoolyears.bounds(schoolyears.start_year_of(first))[0]
        last = schoolyears.bounds(schoolyears.start_year_of(last))[1]
    return first, last


def _scoped(rows: QuerySet[Any], request: FigureRequest, department: str) -> QuerySet[Any]:
    """Rows of the scope's department (its column named `department`), of schools of the chosen levels
    and, below the whole department, of the scope's schools (a `school` column)."""
    if request.scope.department is not None:
        rows = rows.filter(**{department: request.scope.department.pk})
    if request.levels:
        rows = rows.filter(request.level_filter("school__"))
    if not request.scope.whole_department:
        rows = rows.filter(school__in=request.scope.schools)
    return rows


def _held_q(
    request: FigureRequest, prefix: str = "", *, whole_years: bool = False, kinds: list[str] | None = None
) -> Q:
    """Activities of the department held in the period (with `whole_years`, over the school years the
    period touches, for the trend by year). Written as conditions on the activity's own columns, so that
    counts over participations and schools join the activity instead of testing membership in a
    subquery (thirty times faster on the demo's 100,000 participations)."""
    first, last = _bounds(request, whole_years)
    condition = Q(
        **{
            f"{prefix}status": ActivityStatus.HELD,
            f"{prefix}held_on__gte": first,
            f"{prefix}held_on__lte": last,
        }
    )
    department = request.scope.department
    if department is not None:
        condition &= Q(**{f"{prefix}department_id": department.pk})
    if kinds:
        condition &= Q(**{f"{prefix}kind__in": kinds})
    return condition


def _facts(
    request: FigureRequest, *, whole_years: bool = False, kinds: list[str] | None = None
) -> QuerySet[ActivityFact]:
    """The summary rows (one per held activity and school: `activities.ActivityFact`) of the scope's
    schools of the chosen levels, held in the period."""
    first, last = _bounds(request, whole_years)
    rows = ActivityFact.objects.filter(held_on__gte=first, held_on__lte=last)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return _scoped(rows, request, "department_id")


def held_activities(
    request: FigureRequest, *, whole_years: bool = False, kinds: list[str] | None = None
) -> QuerySet[Activity]:
    """Held activities of the scope in the period: the department's own for the whole department,
    otherwise those a school of the scope took part in; with a level filter, those a school of that
    level took part in."""
    rows = Activity.objects.filter(_held_q(request, whole_years=whole_years, kinds=kinds))
    if request.scope.whole_department and not request.levels:
        return rows
    taking_part = _facts(request, whole_years=whole_years, kinds=kinds)
    return rows.filter(pk__in=taking_part.values("activity_id"))


ACTIVITY_DIMENSIONS = (KIND, TIER, MODE, MONTH, YEAR, LEVEL, AREA, UNIT)


def _activity_cube(request: FigureRequest) -> Counter[tuple[str, str, str, str]]:
    """The scope's held activities of the period counted by (kind, tier, mode, month), in one scan shared
    by every figure of a request: the totals of activities, topics and exchanges, their in-person and
    online parts and their breakdowns by kind, tier, mode and month are sums over it (seven scans of the
    activities before: 350 ms of a dashboard's 1,300 at 10× the demo)."""

    def count() -> Counter[tuple[str, str, str, str]]:
        rows = (
            held_activities(request)
            .annotate(_month=TruncMonth("held_on"))
            .order_by()
            .values_list("kind", "tier", "mode", "_month")
            .annotate(n=Count("*"))  # not COUNT(id): the index of held activities answers alone
        )
        cube: Counter[tuple[str, str, str, str]] = Counter()
        for kind, tier, mode, month, n in rows:
            day = month.date() if isinstance(month, dt.datetime) else month
            cube[(kind, tier, mode, _month_of(day))] += n
        return cube

    return _once(request, "activity_cube", count)  # type: ignore[no-any-return]


CUBE_AXES = {KIND: 0, TIER: 1, MODE: 2, MONTH: 3}


def _activity_figure(
    request: FigureRequest, *, key: str, label: Any, note: Any, by: str, kinds: list[str] | None = None
) -> Figure:
    cube = {cell: n for cell, n in _activity_cube(request).items() if not kinds or cell[0] in kinds}
    modes: Counter[str] = Counter()
    for cell, n in cube.items():
        modes[cell[2]] += n
    figure = Figure(
        key=key,
        label=str(label),
        value=sum(cube.values()),
        note=str(note),
        parts={"in_person": modes[Mode.IN_PERSON], "online": modes[Mode.ONLINE]},
    )
    if not by:
        return figure
    figure.breakdown = by
    if by in CUBE_AXES:
        counter: Counter[str] = Counter()
        for cell, n in cube.items():
            counter[cell[CUBE_AXES[by]]] += n
        if by == MONTH:
            figure.rows = _month_rows(counter, request)
        else:
            choices = CHOICES[by]
            if kinds and by == KIND:
                choices = [c for c in choices if c[0] in kinds]
            figure.rows = _choice_rows(counter, choices)
    elif by == YEAR:
        yearly = held_activities(request, whole_years=True, kinds=kinds)
        figure.rows = _year_rows(_by_month(yearly, "held_on", Count("pk"), fold=_year_of))
    else:
        pairs = list(_facts(request, kinds=kinds).values_list("activity_id", "school_id"))
        facts = school_facts(request)
        figure.rows = _rows_from(_group_distinct(pairs, facts, by), facts, by)
        if by == LEVEL and request.levels:
            figure.rows = [row for row in figure.rows if row.key in request.levels]
    return figure


def activities_figure(request: FigureRequest, by: str = "") -> Figure:
    return _activity_figure(
        request,
        key="activities",
        label=_("Activities held"),
        note=_("Held in the period; an activity shared by several schools counts once."),
        by=by,
    )


def topics_figure(request: FigureRequest, by: str = "") -> Figure:
    return _activity_figure(
        request,
        key="topics",
        label=_("Topics (chuyên đề) held"),
        note=_("Topical lessons and seminars held in the period, by the tier that organised them."),
        by=by,
        kinds=[ActivityKind.TOPIC],
    )


def exchanges_figure(request: FigureRequest, by: str = "") -> Figure:
    return _activity_figure(
        request,
        key="exchanges",
        label=_("Exchanges (giao lưu) held"),
        note=_(
            "Exchanges held in the period, in person and online; choose THPT and GDNN-GDTX for the "
            "seeds' upper-secondary figure."
        ),
        by=by,
        kinds=[ActivityKind.EXCHANGE],
    )


# --- People -------------------------------------------------------------------------------------------

PEOPLE_DIMENSIONS = (LEVEL, AREA, UNIT, KIND, TIER, MODE, MONTH, YEAR)


def _participations(request: FigureRequest) -> QuerySet[Participation]:
    """The raw participations of the scope's teachers at held activities: only for what the summaries
    cannot answer (distinct teachers by kind, tier or mode; a partial month)."""
    rows = Participation.objects.filter(_held_q(request, "activity__"), request.level_filter("school__"))
    if not request.scope.whole_department:
        rows = rows.filter(school__in=request.scope.schools)
    return rows


SUMMED = ("participations", "pupils", "parents")
SCHOOL = "school_id"


def _fact_sums(request: FigureRequest, by: str, *, whole_years: bool = False) -> dict[Any, dict[str, int]]:
    """The sums of participations, pupils and parents of the scope's schools over the period, per `by`:
    a school (SCHOOL), the activities' kind, tier or mode, or the month (its first day). Read from the
    month facts over the period's whole months and from the activity facts over a partial first or
    last month (the phase starts on 12/12/2022): a tenth of the rows of the activity facts alone. Once
    per request: every total and breakdown of the three by the same dimension shares it."""

    def compute() -> dict[Any, dict[str, int]]:
        full_from, full_until, ranges = _month_split(*_bounds(request, whole_years))
        parts: list[tuple[QuerySet[Any], Any]] = []
        if full_from < full_until:
            months = MonthFact.objects.filter(month__gte=full_from, month__lt=full_until)
            parts.append((_scoped(months, request, "department_id"), F("month")))
        for start, end in ranges:
            days = ActivityFact.objects.filter(held_on__gte=start, held_on__lte=end)
            parts.append((_scoped(days, request, "department_id"), TruncMonth("held_on")))
        sums: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SUMMED, 0))
        for rows, month in parts:
            grouped = (
                rows.annotate(_key=month if by == MONTH else F(by))
                .order_by()
                .values_list("_key")
                .annotate(*(Sum(name) for name in SUMMED))
            )
            for key, *found in grouped:
                if isinstance(key, dt.datetime):
                    key = key.date()
                for name, n in zip(SUMMED, found, strict=True):
                    sums[key][name] += n or 0
        return dict(sums)

    return _once(request, ("fact_sums", by, whole_years), compute)  # type: ignore[no-any-return]


def _school_sums(request: FigureRequest) -> dict[int, dict[str, int]]:
    """Per school of the scope, the sums of participations, pupils and parents over the period: shared
    by every total and every school breakdown of the three (a dashboard shows six of them)."""
    return _fact_sums(request, SCHOOL)


def _total(request: FigureRequest, field_name: str) -> int:
    return sum(sums[field_name] for sums in _school_sums(request).values())


def _summed(request: FigureRequest, field_name: str, by: str) -> list[Row]:
    """A sum of the summaries' `field_name` (participations, pupils, parents) by one dimension."""
    if by in CHOICES:
        found = _fact_sums(request, by)
        return _choice_rows(Counter({key: sums[field_name] for key, sums in found.items()}), CHOICES[by])
    if by in (MONTH, YEAR):
        fold = _month_of if by == MONTH else _year_of
        counter: Counter[str] = Counter()
        for month, sums in _fact_sums(request, MONTH, whole_years=by == YEAR).items():
            counter[fold(month)] += sums[field_name]
        return _month_rows(counter, request) if by == MONTH else _year_rows(counter)
    per_school = {school: sums[field_name] for school, sums in _school_sums(request).items()}
    facts = school_facts(request)
    rows_out = _rows_from(_group_sum(per_school, facts, by), facts, by)
    if by == LEVEL and request.levels:
        rows_out = [row for row in rows_out if row.key in request.levels]
    return rows_out


def participations_figure(request: FigureRequest, by: str = "") -> Figure:
    total = _total(request, "participations")
    figure = Figure(
        key="participations",
        label=str(_("Teacher participations (lượt)")),
        value=total,
        note=str(
            _("One teacher of the scope at one held activity; distinct teachers are counted by person.")
        ),
        parts={"teachers": distinct_teachers(request)},
    )
    if by:
        figure.breakdown = by
        figure.rows = _summed(request, "participations", by)
    return figure


# --- Distinct teachers: from the teacher months, with the raw participations of a period's partial
# first and last months (the phase starts on 12/12/2022) -------------------------------------------------


def _month_split(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date, list[tuple[dt.date, dt.date]]]:
    """A period as its whole months (the first day of the first, and of the month after the last: none
    when the first is not before it) and the day ranges left over (a partial first or last month)."""
    full_from = first if first.day == 1 else first_of_next_month(first)
    after_last = last + dt.timedelta(days=1)
    full_until = after_last if after_last.day == 1 else after_last.replace(day=1)  # exclusive
    if full_from > full_until:  # the period lies inside one month
        return full_from, full_from, [(first, last)]
    ranges = []
    if first < full_from:
        ranges.append((first, full_from - dt.timedelta(days=1)))
    if full_until <= last:
        ranges.append((full_until, last))
    return full_from, full_until, ranges


def _teacher_parts(
    request: FigureRequest, *, whole_years: bool = False
) -> tuple[QuerySet[TeacherMonth], set[tuple[int, int]]]:
    """The teacher months wholly inside the period, and the (teacher, school) pairs of the period's
    days outside them (a partial first or last month), from the raw participations."""
    full_from, full_until, ranges = _month_split(*_bounds(request, whole_years))
    months = _scoped(
        TeacherMonth.objects.filter(month__gte=full_from, month__lt=full_until), request, "department_id"
    )
    edges: set[tuple[int, int]] = set()
    for start, end in ranges:
        raw = Participation.objects.filter(
            activity__status=ActivityStatus.HELD, activity__held_on__gte=start, activity__held_on__lte=end
        )
        edges |= set(_scoped(raw, request, "activity__department_id").values_list("teacher_id", "school_id"))
    return months, edges


def _teacher_pairs(request: FigureRequest) -> set[tuple[int, int]]:
    """The (teacher, school) pairs of the scope's teachers who took part in a held activity in the period:
    those of the teacher months, and those of a partial first or last month whose teacher is in no
    teacher month. One scan, shared by the count of distinct teachers and its breakdown by school (two
    grouped scans of the teacher months before: 110 of a dashboard's 650 ms at 10× the demo)."""

    def compute() -> set[tuple[int, int]]:
        months, edges = _teacher_parts(request)
        pairs = set(months.order_by().values_list("teacher_id", "school_id").distinct())
        known = {teacher for teacher, _school in pairs}
        return pairs | {(teacher, school) for teacher, school in edges if teacher not in known}

    return _once(request, "teacher_pairs", compute)  # type: ignore[no-any-return]


def distinct_teachers(request: FigureRequest) -> int:
    """Teachers of the scope who took part in at least one held activity in the period, each once."""
    return int(_once(request, "distinct_teachers", lambda: len({t for t, _s in _teacher_pairs(request)})))


def teachers_figure(request: FigureRequest, by: str = "") -> Figure:
    figure = Figure(
        key="teachers",
        label=str(_("Distinct teachers who took part")),
        value=distinct_teachers(request),
        note=str(_("Each teacher once, however many activities they attended.")),
    )
    if not by:
        return figure
    figure.breakdown = by
    if by in CHOICES:
        # the summaries do not keep the kind of activity a teacher attended: counted from the raw rows
        counter = Counter(
            dict(
                _participations(request)
                .order_by()
                .values_list(f"activity__{by}")
                .annotate(n=Count("teacher", distinct=True))
            )
        )
        figure.rows = _choice_rows(counter, CHOICES[by])
    elif by == MONTH:
        months, edges = _teacher_parts(request)
        per_month: dict[str, set[int]] = defaultdict(set)
        for teacher, month in months.values_list("teacher_id", "month").distinct():
            per_month[_month_of(month)].add(teacher)
        if edges:
            for teacher, day in (
                _participations(request)
                .filter(teacher_id__in=[t for t, _s in edges])
                .values_list("teacher_id", "activity__held_on")
            ):
                per_month[_month_of(day)].add(teacher)
        figure.rows = _month_rows(Counter({key: len(found) for key, found in per_month.items()}), request)
    elif by == YEAR:
        months, edges = _teacher_parts(request, whole_years=True)
        counter = Counter(
            {
                str(year): n
                for year, n in months.order_by()
                .values_list("start_year")
                .annotate(n=Count("teacher", distinct=True))
            }
        )
        figure.rows = _year_rows(counter)
    else:
        # a teacher belongs to one school: distinct teachers per school add up within a group
        per_school = Counter(school for _teacher, school in _teacher_pairs(request))
        facts = school_facts(request)
        figure.rows = _rows_from(_group_sum(dict(per_school), facts, by), facts, by)
        if by == LEVEL and request.levels:
            figure.rows = [row for row in figure.rows if row.key in request.levels]
    return figure


def reached_figure(request: FigureRequest, by: str = "", *, field_name: str = "pupils") -> Figure:
    total = _total(request, field_name)
    label = _("Pupils reached") if field_name == "pupils" else _("Parents reached")
    figure = Figure(
        key=field_name,
        label=str(label),
        value=total,
        note=str(_("Counts recorded by each school of the scope at held activities.")),
    )
    if by:
        figure.breakdown = by
        figure.rows = _summed(request, field_name, by)
    return figure


def pupils_figure(request: FigureRequest, by: str = "") -> Figure:
    return reached_figure(request, by, field_name="pupils")


def parents_figure(request: FigureRequest, by: str = "") -> Figure:
    return reached_figure(request, by, field_name="parents")


# --- Agreements ----------------------------------------------------------------------------------------


def _signed_schools(request: FigureRequest, kind: str, levels: tuple[str, ...]) -> dict[int, dt.date]:
    """Schools of the scope teaching one of `levels` that signed an agreement of `kind` which came into
    force by the day: the date of each school's first such signature."""
    day = request.period.day
    school_levels = sorted({level for basic in levels for level in levels_teaching(basic)})
    rows = Signature.objects.filter(
        request.scope.school_filter("school__"),
        request.level_filter("school__"),
        agreement__kind=kind,
        agreement__activated_on__lte=day,
        school__level__in=school_levels,
    )
    # the first day in the department's time zone, found by the database: a date per school rather than
    # every signature's moment (parsing 2,000 of those cost 150 ms)
    first = rows.order_by().values_list("school_id").annotate(first=Min(TruncDate("signed_at")))
    return dict(first)


def _school_figure(
    request: FigureRequest,
    *,
    key: str,
    label: Any,
    note: Any,
    schools: dict[int, dt.date | None],
    by: str,
    keep_levels: tuple[str, ...] = (),
) -> Figure:
    period = request.period
    new = sum(1 for day in schools.values() if day is not None and period.start <= day <= period.end)
    figure = Figure(
        key=key, label=str(label), value=len(schools), note=str(note), parts={"new_in_period": new}
    )
    if by:
        # Coverage: each row also says how many schools of the scope (of the figure's levels) there are
        # under it, and the share that counts.
        figure.breakdown = by
        facts = school_facts(request)
        levels = set(request.levels or keep_levels)
        universe = [school for school, taught in facts.levels.items() if not levels or taught & levels]
        totals = _group_distinct(((school, school) for school in universe), facts, by)
        counted = _group_distinct(((school, school) for school in schools), facts, by)
        keys = facts.order(by, set(totals) | set(counted))
        if by == LEVEL and levels:
            keys = [key for key in keys if key in levels]
        figure.rows = [
            Row(
                key,
                facts.label_of(by, key),
                counted.get(key, 0),
                {"of": totals.get(key, 0), "share": _share(counted.get(key, 0), totals.get(key, 0))},
            )
            for key in keys
        ]
    return figure


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def memorandum_schools_figure(request: FigureRequest, by: str = "") -> Figure:
    return _school_figure(
        request,
        key="memorandum_schools",
        label=_("MN, TH and THCS schools that signed memoranda"),
        note=_(
            "Schools that signed a memorandum which came into force by the day; “new” signed in the period."
        ),
        schools=dict(_signed_schools(request, AgreementKind.MEMORANDUM, MEMORANDUM_LEVELS)),
        by=by,
        keep_levels=MEMORANDUM_LEVELS,
    )


def covenant_schools_figure(request: FigureRequest, by: str = "") -> Figure:
    return _school_figure(
        request,
        key="covenant_schools",
        label=_("THPT schools and centres that signed covenants"),
        note=_("Upper-secondary schools and GDNN-GDTX centres that signed a covenant in force by the day."),
        schools=dict(_signed_schools(request, AgreementKind.COVENANT, COVENANT_LEVELS)),
        by=by,
        keep_levels=COVENANT_LEVELS,
    )


def in_force_on(day: dt.date, prefix: str = "") -> Q:
    """Agreements in force on `day`: in force since that day or before, not ended by then (one that
    expired is in force on its last day; one terminated or replaced is not on the day it ended), and
    within its term."""
    p = prefix
    return (
        Q(**{f"{p}activated_on__lte": day})
        & (
            Q(**{f"{p}ended_on__isnull": True})
            | Q(**{f"{p}ended_on__gt": day})
            | Q(**{f"{p}ended_on": day, f"{p}status": AgreementStatus.EXPIRED})
        )
        & (Q(**{f"{p}valid_to__isnull": True}) | Q(**{f"{p}valid_to__gte": day}))
    )


def agreement_schools_figure(request: FigureRequest, by: str = "") -> Figure:
    day = request.period.day
    rows = Signature.objects.filter(
        in_force_on(day, "agreement__"),
        request.scope.school_filter("school__"),
        request.level_filter("school__"),
    ).values_list("school_id", flat=True)
    schools: dict[int, dt.date | None] = dict.fromkeys(set(rows))
    figure = _school_figure(
        request,
        key="agreement_schools",
        label=_("Schools with an agreement in force"),
        note=_("Schools that signed a memorandum or covenant in force on the day."),
        schools=schools,
        by=by,
    )
    figure.parts = {}
    return figure


# --- Twinnings -----------------------------------------------------------------------------------------


def units_connected_figure(request: FigureRequest, by: str = "") -> Figure:
    """District offices of the scope in a twinning in force on the day, and those whose twinning has a
    joint plan issued by then. After 1/7/2025 there are no district offices: not computable."""
    day = request.period.day
    offices = request.scope.offices.filter(valid_on(day))
    office_ids = set(offices.values_list("pk", flat=True))
    figure = Figure(
        key="units_connected",
        label=str(_("District offices twinned")),
        value=None,
        note=str(
            _("District offices in a twinning in force on the day; “signed”: with a joint plan issued.")
        ),
    )
    if not office_ids:
        figure.reason = str(
            _("No district office of the scope existed on %(day)s (offices were dissolved on 1/7/2025).")
            % {"day": day.strftime("%d/%m/%Y")}
        )
        return figure
    twinnings = OfficeTwinning.objects.filter(
        Q(supporting_office_id__in=office_ids) | Q(supported_office_id__in=office_ids),
        starts_on__lte=day,
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
    pairs = list(twinnings.values_list("pk", "supporting_office_id", "supported_office_id"))
    with_plan = set(
        Plan.objects.filter(twinning_id__in=[pk for pk, _a, _b in pairs], issued_on__lte=day).values_list(
            "twinning_id", flat=True
        )
    )
    connected = {o for _pk, a, b in pairs for o in (a, b)} & office_ids
    signed = {o for pk, a, b in pairs if pk in with_plan for o in (a, b)} & office_ids
    figure.value = len(connected)
    figure.parts = {"offices": len(office_ids), "signed": len(signed), "twinnings": len(pairs)}
    if by:
        figure.breakdown = by
        names = dict(offices.values_list("pk", "name"))
        figure.rows = sorted(
            (
                Row(str(pk), names[pk], 1 if pk in connected else 0, {"signed": pk in signed})
                for pk in office_ids
            ),
            key=lambda row: row.label,
        )
    return figure


# --- Support ---------------------------------------------------------------------------------------------


def support_figure(request: FigureRequest, by: str = "") -> Figure:
    period = request.period
    scope = request.scope
    received = SupportRecord.objects.filter(given_on__gte=period.start, given_on__lte=period.end)
    if scope.whole_department and scope.department is not None and not request.levels:
        received = received.filter(department_id=scope.department.pk)
    else:
        received = received.filter(
            scope.school_filter("receiving_school__"), request.level_filter("receiving_school__")
        )
    totals = support_figures(received)
    given = SupportRecord.objects.filter(
        request.scope.school_filter("donor__school__"),
        request.level_filter("donor__school__"),
        given_on__gte=period.start,
        given_on__lte=period.end,
    ).aggregate(n=Count("pk"), value=Sum("value_vnd"))
    figure = Figure(
        key="support",
        label=str(_("Support received")),
        value=totals.records,
        note=str(_("Gifts to the scope's schools in the period; pupil counts below 5 are shown as “< 5”.")),
        parts={
            "value_vnd": totals.value_vnd,
            "pupils": totals.pupils,
            "given_records": given["n"],
            "given_value_vnd": given["value"] or 0,
        },
    )
    if by == KIND:
        figure.breakdown = by
        labels = dict(SupportKind.choices)
        figure.rows = [
            Row(
                f"{row['kind']}:{row['unit']}",
                f"{labels.get(row['kind'], row['kind'])} ({row['unit']})",
                row["records"],
                {"quantity": _plain(row["quantity"]), "value_vnd": row["value_vnd"], "pupils": row["pupils"]},
            )
            for row in totals.by_kind
        ]
    elif by:
        figure.breakdown = by
        per_school = dict(received.order_by().values_list("receiving_school_id").annotate(n=Count("pk")))
        facts = school_facts(request)
        figure.rows = _rows_from(_group_sum(per_school, facts, by), facts, by)
    return figure


def _plain(quantity: Any) -> int | float:
    """A quantity as a whole number where it is one (100 books, not 100.00)."""
    return int(quantity) if quantity == int(quantity) else float(quantity)


# --- Partnerships ---------------------------------------------------------------------------------------


def reciprocity_figure(request: FigureRequest, by: str = "") -> Figure:
    """Who hosts: of the partnerships' held activities in the period, the share hosted by the supporting
    side, by the supported side and by both; and study visits in both directions."""
    partnerships = request.scope.partnerships
    if request.levels:
        partnerships = partnerships.filter(level__in=request.levels)
    hosted: Counter[str] = Counter()
    visits: dict[int, set[str]] = defaultdict(set)
    # the headline and its breakdown ask for the same scan: once per request
    sides = _once(request, "host_sides", lambda: _host_sides(request, partnerships))
    for partnership, kind, host, n in sides:
        hosted[host] += n
        if kind == ActivityKind.STUDY_VISIT and host in (Side.SUPPORTING, Side.SUPPORTED):
            visits[partnership].add(host)
    total = sum(hosted.values())
    both_ways = sum(1 for directions in visits.values() if len(directions) == 2)
    figure = Figure(
        key="reciprocity",
        label=str(_("Reciprocity: who hosted")),
        value=total,
        note=str(
            _(
                "Held activities of the partnerships, counted once per partnership, by the side of the host "
                "school; study visits both ways: partnerships whose visits were hosted on both sides."
            )
        ),
        parts={
            "supporting": hosted[Side.SUPPORTING],
            "supported": hosted[Side.SUPPORTED],
            "both": hosted["both"],
            "unknown": hosted["none"],
            "partnerships_with_visits": len(visits),
            "visits_both_ways": both_ways,
        },
    )
    if by:
        figure.breakdown = by
        labels = {
            Side.SUPPORTING: _("hosted by the supporting side (inner city)"),
            Side.SUPPORTED: _("hosted by the supported side (outer city)"),
            "both": _("hosted by both sides or a mutual member"),
            "none": _("no host recorded"),
        }
        figure.rows = [
            Row(
                str(key),
                str(label),
                hosted[key],
                {"share": round(100 * hosted[key] / total, 1) if total else None},
            )
            for key, label in labels.items()
        ]
    return figure


def _host_sides(request: FigureRequest, partnerships: QuerySet[Any]) -> list[tuple[int, str, str, int]]:
    """Per partnership and kind of activity, how many of its held activities in the period were hosted
    by its supporting side, its supported side, both (or a mutual member), or no recorded host. Counted
    in the database from the link summary (`activities.LinkFact`): one row per (activity, partnership)
    link and host school, the sides of its host schools in that partnership folded to one of the four.
    A link with at most one host school is one row, counted by its side directly; only the links of
    activities with several hosts are grouped per link first (grouping every link cost 70 of the
    phase's 116 ms at 10× the demo). A (partnership, kind, host) may come in both parts: add them."""
    link = LinkFact._meta.db_table
    member = PartnershipMember._meta.db_table
    chosen, chosen_params = partnerships.values("pk").query.sql_with_params()
    department = request.scope.department
    where = "l.held_on >= %s AND l.held_on <= %s"
    params: list[Any] = [request.period.start, request.period.end]
    if department is not None:
        where += " AND l.department_id = %s"
        params.append(department.pk)
    where += f" AND l.partnership_id IN ({chosen})"
    params += chosen_params
    joined = (
        f"{link} l LEFT JOIN {member} m"
        " ON m.partnership_id = l.partnership_id AND m.school_id = l.host_school_id"
    )
    sql = f"""
        SELECT l.partnership_id, l.kind,
               CASE WHEN m.side IS NULL THEN 'none' WHEN m.side = 'mutual' THEN 'both' ELSE m.side END,
               COUNT(*)
        FROM {joined}
        WHERE {where} AND l.hosts <= 1
        GROUP BY 1, 2, 3
        UNION ALL
        SELECT partnership_id, kind,
               CASE WHEN first_side IS NULL THEN 'none'
                    WHEN first_side <> last_side OR first_side = 'mutual' THEN 'both'
                    ELSE first_side END,
               COUNT(*)
        FROM (
            SELECT l.activity_id, l.partnership_id, l.kind,
                   MIN(m.side) AS first_side, MAX(m.side) AS last_side
            FROM {joined}
            WHERE {where} AND l.hosts > 1
            GROUP BY l.activity_id, l.partnership_id, l.kind
        ) per_link
        GROUP BY 1, 2, 3
    """  # noqa: S608 - table names from the models; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params])
        return [(int(p), str(k), str(h), int(n)) for p, k, h, n in cursor.fetchall()]


def quiet_figure(request: FigureRequest, by: str = "") -> Figure:
    """Partnerships that went quiet. For a period still running: those running today with no activity
    held in the last N weeks (the "needs attention" rule). For a past period, whose last day may fall in
    the summer holidays: those running in the period with no activity held in it at all."""
    period = request.period
    weeks = settings.ATTENTION_QUIET_WEEKS
    current = period.end >= today()
    day = period.day
    since = day - dt.timedelta(weeks=weeks) if current else period.start
    rows_in = request.scope.partnerships.filter(
        status__in=[PartnershipStatus.ACTIVE, PartnershipStatus.COMPLETED],
        starts_on__lte=day - dt.timedelta(weeks=weeks),
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day if current else period.start))
    if request.levels:
        rows_in = rows_in.filter(level__in=request.levels)
    quiet = (
        rows_in.annotate(last_held=last_held_day(day))
        .filter(Q(last_held__isnull=True) | Q(last_held__lt=since))
        .order_by("last_held", "number")
    )
    # the headline and its breakdown ask for the same rows: once per request
    rows, running = _once(
        request, "quiet_rows", lambda: (list(quiet.values_list("pk", "name", "last_held")), rows_in.count())
    )
    if current:
        note = str(_("Partnerships running today with no activity held in the last %(weeks)d weeks.")) % {
            "weeks": weeks
        }
    else:
        note = str(_("Partnerships running in the period with no activity held in it."))
    figure = Figure(
        key="quiet",
        label=str(_("Quiet partnerships")),
        value=len(rows),
        note=str(note),
        parts={"running": running},
    )
    if by:
        figure.breakdown = by
        figure.rows = [
            Row(
                str(pk),
                name,
                (day - last).days if last else None,
                {"last_held": last.isoformat() if last else None},
            )
            for pk, name, last in rows
        ]
    return figure


def commitments_figure(request: FigureRequest, by: str = "") -> Figure:
    """Commitments of the scope's agreements due in the period: met, missed, and still open (overdue
    when their date passed by the day)."""
    period = request.period
    rows = Commitment.objects.filter(
        agreement__partnership__in=request.scope.partnerships.values("pk"),
        due_on__gte=period.start,
        due_on__lte=period.end,
    ).exclude(agreement__status__in=[AgreementStatus.DRAFT, AgreementStatus.AWAITING_SIGNATURE])
    if request.levels:
        rows = rows.filter(agreement__partnership__level__in=request.levels)
    counts = rows.aggregate(
        done=Count("pk", filter=Q(status=CommitmentStatus.DONE)),
        missed=Count("pk", filter=Q(status=CommitmentStatus.MISSED)),
        overdue=Count("pk", filter=Q(status=CommitmentStatus.OPEN, due_on__lt=period.day)),
        open=Count("pk", filter=Q(status=CommitmentStatus.OPEN, due_on__gte=period.day)),
    )
    decided = counts["done"] + counts["missed"] + counts["overdue"]
    figure = Figure(
        key="commitments",
        label=str(_("Commitments met")),
        value=counts["done"],
        note=str(
            _(
                "Commitments of signed agreements due in the period; the share met counts overdue ones "
                "as not met."
            )
        ),
        parts={**counts, "share_met": round(100 * counts["done"] / decided, 1) if decided else None},
    )
    if by:
        figure.breakdown = by
        labels = {
            "done": _("met"),
            "missed": _("missed"),
            "overdue": _("open and overdue"),
            "open": _("open, not yet due"),
        }
        figure.rows = [Row(key, str(label), counts[key]) for key, label in labels.items()]
    return figure


# --- The catalogue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    compute: Callable[[FigureRequest, str], Figure]
    dimensions: tuple[str, ...]


KINDS: dict[str, Kind] = {
    "units_connected": Kind(units_connected_figure, (UNIT,)),
    "memorandum_schools": Kind(memorandum_schools_figure, SCHOOL_DIMENSIONS),
    "covenant_schools": Kind(covenant_schools_figure, SCHOOL_DIMENSIONS),
    "agreement_schools": Kind(agreement_schools_figure, SCHOOL_DIMENSIONS),
    "activities": Kind(activities_figure, ACTIVITY_DIMENSIONS),
    "topics": Kind(topics_figure, ACTIVITY_DIMENSIONS),
    "exchanges": Kind(exchanges_figure, ACTIVITY_DIMENSIONS),
    "participations": Kind(participations_figure, PEOPLE_DIMENSIONS),
    "teachers": Kind(teachers_figure, PEOPLE_DIMENSIONS),
    "pupils": Kind(pupils_figure, (LEVEL, AREA, UNIT, KIND, TIER, MODE)),
    "parents": Kind(parents_figure, (LEVEL, AREA, UNIT, KIND, TIER, MODE)),
    "support": Kind(support_figure, (KIND, LEVEL, AREA, UNIT)),
    "reciprocity": Kind(reciprocity_figure, (SIDE,)),
    "quiet": Kind(quiet_figure, (PARTNERSHIP,)),
    "commitments": Kind(commitments_figure, (STATUS,)),
}


def figure(request: FigureRequest, kind: str, by: str = "") -> Figure:
    """One figure kind, with one breakdown if asked. Raises KeyError for an unknown kind and
    BreakdownNotApplicable for a breakdown the kind does not have. Read from the figures cache when the
    same figure was computed since the data last changed (see `data_version`)."""
    spec = KINDS[kind]
    if by and by not in spec.dimensions:
        raise BreakdownNotApplicable(kind, by, spec.dimensions)
    return cached(cache_key(request, kind, by), lambda: spec.compute(request, by))


def all_figures(request: FigureRequest) -> dict[str, Figure]:
    """Every figure kind's total and parts, without breakdowns."""
    return {kind: figure(request, kind) for kind in KINDS}


# --- The figures cache ------------------------------------------------------------------------------
# Kept by `core.datacache`: a key holds the data's version, so a cached figure is never older than
# the data.


def cache_key(request: FigureRequest, *what: Any) -> str:
    """What decides a figure: the data's version, the scope (its schools', partnerships' and offices'
    queries, which hold the user's own scope), the period, the levels, the map date, today (stocks and
    quiet partnerships are counted as of today), the language of the labels, and `what` is asked (the
    kind and breakdown; the gap's indicator and options)."""
    version = _once(request, "data_version", data_version)
    scope = request.scope
    period = request.period
    # the scope's three queries are compiled to SQL once per request: compiling them for each of a home
    # page's 19 figures took 150 ms of its 200
    queries = _once(
        request,
        "scope_queries",
        lambda: (query_text(scope.schools), query_text(scope.partnerships), query_text(scope.offices)),
    )
    parts = (
        version,
        scope.kind,
        scope.department.pk if scope.department else None,
        scope.whole_department,
        *queries,
        period.start,
        period.end,
        sorted(request.levels),
        request.area_day,
        today(),
        get_language(),
        *what,
    )
    return "figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def signed_schools(user: Any) -> dict[str, int | None]:
    """Schools of the user's own scope that have signed memoranda and covenants in force by today (the
    overview page and its API show them beside the partnerships' state)."""
    from chungtay.analytics.query import read_figure_request

    request = read_figure_request(user, {})
    return {
        "memorandum_schools": memorandum_schools_figure(request).value,
        "covenant_schools": covenant_schools_figure(request).value,
    }
