"""The demo city: a Hanoi of realistic size built on the real administrative map.

2,914 schools and 29 GDNN-GDTX centres over the 30 former districts, named after the ward they stand
in, marked `is_demo` (the pages say so). Outer districts have more, smaller schools; Hoàng Mai has 59
and Ứng Hòa 90 public MN/TH/THCS schools, as in the seeds (they formed 59 groups). Every school is
located in its old ward until 30/6/2025 and in the ward the official conversion puts it in from
1/7/2025; district offices manage MN/TH/THCS until the reform, the department afterwards and always
THPT, multi-level schools with THPT and the centres. Deterministic for a seed; idempotent (natural key:
the MOET ID)."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from chungtay.core import schoolyears
from chungtay.core.text import padded_search_key, search_key
from chungtay.directory.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    AdminUnit,
    EducationOffice,
    MapEdition,
    Ownership,
    School,
    SchoolLevel,
    SchoolLocation,
    SchoolManagement,
    SchoolYear,
    SchoolYearFigures,
    UnitLineage,
)
from chungtay.partnerships.models import supported_since

HANOI_CODE = "01"
TOTAL_SCHOOLS = 2914
CENTRES = 29
DEMO_YEARS = (2022, 2023, 2024)
# The outcome indicators reach back four school years before the movement, so its effect can be estimated
# against at least three years before any school joined (issue 16).
INDICATOR_YEARS = (2018, 2019, 2020, 2021, 2022, 2023, 2024)
SCHOOL_YEARS = (2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026)
DEPARTMENT_CODE = "so-hanoi"
# Public MN/TH/THCS fixed by the seeds: Hoàng Mai's 59 schools and Ứng Hòa's 90 formed 59 groups.
FIXED_PUBLIC = {"Hoàng Mai": (20, 20, 19), "Ứng Hòa": (30, 31, 29)}
HARD_AREA_DISTRICTS = {"Ba Vì": 0.35, "Mỹ Đức": 0.25, "Sóc Sơn": 0.2, "Quốc Oai": 0.15, "Thạch Thất": 0.1}
BRANDS = [
    "Hoa Sen", "Ánh Dương", "Sao Mai", "Hoa Mai", "Tuổi Thơ", "Bình Minh", "Hướng Dương", "Ngôi Sao",
    "Họa Mi", "Sơn Ca", "Búp Sen Xanh", "Thiên Thần", "Cầu Vồng", "Trí Tuệ", "Tương Lai", "Việt Mỹ",
    "Hồng Ngọc", "Thăng Long", "Đoàn Thị Điểm", "Lê Quý Đôn", "Chu Văn An", "Nguyễn Du", "Vạn Xuân",
]  # fmt: skip
LEVEL_WORDS: dict[str, str] = {
    SchoolLevel.PRESCHOOL: "Trường Mầm non",
    SchoolLevel.PRIMARY: "Trường Tiểu học",
    SchoolLevel.LOWER_SECONDARY: "Trường THCS",
    SchoolLevel.UPPER_SECONDARY: "Trường THPT",
    SchoolLevel.PRIMARY_LOWER: "Trường TH và THCS",
    SchoolLevel.LOWER_UPPER: "Trường THCS và THPT",
    SchoolLevel.ALL_GRADES: "Trường Liên cấp TH, THCS và THPT",
    SchoolLevel.CONTINUING: "Trung tâm GDNN-GDTX",
}
# pupils per school (inner, outer), pupils per teacher, pupils per class
SIZES: dict[str, tuple[tuple[int, int], int, int]] = {
    SchoolLevel.PRESCHOOL: ((420, 300), 11, 27),
    SchoolLevel.PRIMARY: ((1250, 800), 21, 38),
    SchoolLevel.LOWER_SECONDARY: ((1050, 650), 19, 41),
    SchoolLevel.UPPER_SECONDARY: ((1450, 1200), 21, 43),
    SchoolLevel.PRIMARY_LOWER: ((700, 500), 18, 32),
    SchoolLevel.LOWER_UPPER: ((800, 600), 18, 36),
    SchoolLevel.ALL_GRADES: ((900, 700), 15, 30),
    SchoolLevel.CONTINUING: ((700, 500), 25, 40),
}
DEPARTMENT_LEVELS = {
    SchoolLevel.UPPER_SECONDARY,
    SchoolLevel.LOWER_UPPER,
    SchoolLevel.ALL_GRADES,
    SchoolLevel.CONTINUING,
}


@dataclass
class _Plan:
    level: str
    ownership: str
    ward: AdminUnit
    brand: str = ""


def _slug(name: str) -> str:
    return search_key(name).replace(" ", "")


def ensure_school_years() -> dict[int, SchoolYear]:
    years = {}
    for start in SCHOOL_YEARS:
        starts_on, ends_on = schoolyears.bounds(start)
        years[start], _ = SchoolYear.objects.get_or_create(
            start_year=start, defaults={"starts_on": starts_on, "ends_on": ends_on}
        )
    return years


def ensure_offices() -> tuple[EducationOffice, dict[int, EducationOffice]]:
    """The Hanoi department and its 30 district offices (dissolved on 1/7/2025)."""
    province_2025 = AdminUnit.objects.get(edition=MapEdition.REFORM_2025, level="province", code=HANOI_CODE)
    department, _ = EducationOffice.objects.get_or_create(
        code=DEPARTMENT_CODE,
        defaults={
            "kind": EducationOffice.Kind.DEPARTMENT,
            "name": "Sở Giáo dục và Đào tạo Hà Nội",
            "short_name": "Sở GD&ĐT Hà Nội",
            "unit": province_2025,
        },
    )
    offices: dict[int, EducationOffice] = {}
    districts = AdminUnit.objects.filter(
        edition=MapEdition.PRE_2025, level="district", province__code=HANOI_CODE
    ).order_by("code")
    for district in districts:
        offices[district.pk], _ = EducationOffice.objects.get_or_create(
            code=f"pgd-{_slug(district.short_name)}",
            defaults={
                "kind": EducationOffice.Kind.DISTRICT_OFFICE,
                "name": f"Phòng Giáo dục và Đào tạo {district.name[0].lower()}{district.name[1:]}",
                "short_name": f"Phòng GD&ĐT {district.short_name}",
                "department": department,
                "unit": district,
                "valid_to": LAST_DAY_BEFORE_REFORM,
            },
        )
    return department, offices


def _spread(rng: random.Random, wards: list[AdminUnit], count: int) -> list[AdminUnit]:
    """`count` wards: every ward once per round, the last partial round chosen at random."""
    if not wards:
        return []
    rounds, extra = divmod(count, len(wards))
    return wards * rounds + rng.sample(wards, extra)


def _plan_schools(
    rng: random.Random, districts: list[AdminUnit], wards_of: dict[int, list[AdminUnit]]
) -> list[_Plan]:
    plans: list[_Plan] = []
    inner = {d.pk: d.unit_type == AdminUnit.UnitType.URBAN_DISTRICT for d in districts}
    for district in districts:
        wards = wards_of[district.pk]
        n = len(wards)
        if district.short_name in FIXED_PUBLIC:
            counts = FIXED_PUBLIC[district.short_name]
        elif inner[district.pk]:
            counts = (round(n * 1.5), round(n * 1.2), round(n * 0.9))
        else:
            counts = (round(n * 1.15), round(n * 1.05), n)
        for level, count in zip(
            (SchoolLevel.PRESCHOOL, SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY), counts, strict=True
        ):
            plans.extend(_Plan(level, Ownership.PUBLIC, w) for w in _spread(rng, wards, count))
        public_upper = 5 if inner[district.pk] else max(2, round(n / 7))
        plans.extend(
            _Plan(SchoolLevel.UPPER_SECONDARY, Ownership.PUBLIC, w)
            for w in rng.sample(wards, min(n, public_upper))
        )
    # Non-public schools fill up to the city's total, mostly preschools, mostly in the inner city.
    remaining = TOTAL_SCHOOLS - len(plans)
    mix = [
        (SchoolLevel.PRESCHOOL, 0.62),
        (SchoolLevel.PRIMARY, 0.1),
        (SchoolLevel.LOWER_SECONDARY, 0.04),
        (SchoolLevel.UPPER_SECONDARY, 0.1),
        (SchoolLevel.PRIMARY_LOWER, 0.07),
        (SchoolLevel.LOWER_UPPER, 0.04),
        (SchoolLevel.ALL_GRADES, 0.03),
    ]
    all_wards = [w for d in districts for w in wards_of[d.pk]]
    weights = [3.0 if inner.get(w.parent_id or 0) else 1.0 for w in all_wards]
    levels = [lvl for lvl, _ in mix]
    for _ in range(remaining):
        level = rng.choices(levels, weights=[w for _, w in mix])[0]
        ward = rng.choices(all_wards, weights=weights)[0]
        plans.append(_Plan(level, Ownership.NON_PUBLIC, ward, brand=rng.choice(BRANDS)))
    # One GDNN-GDTX centre per district except one inner district served by its neighbour's.
    for district in districts[:CENTRES]:
        plans.append(_Plan(SchoolLevel.CONTINUING, Ownership.PUBLIC, rng.choice(wards_of[district.pk])))
    return plans


def _name(plan: _Plan, district: AdminUnit, used: dict[str, int]) -> str:
    if plan.level == SchoolLevel.CONTINUING:
        base = f"{LEVEL_WORDS[plan.level]} {district.short_name}"
    elif plan.ownership == Ownership.NON_PUBLIC:
        base = f"{LEVEL_WORDS[plan.level]} Tư thục {plan.brand} {plan.ward.short_name}"
    else:
        base = f"{LEVEL_WORDS[plan.level]} {plan.ward.short_name}"
    used[base] += 1
    if used[base] == 1:
        return base
    suffix = "ABCDEFGHIKLMNOPQRSTUVXY"[used[base] - 1] if used[base] <= 23 else str(used[base])
    return f"{base} {suffix}"


def _fix_first_suffixes(schools: list[School], used: dict[str, int]) -> None:
    """Where a name was taken twice, the first school becomes "A" (Vân Đình A, Vân Đình B)."""
    for school in schools:
        if used.get(school.name, 0) > 1:
            school.name = f"{school.name} A"


def _successors(ward_ids: list[int]) -> dict[int, AdminUnit]:
    links = UnitLineage.objects.filter(predecessor_id__in=ward_ids, is_default=True).select_related(
        "successor__parent"
    )
    return {link.predecessor_id: link.successor for link in links}


@transaction.atomic
def load_demo_directory(*, seed: int = 2022) -> dict[str, int]:
    """Create the demo Hanoi's offices, schools, their locations, management and three years of sizes."""
    rng = random.Random(seed)
    years = ensure_school_years()
    department, offices = ensure_offices()
    if School.objects.filter(is_demo=True, department=department).exists():
        return {"schools_created": 0, "schools": School.objects.filter(department=department).count()}
    districts = list(
        AdminUnit.objects.filter(
            edition=MapEdition.PRE_2025, level="district", province__code=HANOI_CODE
        ).order_by("code")
    )
    wards_of: dict[int, list[AdminUnit]] = defaultdict(list)
    for ward in AdminUnit.objects.filter(parent__in=districts, level="ward").order_by("code"):
        wards_of[ward.parent_id].append(ward)  # type: ignore[index]
    district_by_id = {d.pk: d for d in districts}
    successors = _successors([w.pk for ws in wards_of.values() for w in ws])
    plans = _plan_schools(rng, districts, wards_of)

    used: dict[str, int] = defaultdict(int)
    sequence: dict[str, int] = defaultdict(int)
    schools: list[School] = []
    hard_ward: dict[str, bool] = {}
    for plan in plans:
        district = district_by_id[plan.ward.parent_id]  # type: ignore[index]
        sequence[district.code] += 1
        if plan.ward.source_key not in hard_ward:
            hard_ward[plan.ward.source_key] = rng.random() < HARD_AREA_DISTRICTS.get(district.short_name, 0.0)
        school = School(
            moet_id=f"01{district.code}{sequence[district.code]:04d}",
            name=_name(plan, district, used),
            level=plan.level,
            ownership=plan.ownership,
            department=department,
            address=f"Tổ dân phố {rng.randint(1, 25)}, {plan.ward.name}, {district.name}, Thành phố Hà Nội",
            latitude=round((plan.ward.latitude or 21.03) + rng.uniform(-0.006, 0.006), 6),
            longitude=round((plan.ward.longitude or 105.85) + rng.uniform(-0.006, 0.006), 6),
            hard_area=hard_ward[plan.ward.source_key],
            opened_on=dt.date(rng.randint(1960, 2015), 9, 5),
            is_demo=True,
        )
        schools.append(school)
    _fix_first_suffixes(schools, used)
    for school, plan in zip(schools, plans, strict=True):
        district = district_by_id[plan.ward.parent_id]  # type: ignore[index]
        new_ward = successors.get(plan.ward.pk)
        places = [plan.ward.name, district.name] + ([new_ward.name] if new_ward else [])
        school.refresh_keys()
        school.place_key = padded_search_key(" ".join(places))
    created = bulk_create_with_history(schools, School, batch_size=1000, default_change_reason="demo data")
    if any(s.pk is None for s in created):
        created = list(School.objects.filter(moet_id__in=[s.moet_id for s in schools]).order_by("moet_id"))
        by_id = {s.moet_id: s for s in created}
        created = [by_id[s.moet_id] for s in schools]

    locations: list[SchoolLocation] = []
    managements: list[SchoolManagement] = []
    figures: list[SchoolYearFigures] = []
    for school, plan in zip(created, plans, strict=True):
        district = district_by_id[plan.ward.parent_id]  # type: ignore[index]
        locations.append(SchoolLocation(school=school, unit=plan.ward, valid_to=LAST_DAY_BEFORE_REFORM))
        new_ward = successors.get(plan.ward.pk)
        if new_ward is not None:
            locations.append(SchoolLocation(school=school, unit=new_ward, valid_from=REFORM_DATE))
        if plan.level in DEPARTMENT_LEVELS:
            managements.append(SchoolManagement(school=school, office=department))
        else:
            managements.append(
                SchoolManagement(school=school, office=offices[district.pk], valid_to=LAST_DAY_BEFORE_REFORM)
            )
            managements.append(SchoolManagement(school=school, office=department, valid_from=REFORM_DATE))
        figures.extend(_yearly_figures(rng, school, plan, district, years))
    bulk_create_with_history(locations, SchoolLocation, batch_size=2000, default_change_reason="demo data")
    bulk_create_with_history(
        managements, SchoolManagement, batch_size=2000, default_change_reason="demo data"
    )
    bulk_create_with_history(figures, SchoolYearFigures, batch_size=2000, default_change_reason="demo data")
    return {"schools_created": len(created), "schools": School.objects.filter(department=department).count()}


