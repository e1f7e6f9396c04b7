"""The public page's figures: aggregates only, for a whole department, with small counts suppressed.

Suppression rules (the footnote of every public table says them):
- a count of pupils or teachers (participations, distinct teachers, pupils reached) under 10 is not
  shown;
- a row that stands for a group of fewer than 3 schools shows none of its figures;
- where a column would have exactly one hidden cell beside a total, the next smallest cell of that column
  is hidden too, so that no hidden value can be worked out by subtraction.
Hidden cells are `None`; pages and downloads write them as SUPPRESSED."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from chungtay.analytics import estimates
from chungtay.analytics import figures as f
from chungtay.analytics.charts import number
from chungtay.analytics.gap import active_indicators, gap
from chungtay.analytics.impact import latest_public_key, public_key, queue_public
from chungtay.analytics.query import FigureRequest, FigureScope, Period, phase_of, phase_period, year_period
from chungtay.core import schoolyears
from chungtay.core.datacache import cached
from chungtay.core.dates import today
from chungtay.core.privacy import suppress_small
from chungtay.directory.models import EducationOffice, School, SchoolYear
from chungtay.partnerships.models import Partnership, Phase

SUPPRESSED = "*"
MIN_PEOPLE = 10
MIN_SCHOOLS = 3
PEOPLE = ("participations", "teachers", "pupils")

FOOTNOTE = _(
    "* hidden to protect individuals: a count of pupils or teachers under 10, a group of fewer than 3 "
    "schools, or a cell that would let a hidden one be worked out from the total."
)

# The columns of the public tables, in order: (figure kind, part or "" for the value, heading).
COLUMNS: tuple[tuple[str, str, Any], ...] = (
    ("activities", "", _("Activities held")),
    ("topics", "", _("Topics")),
    ("exchanges", "in_person", _("Exchanges in person")),
    ("exchanges", "online", _("Exchanges online")),
    ("participations", "", _("Teacher participations (lượt)")),
    ("teachers", "", _("Distinct teachers")),
    ("pupils", "", _("Pupils reached")),
    ("agreement_schools", "", _("Schools with an agreement in force")),
    ("memorandum_schools", "", _("MN, TH and THCS schools that signed memoranda")),
    ("covenant_schools", "", _("THPT schools and centres that signed covenants")),
    ("support", "", _("Support records")),
)
UNIT_COLUMNS = ("agreement_schools", "activities", "participations", "teachers", "pupils")


@dataclass
class PublicTable:
    title: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)  # first cell the label; None = hidden


def public_department(code: str = "") -> EducationOffice | None:
    """The department a public page is for: the one with this code, or the installation's own
    (`CHUNGTAY_PUBLIC_DEPARTMENT`, else the first department with a phase)."""
    departments = EducationOffice.objects.filter(kind=EducationOffice.Kind.DEPARTMENT)
    code = code or settings.PUBLIC_DEPARTMENT
    if code:
        return departments.filter(code=code).first()
    with_phase = departments.filter(pk__in=Phase.objects.values("department_id")).order_by("pk").first()
    return with_phase or departments.order_by("pk").first()


def request_for(department: EducationOffice, period: Period) -> FigureRequest:
    """The whole department, for the public: every school, every partnership."""
    phase = phase_of(department)
    scope = FigureScope(
        kind="public",
        label=department.name,
        department=department,
        whole_department=True,
        schools=School.objects.filter(department=department),
        partnerships=Partnership.objects.filter(department=department),
        offices=EducationOffice.objects.filter(
            Q(department=department), kind=EducationOffice.Kind.DISTRICT_OFFICE
        ),
    )
    return FigureRequest(scope=scope, period=period, area_day=phase.starts_on if phase else period.start)


def public_years(department: EducationOffice) -> list[int]:
    """The school years with data: those of the phase, and any since, up to the current one."""
    phase = phase_of(department)
    current = schoolyears.start_year_of(today())
    known = set(SchoolYear.objects.values_list("start_year", flat=True))
    first = schoolyears.start_year_of(phase.starts_on) if phase else current
    return [year for year in range(first, current + 1) if year in known]


def _value(figure: f.Figure, part: str) -> int | None:
    value = figure.parts.get(part) if part else figure.value
    return value if isinstance(value, int) else None


def _people_safe(kind: str, value: int | None) -> int | None:
    return suppress_small(value, MIN_PEOPLE) if kind in PEOPLE else value


def years_table(department: EducationOffice) -> PublicTable:
    """The movement's figures per school year and for the whole phase."""
    phase = phase_of(department)
    periods = [year_period(year) for year in public_years(department)]
    if phase is not None:
        label = gettext("Whole phase %(first)s–%(last)s") % {
            "first": phase.starts_on.year,
            "last": phase.ends_on.year,
        }
        periods.append(Period(phase.starts_on, phase.ends_on, "phase", label))
    table = PublicTable(
        title=gettext("The movement per school year"),
        header=[gettext("Period"), *(str(label) for _kind, _part, label in COLUMNS)],
    )
    for period in periods:
        figures = f.all_figures(request_for(department, period))
        if period.kind == "year":
            label = schoolyears.label(schoolyears.start_year_of(period.start))
        else:
            label = period.label
        table.rows.append(
            [label, *(_people_safe(kind, _value(figures[kind], part)) for kind, part, _label in COLUMNS)]
        )
    # the phase row is close to the sum of the years: hide a second year where only one is hidden
    _suppress_secondary(table.rows[:-1] if phase is not None else table.rows)
    return table


