"""Import schools and their yearly figures from a spreadsheet: validate every row (reporting row, column
and reason), show what would change, and apply all of it or nothing. Keyed by the MOET school ID and
(school, school year), so importing the same file twice changes nothing the second time."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from chungtay.access.roles import manages_offices
from chungtay.access.scopes import home_department, own_schools
from chungtay.accounts.models import Role, User
from chungtay.core import schoolyears
from chungtay.core.errors import DomainError
from chungtay.core.text import search_key
from chungtay.directory import bulk
from chungtay.directory.models import (
    AdminUnit,
    MapEdition,
    Ownership,
    School,
    SchoolLevel,
    SchoolLocation,
    SchoolYear,
    SchoolYearFigures,
    moet_id_validator,
)
from chungtay.directory.sheets import FIGURES, SCHOOL_COLUMNS
from chungtay.directory.validators import check_coordinates, yes_no
from chungtay.imports.base import (
    BAD_CHOICE,
    BAD_NUMBER,
    BAD_WHOLE,
    BAD_YEAR,
    DUPLICATE,
    MAX_LISTED_ERRORS,
    UNKNOWN_YEAR,
    ImportKind,
    RowErrors,
    SeenKeys,
    StreamedPlan,
    apply_streamed,
    checked_rows,
    decimal,
    match_headers,
    text,
    whole,
)
from chungtay.imports.readers import MAX_STREAMED_ROWS, FileRefused, read_rows

COLUMNS = SCHOOL_COLUMNS
REQUIRED = ("moet_id", "name", "level", "ownership", "ward_code")
EXPLANATIONS: dict[str, str] = {
    "moet_id": "Mã định danh của trường trên CSDL ngành (4–20 chữ, số). Bắt buộc.",
    "name": "Tên đầy đủ của trường. Bắt buộc.",
    "level": "MN, TH, THCS, THPT, TH&THCS, THCS&THPT, TH-THCS-THPT, GDNN-GDTX. Bắt buộc.",
    "ownership": "Công lập hoặc Ngoài công lập. Bắt buộc.",
    "ward_code": "Mã xã/phường (5 chữ số, theo đơn vị hành chính từ 01/7/2025). Bắt buộc.",
    "address": "Địa chỉ.",
    "latitude": "Vĩ độ, dấu phẩy hoặc dấu chấm thập phân (ví dụ 21,0285).",
    "longitude": "Kinh độ (ví dụ 105,8542).",
    "school_year": "Năm học của số liệu: 2024-2025, 2024–2025, 24-25 hoặc 2024.",
    "pupils": "Số học sinh (số nguyên), bắt buộc khi có năm học.",
    "teachers": "Số giáo viên (số nguyên), bắt buộc khi có năm học.",
    "classes": "Số lớp (số nguyên), bắt buộc khi có năm học.",
    "national_standard": "Có / Không.",
}

_LEVELS = {
    "mn": SchoolLevel.PRESCHOOL, "mam non": SchoolLevel.PRESCHOOL,
    "th": SchoolLevel.PRIMARY, "tieu hoc": SchoolLevel.PRIMARY,
    "thcs": SchoolLevel.LOWER_SECONDARY, "trung hoc co so": SchoolLevel.LOWER_SECONDARY,
    "thpt": SchoolLevel.UPPER_SECONDARY, "trung hoc pho thong": SchoolLevel.UPPER_SECONDARY,
    "th thcs": SchoolLevel.PRIMARY_LOWER, "thcs thpt": SchoolLevel.LOWER_UPPER,
    "th thcs thpt": SchoolLevel.ALL_GRADES, "lien cap": SchoolLevel.ALL_GRADES,
    "gdnn gdtx": SchoolLevel.CONTINUING,
}  # fmt: skip
_OWNERSHIP = {
    "cong lap": Ownership.PUBLIC,
    "public": Ownership.PUBLIC,
    "ngoai cong lap": Ownership.NON_PUBLIC,
    "tu thuc": Ownership.NON_PUBLIC,
    "non public": Ownership.NON_PUBLIC,
}

UNKNOWN_WARD = _("No ward/commune with code %(value)s (units from 1/7/2025).")
CONFLICT = _("Row %(row)d gives this school different details.")
OUT_OF_SCOPE = _("School %(value)s is outside your scope, or does not exist and you may not create schools.")
MOVES_OUT = _("This would move the school to a unit outside your scope.")
OTHER_DEPARTMENT = _("School %(value)s belongs to another department.")
NOT_ALLOWED = _("Only the city administrator and office officers can import schools.")


CHUNK_ROWS = 5_000  # rows validated, counted and written together
_MOET_ID = "S20"  # a MOET ID as bytes: 4–20 letters or digits


@dataclass
class ImportPlan(StreamedPlan):
    """What applying the file would do: counts and the first errors (the file is checked and written a
    chunk at a time, so memory stays flat whatever its size)."""

    figures_create: int = 0
    figures_update: int = 0

    def extra(self) -> dict[str, Any]:
        return {"figures_create": self.figures_create, "figures_update": self.figures_update}


@dataclass
class _Chunk:
    """The valid rows of one chunk: each school's details and yearly figures, the rows that gave them."""

    schools: dict[str, dict[str, Any]] = field(default_factory=dict)  # moet_id -> details
    figures: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    rows: dict[tuple[str, int | None], int] = field(default_factory=dict)  # (moet_id, year) -> its row
    first: dict[str, int] = field(default_factory=dict)  # moet_id -> the chunk's first row giving it
    new: list[str] = field(default_factory=list)  # the schools no earlier chunk gave, once settled