def _yearly_figures(
    rng: random.Random, school: School, plan: _Plan, district: AdminUnit, years: dict[int, SchoolYear]
) -> list[SchoolYearFigures]:
    (inner_size, outer_size), per_teacher, per_class = SIZES[plan.level]
    inner = district.unit_type == AdminUnit.UnitType.URBAN_DISTRICT
    size = inner_size if inner else outer_size
    if plan.ownership == Ownership.NON_PUBLIC:
        size = size // 2
    pupils = max(60, int(rng.gauss(size, size * 0.25)))
    standard_chance = 0.8 if inner else 0.62
    standard = rng.random() < standard_chance
    rows = []
    for start in DEMO_YEARS:
        pupils = max(40, int(pupils * rng.uniform(0.97, 1.05)))
        standard = standard or rng.random() < 0.06  # a few schools earn the standard each year
        rows.append(
            SchoolYearFigures(
                school=school,
                school_year=years[start],
                pupils=pupils,
                teachers=max(4, math.ceil(pupils / per_teacher * rng.uniform(0.9, 1.1))),
                classes=max(2, math.ceil(pupils / per_class)),
                national_standard=standard,
            )
        )
    return rows


def load_demo_assessments(*, seed: int = 2022) -> int:
    """Self-assessments for 2022–2023 and 2024–2025: inner-city schools strong in most areas, outer ones
    weaker, with each school's own profile and a little progress over the phase."""
    from chungtay.directory.models import DevelopmentArea, SelfAssessment

    if SelfAssessment.objects.filter(school__is_demo=True).exists():
        return 0
    rng = random.Random(seed + 1)
    years = {y.start_year: y for y in SchoolYear.objects.filter(start_year__in=(2022, 2024))}
    inner_ids = set(
        SchoolLocation.objects.filter(
            school__is_demo=True,
            valid_to=LAST_DAY_BEFORE_REFORM,
            unit__parent__unit_type=AdminUnit.UnitType.URBAN_DISTRICT,
        ).values_list("school_id", flat=True)
    )
    rows = []
    for school_id in School.objects.filter(is_demo=True).order_by("moet_id").values_list("pk", flat=True):
        base = 3.7 if school_id in inner_ids else 2.5
        profile = {area: rng.gauss(0, 0.8) for area in DevelopmentArea.values}
        for start, year in sorted(years.items()):
            progress = 0.0 if start == 2022 else (0.2 if school_id in inner_ids else 0.5)
            for area in DevelopmentArea.values:
                score = round(base + profile[area] + progress + rng.gauss(0, 0.3))
                rows.append(
                    SelfAssessment(
                        school_id=school_id, school_year=year, area=area, score=min(5, max(1, score))
                    )
                )
    SelfAssessment.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# code, name, type, unit, levels, (inner mean, outer mean in 2022–2023, spread between schools, yearly drift)
