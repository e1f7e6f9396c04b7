"""Activity endpoints: list and figures, record and change, confirm/postpone/cancel, attendance per school,
evidence metadata, and a school's teacher roster. Every write goes through
`chungtay.activities.services`, with the same scope rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Prefetch
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from chungtay.access.scopes import partnerships_visible_to, school_for_user
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.activities import exceptions as e
from chungtay.activities import services
from chungtay.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    EvidenceKind,
    Mode,
    Participation,
    Tier,
)
from chungtay.activities.selectors import (
    ActivityFilter,
    activity_figures,
    activity_for_user,
    activity_list,
    evidence_for,
    is_insider,
    visible_schools_by_moet,
)
from chungtay.api.concurrency import expected_version
from chungtay.api.schemas import ERRORS, Paging, RowId, page_of
from chungtay.core.errors import DomainError
from chungtay.core.models import MAX_ID
from chungtay.directory.models import Teacher

VERSION_HELP = "the version you read (or send If-Match); a stale one answers 409 (412 with If-Match)"

router = Router(tags=["activities"])


class ActivitySchoolOut(Schema):
    moet_id: str
    name: str
    is_host: bool
    pupils: int
    parents: int
    teachers: int = Field(..., description="teachers of this school present / số giáo viên tham dự")


class ActivityOut(Schema):
    id: int
    kind: ActivityKind
    mode: Mode
    tier: Tier
    title: str
    subject: str
    grade: int | None
    description: str
    planned_on: dt.date
    held_on: dt.date | None
    ends_on: dt.date | None
    days_per_week: int | None
    status: ActivityStatus
    status_reason: str
    guests: int
    partnership_ids: list[int]
    schools: list[ActivitySchoolOut]
    participations: int = Field(..., description="teacher participations (lượt) / lượt giáo viên")
    version: int


class ActivityPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ActivityOut]


class ActivityIn(Schema):
    kind: ActivityKind = Field(..., examples=["topic"])
    title: str = Field(..., min_length=1, max_length=300, examples=["Chuyên đề Ngữ văn lớp 6"])
    planned_on: dt.date = Field(..., description="the planned date (or the day it was held)")
    held_on: dt.date | None = Field(None, description="given: recorded as held on this date (never future)")
    host_moet_ids: list[str] = Field(..., min_length=1, max_length=50)
    participant_moet_ids: list[str] = Field(default_factory=list, max_length=500)
    partnership_ids: list[RowId] = Field(default_factory=list, max_length=50)
    mode: Mode = Mode.IN_PERSON
    tier: Tier = Tier.SCHOOL
    subject: str = Field("", max_length=100)
    grade: int | None = Field(None, ge=1, le=12)
    description: str = Field("", max_length=10_000)
    ends_on: dt.date | None = None
    days_per_week: int | None = Field(None, ge=1, le=7)
    guests: int = Field(0, ge=0, le=100_000)


class ActivityEdit(ActivityIn):
    version: int | None = Field(None, ge=1, le=MAX_ID, description=VERSION_HELP)


class ConfirmIn(Schema):
    held_on: dt.date
    version: int | None = Field(None, ge=1, le=MAX_ID, description=VERSION_HELP)


class PostponeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)
    new_date: dt.date | None = None
    version: int | None = Field(None, ge=1, le=MAX_ID, description=VERSION_HELP)


class CancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)
    version: int | None = Field(None, ge=1, le=MAX_ID, description=VERSION_HELP)


class AttendanceIn(Schema):
    teacher_ids: list[RowId] = Field(default_factory=list, max_length=2000, description="the roster's ids")
    pupils: int = Field(0, ge=0, le=100_000)
    parents: int = Field(0, ge=0, le=100_000)


class TeacherOut(Schema):
    id: int
    full_name: str
    subject: str
    is_active: bool


class TeacherIn(Schema):
    full_name: str = Field(..., min_length=2, max_length=150)
    subject: str = Field("", max_length=100)


class AttendanceOut(Schema):
    moet_id: str
    pupils: int
    parents: int
    teachers: list[TeacherOut]


class EvidenceOut(Schema):
    id: int
    kind: EvidenceKind
    title: str
    url: str = Field(..., description="a link, or the file's address behind the same scope rules")
    content_type: str
    size: int
    shareable: bool
    uploaded_at: dt.datetime


class FiguresOut(Schema):
    activities: int
    held: int
    planned: int
    participations: int = Field(..., description="lượt: one teacher at one activity")
    teachers: int = Field(..., description="distinct teachers / giáo viên không trùng")
    pupils: int
    parents: int
    guests: int
    by_kind: dict[str, int]


class ActivityQuery(Schema):
    kind: ActivityKind | None = None
    status: ActivityStatus | None = None
    tier: Tier | None = None
    mode: Mode | None = None
    school_year: int | None = Field(None, ge=2000, le=2100, description="start year: 2023 = 2023-2024")
    partnership: RowId | None = None
    school: str | None = Field(None, max_length=20, description="MOET ID")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    search: str | None = Field(None, max_length=100, description="accents optional / không cần dấu")
    level: Literal["mn", "th", "thcs", "thpt", "gdnn_gdtx"] | None = Field(
        None, description="a school of this level took part / có trường cấp học này tham gia"
    )


def _filter(request: AuthenticatedRequest, q: ActivityQuery) -> ActivityFilter:
    school_id = None
    if q.school:
        school_id = school_for_user(request.user, q.school).pk
    return ActivityFilter(
        kind=q.kind or "",
        status=q.status or "",
        tier=q.tier or "",
        mode=q.mode or "",
        school_year=q.school_year,
        partnership_id=q.partnership,
        school_id=school_id,
        date_from=q.date_from,
        date_to=q.date_to,
        query=q.search or "",
        level=q.level or "",
    )


def _out(activity: Activity) -> dict[str, Any]:
    present: dict[int, int] = {}
    for participation in activity.participations.all():  # prefetched by the list: no query per row
        present[participation.school_id] = present.get(participation.school_id, 0) + 1
    return {
        **{
            name: getattr(activity, name)
            for name in (
                "kind",
                "mode",
                "tier",
                "title",
                "subject",
                "grade",
                "description",
                "planned_on",
                "held_on",
                "ends_on",
                "days_per_week",
                "status",
                "status_reason",
                "guests",
                "version",
            )
        },  # fmt: skip
        "id": activity.pk,
        "partnership_ids": sorted(p.pk for p in activity.partnerships.all()),
        "schools": [
            {
                "moet_id": r.school.moet_id,
                "name": r.school.name,
                "is_host": r.is_host,
                "pupils": r.pupils,
                "parents": r.parents,
                "teachers": present.get(r.school_id, 0),
            }
            for r in activity.schools.all()
        ],
        "participations": sum(present.values()),
    }


def _details(request: AuthenticatedRequest, payload: ActivityIn) -> services.ActivityDetails:
    found = visible_schools_by_moet(request.user, [*payload.host_moet_ids, *payload.participant_moet_ids])
    partnerships = list(partnerships_visible_to(request.user).filter(pk__in=payload.partnership_ids))
    if len(partnerships) != len(set(payload.partnership_ids)):
        raise DomainError(e.PARTNERSHIP_NOT_VISIBLE, code="not_found")
    return services.ActivityDetails(
        kind=payload.kind,
        title=payload.title,
        planned_on=payload.planned_on,
        hosts=[found[m] for m in payload.host_moet_ids],
        participants=[found[m] for m in payload.participant_moet_ids],
        partnerships=partnerships,
        mode=payload.mode,
        tier=payload.tier,
        subject=payload.subject,
        grade=payload.grade,
        description=payload.description,
        ends_on=payload.ends_on,
        days_per_week=payload.days_per_week,
        guests=payload.guests,
    )


def _fresh(request: AuthenticatedRequest, pk: int) -> dict[str, Any]:
    return _out(activity_for_user(request.user, pk))


@router.get(
    "/activities",
    response={200: ActivityPage, **ERRORS},
    summary="Activities / Hoạt động",
    description="Visible activities, newest first. Hoạt động trong phạm vi của bạn, mới nhất trước.",
)
def list_activities(
    request: AuthenticatedRequest, filters: Query[ActivityQuery], paging: Query[Paging]
) -> dict[str, Any]:
    rows = activity_list(request.user, _filter(request, filters)).prefetch_related(
        "partnerships",
        "schools__school",
        Prefetch("participations", queryset=Participation.objects.only("pk", "activity_id", "school_id")),
    )
    return page_of(rows, paging, _out)


@router.get(
    "/activities/figures",
    response={200: FiguresOut, **ERRORS},
    summary="Activity figures / Số liệu hoạt động",
    description=(
        "Totals over the filtered activities: a shared activity counts once; participations (lượt) and "
        "distinct teachers. Tổng hợp: hoạt động chung tính một lần; lượt và số giáo viên không trùng."
    ),
)
def get_activity_figures(request: AuthenticatedRequest, filters: Query[ActivityQuery]) -> dict[str, Any]:
    return activity_figures(activity_list(request.user, _filter(request, filters))).as_dict()


@router.post("/activities", response={201: ActivityOut, **ERRORS}, summary="Record or plan an activity")
def create_activity(request: AuthenticatedRequest, payload: ActivityIn) -> Status[dict[str, Any]]:
    activity = services.record_activity(
        acting_user=request.user, details=_details(request, payload), held_on=payload.held_on
    )
    return Status(201, _fresh(request, activity.pk))


@router.get("/activities/{pk}", response={200: ActivityOut, **ERRORS}, summary="One activity")
def get_activity(request: AuthenticatedRequest, pk: int) -> dict[str, Any]:
    return _fresh(request, pk)


@router.patch("/activities/{pk}", response={200: ActivityOut, **ERRORS}, summary="Change an activity")
def edit_activity(request: AuthenticatedRequest, pk: int, payload: ActivityEdit) -> dict[str, Any]:
    activity = activity_for_user(request.user, pk, edit=True)
    services.edit_activity(
        acting_user=request.user,
        activity=activity,
        details=_details(request, payload),
        expected_version=expected_version(request, payload.version),
    )
    return _fresh(request, pk)


@router.post("/activities/{pk}/confirm", response={200: ActivityOut, **ERRORS}, summary="Confirm it was held")
def confirm_activity(request: AuthenticatedRequest, pk: int, payload: ConfirmIn) -> dict[str, Any]:
    activity = activity_for_user(request.user, pk, edit=True)
    services.confirm_held(
        acting_user=request.user,
        activity=activity,
        held_on=payload.held_on,
        expected_version=expected_version(request, payload.version),
    )
    return _fresh(request, pk)


@router.post("/activities/{pk}/postpone", response={200: ActivityOut, **ERRORS}, summary="Postpone")
def postpone_activity(request: AuthenticatedRequest, pk: int, payload: PostponeIn) -> dict[str, Any]:
    activity = activity_for_user(request.user, pk, edit=True)
    services.postpone_activity(
        acting_user=request.user,
        activity=activity,
        reason=payload.reason,
        new_date=payload.new_date,
        expected_version=expected_version(request, payload.version),
    )
    return _fresh(request, pk)


@router.post("/activities/{pk}/cancel", response={200: ActivityOut, **ERRORS}, summary="Cancel")
def cancel_activity(request: AuthenticatedRequest, pk: int, payload: CancelIn) -> dict[str, Any]:
    activity = activity_for_user(request.user, pk, edit=True)
    services.cancel_activity(
        acting_user=request.user,
        activity=activity,
        reason=payload.reason,
        expected_version=expected_version(request, payload.version),
    )
    return _fresh(request, pk)


def _attendance_out(activity: Activity, moet_id: str) -> dict[str, Any]:
    row = activity.schools.select_related("school").filter(school__moet_id=moet_id).first()
    if row is None:
        raise Http404
    teachers = Teacher.objects.filter(participations__activity=activity, school=row.school).order_by(
        "sort_key"
    )
    return {
        "moet_id": moet_id,
        "pupils": row.pupils,
        "parents": row.parents,
        "teachers": [
            {"id": t.pk, "full_name": t.full_name, "subject": t.subject, "is_active": t.is_active}
            for t in teachers
        ],
    }


@router.get(
    "/activities/{pk}/attendance/{moet_id}",
    response={200: AttendanceOut, **ERRORS},
    summary="A school's attendance / Tham dự của một trường",
)
def get_attendance(request: AuthenticatedRequest, pk: int, moet_id: str) -> dict[str, Any]:
    activity = activity_for_user(request.user, pk)
    if not is_insider(request.user, activity):
        raise Http404
    return _attendance_out(activity, moet_id)


@router.put(
    "/activities/{pk}/attendance/{moet_id}",
    response={200: AttendanceOut, **ERRORS},
    summary="Record a school's attendance (replaces its list)",
)
def put_attendance(
    request: AuthenticatedRequest, pk: int, moet_id: str, payload: AttendanceIn
) -> dict[str, Any]:
    activity = activity_for_user(request.user, pk)
    if not is_insider(request.user, activity):
        raise Http404
    school = school_for_user(request.user, moet_id)
    teachers = list(Teacher.objects.filter(pk__in=payload.teacher_ids))
    if len(teachers) != len(set(payload.teacher_ids)):
        raise DomainError(e.TEACHER_NOT_OF_SCHOOL % {"teacher": "?", "school": school.name})
    services.record_attendance(
        acting_user=request.user,
        activity=activity,
        school=school,
        teachers=teachers,
        pupils=payload.pupils,
        parents=payload.parents,
    )
    return _attendance_out(activity, moet_id)


@router.get(
    "/activities/{pk}/evidence",
    response={200: list[EvidenceOut], **ERRORS},
    summary="Evidence metadata / Minh chứng",
)
def list_evidence(request: AuthenticatedRequest, pk: int) -> list[dict[str, Any]]:
    from django.urls import reverse

    activity = activity_for_user(request.user, pk)
    return [
        {
            "id": ev.pk,
            "kind": ev.kind,
            "title": ev.title,
            "url": ev.url or request.build_absolute_uri(reverse("activities:evidence-file", args=[ev.pk])),
            "content_type": ev.content_type,
            "size": ev.size,
            "shareable": ev.shareable,
            "uploaded_at": ev.created_at,
        }
        for ev in evidence_for(request.user, activity)
    ]


@router.get(
    "/schools/{moet_id}/teachers",
    response={200: list[TeacherOut], **ERRORS},
    summary="A school's teacher roster / Danh sách giáo viên",
)
def list_teachers(request: AuthenticatedRequest, moet_id: str) -> list[Teacher]:
    school = school_for_user(request.user, moet_id)
    return list(school.teachers.order_by("sort_key", "pk"))


@router.post(
    "/schools/{moet_id}/teachers",
    response={201: TeacherOut, **ERRORS},
    summary="Add a teacher to the roster",
)
def add_teacher(request: AuthenticatedRequest, moet_id: str, payload: TeacherIn) -> Status[Teacher]:
    school = school_for_user(request.user, moet_id)
    teacher = services.add_teacher(
        acting_user=request.user, school=school, full_name=payload.full_name, subject=payload.subject
    )
    return Status(201, teacher)
