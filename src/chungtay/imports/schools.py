"""Import schools and their yearly figures from a spreadsheet: validate every row (reporting row, column
and reason), show what would change, and apply all of it or nothing. Keyed by the MOET school ID and
(school, school year), so importing the same file twice changes nothing the second time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

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
    FORMULA,
    REJECTED_ROWS,
    REQUIRED_VALUE,
    UNKNOWN_YEAR,
    ImportKind,
    decimal,
    match_headers,
    text,
    whole,
)
from chungtay.imports.readers import FileRefused, _is_formula, read_rows

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


@dataclass
class ImportPlan:
    """What applying the file would do."""

    rows: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    figures_create: int = 0
    figures_update: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    schools: dict[str, dict[str, Any]] = field(default_factory=dict)
    figures: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return len({e["row"] for e in self.errors if e["row"]})

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "create": self.create, "update": self.update, "unchanged": self.unchanged,
            "figures_create": self.figures_create, "figures_update": self.figures_update,
            "rejected": self.rejected, "errors": self.errors[:500], "error_count": len(self.errors),
        }  # fmt: skip


def plan_import(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    """Validate the whole file against the directory and the user's scope, changing nothing."""
    if not manages_offices(user):
        raise FileRefused(NOT_ALLOWED)
    header, rows = read_rows(handle, name)
    columns = match_headers(header, COLUMNS, REQUIRED)
    department = home_department(user)
    may_create = user.is_superuser or user.role == Role.CITY_ADMIN
    own = set(own_schools(user).values_list("moet_id", flat=True))
    scope_units = set(user.scope_units.values_list("pk", flat=True))
    wards = {
        u.code: u
        for u in AdminUnit.objects.filter(edition=MapEdition.REFORM_2025, level=AdminUnit.Level.WARD)
    }
    years = {y.start_year: y for y in SchoolYear.objects.all()}
    plan = ImportPlan()
    known_ids: set[str] | None = None  # loaded once, on the first row that needs it
    seen: dict[tuple[str, int | None], int] = {}
    details_row: dict[str, int] = {}
    for number, values in rows:
        plan.rows += 1
        errors_before = len(plan.errors)

        def cell(column: str, values: list[Any] = values) -> Any:
            index = columns.get(column)
            return values[index] if index is not None and index < len(values) else None

        def error(column: str, message: Any, number: int = number) -> None:
            plan.errors.append({"row": number, "column": COLUMNS[column][0], "message": str(message)})

        for column in columns:
            if _is_formula(cell(column)):
                error(column, FORMULA)
        if len(plan.errors) > errors_before:
            continue
        data: dict[str, Any] = {}
        for column in REQUIRED:
            if not text(cell(column)):
                error(column, REQUIRED_VALUE)
        moet_id = text(cell("moet_id"))
        if moet_id:
            try:
                moet_id_validator(moet_id)
            except Exception:  # noqa: BLE001 - the validator's own message is in English; ours is shown
                error("moet_id", BAD_CHOICE % {"value": moet_id[:30]})
        level = _LEVELS.get(search_key(text(cell("level"))))
        if text(cell("level")) and level is None:
            error("level", BAD_CHOICE % {"value": text(cell("level"))[:30]})
        ownership = _OWNERSHIP.get(search_key(text(cell("ownership"))))
        if text(cell("ownership")) and ownership is None:
            error("ownership", BAD_CHOICE % {"value": text(cell("ownership"))[:30]})
        ward = wards.get(text(cell("ward_code")).zfill(5)) if text(cell("ward_code")) else None
        if text(cell("ward_code")) and ward is None:
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
        if text(cell("school_year")):
            try:
                year_start = schoolyears.parse(text(cell("school_year")))
            except schoolyears.SchoolYearFormatError:
                error("school_year", BAD_YEAR % {"value": text(cell("school_year"))[:30]})
            else:
                if year_start not in years:
                    error("school_year", UNKNOWN_YEAR % {"value": schoolyears.label(year_start)})
            figures = {}
            for column in FIGURES:
                try:
                    figures[column] = whole(cell(column))
                except ValueError:
                    error(column, BAD_WHOLE % {"value": text(cell(column))[:30]})
            standard = yes_no(text(cell("national_standard")), blank=False)
            if standard is None:
                error("national_standard", BAD_CHOICE % {"value": text(cell("national_standard"))[:30]})
            data["figures"] = {**figures, "national_standard": bool(standard)}
        if moet_id:
            key = (moet_id, year_start)
            if key in seen:
                error("moet_id", DUPLICATE % {"row": seen[key]})
            else:
                seen[key] = number
        if len(plan.errors) > errors_before:
            continue
        details = {
            "name": text(cell("name"))[:200],
            "level": level,
            "ownership": ownership,
            "ward": ward.pk if ward else None,
            "address": text(cell("address"))[:300] if "address" in columns else None,
            "latitude": coordinates[0] if "latitude" in columns else None,
            "longitude": coordinates[1] if "longitude" in columns else None,
        }
        if moet_id in plan.schools and plan.schools[moet_id] != details:
            error("name", CONFLICT % {"row": details_row[moet_id]})
            continue
        if moet_id not in own and known_ids is None:
            known_ids = set(School.objects.values_list("moet_id", flat=True))
        if moet_id not in own and not (may_create and moet_id not in (known_ids or set())):
            existing = School.objects.filter(moet_id=moet_id).select_related("department").first()
            if existing is not None and department is not None and existing.department_id != department.pk:
                error("moet_id", OTHER_DEPARTMENT % {"value": moet_id})
            else:
                error("moet_id", OUT_OF_SCOPE % {"value": moet_id})
            continue
        if (
            user.role == Role.OFFICE_OFFICER
            and ward is not None
            and scope_units
            and ward.pk not in scope_units
        ):
            current = (
                SchoolLocation.objects.filter(school__moet_id=moet_id, valid_to__isnull=True)
                .values_list("unit_id", flat=True)
                .first()
            )
            if current != ward.pk:
                error("ward_code", MOVES_OUT)
                continue
        plan.schools.setdefault(moet_id, details)
        details_row.setdefault(moet_id, number)
        if year_start is not None:
            plan.figures[(moet_id, year_start)] = data["figures"]
    _count_changes(plan)
    return plan


def _count_changes(plan: ImportPlan) -> None:
    existing = {s.moet_id: s for s in School.objects.filter(moet_id__in=plan.schools)}
    locations = dict(
        SchoolLocation.objects.filter(school__moet_id__in=plan.schools, valid_to__isnull=True).values_list(
            "school__moet_id", "unit_id"
        )
    )
    for moet_id, details in plan.schools.items():
        school = existing.get(moet_id)
        if school is None:
            plan.create += 1
        elif bulk.school_differs(school, details) or locations.get(moet_id) != details["ward"]:
            plan.update += 1
        else:
            plan.unchanged += 1
    figures = {
        (f.school.moet_id, f.school_year.start_year): f
        for f in SchoolYearFigures.objects.filter(school__moet_id__in=plan.schools).select_related(
            "school", "school_year"
        )
    }
    for key, values in plan.figures.items():
        row = figures.get(key)
        if row is None:
            plan.figures_create += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            plan.figures_update += 1


def apply_plan(user: User, plan: ImportPlan, *, reason: str) -> None:
    """Write the plan through the directory's bulk service: all of it or nothing. Refuses a plan with
    rejected rows."""
    if plan.errors:
        raise FileRefused(REJECTED_ROWS)
    bulk.upsert_schools(acting_user=user, schools=plan.schools, figures=plan.figures, reason=reason)


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
