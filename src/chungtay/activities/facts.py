"""The summaries the figures read (ActivityFact, MonthFact, TeacherMonth, LinkFact), kept exact: the
activities services call `refresh` with the activities they changed, inside their transaction, so a
summary is never behind the data it sums; bulk loads (the demo) and operators after a repair call
`rebuild`; `drift` says where a summary and the data disagree (a test checks it is empty after every kind
of write)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Case, Count, DateField, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth

from chungtay.activities.models import (
    Activity,
    ActivityFact,
    ActivitySchool,
    ActivityStatus,
    LinkFact,
    MonthFact,
    Participation,
    TeacherMonth,
)
from chungtay.core import schoolyears
from chungtay.core.bulk import insert_select
from chungtay.core.dates import first_of_next_month

BATCH = 5000


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _facts_for(activity_ids: list[int]) -> list[ActivityFact]:
    counts: dict[tuple[int, int], int] = {
        (activity, school): n
        for activity, school, n in Participation.objects.filter(activity_id__in=activity_ids)
        .values_list("activity_id", "school_id")
        .annotate(n=Count("pk"))
        .values_list("activity_id", "school_id", "n")
    }
    rows = ActivitySchool.objects.filter(
        activity_id__in=activity_ids, activity__status=ActivityStatus.HELD
    ).values_list(
        "activity_id",
        "school_id",
        "is_host",
        "pupils",
        "parents",
        "activity__department_id",
        "activity__held_on",
        "activity__kind",
        "activity__tier",
        "activity__mode",
    )
    facts = []
    for activity, school, is_host, pupils, parents, department, held_on, kind, tier, mode in rows:
        assert held_on is not None  # a held activity has its date (a database constraint)
        facts.append(
            ActivityFact(
                activity_id=activity,
                school_id=school,
                is_host=is_host,
                pupils=pupils,
                parents=parents,
                department_id=department or 0,
                held_on=held_on,
                kind=kind,
                tier=tier,
                mode=mode,
                participations=counts.get((activity, school), 0),
            )
        )
    return facts


def _links_for(activity_ids: list[int]) -> list[LinkFact]:
    """The LinkFact rows of these activities: each held activity's partnerships, once per host school."""
    hosts: dict[int, list[int]] = defaultdict(list)
    for activity, school in ActivitySchool.objects.filter(
        activity_id__in=activity_ids, is_host=True
    ).values_list("activity_id", "school_id"):
        hosts[activity].append(school)
    links = Activity.partnerships.through.objects.filter(
        activity_id__in=activity_ids, activity__status=ActivityStatus.HELD
    ).values_list(
        "activity_id", "partnership_id", "activity__department_id", "activity__held_on", "activity__kind"
    )
    rows = []
    for activity, partnership, department, held_on, kind in links:
        assert held_on is not None  # a held activity has its date (a database constraint)
        no_host: list[int | None] = [None]
        for host in hosts.get(activity) or no_host:
            rows.append(
                LinkFact(
                    activity_id=activity,
                    partnership_id=partnership,
                    host_school_id=host,
                    department_id=department or 0,
                    held_on=held_on,
                    kind=kind,
                    hosts=len(hosts.get(activity, ())),
                )
            )
    return rows


def last_held_day(up_to: dt.date | None = None) -> Subquery:
    """The newest day on which the annotated partnership (`OuterRef("pk")`) held an activity, up to a day if
    given: one step down the link summary's (partnership, day) index, for needs attention and the
    figures' quiet partnerships."""
    rows = LinkFact.objects.filter(partnership_id=OuterRef("pk"))
    if up_to is not None:
        rows = rows.filter(held_on__lte=up_to)
    return Subquery(rows.order_by("-held_on").values("held_on")[:1])


