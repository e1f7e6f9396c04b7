"""What a figure is asked for: a scope (the user's own, or an office, a unit, a partnership or a school
within what they may see), a period (a school year, a date range or the phase) and an optional level
filter. One form reads it for the pages and the API alike, so the same parameters give the same numbers
on every surface; a scope outside the user's answers 404, as everywhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chungtay.access.roles import sees_whole_department
from chungtay.access.scopes import (
    home_department,
    own_schools,
    partnerships_visible_to,
    schools_visible_to,
    scope_of,
    twinnings_visible_to,
)
from chungtay.accounts.models import User
from chungtay.core import schoolyears
from chungtay.core.dates import today, valid_between
from chungtay.core.errors import DomainError
from chungtay.core.forms import DayField, StyledForm
from chungtay.directory.models import (
    BASIC_LEVEL_CHOICES,
    AdminUnit,
    EducationOffice,
    School,
    SchoolLocation,
    SchoolManagement,
    SchoolYear,
    levels_teaching,
)
from chungtay.partnerships.models import Partnership, PartnershipMember, Phase

MAX_TEXT = 100  # no parameter of a figure is longer; a 10,000-character filter is refused, not read

PERIOD_YEAR, PERIOD_RANGE, PERIOD_PHASE = "year", "range", "phase"

PERIOD_ENDS_BEFORE_START = _("The period ends before it starts: the end date must be on or after %(start)s.")
PERIOD_NEEDS_BOTH = _("Give both the first and the last day of the period.")
YEAR_UNKNOWN = _("There is no school year %(year)s in the data. Choose one of: %(years)s.")
YEAR_INVALID = _("Write a school year as 2022-2023.")
NO_PHASE = _("No phase of the movement is recorded for your department.")
ONE_SCOPE = _("Choose at most one of office, twinning, unit, partnership and school.")
TOO_LONG = _("This value is too long (at most %(limit)d characters).")


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both included. Flows (activities held, support given, commitments due) are
    counted within it; stocks (agreements in force, twinnings, schools that have signed) as of `day`, the
    period's last day or today if that is earlier."""

    start: dt.date
    end: dt.date
    kind: str
    label: str

    @property
    def day(self) -> dt.date:
        return max(self.start, min(self.end, today()))

    def months(self) -> list[tuple[int, int]]:
        months = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


@dataclass
class FigureScope:
    """The schools and partnerships a figure counts. `whole_department`: the department's administrator
    (or a department-level officer or viewer) looking at the whole department, whose activities and
    support are counted by department even when no school of the department took part."""

    kind: str
    label: str
    department: EducationOffice | None
    whole_department: bool
    schools: QuerySet[School]
    partnerships: QuerySet[Partnership]
    offices: QuerySet[EducationOffice]
    key: str = ""  # the parameter that selected it ("office=12"), for links and downloads

    def school_filter(self, prefix: str = "") -> Q:
        if self.whole_department and self.department is not None:
            return Q(**{f"{prefix}department_id": self.department.pk})
        return Q(**{f"{prefix}in": self.schools})


@dataclass
class FigureRequest:
    scope: FigureScope
    period: Period
    levels: list[str] = field(default_factory=list)
    area_day: dt.date | None = None  # the map date that decides inner/outer (the phase start)
    memo: dict[Any, Any] = field(default_factory=dict)  # counts several figures share, computed once

    def level_filter(self, prefix: str = "") -> Q:
        """Only schools teaching one of the chosen levels (none chosen: every school)."""
        if not self.levels:
            return Q()
        school_levels = sorted({level for basic in self.levels for level in levels_teaching(basic)})
        return Q(**{f"{prefix}level__in": school_levels})

    @property
    def level_label(self) -> str:
        labels = dict(BASIC_LEVEL_CHOICES)
        return ", ".join(str(labels[level]) for level in self.levels)


class _Text(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_TEXT)
        kwargs.setdefault("error_messages", {"max_length": TOO_LONG % {"limit": MAX_TEXT}})
        super().__init__(**kwargs)


