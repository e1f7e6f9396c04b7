"""Import activities (one row per activity, the columns the activity list exports) and attendance (one
row per activity and school: the teachers by name, pupils and parents as counts). Every write goes through
the activities services, so the pages' rules hold (scope, partners, dates never in the future, attendance
only once held); the dry run runs those services in a savepoint that is always rolled back. Keys: an
activity by its ID, or a new one by (title, planned date, host schools); attendance by (activity, school),
whose teacher list replaces the school's earlier one — so a second import of a file changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from chungtay.access.scopes import partnerships_visible_to, schools_visible_to
from chungtay.accounts.models import User
from chungtay.activities import services
from chungtay.activities.models import (
    Activity,
    ActivityKind,
    ActivitySchool,
    ActivityStatus,
    Mode,
    Participation,
    Tier,
)
from chungtay.activities.selectors import activities_visible_to, activity_for_user
from chungtay.activities.sheets import ACTIVITY_COLUMNS, ATTENDANCE_COLUMNS
from chungtay.core.errors import DomainError
from chungtay.core.text import padded_search_key, search_key
from chungtay.directory.models import Teacher
from chungtay.imports.base import (
    BAD_CHOICE,
    BAD_DATE,
    BAD_WHOLE,
    DUPLICATE,
    REJECTED_ROWS,
    REQUIRED_VALUE,
    CountingPlan,
    ImportKind,
    RowErrors,
    checked_rows,
    choice_map,
    day,
    dry_run,
    match_headers,
    may_import,
    text,
    whole,
    write_all,
)
from chungtay.imports.readers import FileRefused, read_rows

COLUMNS = ACTIVITY_COLUMNS
REQUIRED = ("title", "kind", "planned_on", "hosts")
READ_ONLY = ("teacher_count", "pupils", "parents", "reason")
EXPLANATIONS = {
    "id": "Mã của hoạt động đã có (để sửa); để trống khi thêm hoạt động mới.",
    "title": "Tên hoạt động. Bắt buộc.",
    "kind": "Loại: topic (chuyên đề), observation (dự giờ), joint_meeting (SHCM liên trường), exchange "
    "(giao lưu), study_visit (tham quan học tập), arts_sports, secondment (biệt phái), tutoring (dạy "
    "kèm), training (tập huấn), other — mã hoặc tên. Bắt buộc.",
    "mode": "in_person (trực tiếp) hoặc online (trực tuyến); để trống: trực tiếp.",
    "tier": "city (Sở), office (Phòng) hoặc school (trường); để trống: trường.",
    "subject": "Môn học, nếu có.",
    "grade": "Khối lớp 1–12, nếu có.",
    "status": "planned (dự kiến) hoặc held (đã tổ chức, khi có ngày tổ chức). "
    "Hoãn, hủy: trên trang hoạt động.",
    "planned_on": "Ngày dự kiến (dd/mm/yyyy). Bắt buộc.",
    "held_on": "Ngày đã tổ chức (dd/mm/yyyy), không sau hôm nay.",
    "ends_on": "Ngày kết thúc, với biệt phái và dạy kèm.",
    "days_per_week": "Số ngày mỗi tuần, với biệt phái và dạy kèm.",
    "hosts": "Mã định danh các trường chủ trì, cách nhau bởi dấu phẩy. Bắt buộc.",
    "participants": "Mã định danh các trường tham gia, cách nhau bởi dấu phẩy.",
    "partnerships": "Số các nhóm kết nghĩa, cách nhau bởi dấu phẩy.",
    "teacher_count": "Chỉ để đọc khi xuất (ghi giáo viên bằng mẫu nhập điểm danh).",
    "pupils": "Chỉ để đọc khi xuất (ghi bằng mẫu nhập điểm danh).",
    "parents": "Chỉ để đọc khi xuất (ghi bằng mẫu nhập điểm danh).",
    "guests": "Số khách mời.",
    "reason": "Chỉ để đọc khi xuất.",
}
EXAMPLE = [
    "", "Chuyên đề Toán 9: hình học không gian", "topic", "in_person", "school", "Toán", "9", "held",
    "12/03/2025", "12/03/2025", "", "", "01008XXXX", "01009YYYY", "17", "", "", "", "2", "",
]  # fmt: skip

UNKNOWN_SCHOOLS = _("Schools outside your scope or unknown: %(value)s.")
UNKNOWN_PARTNERSHIPS = _("Partnerships outside your scope or unknown: %(value)s.")
UNKNOWN_ACTIVITY = _("No activity %(value)s that you may change.")
STATUS_ON_PAGE = _("Postponing or cancelling is done on the activity's page, with a reason.")
NOT_ALLOWED = _("Only the city administrator and office officers can import activities.")


@dataclass
class Row:
    number: int
    activity_id: int | None
    details: services.ActivityDetails
    held_on: dt.date | None
    activity: Activity | None = None  # the existing activity, read once for the whole file


@dataclass
class ImportPlan(CountingPlan):
    items: list[Any] = field(default_factory=list)


def _codes(value: Any) -> list[str]:
    return [part.strip() for part in text(value).replace(";", ",").split(",") if part.strip()]


def _lines(
    handle: IO[bytes], name: str, columns_spec: dict[str, list[str]], required: tuple[str, ...]
) -> Any:
    header, rows = read_rows(handle, name)
    return match_headers(header, columns_spec, required), list(rows)


def plan_import(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    if not may_import(user):
        raise FileRefused(NOT_ALLOWED)
    columns, lines = _lines(handle, name, COLUMNS, REQUIRED)
    plan = ImportPlan()
    found = RowErrors(COLUMNS, plan.errors)
    kinds, modes, tiers, statuses = (
        choice_map(ActivityKind),
        choice_map(Mode),
        choice_map(Tier),
        choice_map(ActivityStatus),
    )
    wanted = {
        code
        for _, values in lines
        for column in ("hosts", "participants")
        if column in columns and columns[column] < len(values)
        for code in _codes(values[columns[column]])
    }
    schools = {s.moet_id: s for s in schools_visible_to(user).filter(moet_id__in=wanted)}
    partnerships = {p.number: p for p in partnerships_visible_to(user)}
    ids = [int(text(values[columns["id"]])) for _, values in lines if "id" in columns
           and columns["id"] < len(values) and text(values[columns["id"]]).isdigit()]  # fmt: skip
    existing = {
        a.pk: a
        for a in activities_visible_to(user)
        .filter(pk__in=ids)
        .prefetch_related("schools__school", "partnerships")
    }
    seen: dict[Any, int] = {}
    for number, cell in checked_rows(lines, columns, plan, found, (), read_only=READ_ONLY):
        before = len(plan.errors)
        for column in REQUIRED:
            if not text(cell(column)):
                found.add(number, column, REQUIRED_VALUE)
        choices = {}
        options = (
            ("kind", kinds, None),
            ("mode", modes, Mode.IN_PERSON),
            ("tier", tiers, Tier.SCHOOL),
            ("status", statuses, None),
        )
        for column, mapping, default in options:
            raw = text(cell(column))
            choices[column] = mapping.get(search_key(raw)) if raw else default
            if raw and choices[column] is None:
                found.add(number, column, BAD_CHOICE % {"value": raw[:40]})
        days = {}
        for column in ("planned_on", "held_on", "ends_on"):
            days[column] = day(cell(column))
            if text(cell(column)) and days[column] is None:
                found.add(number, column, BAD_DATE % {"value": text(cell(column))[:30]})
        counts: dict[str, int | None] = {}
        for column in ("grade", "days_per_week", "guests"):
            try:
                counts[column] = whole(cell(column)) if text(cell(column)) else None
            except ValueError:
                found.add(number, column, BAD_WHOLE % {"value": text(cell(column))[:20]})
        picked = {}
        # a row of an activity already recorded may name the schools it already has, even one the
        # importer does not see (a city-tier topic hosted elsewhere that their school attended): an
        # export of their activities imports back unchanged
        current = existing.get(whole(cell("id")) if text(cell("id")).isdigit() else 0)
        known = schools
        if current is not None:
            known = {**schools, **{row.school.moet_id: row.school for row in current.schools.all()}}
        for column in ("hosts", "participants"):
            codes = _codes(cell(column))
            missing = [code for code in codes if code not in known]
            if missing:
                found.add(number, column, UNKNOWN_SCHOOLS % {"value": ", ".join(missing[:5])})
            picked[column] = [known[code] for code in codes if code in known]
        numbers = _codes(cell("partnerships"))
        bad = [n for n in numbers if not n.isdigit() or int(n) not in partnerships]
        if bad:
            found.add(number, "partnerships", UNKNOWN_PARTNERSHIPS % {"value": ", ".join(bad[:5])})
        if choices["status"] in (ActivityStatus.POSTPONED, ActivityStatus.CANCELLED) and not text(cell("id")):
            found.add(number, "status", STATUS_ON_PAGE)
        activity_id = None
        if text(cell("id")):
            try:
                activity_id = whole(cell("id"))
            except ValueError:
                found.add(number, "id", UNKNOWN_ACTIVITY % {"value": text(cell("id"))[:20]})
        if len(plan.errors) > before:
            continue
        details = services.ActivityDetails(
            kind=choices["kind"], title=text(cell("title"))[:300], planned_on=days["planned_on"],  # type: ignore[arg-type]
            hosts=picked["hosts"], participants=picked["participants"],
            partnerships=[partnerships[int(n)] for n in numbers], mode=choices["mode"], tier=choices["tier"],  # type: ignore[arg-type]
            subject=text(cell("subject"))[:100], grade=counts["grade"], ends_on=days["ends_on"],
            days_per_week=counts["days_per_week"], guests=counts["guests"] or 0,
        )  # fmt: skip
        key = activity_id or (
            padded_search_key(details.title),
            details.planned_on,
            tuple(s.pk for s in details.hosts),
        )
        if key in seen:
            found.add(number, "title", DUPLICATE % {"row": seen[key]})
            continue
        seen[key] = number
        plan.items.append(Row(number, activity_id, details, days["held_on"], existing.get(activity_id or 0)))
    # Every row is accounted for: the rows that passed the checks above are tried through the services
    # even when others were rejected, so each is counted (or rejected with its own reason).
    dry_run(user, plan, plan.items, _write_activity, found, "title")
    return plan


def _same(activity: Activity, d: services.ActivityDetails) -> bool:
    rows = {(r.school_id, r.is_host) for r in activity.schools.all()}
    wanted = {(s.pk, True) for s in d.hosts} | {(s.pk, False) for s in d.participants}
    fields = (
        "kind",
        "mode",
        "tier",
        "title",
        "subject",
        "grade",
        "planned_on",
        "ends_on",
        "days_per_week",
        "guests",
    )
    return (
        all(getattr(activity, name) == getattr(d, name) for name in fields)
        and rows == wanted
        and {p.pk for p in activity.partnerships.all()} == {p.pk for p in d.partnerships}
    )


def _write_activity(user: User, row: Row) -> str:
    if row.activity_id is None:
        twin = (
            activities_visible_to(user)
            .filter(title_key=padded_search_key(row.details.title), planned_on=row.details.planned_on)
            .prefetch_related("schools")
        )
        hosts = {s.pk for s in row.details.hosts}
        if any({r.school_id for r in a.schools.all() if r.is_host} == hosts for a in twin):
            return "unchanged"
        services.record_activity(acting_user=user, details=row.details, held_on=row.held_on)
        return "create"
    read = row.activity or _activity(user, row.activity_id)
    same = _same(read, row.details)
    confirm = bool(row.held_on) and read.status == ActivityStatus.PLANNED
    if same and not confirm:
        return "unchanged"  # a row the user may only read (a partner's activity) can come back untouched
    # the services change the object they are given: a fresh one, so what the file read stays as read
    activity = _activity(user, row.activity_id, edit=True)
    if not same:
        activity = services.edit_activity(
            acting_user=user, activity=activity, details=row.details, expected_version=activity.version
        )
    if confirm and row.held_on:
        services.confirm_held(
            acting_user=user, activity=activity, held_on=row.held_on, expected_version=activity.version
        )
    return "update"


def _activity(user: User, pk: int | None, *, edit: bool = False) -> Activity:
    try:
        return activity_for_user(user, pk or 0, edit=edit)
    except (Http404, PermissionDenied) as error:
        raise DomainError(UNKNOWN_ACTIVITY % {"value": pk}) from error


@transaction.atomic
def apply_plan(user: User, plan: ImportPlan, *, reason: str) -> None:
    if plan.errors:
        raise FileRefused(REJECTED_ROWS)
    write_all(user, plan.items, _write_activity, models=(Activity, ActivitySchool), reason=reason)


KIND = ImportKind(
    slug="activities",
    title=_("Activities"),
    columns=COLUMNS,
    required=REQUIRED,
    explanations=EXPLANATIONS,
    example=EXAMPLE,
    file_stem="mau-nhap-hoat-dong",
    counts=(
        ("create", _("Activities to create"), _("Activities created")),
        ("update", _("Activities to update"), _("Activities updated")),
        ("unchanged", _("Activities unchanged"), _("Activities unchanged")),
    ),
    plan=plan_import,
    apply=apply_plan,
)


# --- attendance ------------------------------------------------------------------------------------------

ATTENDANCE_REQUIRED = ("id", "moet_id")
ATTENDANCE_EXPLANATIONS = {
    "id": "Mã của hoạt động đã tổ chức (xem danh sách hoạt động). Bắt buộc.",
    "moet_id": "Mã định danh của trường có người tham gia. Bắt buộc.",
    "school_name": "Tên trường, để dễ đọc; không dùng để đối chiếu.",
    "teachers": "Họ tên các giáo viên tham gia, cách nhau bởi dấu chấm phẩy; tên chưa có trong danh sách "
    "giáo viên của trường được thêm vào. Danh sách này thay cho danh sách đã ghi trước đó của trường.",
    "pupils": "Số học sinh tham gia.",
    "parents": "Số phụ huynh tham gia.",
}
ATTENDANCE_EXAMPLE = ["1234", "01008XXXX", "Trường THCS Ví Dụ", "Nguyễn Thị Lan; Trần Văn Minh", "35", "0"]


@dataclass
class Attendance:
    number: int
    activity_id: int
    moet_id: str
    names: list[str]
    pupils: int
    parents: int


def plan_attendance(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    if not may_import(user):
        raise FileRefused(NOT_ALLOWED)
    columns, lines = _lines(handle, name, ATTENDANCE_COLUMNS, ATTENDANCE_REQUIRED)
    plan = ImportPlan()
    found = RowErrors(ATTENDANCE_COLUMNS, plan.errors)
    seen: dict[tuple[int, str], int] = {}
    for number, cell in checked_rows(lines, columns, plan, found, ()):
        before = len(plan.errors)
        for column in ATTENDANCE_REQUIRED:
            if not text(cell(column)):
                found.add(number, column, REQUIRED_VALUE)
        counts = {}
        for column in ("id", "pupils", "parents"):
            try:
                counts[column] = whole(cell(column)) if text(cell(column)) else 0
            except ValueError:
                found.add(number, column, BAD_WHOLE % {"value": text(cell(column))[:20]})
        if len(plan.errors) > before:
            continue
        key = (counts["id"], text(cell("moet_id")))
        if key in seen:
            found.add(number, "moet_id", DUPLICATE % {"row": seen[key]})
            continue
        seen[key] = number
        names = [n.strip()[:150] for n in text(cell("teachers")).split(";") if n.strip()]
        plan.items.append(
            Attendance(number, counts["id"], key[1], names, counts["pupils"], counts["parents"])
        )
    dry_run(user, plan, plan.items, _write_attendance, found, "teachers")
    return plan


def _write_attendance(user: User, row: Attendance) -> str:
    activity = _activity(user, row.activity_id)
    school = activity.schools.filter(school__moet_id=row.moet_id).select_related("school").first()
    if school is None:
        raise DomainError(UNKNOWN_SCHOOLS % {"value": row.moet_id})
    roster = {
        search_key(t.full_name): t for t in Teacher.objects.filter(school=school.school, is_active=True)
    }
    current = set(
        Participation.objects.filter(activity=activity, school=school.school).values_list(
            "teacher_id", flat=True
        )
    )
    wanted_keys = {search_key(n): n for n in row.names}
    known = [roster[k] for k in wanted_keys if k in roster]
    if (
        len(known) == len(wanted_keys)
        and {t.pk for t in known} == current
        and (school.pupils, school.parents) == (row.pupils, row.parents)
    ):
        return "unchanged"
    services.record_school_attendance(
        acting_user=user,
        activity=activity,
        attendance=services.Attendance(
            school=school.school,
            teachers=known,
            new_names=[name for key, name in wanted_keys.items() if key not in roster],
            pupils=row.pupils,
            parents=row.parents,
        ),
    )
    return "update" if current or (school.pupils, school.parents) != (0, 0) else "create"


@transaction.atomic
def apply_attendance(user: User, plan: ImportPlan, *, reason: str) -> None:
    if plan.errors:
        raise FileRefused(REJECTED_ROWS)
    models = (Participation, ActivitySchool, Teacher)
    write_all(user, plan.items, _write_attendance, models=models, reason=reason)


ATTENDANCE = ImportKind(
    slug="attendance",
    title=_("Attendance at activities"),
    columns=ATTENDANCE_COLUMNS,
    required=ATTENDANCE_REQUIRED,
    explanations=ATTENDANCE_EXPLANATIONS,
    example=ATTENDANCE_EXAMPLE,
    file_stem="mau-nhap-diem-danh",
    counts=(
        ("create", _("Schools' attendance to record"), _("Schools' attendance recorded")),
        ("update", _("Schools' attendance to replace"), _("Schools' attendance replaced")),
        ("unchanged", _("Schools' attendance unchanged"), _("Schools' attendance unchanged")),
    ),
    plan=plan_attendance,
    apply=apply_attendance,
)