def rebuild_links() -> int:
    """Every LinkFact from the held activities, computed by the database in one INSERT … SELECT (also run
    by the migration that introduced them)."""
    LinkFact.objects.all().delete()
    quote = connection.ops.quote_name
    links = quote(Activity.partnerships.through._meta.db_table)
    activity, school = quote(Activity._meta.db_table), quote(ActivitySchool._meta.db_table)
    sql = f"""
        INSERT INTO {quote(LinkFact._meta.db_table)}
            (activity_id, partnership_id, host_school_id, department_id, held_on, kind, hosts)
        SELECT l.activity_id, l.partnership_id, s.school_id, a.department_id, a.held_on, a.kind,
               (SELECT COUNT(*) FROM {school} h WHERE h.activity_id = l.activity_id AND h.is_host)
        FROM {links} l
        JOIN {activity} a ON a.id = l.activity_id
        LEFT JOIN {school} s ON s.activity_id = l.activity_id AND s.is_host
        WHERE a.status = %s
    """  # noqa: S608 - table names from the models; the status is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [ActivityStatus.HELD])
        return int(cursor.rowcount)


def _schools_by_month(pairs: Iterable[tuple[int, dt.date]]) -> dict[dt.date, set[int]]:
    by_month: dict[dt.date, set[int]] = defaultdict(set)
    for school, month in pairs:
        by_month[month].add(school)
    return by_month


def _teacher_months(keys: Iterable[tuple[int, dt.date]]) -> list[TeacherMonth]:
    """The TeacherMonth rows of these (school, month) pairs, computed from the participations."""
    rows = []
    for month, schools in _schools_by_month(keys).items():
        found = (
            Participation.objects.filter(
                school_id__in=schools,
                activity__status=ActivityStatus.HELD,
                activity__held_on__gte=month,
                activity__held_on__lt=first_of_next_month(month),
            )
            .values_list("teacher_id", "school_id", "activity__department_id")
            .annotate(n=Count("pk"))
            .values_list("teacher_id", "school_id", "activity__department_id", "n")
        )
        rows += [
            TeacherMonth(
                teacher_id=teacher,
                school_id=school,
                department_id=department or 0,
                month=month,
                start_year=schoolyears.start_year_of(month),
                participations=n,
            )
            for teacher, school, department, n in found
        ]
    return rows


MONTH_SUMS = ("activities", "pupils", "parents", "participations")


def _month_facts(keys: Iterable[tuple[int, dt.date]]) -> list[MonthFact]:
    """The MonthFact rows of these (school, month) pairs, summed from the activity facts."""
    rows = []
    for month, schools in _schools_by_month(keys).items():
        found = (
            ActivityFact.objects.filter(
                school_id__in=sorted(schools), held_on__gte=month, held_on__lt=first_of_next_month(month)
            )
            .order_by()
            .values_list("school_id", "department_id", "kind", "tier", "mode")
            .annotate(Count("pk"), Sum("pupils"), Sum("parents"), Sum("participations"))
        )
        for school, department, kind, tier, mode, *sums in found:
            rows.append(
                MonthFact(
                    school_id=school,
                    department_id=department,
                    month=month,
                    kind=kind,
                    tier=tier,
                    mode=mode,
                    **dict(zip(MONTH_SUMS, sums, strict=True)),
                )
            )
    return rows


def _school_months(pairs: Iterable[tuple[int, dt.date]]) -> Q:
    """The teacher months of these (school, month) pairs: one condition per month, so it stays shallow
    however many schools an activity had."""
    condition = Q(pk__in=[])
    for month, schools in _schools_by_month(pairs).items():
        condition |= Q(month=month, school_id__in=sorted(schools))
    return condition


def forget(activity_ids: Iterable[int]) -> set[tuple[int, dt.date]]:
    """Drop the facts of these activities (before a write that deletes rows under them, such as an
    import's undo); returns the (school, month) pairs they covered, to pass to `refresh` after."""
    ids = sorted(set(activity_ids))
    LinkFact.objects.filter(activity_id__in=ids).delete()
    facts = ActivityFact.objects.filter(activity_id__in=ids)
    touched = {(school, _month(day)) for school, day in facts.values_list("school_id", "held_on").distinct()}
    facts.delete()
    return touched


