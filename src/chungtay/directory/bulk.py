"""The directory's bulk services: many schools, offices, indicator values or self-assessments written at
once (a city's yearly spreadsheets are 100,000 rows), all or nothing, each row with a history row naming
the actor and the reason so that it can be undone. The imports call these after their preview; the rules
are the single-row services' (`directory.validators`, the access rules), checked again here on the whole
set, so that a file can never write what a page or the API would refuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chungtay.access.roles import is_city_admin, manages_offices
from chungtay.access.scopes import home_department, own_schools
from chungtay.accounts.models import Role, User
from chungtay.core.bulk import create_with_history, update_with_history, upsert
from chungtay.core.errors import DomainError
from chungtay.core.text import padded_search_key
from chungtay.directory.models import (
    AdminUnit,
    EducationOffice,
    Indicator,
    IndicatorValue,
    School,
    SchoolLocation,
    SchoolYear,
    SchoolYearFigures,
    SelfAssessment,
)
from chungtay.directory.sheets import FIGURES
from chungtay.directory.validators import check_coordinates, check_score

SCHOOL_FIELDS = ("name", "level", "ownership", "address", "latitude", "longitude")


class NotAllowed(DomainError):
    status_code = 403
    code = "forbidden"


NOT_ALLOWED = _("Only the city administrator and office officers can write schools in bulk.")
NOT_YOURS = _("%(count)d of these schools are outside your scope: nothing was written.")
NO_CREATE = _("Only the city administrator can create schools: nothing was written.")
NO_OFFICES = _("Only the city administrator of the department can write its offices.")
NOT_AN_OFFICE = _("%(code)s is not an office of your department: nothing was written.")
NOT_YOUR_INDICATOR = _("An indicator of another department: nothing was written.")


SCHOOLS_IN_ONE_QUERY = 5000


def _refuse_outside_scope(acting_user: User, school_ids: set[int]) -> None:
    own = set(own_schools(acting_user).values_list("pk", flat=True))
    outside = school_ids - own
    if outside:
        raise NotAllowed(NOT_YOURS % {"count": len(outside)})


@transaction.atomic
def upsert_schools(
    *,
    acting_user: User,
    schools: dict[str, dict[str, Any]],
    figures: dict[tuple[str, int], dict[str, Any]],
    reason: str,
) -> None:
    """Create or correct schools keyed by MOET ID (`schools`: moet_id -> name, level, ownership, address,
    latitude, longitude, each None to keep, and ward, the unit's id) and their yearly figures
    (`figures`: (moet_id, school year's start) -> pupils, teachers, classes, national_standard).

    Refuses (403, nothing written) a school outside the actor's own scope, and a new school unless the
    actor is the city administrator; refuses coordinates a page would refuse. A school that moves ward
    gets a new dated location (the old one ends yesterday)."""
    if not manages_offices(acting_user):
        raise NotAllowed(NOT_ALLOWED)
    for details in schools.values():  # a blank coordinate keeps the school's own: check given pairs
        if details.get("latitude") is not None and details.get("longitude") is not None:
            check_coordinates(details["latitude"], details["longitude"])
    department = home_department(acting_user)
    today = timezone.localdate()
    history: dict[str, Any] = {"user": acting_user, "reason": reason}
    existing = {s.moet_id: s for s in School.objects.select_for_update().filter(moet_id__in=schools)}
    _refuse_outside_scope(acting_user, {s.pk for s in existing.values()})
    if len(existing) < len(schools) and not (acting_user.is_superuser or acting_user.role == Role.CITY_ADMIN):
        raise NotAllowed(NO_CREATE)
    wards = {u.pk: u for u in AdminUnit.objects.filter(pk__in={d["ward"] for d in schools.values()})}
    new: list[School] = []
    changed: list[School] = []
    for moet_id, details in schools.items():
        school = existing.get(moet_id)
        if school is None:
            school = School(moet_id=moet_id, department=department)
        elif not school_differs(school, details):
            continue
        for name in SCHOOL_FIELDS:
            if details[name] is not None:
                setattr(school, name, details[name])
        school.refresh_keys()
        if school.pk is None:
            school.place_key = padded_search_key(wards[details["ward"]].name)
            new.append(school)
        else:
            school.version += 1
            changed.append(school)
    created = create_with_history(School, new, **history)
    if any(s.pk is None for s in created):
        created = list(School.objects.filter(moet_id__in=[s.moet_id for s in new]))
    update_with_history(School, changed, [*SCHOOL_FIELDS, "name_key", "sort_key", "version"], **history)
    by_id = {**existing, **{s.moet_id: s for s in created}}
    _move_schools(by_id, schools, today, history)
    _write_figures(by_id, figures, history)


def school_differs(school: School, details: dict[str, Any]) -> bool:
    for name in SCHOOL_FIELDS:
        value = details[name]
        if value is not None and getattr(school, name) != value:
            return True
    return False


def _move_schools(
    schools: dict[str, School], details: dict[str, dict[str, Any]], today: dt.date, history: dict[str, Any]
) -> None:
    current = {
        loc.school_id: loc
        for loc in SchoolLocation.objects.filter(school__in=schools.values(), valid_to__isnull=True)
    }
    closing: list[SchoolLocation] = []
    opening: list[SchoolLocation] = []
    for moet_id, row in details.items():
        school = schools[moet_id]
        location = current.get(school.pk)
        if location is not None and location.unit_id == row["ward"]:
            continue
        if location is not None:
            location.valid_to = max(location.valid_from or dt.date.min, today - dt.timedelta(days=1))
            closing.append(location)
        opening.append(
            SchoolLocation(school=school, unit_id=row["ward"], valid_from=None if location is None else today)
        )
    update_with_history(SchoolLocation, closing, ["valid_to"], **history)
    create_with_history(SchoolLocation, opening, **history)


def _write_figures(
    schools: dict[str, School], figures: dict[tuple[str, int], dict[str, Any]], history: dict[str, Any]
) -> None:
    years = {y.start_year: y for y in SchoolYear.objects.all()}
    rows = {
        (f.school_id, f.school_year_id): f
        for f in SchoolYearFigures.objects.filter(school__in=schools.values())
    }
    add: list[SchoolYearFigures] = []
    update: list[SchoolYearFigures] = []
    for (moet_id, start_year), values in figures.items():
        school, year = schools[moet_id], years[start_year]
        row = rows.get((school.pk, year.pk))
        if row is None:
            add.append(SchoolYearFigures(school=school, school_year=year, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            update.append(row)
    create_with_history(SchoolYearFigures, add, **history)
    update_with_history(SchoolYearFigures, update, [*FIGURES, "national_standard"], **history)


@transaction.atomic
def upsert_offices(*, acting_user: User, offices: dict[str, dict[str, Any]], reason: str) -> None:
    """Create or correct the district offices of the actor's department, keyed by code (`offices`:
    code -> name, short name, unit, dates). Only the department's administrator may; an office of
    another department, or the department itself, is refused and nothing is written."""
    department = home_department(acting_user)
    if not is_city_admin(acting_user) or department is None:
        raise NotAllowed(NO_OFFICES)
    existing = {o.code: o for o in EducationOffice.objects.select_for_update().filter(code__in=offices)}
    for code, office in existing.items():
        if office.pk == department.pk or office.department_id != department.pk:
            raise NotAllowed(NOT_AN_OFFICE % {"code": code})

    def new_row(code: str, values: dict[str, Any]) -> EducationOffice:
        kind = EducationOffice.Kind.DISTRICT_OFFICE
        return EducationOffice(code=code, kind=kind, department=department, **values)

    upsert(EducationOffice, offices, existing, new_row, user=acting_user, reason=reason)


@transaction.atomic
def upsert_indicator_values(
    *, acting_user: User, values: dict[tuple[int, int, int], dict[str, Any]], reason: str
) -> None:
    """Record (or correct) indicator values keyed by (indicator, school, school year) ids (`values`:
    key -> value, note), already parsed by `services.parse_indicator_value`. Refuses (403, nothing
    written) a school outside the actor's own scope or an indicator of another department."""
    _refuse_outside_scope(acting_user, {key[1] for key in values})
    department = home_department(acting_user)
    indicator_ids = {key[0] for key in values}
    foreign = Indicator.objects.filter(pk__in=indicator_ids).exclude(department=department)
    if not acting_user.is_superuser and foreign.exists():
        raise NotAllowed(NOT_YOUR_INDICATOR)

    def new_row(key: tuple[int, int, int], row: dict[str, Any]) -> IndicatorValue:
        return IndicatorValue(indicator_id=key[0], school_id=key[1], school_year_id=key[2], **row)

    upsert(
        IndicatorValue, values, existing_indicator_values(values, lock=True), new_row,
        user=acting_user, reason=reason,
    )  # fmt: skip


def existing_indicator_values(keys: Any, *, lock: bool = False) -> dict[tuple[int, int, int], IndicatorValue]:
    """The stored values of these (indicator, school, school year) keys: of their schools only when they
    are few enough to name in one query (an import's chunk), else of every school, kept if wanted."""
    rows = IndicatorValue.objects.filter(
        indicator_id__in={k[0] for k in keys}, school_year_id__in={k[2] for k in keys}
    )
    wanted = {k[1] for k in keys}
    if len(wanted) <= SCHOOLS_IN_ONE_QUERY:
        rows = rows.filter(school_id__in=wanted)
    if lock:
        rows = rows.select_for_update()
    return {
        (r.indicator_id, r.school_id, r.school_year_id): r
        for r in rows.iterator(chunk_size=5000)
        if r.school_id in wanted
    }


@transaction.atomic
def upsert_self_assessments(
    *, acting_user: User, scores: dict[tuple[int, int, str], dict[str, Any]], reason: str
) -> None:
    """Record (or correct) strengths-and-needs scores keyed by (school, school year, area) (`scores`:
    key -> score, note). Scores follow the single-row rule (a whole number 1–5); a school outside the
    actor's own scope is refused (403) and nothing is written."""
    _refuse_outside_scope(acting_user, {key[0] for key in scores})
    for row in scores.values():
        check_score(row["score"])

    def new_row(key: tuple[int, int, str], row: dict[str, Any]) -> SelfAssessment:
        return SelfAssessment(
            school_id=key[0], school_year_id=key[1], area=key[2], assessed_by=acting_user, **row
        )

    upsert(
        SelfAssessment, scores, existing_self_assessments(scores, lock=True), new_row,
        user=acting_user, reason=reason, on_change={"assessed_by": acting_user},
    )  # fmt: skip


def existing_self_assessments(keys: Any, *, lock: bool = False) -> dict[tuple[int, int, str], SelfAssessment]:
    """The stored scores of these (school, school year, area) keys."""
    rows = SelfAssessment.objects.filter(
        school_id__in={k[0] for k in keys}, school_year_id__in={k[1] for k in keys}
    )
    if lock:
        rows = rows.select_for_update()
    return {(r.school_id, r.school_year_id, r.area): r for r in rows.iterator(chunk_size=5000)}
