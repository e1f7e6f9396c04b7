"""Reads of the directory reused by pages, the API and reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Sum, Value, When

from chungtay.access.scopes import own_schools, schools_visible_to
from chungtay.core.dates import valid_on
from chungtay.core.text import search_terms
from chungtay.directory.models import (
    AdminUnit,
    AreaClassification,
    School,
    SchoolLocation,
    SchoolManagement,
    UnitLineage,
    levels_teaching,
    units_within,
)

# Points per search word: a whole word in the name beats a word prefix, which beats a substring; a
# hit in the name beats a hit in the school's ward/district names.
_NAME_WORD, _NAME_PREFIX, _NAME_SUBSTRING = 12, 8, 2
_PLACE_WORD, _PLACE_PREFIX, _PLACE_SUBSTRING = 6, 4, 1
# The whole query as consecutive words ("ung hoa" in "... xa van thai huyen ung hoa ..."): a school named
# for or located in the place asked for ranks before one where a word only hides inside another word
# ("ung" in "trung") however the single words score.
_NAME_PHRASE, _PLACE_PHRASE = 40, 30


@dataclass
class SchoolFilter:
    """The directory's filters, already validated (see `directory.forms.SchoolFilterForm`)."""

    query: str = ""
    level: str = ""
    unit: AdminUnit | None = None
    area: str = ""
    office_id: int | None = None
    ownership: str = ""
    at: dt.date = field(default_factory=dt.date.today)
    own_only: bool = False  # only the user's own scope, without partners


def units_at(
    day: dt.date, *, province: AdminUnit | None = None, parent: AdminUnit | None = None
) -> QuerySet[AdminUnit]:
    """Units in force on `day`: the provinces, or the children of `parent`, or all units of `province`."""
    units = AdminUnit.objects.filter(valid_on(day))
    if parent is not None:
        return units.filter(parent=parent)
    if province is not None:
        return units.filter(province=province)
    return units.filter(level=AdminUnit.Level.PROVINCE)


def area_on(unit: AdminUnit, day: dt.date) -> str | None:
    """The area class of a unit on a day, inherited from its parent district where it has none itself."""
    for candidate in (unit, unit.parent):
        if candidate is None:
            continue
        row = AreaClassification.objects.filter(valid_on(day), unit=candidate).first()
        if row is not None:
            return row.area
    return None


