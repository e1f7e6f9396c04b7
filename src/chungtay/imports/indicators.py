"""Import indicator values: one row per school, school year and indicator (the long layout every
statistics office can produce and that the values list exports). Keyed by (indicator, school, school
year), so the same file imported twice changes nothing the second time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from chungtay.accounts.models import User
from chungtay.core import schoolyears
from chungtay.core.errors import DomainError
from chungtay.directory import bulk
from chungtay.directory.models import SchoolYear
from chungtay.directory.services import indicators_of, parse_indicator_value
from chungtay.directory.sheets import INDICATOR_VALUE_COLUMNS
from chungtay.imports.base import (
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
    count_changes,
    match_headers,
    may_import,
    require_school_column,
    text,
)
from chungtay.imports.readers import FileRefused, read_rows

COLUMNS = INDICATOR_VALUE_COLUMNS
REQUIRED = ("school_year", "indicator", "value")
EXPLANATIONS = {
    "moet_id": "Mã định danh của trường trên CSDL ngành. Nên có; thiếu thì trường được tìm theo đúng tên "
    "(kém chắc chắn hơn, được đánh dấu khi xem trước).",
    "school_name": "Tên trường: chỉ dùng để tìm trường khi dòng không có mã định danh.",
    "school_year": "Năm học: 2024-2025, 2024–2025, 24-25 hoặc 2024. Bắt buộc.",
    "indicator": "Mã chỉ số do Sở quy định (xem trang Chỉ số). Bắt buộc.",
    "indicator_name": "Tên chỉ số, để dễ đọc; không dùng để đối chiếu.",
    "value": "Giá trị: tỉ lệ % từ 0 đến 100, điểm từ 0 đến 10, số nguyên, hoặc Có/Không; dấu phẩy "
    "hoặc dấu chấm thập phân (ví dụ 87,5). Bắt buộc.",
    "note": "Ghi chú (tối đa 300 ký tự).",
}
EXAMPLE = [
    "01008XXXX",
    "Trường THCS Ví Dụ",
    "2024-2025",
    "DIEM_VAO10_TOAN",
    "Điểm thi vào 10 môn Toán",
    "7,25",
    "",
]

UNKNOWN_INDICATOR = _("No indicator in use with code %(value)s.")
NOT_FOR_LEVEL = _("Indicator %(value)s is not measured at this school's level.")


@dataclass
class ImportPlan(CountingPlan):
    # (indicator id, school id, school year id) -> {"value": …, "note": …}
    values: dict[tuple[int, int, int], dict[str, Any]] = field(default_factory=dict)


def plan_import(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    """Validate every row against the department's indicators and the user's own schools, changing
    nothing."""
    if not may_import(user):
        raise FileRefused(_("Only the city administrator and office officers can import indicator values."))
    header, rows = read_rows(handle, name)
    columns = match_headers(header, COLUMNS, REQUIRED)
    require_school_column(columns)
    indicators = {i.code: i for i in indicators_of(user).filter(is_active=True)}
    schools = OwnSchools(user, "pk", "level")
    years = {y.start_year: y.pk for y in SchoolYear.objects.all()}
    plan = ImportPlan()
    found = RowErrors(COLUMNS, plan.errors)
    seen: dict[tuple[int, int, int], int] = {}
    for number, cell in checked_rows(rows, columns, plan, found, REQUIRED):
        before = len(plan.errors)
        moet_id, code = text(cell("moet_id")), text(cell("indicator")).upper()
        school, note = schools.find(moet_id, text(cell("school_name")))
        if school is None:
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
        indicator = indicators.get(code)
        if indicator is None:
            found.add(number, "indicator", UNKNOWN_INDICATOR % {"value": code[:30]})
        elif school is not None and not indicator.applies_to(school[2]):
            found.add(number, "indicator", NOT_FOR_LEVEL % {"value": code})
        value = None
        if indicator is not None:
            try:
                value = parse_indicator_value(indicator, cell("value"))
            except DomainError as error:
                found.add(number, "value", error.message)
        if len(plan.errors) > before or school is None or indicator is None or year_id is None:
            continue
        key = (indicator.pk, school[1], year_id)
        if key in seen:
            found.add(number, "moet_id", DUPLICATE % {"row": seen[key]})
            continue
        seen[key] = number
        if note:
            plan.warnings.append({"row": number, "column": COLUMNS["school_name"][0], "message": str(note)})
        plan.values[key] = {"value": value, "note": text(cell("note"))[:300]}
    count_changes(plan, plan.values, bulk.existing_indicator_values(plan.values))
    return plan


def apply_plan(user: User, plan: ImportPlan, *, reason: str) -> None:
    """Write every value of the plan, all or nothing; history rows name the importer and the import."""
    if plan.errors:
        raise FileRefused(REJECTED_ROWS)

    bulk.upsert_indicator_values(acting_user=user, values=plan.values, reason=reason)


KIND = ImportKind(
    slug="indicators",
    title=_("Indicator values"),
    columns=COLUMNS,
    required=REQUIRED,
    explanations=EXPLANATIONS,
    example=EXAMPLE,
    file_stem="mau-nhap-chi-so",
    counts=(
        ("create", _("Values to create"), _("Values created")),
        ("update", _("Values to update"), _("Values updated")),
        ("unchanged", _("Values unchanged"), _("Values unchanged")),
    ),
    plan=plan_import,
    apply=apply_plan,
)