DEMO_INDICATORS: list[tuple[str, str, str, str, str, tuple[float, float, float, float]]] = [
    ("TL_TN_THPT", "Tỉ lệ học sinh tốt nghiệp THPT", "percent", "%", "thpt", (99.2, 97.4, 1.2, 0.15)),
    ("DIEM_TN_TB", "Điểm trung bình thi tốt nghiệp THPT", "score", "điểm", "thpt", (7.0, 6.3, 0.35, 0.03)),
    ("DIEM_VAO10_TOAN", "Điểm thi vào lớp 10 môn Toán", "score", "điểm", "thcs", (6.9, 5.6, 0.6, 0.05)),
    ("DIEM_VAO10_VAN", "Điểm thi vào lớp 10 môn Ngữ văn", "score", "điểm", "thcs", (7.2, 6.6, 0.4, 0.03)),
    ("DIEM_VAO10_ANH", "Điểm thi vào lớp 10 môn Tiếng Anh", "score", "điểm", "thcs", (7.1, 5.3, 0.7, 0.06)),
    ("GIAI_HSG_TP", "Số giải HSG cấp thành phố", "count", "giải", "thcs,thpt", (6.0, 2.0, 2.0, 0.1)),
    ("TL_GV_TREN_CHUAN", "Tỉ lệ GV trên chuẩn trình độ", "percent", "%", "", (82.0, 68.0, 7.0, 0.8)),
]  # fmt: skip
# The effect the demo plants on a school from the school year it joined the movement on the supported side
# (its first agreement in force), so the impact estimate can be checked against a known truth: the
# estimate's interval must cover these, and a placebo indicator with none planted must cover zero.
PLANTED_EFFECTS = {"DIEM_VAO10_TOAN": 0.5, "DIEM_VAO10_ANH": 0.4, "DIEM_TN_TB": 0.3}
PLACEBO_INDICATOR = "DIEM_VAO10_VAN"


