"""Import indicator values: one row per school, school year and indicator (the long layout every
statistics office can produce and that the values list exports). Keyed by (indicator, school, school
year), so the same file imported twice changes nothing the second time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import numpy as np
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
    MAX_LISTED_ERRORS,
    OUT_OF_SCOPE,
    UNKNOWN_YEAR,
    ImportKind,
    OwnSchools,
    RowErrors,
    SeenKeys,
    StreamedPlan,
    apply_streamed,
    checked_rows,
    count_changes,
    match_headers,
    may_import,
    require_school_column,
    text,
)
from chungtay.imports.readers import MAX_STREAMED_ROWS, FileRefused, read_rows

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


CHUNK_ROWS = 20_000  # rows validated, counted and written together

ImportPlan = StreamedPlan
Key = tuple[int, int, int]  # (indicator id, school id, school year id)
_BITS = (20, 32, 11)  # what each id of a key may use in one 63-bit integer


def _packed(keys: list[Key]) -> np.ndarray:
    indicator, school, year = (np.array(part, dtype=np.int64) for part in zip(*keys, strict=True))
    for ids, bits in zip((indicator, school, year), _BITS, strict=True):
        if len(ids) and (ids.min() < 0 or ids.max() >= 1 << bits):
            raise ValueError("an id does not fit the import's key packing")
    return (indicator << (_BITS[1] + _BITS[2])) | (school << _BITS[2]) | year


def _settle(
    chunk: dict[Key, dict[str, Any]], numbers: dict[Key, int], seen: SeenKeys, found: RowErrors
) -> None:
    """Refuse the chunk's rows that repeat a key of an earlier chunk, then remember the chunk's keys."""
    keys = list(chunk)
    packed = _packed(keys)
    rows = np.array([numbers[key] for key in keys], dtype=np.int64)
    (firsts,) = seen.lookup(packed)
    for key, first in zip(keys, firsts.tolist(), strict=True):
        if first:
            found.add(numbers[key], "moet_id", DUPLICATE % {"row": first})
            del chunk[key]
    new = firsts == 0  # a key is remembered once, with the first row that held it
    seen.add(packed[new], rows[new])


def _chunks(
    user: User, handle: IO[bytes], name: str, plan: ImportPlan
) -> Iterator[dict[Key, dict[str, Any]]]:
    """The file's valid values, CHUNK_ROWS at a time (key -> value, note), validated against the
    department's indicators and the user's own schools; every row counted and every error reported."""
    header, rows = read_rows(handle, name, MAX_STREAMED_ROWS)
    columns = match_headers(header, COLUMNS, REQUIRED)
    require_school_column(columns)
    indicators = {i.code: i for i in indicators_of(user).filter(is_active=True)}
    schools = OwnSchools(user, "pk", "level")
    years = {y.start_year: y.pk for y in SchoolYear.objects.all()}
    found = plan.found = RowErrors(COLUMNS, plan.errors, limit=MAX_LISTED_ERRORS)
    seen = SeenKeys(np.int32)  # the first row of each key
    chunk: dict[Key, dict[str, Any]] = {}
    numbers: dict[Key, int] = {}
    for number, cell in checked_rows(rows, columns, plan, found, REQUIRED):
        before = found.count
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
        if found.count > before or school is None or indicator is None or year_id is None:
            continue
        key = (indicator.pk, school[1], year_id)
        if key in numbers:
            found.add(number, "moet_id", DUPLICATE % {"row": numbers[key]})
            continue
        numbers[key] = number
        if note and len(plan.warnings) < MAX_LISTED_ERRORS:
            plan.warnings.append({"row": number, "column": COLUMNS["school_name"][0], "message": str(note)})
        chunk[key] = {"value": value, "note": text(cell("note"))[:300]}
        if len(chunk) >= CHUNK_ROWS:
            _settle(chunk, numbers, seen, found)
            yield chunk
            chunk, numbers = {}, {}
    if chunk:
        _settle(chunk, numbers, seen, found)
        yield chunk


def plan_import(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    """Validate every row against the department's indicators and the user's own schools and count what
    applying would do, changing nothing."""
    if not may_import(user):
        raise FileRefused(_("Only the city administrator and office officers can import indicator values."))
    plan = ImportPlan(source=(handle, name))
    for chunk in _chunks(user, handle, name, plan):
        count_changes(plan, chunk, bulk.existing_indicator_values(chunk))
    return plan


def apply_plan(user: User, plan: ImportPlan, *, reason: str) -> None:
    """Write every value of the file, all or nothing, a chunk at a time: the file is read and validated
    again as it is written (a row that turned invalid since the check refuses the whole file); history
    rows name the importer and the import."""
    apply_streamed(
        plan,
        ImportPlan(),
        lambda handle, name, again: _chunks(user, handle, name, again),
        lambda chunk: bulk.upsert_indicator_values(acting_user=user, values=chunk, reason=reason),
    )


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
