"""Activities as rows of a sheet (.xlsx or .csv through `core.spreadsheets`): one row per activity, schools
by MOET ID and partnerships by number, the columns the activities import reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from chungtay.activities.models import Activity, ActivitySchool

HEADERS = [
    "Mã hoạt động", "Tên hoạt động", "Loại", "Hình thức", "Cấp tổ chức", "Môn học", "Khối lớp", "Trạng thái",
    "Ngày dự kiến", "Ngày tổ chức", "Ngày kết thúc", "Số ngày/tuần", "Trường chủ trì (mã định danh)",
    "Trường tham gia (mã định danh)", "Nhóm kết nghĩa (số)", "Lượt giáo viên", "Học sinh", "Phụ huynh",
    "Khách mời", "Lý do (hoãn/hủy)",
]  # fmt: skip


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