def _digest(details: dict[str, Any]) -> int:
    """A school's details as one signed 64-bit number, to compare with an earlier chunk's."""
    raw = hashlib.blake2b(repr(sorted(details.items())).encode(), digest_size=8).digest()
    return int.from_bytes(raw, "little", signed=True)


def _settle(chunk: _Chunk, schools: SeenKeys, keys: SeenKeys, found: RowErrors) -> None:
    """Refuse the chunk's rows that repeat a (school, school year) of an earlier chunk or give a school
    other details than an earlier chunk did, naming that chunk's row; then remember the chunk's schools
    (by MOET ID: the first row that gave each and a digest of its details) and its (school, school year)
    keys, the school named by that first row: 12 bytes a row."""
    ids = list(chunk.schools)
    earlier, tags = schools.lookup(np.array([moet_id.encode() for moet_id in ids], dtype=_MOET_ID))
    first = {moet_id: row or chunk.first[moet_id] for moet_id, row in zip(ids, earlier.tolist(), strict=True)}
    refused: dict[int, list[tuple[str, Any]]] = {}
    held = list(chunk.rows)
    packed = np.array([first[moet_id] << 16 | (year or 0) for moet_id, year in held], dtype=np.int64)
    rows = np.array([chunk.rows[key] for key in held], dtype=np.int32)
    (repeated,) = keys.lookup(packed)
    for key, row in zip(held, repeated.tolist(), strict=True):
        if row:
            refused.setdefault(chunk.rows.pop(key), []).append(("moet_id", DUPLICATE % {"row": row}))
            chunk.figures.pop(key, None)  # type: ignore[arg-type]  # a key without a year has no figures
    keys.add(packed[repeated == 0], rows[repeated == 0])
    carried: dict[str, list[int]] = {}
    for (moet_id, _year), row in chunk.rows.items():
        carried.setdefault(moet_id, []).append(row)
    kept: dict[str, dict[str, Any]] = {}
    remember: list[tuple[bytes, int, int]] = []
    for moet_id, row, tag in zip(ids, earlier.tolist(), tags.tolist(), strict=True):
        if moet_id not in carried:  # each of its rows here repeated an earlier one
            continue
        digest = _digest(chunk.schools[moet_id])
        if row and tag != digest:
            for line in carried[moet_id]:
                refused.setdefault(line, []).append(("name", CONFLICT % {"row": row}))
            continue
        kept[moet_id] = chunk.schools[moet_id]
        if not row:
            chunk.new.append(moet_id)
            remember.append((moet_id.encode(), first[moet_id], digest))
    chunk.schools = kept
    chunk.figures = {key: values for key, values in chunk.figures.items() if key[0] in kept}
    if remember:
        moet_ids, firsts, digests = zip(*remember, strict=True)
        schools.add(np.array(moet_ids, dtype=_MOET_ID), np.array(firsts), np.array(digests))
    for line in sorted(refused):
        for column, message in refused[line]:
            found.add(line, column, message)


