"""Reads of activities reused by pages, the API and reports, always through the scope rules, and the
counting rules: an activity shared by several schools counts once in any total; a participation (lượt)
is one teacher at one activity; distinct teachers are counted by person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from chungtay.access.roles import sees_whole_department
from chungtay.access.scopes import home_department, own_schools, partnerships_visible_to
from chungtay.accounts.models import Role, User
from chungtay.activities.models import (
    Activity,
    ActivitySchool,
    ActivityStatus,
    Evidence,
    Participation,
)
from chungtay.core import schoolyears
from chungtay.core.datacache import cached_over
from chungtay.core.text import padded_search_key, search_terms
from chungtay.directory.models import School, levels_teaching


def _active(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _insider_sources(user: User) -> list[QuerySet[Any]]:
    """The ids of the activities an officer, leader or teacher sees in full, as uncorrelated id sets:
    those with one of their own schools taking part, and those of a partnership they see.

    The user's schools and partnerships are read once into id lists (an office has a few hundred at most):
    nesting their scope subqueries inside every activity row is what made the list slow."""
    cached = getattr(user, "_activity_scope", None)
    if cached is None:
        cached = (
            list(own_schools(user).values_list("pk", flat=True)),
            list(partnerships_visible_to(user).values_list("pk", flat=True)),
        )
        user._activity_scope = cached  # type: ignore[attr-defined]
    school_ids, partnership_ids = cached
    taking_part = ActivitySchool.objects.filter(school_id__in=school_ids).values("activity_id")
    of_partnership = Activity.partnerships.through.objects.filter(partnership_id__in=partnership_ids)
    return [taking_part.order_by(), of_partnership.values("activity_id").order_by()]


def _one_of(sources: list[QuerySet[Any]]) -> Q:
    """`id IN (… UNION …)`: the database computes the set once; an OR of the same subqueries made it test
    every activity of the install one by one (the national benchmark: 1.5–2 s a list)."""
    return Q(pk__in=sources[0].union(*sources[1:]) if len(sources) > 1 else sources[0])


def _insider_condition(user: User) -> Q | None:
    """Activities the user sees in full: their department's (administrator, or an officer or viewer of the
    department itself), or those with one of their own schools taking part, or belonging to a partnership
    they see. None: no restriction."""
    if user.is_superuser:
        return None
    if sees_whole_department(user):
        office = user.office if user.office_id else None
        return Q(department_id=office.tenant.pk) if office else Q(pk__in=[])
    return _one_of(_insider_sources(user))


def activities_visible_to(user: object) -> QuerySet[Activity]:
    """Activities the user may open: those they see in full, and, anywhere in their department, the
    activities with evidence marked shareable (only that evidence shows to them)."""
    if not _active(user):
        return Activity.objects.none()
    assert isinstance(user, User)
    if user.is_superuser or sees_whole_department(user):
        condition = _insider_condition(user)  # the department's activities hold its shared ones
        return Activity.objects.all() if condition is None else Activity.objects.filter(condition)
    sources = _insider_sources(user)
    department = home_department(user)
    if department is not None:
        shared = Evidence.objects.filter(shareable=True, activity__department_id=department.pk)
        sources.append(shared.values("activity_id").order_by())
    return Activity.objects.filter(_one_of(sources))


def is_insider(user: User, activity: Activity) -> bool:
    condition = _insider_condition(user)
    return condition is None or Activity.objects.filter(condition, pk=activity.pk).exists()


def can_edit_activity(user: User, activity: Activity) -> bool:
    """Changing the activity itself (details, schools, status): the department's administrator, an officer
    with a host school in their scope, or a leader or teacher of a host school."""
    if user.is_superuser:
        return True
    if user.role == Role.VIEWER:
        return False
    if user.role == Role.CITY_ADMIN:
        return bool(user.office and user.office.tenant.pk == activity.department_id)
    hosts = activity.schools.filter(is_host=True)
    if user.role == Role.OFFICE_OFFICER:
        return hosts.filter(school__in=own_schools(user)).exists()
    return user.school_id is not None and hosts.filter(school_id=user.school_id).exists()


def can_record_for(user: User, activity: Activity, school: School) -> bool:
    """Recording a school's attendance and evidence: editors for any school of the activity, otherwise a
    leader or teacher for their own school, or an officer for a school in their scope."""
    if not activity.schools.filter(school=school).exists():
        return False
    if can_edit_activity(user, activity):
        return True
    if user.role in (Role.SCHOOL_LEADER, Role.TEACHER):
        return user.school_id == school.pk
    if user.role == Role.OFFICE_OFFICER:
        return own_schools(user).filter(pk=school.pk).exists()
    return False


def schools_user_records(user: User, activity: Activity) -> list[ActivitySchool]:
    """The activity's schools whose attendance this user may record."""
    rows = list(activity.schools.select_related("school"))
    if user.role == Role.VIEWER:
        return []
    if can_edit_activity(user, activity):
        return rows
    if user.role in (Role.SCHOOL_LEADER, Role.TEACHER):
        return [row for row in rows if row.school_id == user.school_id]
    if user.role == Role.OFFICE_OFFICER:
        own = set(own_schools(user).filter(pk__in=[r.school_id for r in rows]).values_list("pk", flat=True))
        return [row for row in rows if row.school_id in own]
    return []


