"""Activities as an .xlsx sheet: one row per activity, schools by MOET ID and partnerships by number, so
the sheet can be read back by the activities import."""

from __future__ import annotations

import io

from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from chungtay.activities.models import Activity, ActivitySchool

HEADERS = [
    "Mã hoạt động", "Tên hoạt động", "Loại", "Hình thức", "Cấp tổ chức", "Môn học", "Khối lớp", "Trạng thái",
    "Ngày dự kiến", "Ngày tổ chức", "Ngày kết thúc", "Số ngày/tuần", "Trường chủ trì (mã định danh)",
    "Trường tham gia (mã định danh)", "Nhóm kết nghĩa (số)", "Lượt giáo viên", "Học sinh", "Phụ huynh",
    "Khách mời", "Lý do (hoãn/hủy)",
]  # fmt: skip


def activities_xlsx(rows: QuerySet[Activity]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Hoat dong")
    sheet.append(HEADERS)
    schools = Prefetch("schools", queryset=ActivitySchool.objects.select_related("school").order_by("pk"))
    activities = rows.prefetch_related(schools, "partnerships").order_by("planned_on", "pk")

    def day(value):  # type: ignore[no-untyped-def]
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell

    for a in activities.iterator(chunk_size=1000):
        rows_ = list(a.schools.all())
        sheet.append(
            [
                a.pk,
                a.title,
                a.kind,
                a.mode,
                a.tier,
                a.subject,
                a.grade,
                a.status,
                day(a.planned_on),
                day(a.held_on),
                day(a.ends_on),
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
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