def _chunks(user: User, handle: IO[bytes], name: str, plan: ImportPlan) -> Iterator[_Chunk]:
    """The file's valid rows, CHUNK_ROWS at a time, checked against the directory and the user's scope;
    every row counted and every error reported."""
    header, lines = read_rows(handle, name, MAX_STREAMED_ROWS)
    columns = match_headers(header, COLUMNS, REQUIRED)
    department = home_department(user)
    may_create = user.is_superuser or user.role == Role.CITY_ADMIN
    own = set(own_schools(user).values_list("moet_id", flat=True))
    # taken before anything is written: applying checks the file again as it writes it
    known_ids = set(School.objects.values_list("moet_id", flat=True)) if may_create else set()
    scope_units = set(user.scope_units.values_list("pk", flat=True))
    wards = {
        u.code: u
        for u in AdminUnit.objects.filter(edition=MapEdition.REFORM_2025, level=AdminUnit.Level.WARD)
    }
    years = {y.start_year: y for y in SchoolYear.objects.all()}
    found = plan.found = RowErrors(COLUMNS, plan.errors, limit=MAX_LISTED_ERRORS)
    seen_schools = SeenKeys(np.int32, np.int64)  # MOET ID -> its first row, its details' digest
    seen_keys = SeenKeys(np.int32)  # (the school's first row, school year) -> the row that gave it
    chunk = _Chunk()
    for number, cell in checked_rows(lines, columns, plan, found, REQUIRED):
        before = found.count

        def error(column: str, message: Any, number: int = number) -> None:
            found.add(number, column, message)

        moet_id = text(cell("moet_id"))
        try:
            moet_id_validator(moet_id)
        except Exception:  # noqa: BLE001 - the validator's own message is in English; ours is shown
            error("moet_id", BAD_CHOICE % {"value": moet_id[:30]})
        level = _LEVELS.get(search_key(text(cell("level"))))
        if level is None:
            error("level", BAD_CHOICE % {"value": text(cell("level"))[:30]})
        ownership = _OWNERSHIP.get(search_key(text(cell("ownership"))))
        if ownership is None:
            error("ownership", BAD_CHOICE % {"value": text(cell("ownership"))[:30]})
        ward = wards.get(text(cell("ward_code")).zfill(5))
        if ward is None:
            error("ward_code", UNKNOWN_WARD % {"value": text(cell("ward_code"))[:20]})
        coordinates = []
        for column in ("latitude", "longitude"):
            try:
                coordinates.append(decimal(cell(column)))
            except ValueError:
                error(column, BAD_NUMBER % {"value": text(cell(column))[:30]})
        if len(coordinates) == 2 and None not in coordinates:
            lat, lon = coordinates
            try:
                check_coordinates(lat, lon)
            except DomainError as refused:
                error("latitude", refused.message)
        year_start: int | None = None
        figures: dict[str, Any] = {}
        if text(cell("school_year")):
            try:
                year_start = schoolyears.parse(text(cell("school_year")))
            except schoolyears.SchoolYearFormatError:
                error("school_year", BAD_YEAR % {"value": text(cell("school_year"))[:30]})
            else:
                if year_start not in years:
                    error("school_year", UNKNOWN_YEAR % {"value": schoolyears.label(year_start)})
            for column in FIGURES:
                try:
                    figures[column] = whole(cell(column))
                except ValueError:
                    error(column, BAD_WHOLE % {"value": text(cell(column))[:30]})
            standard = yes_no(text(cell("national_standard")), blank=False)
            if standard is None:
                error("national_standard", BAD_CHOICE % {"value": text(cell("national_standard"))[:30]})
            figures["national_standard"] = bool(standard)
        key = (moet_id, year_start)
        if key in chunk.rows:
            error("moet_id", DUPLICATE % {"row": chunk.rows[key]})
        if found.count > before:
            continue
        unit = ward.pk if ward else None  # a row without a known ward was refused above
        details = {
            "name": text(cell("name"))[:200],
            "level": level,
            "ownership": ownership,
            "ward": unit,
            "address": text(cell("address"))[:300] if "address" in columns else None,
            "latitude": coordinates[0] if "latitude" in columns else None,
            "longitude": coordinates[1] if "longitude" in columns else None,
        }
        if moet_id in chunk.schools and chunk.schools[moet_id] != details:
            error("name", CONFLICT % {"row": chunk.first[moet_id]})
            continue
        if moet_id not in own and not (may_create and moet_id not in known_ids):
            existing = School.objects.filter(moet_id=moet_id).select_related("department").first()
            if existing is not None and department is not None and existing.department_id != department.pk:
                error("moet_id", OTHER_DEPARTMENT % {"value": moet_id})
            else:
                error("moet_id", OUT_OF_SCOPE % {"value": moet_id})
            continue
        if user.role == Role.OFFICE_OFFICER and scope_units and unit not in scope_units:
            current = (
                SchoolLocation.objects.filter(school__moet_id=moet_id, valid_to__isnull=True)
                .values_list("unit_id", flat=True)
                .first()
            )
            if current != unit:
                error("ward_code", MOVES_OUT)
                continue
        chunk.schools.setdefault(moet_id, details)
        chunk.first.setdefault(moet_id, number)
        chunk.rows[key] = number
        if year_start is not None:
            chunk.figures[(moet_id, year_start)] = figures
        if len(chunk.rows) >= CHUNK_ROWS:
            _settle(chunk, seen_schools, seen_keys, found)
            yield chunk
            chunk = _Chunk()
    if chunk.rows:
        _settle(chunk, seen_schools, seen_keys, found)
        yield chunk