def _search_rank(terms: list[str]) -> Any:
    if not terms:
        return Value(0)
    parts = []
    for term in terms:
        parts.append(
            Case(
                When(name_key__contains=f" {term} ", then=Value(_NAME_WORD)),
                When(name_key__contains=f" {term}", then=Value(_NAME_PREFIX)),
                When(name_key__contains=term, then=Value(_NAME_SUBSTRING)),
                When(place_key__contains=f" {term} ", then=Value(_PLACE_WORD)),
                When(place_key__contains=f" {term}", then=Value(_PLACE_PREFIX)),
                When(place_key__contains=term, then=Value(_PLACE_SUBSTRING)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    if len(terms) > 1:
        phrase = " ".join(terms)
        parts.append(
            Case(
                When(name_key__contains=f" {phrase} ", then=Value(_NAME_PHRASE)),
                When(place_key__contains=f" {phrase} ", then=Value(_PLACE_PHRASE)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    total: Any = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def search_schools(user: object, filters: SchoolFilter) -> QuerySet[School]:
    """The schools in the user's scope matching the filters, best search hits first, then in Vietnamese
    alphabetical order. Every word of the query must match the name or the places (accents ignored)."""
    schools = own_schools(user) if filters.own_only else schools_visible_to(user)
    terms = search_terms(filters.query)
    for term in terms:
        schools = schools.filter(Q(name_key__contains=term) | Q(place_key__contains=term))
    if filters.level:
        schools = schools.filter(level__in=levels_teaching(filters.level))
    if filters.ownership:
        schools = schools.filter(ownership=filters.ownership)
    day = filters.at
    if filters.unit is not None:
        unit_id = filters.unit.pk
        in_unit = units_within([unit_id], 2)  # the unit and the units inside it (not an OR across the map)
        schools = schools.filter(
            Exists(SchoolLocation.objects.filter(valid_on(day), unit_id__in=in_unit, school=OuterRef("pk")))
        )
    if filters.area:
        # the classified units and the units inside them, read first (`units_within`): a subquery made
        # the planner list every school of the area (national benchmark)
        classified = AreaClassification.objects.filter(valid_on(day), area=filters.area)
        area_units = units_within(classified.values_list("unit_id", flat=True), 1)
        located = SchoolLocation.objects.filter(valid_on(day), unit_id__in=area_units)
        schools = schools.filter(Exists(located.filter(school=OuterRef("pk"))))
    if filters.office_id:
        schools = schools.filter(
            Exists(
                SchoolManagement.objects.filter(
                    valid_on(day), office_id=filters.office_id, school=OuterRef("pk")
                )
            )
        )
    if terms:
        schools = schools.annotate(rank=_search_rank(terms)).order_by("-rank", "sort_key", "moet_id")
    else:
        schools = schools.order_by("sort_key", "moet_id")
    return schools


def count_by_area(schools: QuerySet[School], day: dt.date) -> dict[str, int]:
    """How many of `schools` lie in each area class on `day`, counted as `search_schools`' area filter
    selects them (a school whose unit, or the unit's parent, is classified). Read as the schools' units
    and the classifications of those units only: the filter's list of every classified unit of the
    country, compiled into two counts, took 450 ms of a home page at national size."""
    located = SchoolLocation.objects.filter(valid_on(day), school__in=schools.order_by().values("pk"))
    units = located.values_list("school_id", "unit_id", "unit__parent_id")
    rows = list(units)
    wanted = {unit for _school, *pair in rows for unit in pair if unit is not None}
    classes: dict[int, set[str]] = {}
    for unit, area in AreaClassification.objects.filter(valid_on(day), unit_id__in=wanted).values_list(
        "unit_id", "area"
    ):
        classes.setdefault(unit, set()).add(area)
    found: dict[str, set[int]] = {}
    for school, unit, parent in rows:
        for area in classes.get(unit, set()) | (classes.get(parent, set()) if parent else set()):
            found.setdefault(area, set()).add(school)
    return {area: len(ids) for area, ids in found.items()}


def with_location_on(schools: QuerySet[School], day: dt.date) -> QuerySet[School]:
    """Prefetch the location in force on `day` (with its unit and district) as `current_locations`."""
    return schools.prefetch_related(
        Prefetch(
            "locations",
            queryset=SchoolLocation.objects.filter(valid_on(day)).select_related(
                "unit__parent", "unit__province"
            ),
            to_attr="current_locations",
        )
    )


def school_totals(schools: QuerySet[School], school_year_id: int | None) -> dict[str, int]:
    """Pupils, teachers and classes summed over `schools` in one school year, counted in the database."""
    if school_year_id is None:
        return {"pupils": 0, "teachers": 0, "classes": 0}
    from chungtay.directory.models import SchoolYearFigures

    totals = SchoolYearFigures.objects.filter(school__in=schools, school_year_id=school_year_id).aggregate(
        pupils=Sum("pupils"), teachers=Sum("teachers"), classes=Sum("classes")
    )
    return {k: v or 0 for k, v in totals.items()}


@dataclass(frozen=True)
class Lineage:
    """Where a unit came from and what it became on a reform date. A ward or commune has lineage rows of
    its own; a district (or province) is followed through its wards: the 2025 units its wards went to,
    with how many of them; a 2025 unit also names the districts its old wards belonged to."""

    predecessors: list[UnitLineage]
    successors: list[UnitLineage]
    successors_of_wards: list[tuple[AdminUnit, int]]
    former_districts: list[AdminUnit]


def lineage_of(unit: AdminUnit) -> Lineage:
    predecessors = list(
        UnitLineage.objects.filter(successor=unit)
        .select_related("predecessor__parent")
        .order_by("predecessor__parent__sort_key", "predecessor__sort_key")
    )
    successors = list(
        UnitLineage.objects.filter(predecessor=unit)
        .select_related("successor")
        .order_by("successor__sort_key")
    )
    wards: list[tuple[AdminUnit, int]] = []
    if not successors:
        counts: dict[int, int] = {}
        for successor_id in UnitLineage.objects.filter(
            Q(predecessor__parent=unit) | Q(predecessor__parent__parent=unit), is_default=True
        ).values_list("successor_id", flat=True):
            counts[successor_id] = counts.get(successor_id, 0) + 1
        units = AdminUnit.objects.in_bulk(list(counts))
        wards = sorted(((units[pk], n) for pk, n in counts.items()), key=lambda item: item[0].sort_key)
    districts = {
        link.predecessor.parent.pk: link.predecessor.parent
        for link in predecessors
        if link.predecessor.parent is not None and link.predecessor.parent.level == "district"
    }
    return Lineage(
        predecessors=predecessors,
        successors=successors,
        successors_of_wards=wards,
        former_districts=sorted(districts.values(), key=lambda u: u.sort_key),
    )