def _lock_school_months(pairs: Iterable[tuple[int, dt.date]]) -> None:
    """Recount a school's month in one transaction at a time. Two writes to the same school and month at
    once each deleted the month's summaries, recounted them without the other's uncommitted activity and
    inserted them: the second failed on the unique key (a 500 in the load test) or, with other keys, the
    summaries lost an activity. On PostgreSQL a transaction-level advisory lock per (school, month), taken
    in one order, makes the second wait until the first commits; its next statements then see the first's
    rows. SQLite lets one writer in at a time already."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({(school, month.year * 100 + month.month) for school, month in pairs})
    with connection.cursor() as cursor:
        for school, month in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s::int, %s::int)", [school, month])


def refresh(activity_ids: Iterable[int], *, touched: set[tuple[int, dt.date]] | None = None) -> None:
    """Bring the summaries of these activities up to date (call it after changing them, in the same
    transaction): their facts are rewritten, and the teacher months and month facts of every school and
    month they touched before or after the change are recounted."""
    ids = sorted(set(activity_ids))
    if not ids:
        return
    before = forget(ids) | (touched or set())
    facts = _facts_for(ids)
    ActivityFact.objects.bulk_create(facts, batch_size=BATCH)
    LinkFact.objects.bulk_create(_links_for(ids), batch_size=BATCH)
    pairs = before | {(f.school_id, _month(f.held_on)) for f in facts}
    if not pairs:
        return
    _lock_school_months(pairs)
    TeacherMonth.objects.filter(_school_months(pairs)).delete()
    TeacherMonth.objects.bulk_create(_teacher_months(pairs), batch_size=BATCH)
    MonthFact.objects.filter(_school_months(pairs)).delete()
    MonthFact.objects.bulk_create(_month_facts(pairs), batch_size=BATCH)


def rebuild() -> dict[str, int]:
    """The summaries from scratch, from every held activity (after a bulk load or a repair), computed by
    the database in INSERT … SELECT statements: the same rows `refresh` writes, without a row of the
    millions of participations passing through Python."""
    ActivityFact.objects.all().delete()
    TeacherMonth.objects.all().delete()
    held = ActivityStatus.HELD
    per_school = (
        Participation.objects.filter(activity_id=OuterRef("activity_id"), school_id=OuterRef("school_id"))
        .order_by()
        .values("activity_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    insert_select(
        ActivityFact,
        ActivitySchool.objects.filter(activity__status=held)
        .order_by()
        .values(
            f_activity=F("activity_id"),
            f_school=F("school_id"),
            f_is_host=F("is_host"),
            f_pupils=F("pupils"),
            f_parents=F("parents"),
            f_department=F("activity__department_id"),
            f_held_on=F("activity__held_on"),
            f_kind=F("activity__kind"),
            f_tier=F("activity__tier"),
            f_mode=F("activity__mode"),
            f_participations=Coalesce(Subquery(per_school), 0),
        ),
        prefix="f_",
    )
    year = ExtractYear("activity__held_on")
    insert_select(
        TeacherMonth,
        Participation.objects.filter(activity__status=held)
        .order_by()
        .values(
            m_teacher=F("teacher_id"),
            m_school=F("school_id"),
            m_department=F("activity__department_id"),
            m_month=TruncMonth("activity__held_on", output_field=DateField()),
            m_start_year=Case(
                When(activity__held_on__month__gte=schoolyears.FIRST_MONTH, then=year),
                default=year - 1,
            ),
        )
        .annotate(m_participations=Count("pk")),
        prefix="m_",
    )
    rebuild_months()
    rebuild_links()
    if connection.vendor == "postgresql":  # the planner's statistics of the tables written whole
        with connection.cursor() as cursor:
            for model in (ActivityFact, MonthFact, TeacherMonth, LinkFact):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {
        "facts": ActivityFact.objects.count(),
        "teacher_months": TeacherMonth.objects.count(),
        "month_facts": MonthFact.objects.count(),
        "link_facts": LinkFact.objects.count(),
    }


def rebuild_months() -> int:
    """Every MonthFact from the activity facts, summed by the database in one INSERT … SELECT."""
    MonthFact.objects.all().delete()
    return insert_select(
        MonthFact,
        ActivityFact.objects.order_by()
        .values(
            m_school=F("school_id"),
            m_department=F("department_id"),
            m_month=TruncMonth("held_on", output_field=DateField()),
            m_kind=F("kind"),
            m_tier=F("tier"),
            m_mode=F("mode"),
        )
        .annotate(
            m_activities=Count("pk"),
            m_pupils=Sum("pupils"),
            m_parents=Sum("parents"),
            m_participations=Sum("participations"),
        ),
        prefix="m_",
    )


def drift(activity_ids: Iterable[int] | None = None) -> dict[str, Any]:
    """Where the summaries disagree with the data: rows missing, extra or different (of these
    activities and of the schools and months they touch, or of everything). Empty when exact."""
    found: dict[str, Any] = {}
    held = Activity.objects.filter(status=ActivityStatus.HELD)
    facts = ActivityFact.objects.all()
    if activity_ids is not None:
        chosen = sorted(set(activity_ids))
        held = held.filter(pk__in=chosen)
        facts = facts.filter(activity_id__in=chosen)
    held_ids = list(held.values_list("pk", flat=True))
    want = {(f.activity_id, f.school_id): _fact_key(f) for f in _facts_for(held_ids)}
    have = {(f.activity_id, f.school_id): _fact_key(f) for f in facts}
    if want != have:
        found["facts"] = sorted(set(want.items()) ^ set(have.items()))[:20]
    pairs = {(school, _month(day)) for day, school in _fact_days(activity_ids)}
    pairs |= {(school, _month(day)) for school, day in facts.values_list("school_id", "held_on")}
    expected = {(t.teacher_id, t.school_id, t.month, t.participations) for t in _teacher_months(pairs)}
    months = TeacherMonth.objects.all()
    if activity_ids is not None:
        months = months.filter(_school_months(pairs))
    actual = set(months.values_list("teacher_id", "school_id", "month", "participations"))
    if expected != actual:
        found["teacher_months"] = sorted(expected ^ actual)[:20]
    month_key = ("school_id", "department_id", "month", "kind", "tier", "mode", *MONTH_SUMS)
    summed = {tuple(getattr(row, name) for name in month_key) for row in _month_facts(pairs)}
    kept_months = MonthFact.objects.all()
    if activity_ids is not None:
        kept_months = kept_months.filter(_school_months(pairs))
    kept_sums = set(kept_months.values_list(*month_key))
    if summed != kept_sums:
        found["month_facts"] = sorted(summed ^ kept_sums)[:20]
    links = LinkFact.objects.all()
    if activity_ids is not None:
        links = links.filter(activity_id__in=sorted(set(activity_ids)))
    link_key = (
        "activity_id",
        "partnership_id",
        "host_school_id",
        "department_id",
        "held_on",
        "kind",
        "hosts",
    )
    wanted = Counter(tuple(getattr(row, name) for name in link_key) for row in _links_for(held_ids))
    kept = Counter(links.values_list(*link_key))
    if wanted != kept:
        found["link_facts"] = sorted(set((wanted - kept) + (kept - wanted)), key=repr)[:20]
    return found


def _fact_key(fact: ActivityFact) -> tuple[Any, ...]:
    return (
        fact.department_id,
        fact.held_on,
        fact.kind,
        fact.tier,
        fact.mode,
        fact.is_host,
        fact.pupils,
        fact.parents,
        fact.participations,
    )


def _fact_days(activity_ids: Iterable[int] | None = None) -> set[tuple[dt.date, int]]:
    participations = Participation.objects.filter(activity__status=ActivityStatus.HELD)
    if activity_ids is not None:
        participations = participations.filter(activity_id__in=sorted(set(activity_ids)))
    pairs = participations.values_list("activity__held_on", "school_id")
    return {(day, school) for day, school in pairs if day is not None}