def plan_import(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    """Validate the whole file against the directory and the user's scope and count what applying would
    do, changing nothing."""
    if not manages_offices(user):
        raise FileRefused(NOT_ALLOWED)
    plan = ImportPlan(source=(handle, name))
    for chunk in _chunks(user, handle, name, plan):
        _count_changes(plan, chunk)
    return plan


def _count_changes(plan: ImportPlan, chunk: _Chunk) -> None:
    """Count the chunk's schools that no earlier chunk gave, and its yearly figures."""
    existing = {s.moet_id: s for s in School.objects.filter(moet_id__in=chunk.new)}
    locations = dict(
        SchoolLocation.objects.filter(school__moet_id__in=chunk.new, valid_to__isnull=True).values_list(
            "school__moet_id", "unit_id"
        )
    )
    for moet_id in chunk.new:
        details, school = chunk.schools[moet_id], existing.get(moet_id)
        if school is None:
            plan.create += 1
        elif bulk.school_differs(school, details) or locations.get(moet_id) != details["ward"]:
            plan.update += 1
        else:
            plan.unchanged += 1
    figures = {
        (f.school.moet_id, f.school_year.start_year): f
        for f in SchoolYearFigures.objects.filter(
            school__moet_id__in={moet_id for moet_id, _year in chunk.figures}
        ).select_related("school", "school_year")
    }
    for key, values in chunk.figures.items():
        row = figures.get(key)
        if row is None:
            plan.figures_create += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            plan.figures_update += 1


def apply_plan(user: User, plan: ImportPlan, *, reason: str) -> None:
    """Write the file through the directory's bulk service, all or nothing, a chunk at a time: the file is
    read and checked again as it is written (a row that turned invalid since the check refuses the whole
    file). Refuses a plan with rejected rows."""
    apply_streamed(
        plan,
        ImportPlan(),
        lambda handle, name, again: _chunks(user, handle, name, again),
        lambda chunk: bulk.upsert_schools(
            acting_user=user, schools=chunk.schools, figures=chunk.figures, reason=reason
        ),
    )


EXAMPLE = [
    "01008XXXX",
    "Trường THCS Ví Dụ",
    "THCS",
    "Công lập",
    "00097",
    "Số 1 phố Ví Dụ",
    "21,0285",
    "105,8542",
    "2024-2025",
    "850",
    "45",
    "20",
    "Có",
]

KIND = ImportKind(
    slug="schools",
    title=_("Schools and their yearly figures"),
    columns=COLUMNS,
    required=REQUIRED,
    explanations=EXPLANATIONS,
    example=EXAMPLE,
    file_stem="mau-nhap-truong-hoc",
    counts=(
        ("create", _("Schools to create"), _("Schools created")),
        ("update", _("Schools to update"), _("Schools updated")),
        ("unchanged", _("Schools unchanged"), _("Schools unchanged")),
        ("figures_create", _("Yearly figures to create"), _("Yearly figures created")),
        ("figures_update", _("Yearly figures to update"), _("Yearly figures updated")),
    ),
    plan=plan_import,
    apply=apply_plan,
)