def visible_schools_by_moet(user: object, moet_ids: list[str]) -> dict[str, School]:
    """The schools with these MOET IDs, all of which the user must see; the first unknown or out-of-scope
    ID is refused by name."""
    from chungtay.access.scopes import schools_visible_to
    from chungtay.activities import exceptions as e

    found = {s.moet_id: s for s in schools_visible_to(user).filter(moet_id__in=moet_ids)}
    for moet_id in moet_ids:
        if moet_id not in found:
            raise e.ActivityError(e.SCHOOL_NOT_VISIBLE % {"school": moet_id[:20]}, code="not_found")
    return found


def activity_for_user(user: object, pk: int, *, edit: bool = False) -> Activity:
    """The activity if the user may see it (else 404) and, with edit=True, change it (else 403)."""
    activity = activities_visible_to(user).select_related("department", "created_by").filter(pk=pk).first()
    if activity is None:
        raise Http404
    assert isinstance(user, User)
    if edit and not can_edit_activity(user, activity):
        raise PermissionDenied
    return activity


def may_see_private_evidence(user: User, activity: Activity) -> bool:
    """Who sees evidence not marked shareable, role by role:
    - the department's administrator (and the operator): yes, for the department's activities;
    - an officer: for activities of the schools and partnerships of their scope (a department officer,
      for the department's);
    - a school leader or teacher: for activities their school takes part in or that belong to one of
      their school's partnerships;
    - the department's viewer: never (they read the movement's figures and activities, not the photos
      and minutes a partnership keeps to itself);
    - anyone else: never. Shareable evidence is seen by everyone in the activity's department."""
    if user.role == Role.VIEWER and not user.is_superuser:
        return False
    return is_insider(user, activity)


def private_evidence_seen(user: User, activities: list[Activity]) -> set[int]:
    """Which of `activities` the user sees the private evidence of (`may_see_private_evidence`), in one
    query."""
    if user.role == Role.VIEWER and not user.is_superuser:
        return set()
    condition = _insider_condition(user)
    ids = [a.pk for a in activities]
    if condition is None:
        return set(ids)
    return set(Activity.objects.filter(condition, pk__in=ids).values_list("pk", flat=True))


def evidence_for(user: User, activity: Activity) -> QuerySet[Evidence]:
    """All the evidence for those who may see private evidence; only the shareable evidence for the rest
    of the department (see may_see_private_evidence)."""
    rows = activity.evidence.select_related("uploaded_by")
    return rows if may_see_private_evidence(user, activity) else rows.filter(shareable=True)


@dataclass(frozen=True)
class ActivityFilter:
    kind: str = ""
    status: str = ""
    tier: str = ""
    mode: str = ""
    school_year: int | None = None
    partnership_id: int | None = None
    school_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    query: str = ""
    level: str = ""  # a basic level: activities a school teaching it took part in


def filter_activities(rows: QuerySet[Activity], f: ActivityFilter) -> QuerySet[Activity]:
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.status:
        rows = rows.filter(status=f.status)
    if f.tier:
        rows = rows.filter(tier=f.tier)
    if f.mode:
        rows = rows.filter(mode=f.mode)
    if f.school_year is not None:
        first, last = schoolyears.bounds(f.school_year)
        rows = rows.filter(planned_on__gte=first, planned_on__lte=last)
    if f.date_from:
        rows = rows.filter(planned_on__gte=f.date_from)
    if f.date_to:
        rows = rows.filter(planned_on__lte=f.date_to)
    if f.partnership_id:
        rows = rows.filter(partnerships__id=f.partnership_id)
    if f.school_id:
        rows = rows.filter(
            Exists(ActivitySchool.objects.filter(activity=OuterRef("pk"), school_id=f.school_id))
        )
    if f.level:
        rows = rows.filter(
            Exists(
                ActivitySchool.objects.filter(
                    activity=OuterRef("pk"), school__level__in=levels_teaching(f.level)
                )
            )
        )
    for word in search_terms(f.query):
        rows = rows.filter(title_key__contains=word)
    return rows