def breakdown_table(department: EducationOffice, start_year: int, by: str) -> PublicTable:
    """One school year by unit (the district, or the ward after 1/7/2025) or by inner/outer city:
    schools, schools with an agreement in force, activities, participations, teachers, pupils."""
    request = request_for(department, year_period(start_year))
    figures = {kind: f.figure(request, kind, by) for kind in UNIT_COLUMNS}
    coverage = figures["agreement_schools"]
    labels = {kind: str(label) for kind, part, label in COLUMNS if not part}  # the same headings
    title = gettext("By unit") if by == f.UNIT else gettext("Inner and outer city")
    table = PublicTable(
        title=f"{title}, {gettext('school year %(year)s') % {'year': schoolyears.label(start_year)}}",
        header=[
            str(f.DIMENSION_LABELS[by]).capitalize(),
            gettext("Schools"),
            *(labels[kind] for kind in UNIT_COLUMNS),
        ],
    )
    by_key = {kind: {row.key: row.value for row in figure.rows} for kind, figure in figures.items()}
    for row in coverage.rows:
        schools = row.extra.get("of", 0)
        if schools < MIN_SCHOOLS:
            table.rows.append([row.label, None, *(None for _kind in UNIT_COLUMNS)])
            continue
        cells = [_people_safe(kind, by_key[kind].get(row.key, 0)) for kind in UNIT_COLUMNS]
        table.rows.append([row.label, schools, *cells])
    totals = [gettext("Total"), sum(row.extra.get("of", 0) for row in coverage.rows)]
    totals += [_people_safe(kind, figures[kind].value) for kind in UNIT_COLUMNS]
    if totals[1] < MIN_SCHOOLS:
        totals = [totals[0], *(None for _cell in totals[1:])]
    _suppress_secondary(table.rows)
    table.rows.append(totals)
    return table


def _suppress_secondary(rows: list[list[Any]]) -> None:
    """Where a column has exactly one hidden cell among shown ones, hide the next smallest too: with the
    total shown, a single hidden cell is the total minus the rest. Repeats until no column has one."""
    if len(rows) < 2:
        return
    changed = True
    while changed:
        changed = False
        for column in range(1, len(rows[0])):
            hidden = [row for row in rows if row[column] is None]
            shown = [row for row in rows if row[column] is not None]
            if len(hidden) == 1 and shown:
                smallest = min(shown, key=lambda row: row[column])
                smallest[column] = None
                changed = True


def release_day() -> dt.date:
    """The date of the data release a public page shows: figures are computed from the data as it
    stands that day (the page is cached for the day)."""
    return today()


# --- Is the gap closing? Did twinning help? (aggregates of school values; no school named) --------------


@dataclass
class PublicGap:
    indicator: Any
    header: list[str]
    rows: list[list[Any]]  # school year, inner N, inner mean, outer N, outer mean, difference
    dropped: int  # school years left out because a group had fewer than MIN_SCHOOLS schools
    trend: float | None
    result: Any  # the analytics.gap.Gap, for the chart