def load_demo_indicators(*, seed: int = 2022) -> int:
    """The department's outcome indicators and every demo school's values from 2018–2019 to 2024–2025:
    inner-city schools ahead, outer ones behind, every school on the same slow drift with a shock shared by
    all schools each year, and the planted effect (`PLANTED_EFFECTS`) on a supported school from the year
    it joined. Runs after the partnerships, whose agreements say who joined when."""
    from chungtay.directory.models import Indicator, IndicatorValue

    department = EducationOffice.objects.get(code=DEPARTMENT_CODE)
    if Indicator.objects.filter(department=department).exists():
        return 0
    indicators = Indicator.objects.bulk_create(
        Indicator(department=department, code=code, name=name, value_type=kind, unit=unit, levels=levels)
        for code, name, kind, unit, levels, _ in DEMO_INDICATORS
    )
    shapes = {code: shape for code, *_, shape in DEMO_INDICATORS}
    rng = random.Random(seed + 7)
    years = {y.start_year: y for y in SchoolYear.objects.filter(start_year__in=INDICATOR_YEARS)}
    shocks = {
        (code, start): rng.gauss(0, spread / 5)
        for code, (_i, _o, spread, _d) in shapes.items()
        for start in years
    }
    joined = supported_since()
    inner_ids = set(
        SchoolLocation.objects.filter(
            school__is_demo=True,
            valid_to=LAST_DAY_BEFORE_REFORM,
            unit__parent__unit_type=AdminUnit.UnitType.URBAN_DISTRICT,
        ).values_list("school_id", flat=True)
    )
    rows = []
    for school_id, level in (
        School.objects.filter(is_demo=True).order_by("moet_id").values_list("pk", "level")
    ):
        for indicator in indicators:
            if not indicator.applies_to(level):
                continue
            inner_mean, outer_mean, spread, drift = shapes[indicator.code]
            own = rng.gauss(inner_mean if school_id in inner_ids else outer_mean, spread)
            low, high = indicator.bounds
            since = joined.get(school_id)
            effect = PLANTED_EFFECTS.get(indicator.code, 0.0)
            for start in sorted(years):
                value = (
                    own + (start - 2022) * drift + shocks[indicator.code, start] + rng.gauss(0, spread / 4)
                )
                if since is not None and start >= since:
                    value += effect
                if indicator.value_type == Indicator.ValueType.COUNT:
                    value = round(max(0.0, value))
                value = min(high if high is not None else value, max(low or 0.0, value))
                rows.append(
                    IndicatorValue(
                        indicator=indicator,
                        school_id=school_id,
                        school_year=years[start],
                        value=round(value, 2),
                    )
                )
    IndicatorValue.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
