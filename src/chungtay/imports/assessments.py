"""Import strengths/needs self-assessments: one row per school, school year and area, a score from 1 (a
real need) to 5 (a strength to share). Keyed by (school, school year, area): idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from chungtay.accounts.models import User
from chungtay.core import schoolyears
from chungtay.core.text import search_key
from chungtay.directory import bulk
from chungtay.directory.models import DevelopmentArea, SchoolYear
from chungtay.directory.validators import SCORES
from chungtay.imports.base import (
    BAD_CHOICE,
    BAD_YEAR,
    DUPLICATE,
    OUT_OF_SCOPE,
    REJECTED_ROWS,
    UNKNOWN_YEAR,
    CountingPlan,
    ImportKind,
    OwnSchools,
    RowErrors,
    checked_rows,
    choice_map,
    count_changes,
    match_headers,
    may_import,
    require_school_column,
    text,
)
from chungtay.imports.readers import FileRefused, read_rows

COLUMNS: dict[str, list[str]] = {
    "moet_id": ["Mã định danh", "Mã trường", "MOET ID", "moet_id"],
    "school_name": ["Tên trường", "School name", "Name"],
    "school_year": ["Năm học", "School year"],
    "area": ["Lĩnh vực", "Area"],
    "score": ["Mức", "Điểm", "Score"],
    "note": ["Ghi chú", "Note"],
}
REQUIRED = ("school_year", "area", "score")
EXPLANATIONS = {
    "moet_id": "Mã định danh của trường trên CSDL ngành. Nên có; thiếu thì trường được tìm theo đúng tên "
    "(kém chắc chắn hơn, được đánh dấu khi xem trước).",
    "school_name": "Tên trường: chỉ dùng để tìm trường khi dòng không có mã định danh.",
    "school_year": "Năm học: 2024-2025, 2024–2025, 24-25 hoặc 2024. Bắt buộc.",
    "area": "Lĩnh vực, theo mã hoặc tên như trên trang tự đánh giá: governance (Quản trị nhà trường), "
    "facilities (Cơ sở vật chất), subject_teaching (Dạy học các môn), gifted_training (Bồi dưỡng học sinh "
    "giỏi), digital (Chuyển đổi số), national_standard (Trường chuẩn quốc gia), arts_sports (Văn nghệ, thể "
    "dục thể thao), pupil_support (Hỗ trợ học sinh). Bắt buộc.",
    "score": "Mức từ 1 (cần được hỗ trợ) đến 5 (thế mạnh có thể chia sẻ). Bắt buộc.",
    "note": "Ghi chú (tối đa 300 ký tự).",
}
EXAMPLE = ["01008XXXX", "Trường THCS Ví Dụ", "2024-2025", "digital", "2", "Thiếu thiết bị dạy học số"]

BAD_SCORE = _("“%(value)s” is not a score from 1 to 5.")


def _area_names() -> dict[str, str]:
    return choice_map(DevelopmentArea)


@dataclass
class ImportPlan(CountingPlan):
    scores: dict[tuple[int, int, str], dict[str, Any]] = field(default_factory=dict)  # -> score, note


def plan_import(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    if not may_import(user):
        raise FileRefused(_("Only the city administrator and office officers can import self-assessments."))
    header, rows = read_rows(handle, name)
    columns = match_headers(header, COLUMNS, REQUIRED)
    require_school_column(columns)
    schools = OwnSchools(user, "pk")
    years = {y.start_year: y.pk for y in SchoolYear.objects.all()}
    areas = _area_names()
    plan = ImportPlan()
    found = RowErrors(COLUMNS, plan.errors)
    seen: dict[tuple[int, int, str], int] = {}
    for number, cell in checked_rows(rows, columns, plan, found, REQUIRED):
        before = len(plan.errors)
        moet_id = text(cell("moet_id"))
        school, note = schools.find(moet_id, text(cell("school_name")))
        school_id = school[1] if school else None
        if school_id is None:
            found.add(
                number,
                "moet_id",
                note or OUT_OF_SCOPE % {"value": (moet_id or text(cell("school_name")))[:60]},
            )
        year_id = None
        try:
            start = schoolyears.parse(text(cell("school_year")))
        except schoolyears.SchoolYearFormatError:
            found.add(number, "school_year", BAD_YEAR % {"value": text(cell("school_year"))[:30]})
        else:
            year_id = years.get(start)
            if year_id is None:
                found.add(number, "school_year", UNKNOWN_YEAR % {"value": schoolyears.label(start)})
        area = areas.get(search_key(text(cell("area"))))
        if area is None:
            found.add(number, "area", BAD_CHOICE % {"value": text(cell("area"))[:40]})
        score = text(cell("score"))
        if score not in {str(value) for value in SCORES}:
            found.add(number, "score", BAD_SCORE % {"value": score[:20]})
        if len(plan.errors) > before or school_id is None or year_id is None or area is None:
            continue
        key = (school_id, year_id, area)
        if key in seen:
            found.add(number, "moet_id", DUPLICATE % {"row": seen[key]})
            continue
        seen[key] = number
        if note:
            plan.warnings.append({"row": number, "column": COLUMNS["school_name"][0], "message": str(note)})
        plan.scores[key] = {"score": int(score), "note": text(cell("note"))[:300]}
    count_changes(plan, plan.scores, bulk.existing_self_assessments(plan.scores))
    return plan


def apply_plan(user: User, plan: ImportPlan, *, reason: str) -> None:
    if plan.errors:
        raise FileRefused(REJECTED_ROWS)

    bulk.upsert_self_assessments(acting_user=user, scores=plan.scores, reason=reason)


KIND = ImportKind(
    slug="assessments",
    title=_("Strengths and needs self-assessments"),
    columns=COLUMNS,
    required=REQUIRED,
    explanations=EXPLANATIONS,
    example=EXAMPLE,
    file_stem="mau-nhap-tu-danh-gia",
    counts=(
        ("create", _("Scores to create"), _("Scores created")),
        ("update", _("Scores to update"), _("Scores updated")),
        ("unchanged", _("Scores unchanged"), _("Scores unchanged")),
    ),
    plan=plan_import,
    apply=apply_plan,
)