def activity_list(user: object, f: ActivityFilter) -> QuerySet[Activity]:
    """Visible activities with the list's filters, newest first, each with its school and participation
    counts (no query per row)."""
    rows = filter_activities(activities_visible_to(user), f)
    return rows.annotate(
        school_count=_count_of(ActivitySchool), participation_count=_count_of(Participation)
    ).order_by("-planned_on", "-pk")


def _count_of(model: type[ActivitySchool] | type[Participation]) -> Coalesce:
    """A correlated count per activity: evaluated for the page's rows only, with no join fan-out."""
    rows = model.objects.filter(activity=OuterRef("pk")).order_by().values("activity")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


@dataclass(frozen=True)
class Figures:
    activities: int
    held: int
    planned: int
    participations: int
    teachers: int
    pupils: int
    parents: int
    guests: int
    by_kind: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__}


def activity_figures(activities: QuerySet[Activity]) -> Figures:
    """Totals over a set of activities, each activity once however many schools shared it: held
    activities, participations (lượt) and distinct teachers at them, pupils and parents (summed over the
    schools' counts), guests. Kept in the cache until the data changes: over a department's 15,000
    activities and 250,000 participations they take 150–250 ms to count (national benchmark), on every
    load of its activity list."""
    rows = activities.order_by()
    return cached_over("activity-figures", rows, lambda: _count_figures(rows))


def _count_figures(rows: QuerySet[Activity]) -> Figures:
    # the set's own condition, filtered again by status: `pk IN (the set) AND status = held` made the
    # planner read every held activity of the country to join them to the set (national benchmark)
    held_ids = rows.filter(status=ActivityStatus.HELD).values("pk")
    counts = {"total": 0, "held": 0, "planned": 0, "guests": 0}
    by_kind: dict[str, int] = {}
    for kind, status, n, guests in rows.values_list("kind", "status").annotate(
        n=Count("pk"), guests=Sum("guests")
    ):
        counts["total"] += n
        if status == ActivityStatus.HELD:
            counts["held"] += n
            counts["guests"] += guests or 0
            by_kind[kind] = by_kind.get(kind, 0) + n
        elif status in (ActivityStatus.PLANNED, ActivityStatus.POSTPONED):
            counts["planned"] += n
    # COUNT(*), not COUNT(id): with the teacher, the (activity, teacher) unique index answers alone
    people = Participation.objects.filter(activity__in=held_ids).aggregate(
        participations=Count("*"), teachers=Count("teacher", distinct=True)
    )
    attendance = ActivitySchool.objects.filter(activity__in=held_ids).aggregate(
        pupils=Sum("pupils"), parents=Sum("parents")
    )
    return Figures(
        activities=counts["total"],
        held=counts["held"],
        planned=counts["planned"],
        participations=people["participations"],
        teachers=people["teachers"],
        pupils=attendance["pupils"] or 0,
        parents=attendance["parents"] or 0,
        guests=counts["guests"],
        by_kind=by_kind,
    )


def figures_by_school(activities: QuerySet[Activity], school_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per school: the held activities it took part in (a shared activity counts for each of its
    schools), its teachers' participations and its distinct teachers, its pupils."""
    held_ids = activities.filter(status=ActivityStatus.HELD).order_by().values("pk")
    result: dict[int, dict[str, int]] = {
        pk: {"activities": 0, "hosted": 0, "participations": 0, "teachers": 0, "pupils": 0}
        for pk in school_ids
    }
    rows = (
        ActivitySchool.objects.filter(activity__in=held_ids, school_id__in=school_ids)
        .values("school_id")
        .annotate(
            activities=Count("activity", distinct=True),
            hosted=Count("activity", filter=Q(is_host=True), distinct=True),
            pupils=Sum("pupils"),
        )
    )
    for row in rows:
        result[row["school_id"]].update(
            activities=row["activities"], hosted=row["hosted"], pupils=row["pupils"] or 0
        )
    people = (
        Participation.objects.filter(activity__in=held_ids, school_id__in=school_ids)
        .values("school_id")
        .annotate(participations=Count("pk"), teachers=Count("teacher", distinct=True))
    )
    for person_row in people:
        result[person_row["school_id"]].update(
            participations=person_row["participations"], teachers=person_row["teachers"]
        )
    return result


def likely_duplicates(partnership: Any, title: str, day: dt.date) -> list[Activity]:
    """Activities already recorded for the same partnership on the same day under the same title (read
    without accents or case): the same activity saved twice, most likely. Cancelled ones do not count."""
    if partnership is None:
        return []
    return list(
        Activity.objects.filter(partnerships=partnership, title_key=padded_search_key(title))
        .filter(Q(planned_on=day) | Q(held_on=day))
        .exclude(status=ActivityStatus.CANCELLED)
        .order_by("pk")[:5]
    )