def phase_request(department: EducationOffice) -> FigureRequest:
    phase = phase_of(department)
    period = year_period(schoolyears.start_year_of(today()))
    if phase is not None:
        period = phase_period(phase)
    return request_for(department, period)


def gap_table(department: EducationOffice, indicator: Any) -> PublicGap:
    """Inner and outer city per school year for one indicator, each mean with its number of schools; a
    school year where either group has fewer than MIN_SCHOOLS schools is left out whole."""
    request = phase_request(department)
    reference = request.area_day or request.period.start
    key = f.cache_key(request, "public-gap", indicator.pk, reference)
    computed = cached(key, lambda: gap(request, indicator, reference_day=reference))
    kept = [
        dataclasses.replace(
            year,  # the chart shows means, never a school's own value
            groups=[dataclasses.replace(group, values=[]) for group in year.groups],
        )
        for year in computed.years
        if all(group.n >= MIN_SCHOOLS for group in year.groups)
    ]
    result = dataclasses.replace(computed, years=kept)
    inner, outer = (gettext("inner city"), gettext("outer city"))
    header = [
        gettext("School year"),
        gettext("Schools, %(group)s") % {"group": inner},
        gettext("Mean, %(group)s") % {"group": inner},
        gettext("Schools, %(group)s") % {"group": outer},
        gettext("Mean, %(group)s") % {"group": outer},
        gettext("Difference (outer − inner)"),
    ]
    rows = [
        [
            year.label,
            year.groups[0].n,
            _decimal(year.groups[0].mean),
            year.groups[1].n,
            _decimal(year.groups[1].mean),
            _decimal(year.difference),
        ]
        for year in kept
    ]
    return PublicGap(
        indicator=indicator,
        header=header,
        rows=rows,
        dropped=len(computed.years) - len(kept),
        trend=result.trend,
        result=result,
    )


def _decimal(value: float | None) -> str:
    return "—" if value is None else number(value, 2)


@dataclass
class PublicImpact:
    indicator: Any
    state: str  # ready, computing
    estimable: bool = False
    text: str = ""  # the estimate and its interval, or the reason it is not estimable
    treated: int | None = None
    controls: int | None = None
    computed_at: dt.datetime | None = None


# While the data keep changing, a public estimate is computed again at most this often; in between the
# page shows the last one with the time it was computed.
REFRESH = dt.timedelta(minutes=10)


def impact_rows(department: EducationOffice) -> tuple[list[PublicImpact], bool]:
    """For every indicator of the department, the change associated with joining the movement, read from
    the stored estimates (computed by the worker; the first visit queues them). When the data have changed
    since, the last estimate is shown with the time it was computed, and a new one is queued once it is
    REFRESH old. Returns the rows and whether any has no estimate yet. The comparison uses never and not
    yet supported schools; a group under MIN_SCHOOLS schools is not shown."""
    request = phase_request(department)
    language = get_language() or "vi"
    rows, pending = [], False
    for indicator in active_indicators(department):
        key = public_key(request, indicator)
        entry = estimates.read_entry(key)
        if entry is None:
            latest = estimates.read_entry(latest_public_key(department.pk, indicator.pk, language))
            if latest is None or latest[1] < timezone.now() - REFRESH:
                queue_public(department, indicator, key)
                entry = estimates.read_entry(key)  # an immediate backend computed it at once
            entry = entry or latest
        if entry is None:
            rows.append(PublicImpact(indicator=indicator, state="computing"))
            pending = True
            continue
        found, computed_at = entry
        row = PublicImpact(indicator=indicator, state="ready", computed_at=computed_at)
        if found.estimable and found.effect.treated >= MIN_SCHOOLS and found.effect.controls >= MIN_SCHOOLS:
            effect = found.effect
            row.estimable = True
            row.text = gettext("%(att)s (95%% interval %(low)s to %(high)s)") % {
                "att": _decimal(effect.att),
                "low": _decimal(effect.low),
                "high": _decimal(effect.high),
            }
            row.treated, row.controls = effect.treated, effect.controls
        else:
            row.text = found.reason or gettext("Not estimable")
        rows.append(row)
    return rows, pending
