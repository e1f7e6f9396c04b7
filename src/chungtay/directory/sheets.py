"""The directory's sheets: the columns of the schools file and of the indicator values file (canonical
column -> the headers accepted, Vietnamese first), and the rows of their exports in those same columns, so
that export → edit → import round-trips. The imports read these columns; nobody else defines them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from chungtay.core.dates import valid_on
from chungtay.directory.models import Ownership, SchoolLevel, SchoolLocation, SchoolYearFigures

# canonical column -> accepted headers (compared accent- and case-insensitively)
SCHOOL_COLUMNS: dict[str, list[str]] = {
    "moet_id": ["Mã định danh", "Mã trường", "MOET ID", "moet_id"],
    "name": ["Tên trường", "Name", "School name"],
    "level": ["Cấp học", "Level"],
    "ownership": ["Loại hình", "Ownership"],
    "ward_code": ["Mã xã/phường", "Ward code", "Unit code"],
    "address": ["Địa chỉ", "Address"],
    "latitude": ["Vĩ độ", "Latitude"],
    "longitude": ["Kinh độ", "Longitude"],
    "school_year": ["Năm học", "School year"],
    "pupils": ["Số học sinh", "Pupils"],
    "teachers": ["Số giáo viên", "Teachers"],
    "classes": ["Số lớp", "Classes"],
    "national_standard": ["Chuẩn quốc gia", "National standard"],
}
FIGURES = ("pupils", "teachers", "classes")

LEVEL_CODES = {
    SchoolLevel.PRESCHOOL: "MN",
    SchoolLevel.PRIMARY: "TH",
    SchoolLevel.LOWER_SECONDARY: "THCS",
    SchoolLevel.UPPER_SECONDARY: "THPT",
    SchoolLevel.PRIMARY_LOWER: "TH&THCS",
    SchoolLevel.LOWER_UPPER: "THCS&THPT",
    SchoolLevel.ALL_GRADES: "TH-THCS-THPT",
    SchoolLevel.CONTINUING: "GDNN-GDTX",
}
OWNERSHIP_WORDS = {Ownership.PUBLIC: "Công lập", Ownership.NON_PUBLIC: "Ngoài công lập"}


def school_rows(schools: Any) -> Any:
    """Rows in the import's columns (one per school and school year of figures), so that export → edit →
    import round-trips. The ward is the school's current (post-2025) ward."""
    today = timezone.localdate()
    yield [names[0] for names in SCHOOL_COLUMNS.values()]
    wards = dict(
        SchoolLocation.objects.filter(valid_on(today), school__in=schools).values_list(
            "school_id", "unit__code"
        )
    )
    figures: dict[int, list[SchoolYearFigures]] = {}
    for row in (
        SchoolYearFigures.objects.filter(school__in=schools)
        .select_related("school_year")
        .order_by("school_year__start_year")
    ):
        figures.setdefault(row.school_id, []).append(row)
    for school in schools.iterator(chunk_size=2000):
        base = [
            school.moet_id,
            school.name,
            LEVEL_CODES[school.level],
            OWNERSHIP_WORDS[school.ownership],
            wards.get(school.pk, ""),
            school.address,
            school.latitude,
            school.longitude,
        ]
        years: list[SchoolYearFigures | None] = list(figures.get(school.pk, [])) or [None]
        for figure in years:
            if figure is None:
                yield [*base, "", "", "", "", ""]
            else:
                standard = "Có" if figure.national_standard else "Không"
                counts = [figure.pupils, figure.teachers, figure.classes]
                yield [*base, figure.school_year.label, *counts, standard]


INDICATOR_VALUE_COLUMNS: dict[str, list[str]] = {
    "moet_id": ["Mã định danh", "Mã trường", "MOET ID", "moet_id"],
    "school_name": ["Tên trường", "School name", "Name"],
    "school_year": ["Năm học", "School year"],
    "indicator": ["Mã chỉ số", "Indicator code", "Indicator"],
    "indicator_name": ["Tên chỉ số", "Indicator name"],
    "value": ["Giá trị", "Value"],
    "note": ["Ghi chú", "Note"],
}


def indicator_value_rows(values: Any) -> Any:
    """Rows in the import's columns, so that export → edit → import round-trips."""
    yield [names[0] for names in INDICATOR_VALUE_COLUMNS.values()]
    for row in values.select_related("indicator", "school", "school_year").iterator(chunk_size=2000):
        yield [
            row.school.moet_id,
            row.school.name,
            row.school_year.label,
            row.indicator.code,
            row.indicator.name,
            float(row.value) if row.value != int(row.value) else int(row.value),
            row.note,
        ]
