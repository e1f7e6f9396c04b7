"""Import the department's education offices: one row per office, keyed by its code, with the
administrative unit it covers and the dates it existed (district offices closed on 30/6/2025). How a
department setting up the platform brings its offices in; only its administrator may. Idempotent (upsert
by code), all or nothing, audited, undoable like every import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from chungtay.access.roles import is_city_admin
from chungtay.access.scopes import home_department
from chungtay.accounts.models import User
from chungtay.core.text import padded_search_key, vietnamese_sort_key
from chungtay.directory import bulk
from chungtay.directory.models import AdminUnit, EducationOffice
from chungtay.imports.base import (
    BAD_DATE,
    DUPLICATE,
    REJECTED_ROWS,
    CountingPlan,
    ImportKind,
    RowErrors,
    checked_rows,
    count_changes,
    day,
    match_headers,
    text,
)
from chungtay.imports.readers import FileRefused, read_rows

COLUMNS: dict[str, list[str]] = {
    "code": ["Mã phòng", "Office code"],
    "name": ["Tên phòng", "Office name"],
    "short_name": ["Tên ngắn", "Short name"],
    "unit": ["Mã đơn vị hành chính", "Unit code"],
    "valid_from": ["Từ ngày", "Valid from"],
    "valid_to": ["Đến ngày", "Valid to"],
}
REQUIRED = ("code", "name", "unit")
EXPLANATIONS = {
    "code": "Mã của phòng: chữ thường không dấu, số và dấu gạch nối (ví dụ pgd-unghoa). Bắt buộc.",
    "name": "Tên đầy đủ (ví dụ Phòng Giáo dục và Đào tạo huyện Ứng Hòa). Bắt buộc.",
    "short_name": "Tên ngắn (ví dụ Ứng Hòa); để trống: lấy tên đơn vị hành chính.",
    "unit": "Mã quận/huyện (trước 1/7/2025) hoặc xã/phường (từ 1/7/2025) mà phòng phụ trách, thuộc tỉnh "
    "của Sở. Bắt buộc.",
    "valid_from": "Ngày bắt đầu (dd/mm/yyyy), nếu biết.",
    "valid_to": "Ngày kết thúc (dd/mm/yyyy): các phòng cấp huyện kết thúc ngày 30/6/2025.",
}
EXAMPLE = ["pgd-vidu", "Phòng Giáo dục và Đào tạo huyện Ví Dụ", "Ví Dụ", "277", "", "30/06/2025"]

NOT_ALLOWED = _("Only the department's administrator can import education offices.")
BAD_CODE = _("“%(value)s” is not a code: lower-case letters without accents, digits and hyphens.")
UNKNOWN_UNIT = _("No unit with code %(value)s in the department's province.")
DATES_ORDER = _("The end date cannot be before the start date.")
OTHER_DEPARTMENT = _("Office %(value)s belongs to another department.")
IS_DEPARTMENT = _("%(value)s is the department itself, not one of its offices.")


@dataclass
class ImportPlan(CountingPlan):
    offices: dict[str, dict[str, Any]] = field(default_factory=dict)


def _may(user: User) -> bool:
    return is_city_admin(user) and home_department(user) is not None


def plan_import(user: User, handle: IO[bytes], name: str) -> ImportPlan:
    if not _may(user):
        raise FileRefused(NOT_ALLOWED)
    department = home_department(user)
    assert department is not None
    header, rows = read_rows(handle, name)
    columns = match_headers(header, COLUMNS, REQUIRED)
    province = (
        department.unit if department.unit.level == AdminUnit.Level.PROVINCE else department.unit.province
    )
    province_code = province.code if province else ""  # both map editions: offices predate the 2025 units
    units: dict[str, list[AdminUnit]] = {}
    in_province = AdminUnit.objects.filter(province__code=province_code)
    for candidate in in_province.exclude(level=AdminUnit.Level.PROVINCE):
        units.setdefault(candidate.code, []).append(candidate)
    existing = {o.code: o for o in EducationOffice.objects.all()}
    plan = ImportPlan()
    found = RowErrors(COLUMNS, plan.errors)
    seen: dict[str, int] = {}
    for number, cell in checked_rows(rows, columns, plan, found, REQUIRED):
        before = len(plan.errors)
        code = text(cell("code"))
        if slugify(code) != code or len(code) > 40:
            found.add(number, "code", BAD_CODE % {"value": code[:40]})
        office = existing.get(code)
        if office is not None and office.pk == department.pk:
            found.add(number, "code", IS_DEPARTMENT % {"value": code})
        elif office is not None and office.department_id != department.pk:
            found.add(number, "code", OTHER_DEPARTMENT % {"value": code})
        candidates = units.get(text(cell("unit")).zfill(3), []) or units.get(text(cell("unit")), [])
        unit = sorted(candidates, key=lambda u: u.edition != "pre2025")[0] if candidates else None
        if unit is None:
            found.add(number, "unit", UNKNOWN_UNIT % {"value": text(cell("unit"))[:20]})
        days = {}
        for column in ("valid_from", "valid_to"):
            days[column] = day(cell(column)) if text(cell(column)) else None
            if text(cell(column)) and days[column] is None:
                found.add(number, column, BAD_DATE % {"value": text(cell(column))[:30]})
        if days["valid_from"] and days["valid_to"] and days["valid_to"] < days["valid_from"]:
            found.add(number, "valid_to", DATES_ORDER)
        if code in seen:
            found.add(number, "code", DUPLICATE % {"row": seen[code]})
        if len(plan.errors) > before or unit is None:
            continue
        seen[code] = number
        office_name = text(cell("name"))[:160]
        short_name = (text(cell("short_name")) or unit.short_name)[:80]
        plan.offices[code] = {
            "name": office_name,
            "short_name": short_name,
            "unit_id": unit.pk,
            "valid_from": days["valid_from"],
            "valid_to": days["valid_to"],
            # what save() computes, which bulk writes skip
            "search_key": padded_search_key(office_name),
            "sort_key": vietnamese_sort_key(short_name),
        }
    count_changes(plan, plan.offices, existing)
    return plan


def apply_plan(user: User, plan: ImportPlan, *, reason: str) -> None:
    if plan.errors:
        raise FileRefused(REJECTED_ROWS)
    bulk.upsert_offices(acting_user=user, offices=plan.offices, reason=reason)


KIND = ImportKind(
    slug="offices",
    title=_("Education offices"),
    columns=COLUMNS,
    required=REQUIRED,
    explanations=EXPLANATIONS,
    example=EXAMPLE,
    file_stem="mau-nhap-phong-gd",
    counts=(
        ("create", _("Offices to create"), _("Offices created")),
        ("update", _("Offices to update"), _("Offices updated")),
        ("unchanged", _("Offices unchanged"), _("Offices unchanged")),
    ),
    plan=plan_import,
    apply=apply_plan,
)