class _Id(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and len(value) > 12:
            raise forms.ValidationError(TOO_LONG % {"limit": 12}, code="max_length")
        return super().to_python(value)


class FiguresForm(StyledForm):
    """The parameters of every figure: `year` (2022-2023) or `date_from`/`date_to` (dd/mm/yyyy) or
    `period=phase`; `level` (any of mn, th, thcs, thpt, gdnn_gdtx); at most one of `office`, `twinning`
    (the two offices' schools and the twinning's partnerships), `unit`, `partnership` (ids) and `school` (a
    MOET ID)."""

    year = _Text(label=_("School year"))
    date_from = DayField(required=False, label=_("From"))
    date_to = DayField(required=False, label=_("To"))
    period = forms.ChoiceField(
        required=False, choices=[("", "—"), (PERIOD_PHASE, _("the whole phase"))], label=_("Period")
    )
    level = forms.MultipleChoiceField(
        required=False, choices=BASIC_LEVEL_CHOICES, label=_("Levels"), widget=forms.CheckboxSelectMultiple
    )
    office = _Id(label=_("Office"))
    twinning = _Id(label=_("Twinning"))
    unit = _Id(label=_("Unit"))
    partnership = _Id(label=_("Partnership"))
    school = _Text(label=_("School (MOET ID)"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.department = home_department(user)
        years = list(SchoolYear.objects.order_by("-start_year").values_list("start_year", flat=True))
        self.known_years = years
        self.fields["year"].widget = forms.Select(
            choices=[("", _("—"))] + [(schoolyears.label(y), schoolyears.label(y)) for y in years],
            attrs={"class": "form-select"},
        )

    def clean_year(self) -> int | None:
        text = (self.cleaned_data.get("year") or "").strip()
        if not text:
            return None
        try:
            start = schoolyears.parse(text)
        except schoolyears.SchoolYearFormatError:
            raise forms.ValidationError(YEAR_INVALID, code="invalid") from None
        if start not in self.known_years:
            known = ", ".join(schoolyears.label(y) for y in sorted(self.known_years))
            raise forms.ValidationError(
                YEAR_UNKNOWN % {"year": schoolyears.label(start), "years": known}, code="unknown"
            )
        return start

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if (
            (first is None) != (last is None)
            and not self.errors.get("date_from")
            and not self.errors.get("date_to")
        ):
            self.add_error("date_to" if last is None else "date_from", PERIOD_NEEDS_BOTH)
        elif first is not None and last is not None and last < first:
            self.add_error("date_to", PERIOD_ENDS_BEFORE_START % {"start": first.strftime("%d/%m/%Y")})
        chosen = [name for name in ("office", "twinning", "unit", "partnership", "school") if data.get(name)]
        if len(chosen) > 1:
            raise forms.ValidationError(ONE_SCOPE, code="one_scope")
        if data.get("period") == PERIOD_PHASE and self.phase() is None:
            self.add_error("period", NO_PHASE)
        return data

    def phase(self) -> Phase | None:
        return phase_of(self.department)

    def resolve(self) -> FigureRequest:
        """The request the valid form describes. Raises Http404 for a scope the user may not see."""
        data = self.cleaned_data
        period = self._period(data)
        scope = resolve_scope(
            self.user,
            period=period,
            office=data.get("office"),
            twinning=getattr(data.get("twinning"), "pk", data.get("twinning")),  # GapForm's is the object
            unit=data.get("unit"),
            partnership=data.get("partnership"),
            school=data.get("school") or "",
        )
        phase = self.phase()
        return FigureRequest(
            scope=scope,
            period=period,
            levels=[level for level, _label in BASIC_LEVEL_CHOICES if level in (data.get("level") or [])],
            area_day=phase.starts_on if phase else period.start,
        )

    def _period(self, data: dict[str, Any]) -> Period:
        if data.get("date_from") and data.get("date_to"):
            first, last = data["date_from"], data["date_to"]
            label = f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"
            return Period(first, last, PERIOD_RANGE, label)
        if data.get("year") is not None:
            return year_period(data["year"])
        if data.get("period") == PERIOD_PHASE:
            phase = self.phase()
            assert phase is not None
            return phase_period(phase)
        return year_period(schoolyears.start_year_of(today()))


def year_period(start_year: int) -> Period:
    first, last = schoolyears.bounds(start_year)
    return Period(
        first, last, PERIOD_YEAR, gettext("school year %(year)s") % {"year": schoolyears.label(start_year)}
    )


def phase_period(phase: Phase) -> Period:
    return Period(phase.starts_on, phase.ends_on, PERIOD_PHASE, phase.name)


def phase_of(department: EducationOffice | None) -> Phase | None:
    """The department's phase of the movement: the latest begun by today, else its first."""
    if department is None:
        return None
    phases = Phase.objects.filter(department=department)
    return phases.filter(starts_on__lte=today()).order_by("-starts_on").first() or phases.first()


def figure_offices(user: User) -> set[int]:
    """The offices a user's figures may be narrowed to: those they see, and the offices twinned with
    them (an office compares itself with its partners)."""
    allowed = set(scope_of(user).offices().values_list("pk", flat=True))
    for pair in twinnings_visible_to(user).values_list("supporting_office_id", "supported_office_id"):
        allowed.update(pair)
    return allowed


def _overlapping(period: Period, prefix: str = "") -> Q:
    """Dated rows in force at some time in the period."""
    return valid_between(period.start, period.end, prefix)


def resolve_scope(
    user: User,
    *,
    period: Period,
    office: int | None = None,
    twinning: int | None = None,
    unit: int | None = None,
    partnership: int | None = None,
    school: str = "",
) -> FigureScope:
    """The scope asked for, within what the user may see (else Http404)."""
    department = home_department(user)
    visible = schools_visible_to(user)
    district_offices = EducationOffice.objects.filter(kind=EducationOffice.Kind.DISTRICT_OFFICE)
    if department is not None:
        district_offices = district_offices.filter(department=department)
    if office:
        chosen = EducationOffice.objects.filter(pk=office, pk__in=figure_offices(user)).first()
        if chosen is None:
            raise Http404
        if chosen.kind == EducationOffice.Kind.DEPARTMENT:
            return _own_scope(user, department)
        # The schools the office managed at any time, as its officers' own scope does: after 1/7/2025
        # the district offices are gone, and their schools' figures stay readable under them.
        managed = SchoolManagement.objects.filter(office=chosen).values("school_id")
        schools = visible.filter(pk__in=managed)
        return FigureScope(
            kind="office",
            label=chosen.name,
            department=department,
            whole_department=False,
            schools=schools,
            partnerships=_partnerships_of(schools, user),
            offices=district_offices.filter(pk=chosen.pk),
            key=f"office={chosen.pk}",
        )
    if twinning:
        pair = twinnings_visible_to(user).select_related("supporting_office", "supported_office")
        chosen_twinning = pair.filter(pk=twinning).first()
        if chosen_twinning is None:
            raise Http404
        both = [chosen_twinning.supporting_office_id, chosen_twinning.supported_office_id]
        managed = SchoolManagement.objects.filter(office_id__in=both).values("school_id")
        return FigureScope(
            kind="twinning",
            label=str(chosen_twinning),
            department=department,
            whole_department=False,
            schools=visible.filter(pk__in=managed),
            partnerships=partnerships_visible_to(user).filter(twinning=chosen_twinning),
            offices=district_offices.filter(pk__in=both),
            key=f"twinning={chosen_twinning.pk}",
        )
    if unit:
        chosen_unit = AdminUnit.objects.select_related("province").filter(pk=unit).first()
        if chosen_unit is None:
            raise Http404
        inside = Q(unit_id=chosen_unit.pk) | Q(unit__parent_id=chosen_unit.pk)
        located = SchoolLocation.objects.filter(_overlapping(period), inside).values("school_id")
        schools = visible.filter(pk__in=located)
        # A unit of the department's province (on either map: codes stay across the reform), or one
        # where the user sees schools; anything else is outside the scope.
        province = department.unit if department else None
        unit_province = chosen_unit if chosen_unit.province_id is None else chosen_unit.province
        in_province = (
            province is not None and unit_province is not None and unit_province.code == province.code
        )
        if not (in_province and sees_whole_department(user)) and not schools.exists():
            raise Http404
        managing = SchoolManagement.objects.filter(_overlapping(period), school__in=schools).values(
            "office_id"
        )
        return FigureScope(
            kind="unit",
            label=chosen_unit.name,
            department=department,
            whole_department=False,
            schools=schools,
            partnerships=_partnerships_of(schools, user),
            offices=district_offices.filter(pk__in=managing),
            key=f"unit={chosen_unit.pk}",
        )
    if partnership:
        chosen_partnership = partnerships_visible_to(user).filter(pk=partnership).first()
        if chosen_partnership is None:
            raise Http404
        members = PartnershipMember.objects.filter(_overlapping(period), partnership=chosen_partnership)
        return FigureScope(
            kind="partnership",
            label=chosen_partnership.name,
            department=department,
            whole_department=False,
            schools=School.objects.filter(pk__in=members.values("school_id")),
            partnerships=Partnership.objects.filter(pk=chosen_partnership.pk),
            offices=district_offices.none(),
            key=f"partnership={chosen_partnership.pk}",
        )
    if school:
        chosen_school = visible.filter(moet_id=school).first()
        if chosen_school is None:
            raise Http404
        schools = School.objects.filter(pk=chosen_school.pk)
        return FigureScope(
            kind="school",
            label=chosen_school.name,
            department=department,
            whole_department=False,
            schools=schools,
            partnerships=_partnerships_of(schools, user),
            offices=district_offices.none(),
            key=f"school={chosen_school.moet_id}",
        )
    return _own_scope(user, department)


def _partnerships_of(schools: QuerySet[School], user: User) -> QuerySet[Partnership]:
    members = PartnershipMember.objects.filter(school__in=schools).values("partnership_id")
    return partnerships_visible_to(user).filter(pk__in=members)


def _own_scope(user: User, department: EducationOffice | None) -> FigureScope:
    whole = sees_whole_department(user) and department is not None
    district_offices = EducationOffice.objects.filter(
        kind=EducationOffice.Kind.DISTRICT_OFFICE, department=department
    )
    schools = own_schools(user)
    if whole:
        assert department is not None
        schools = School.objects.filter(department=department)
        offices = district_offices
        label = department.name
    else:
        managing = SchoolManagement.objects.filter(school__in=schools).values("office_id")
        offices = district_offices.filter(pk__in=managing)
        label = (
            user.office.name
            if user.office_id and user.office
            else (user.school.name if user.school_id and user.school else gettext("your scope"))
        )
    return FigureScope(
        kind="own",
        label=label,
        department=department,
        whole_department=whole,
        schools=schools,
        partnerships=partnerships_visible_to(user) if whole else _partnerships_of(schools, user),
        offices=offices,
    )


class FigureQueryError(DomainError):
    """Parameters that do not describe a figure: the first message, and every message by field."""

    def __init__(self, form: forms.Form) -> None:
        fields = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
        first = next(iter(fields.values()))[0] if fields else str(_("Some parameters are not valid."))
        super().__init__(first, code="invalid")
        self.fields = {
            ("request" if name == "__all__" else name): messages for name, messages in fields.items()
        }


def query_params(params: dict[str, list[str]]) -> QueryDict:
    """Parameters kept as {name: [values]} (a task's arguments, a saved report) as the query they came
    from, for the forms to read again."""
    data = QueryDict(mutable=True)
    for name, values in params.items():
        data.setlist(name, [str(value) for value in values])
    return data


def read_figure_request(user: User, params: Any) -> FigureRequest:
    """The figure request that query parameters describe (FigureQueryError if they do not; Http404 for a
    scope outside the user's)."""
    form = FiguresForm(params, user=user)
    if not form.is_valid():
        raise FigureQueryError(form)
    return form.resolve()
