"""The activities' sheets: the columns of the activities file and of the attendance file (canonical column ->
the headers accepted), and the export of activities in those same columns (.xlsx or .csv through
`core.spreadsheets`): one row per activity, schools by MOET ID and partnerships by number. The imports
read these columns; nobody else defines them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from chungtay.activities.models import Activity, ActivitySchool

ACTIVITY_COLUMNS: dict[str, list[str]] = {
    "id": ["Mã hoạt động", "Activity ID"],
    "title": ["Tên hoạt động", "Title"],
    "kind": ["Loại", "Kind"],
    "mode": ["Hình thức", "Mode"],
    "tier": ["Cấp tổ chức", "Tier"],
    "subject": ["Môn học", "Subject"],
    "grade": ["Khối lớp", "Grade"],
    "status": ["Trạng thái", "Status"],
    "planned_on": ["Ngày dự kiến", "Planned on"],
    "held_on": ["Ngày tổ chức", "Held on"],
    "ends_on": ["Ngày kết thúc", "Ends on"],
    "days_per_week": ["Số ngày/tuần", "Days per week"],
    "hosts": ["Trường chủ trì (mã định danh)", "Host schools"],
    "participants": ["Trường tham gia (mã định danh)", "Participating schools"],
    "partnerships": ["Nhóm kết nghĩa (số)", "Partnership numbers"],
    "teacher_count": ["Lượt giáo viên", "Teacher participations"],
    "pupils": ["Học sinh", "Pupils"],
    "parents": ["Phụ huynh", "Parents"],
    "guests": ["Khách mời", "Guests"],
    "reason": ["Lý do (hoãn/hủy)", "Reason"],
}
ATTENDANCE_COLUMNS: dict[str, list[str]] = {
    "id": ["Mã hoạt động", "Activity ID"],
    "moet_id": ["Mã định danh", "Mã trường", "MOET ID"],
    "school_name": ["Tên trường", "School name"],
    "teachers": ["Giáo viên tham gia", "Teachers"],
    "pupils": ["Học sinh", "Pupils"],
    "parents": ["Phụ huynh", "Parents"],
}
HEADERS = [names[0] for names in ACTIVITY_COLUMNS.values()]


def activity_rows(rows: QuerySet[Activity]) -> Iterator[list[Any]]:
    yield HEADERS
    schools = Prefetch("schools", queryset=ActivitySchool.objects.select_related("school").order_by("pk"))
    activities = rows.prefetch_related(schools, "partnerships").order_by("planned_on", "pk")

    for a in activities.iterator(chunk_size=1000):
        rows_ = list(a.schools.all())
        yield (
            [
                a.pk,
                a.title,
                a.kind,
                a.mode,
                a.tier,
                a.subject,
                a.grade,
                a.status,
                a.planned_on,
                a.held_on,
                a.ends_on,
                a.days_per_week,
                ", ".join(r.school.moet_id for r in rows_ if r.is_host),
                ", ".join(r.school.moet_id for r in rows_ if not r.is_host),
                ", ".join(str(p.number) for p in a.partnerships.all()),
                getattr(a, "participation_count", None),
                sum(r.pupils for r in rows_),
                sum(r.parents for r in rows_),
                a.guests,
                a.status_reason,
            ]
        )
