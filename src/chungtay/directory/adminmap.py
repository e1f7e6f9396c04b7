"""Seed the country's administrative map, old and new, from the MIT-licensed `vietnamadminunits` package.

Pre-2025 units (63 provinces, ~700 districts, ~10,000 wards) hold until 30/6/2025; the 2025 units
(34 provinces, ~3,300 wards/communes) hold from 1/7/2025. The package's official conversion table
becomes `UnitLineage`. Area classes (inner/outer city) are seeded for the centrally-run cities that had
urban districts (quận): a quận and its wards are inner city, every other district outer; a 2025 unit is
inner when most of the old wards it was made from were. Seeding is idempotent: it creates what is
missing and never touches what exists."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from importlib import resources
from typing import Any

from django.db import transaction

from chungtay.core.text import padded_search_key, vietnamese_sort_key
from chungtay.directory.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    AdminUnit,
    AreaClass,
    AreaClassification,
    MapEdition,
    UnitLineage,
)

_DISTRICT_TYPES = {
    "Quận": AdminUnit.UnitType.URBAN_DISTRICT,
    "Huyện": AdminUnit.UnitType.RURAL_DISTRICT,
    "Thị xã": AdminUnit.UnitType.TOWN,
    "Thành phố": AdminUnit.UnitType.PROVINCIAL_CITY,
}
_WARD_TYPES = {
    "Phường": AdminUnit.UnitType.WARD,
    "Xã": AdminUnit.UnitType.COMMUNE,
    "Thị trấn": AdminUnit.UnitType.TOWNSHIP,
    "Đặc khu": AdminUnit.UnitType.SPECIAL_ZONE,
}


def _package_file(name: str) -> Any:
    return resources.files("vietnamadminunits") / "data" / name


def _rows(table: str) -> list[dict[str, Any]]:
    with resources.as_file(_package_file("dataset.db")) as path:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in connection.execute(f"SELECT * FROM [{table}]")]  # noqa: S608 - fixed names
        finally:
            connection.close()


def _conversion() -> dict[str, Any]:
    with _package_file("converter_2025.json").open("r", encoding="utf-8") as handle:
        return json.load(handle)


def _province_type(name: str) -> str:
    return AdminUnit.UnitType.CITY if name.startswith("Thành phố") else AdminUnit.UnitType.PROVINCE


def _unit(**fields: Any) -> AdminUnit:
    unit = AdminUnit(**fields)
    unit.search_key = padded_search_key(unit.name)
    unit.sort_key = vietnamese_sort_key(unit.short_name)
    return unit


def _create_missing(units: Iterable[AdminUnit], existing: dict[str, AdminUnit]) -> None:
    new = [u for u in units if u.source_key not in existing]
    for unit in AdminUnit.objects.bulk_create(new, batch_size=2000):
        existing[unit.source_key] = unit
    # bulk_create returns PKs on SQLite and PostgreSQL; reload to be safe on other backends.
    if any(u.pk is None for u in new):
        existing.update(
            {u.source_key: u for u in AdminUnit.objects.filter(source_key__in=[u.source_key for u in new])}
        )


def _seed_pre2025(rows: list[dict[str, Any]]) -> dict[str, AdminUnit]:
    edition = MapEdition.PRE_2025
    existing = {u.source_key: u for u in AdminUnit.objects.filter(edition=edition)}
    common = {"edition": edition, "valid_to": LAST_DAY_BEFORE_REFORM}
    provinces: dict[str, AdminUnit] = {}
    for r in rows:
        provinces.setdefault(
            r["provinceKey"],
            _unit(
                **common,
                level=AdminUnit.Level.PROVINCE,
                unit_type=_province_type(r["province"]),
                code=r["provinceCode"],
                name=r["province"],
                short_name=r["provinceShort"],
                latitude=r["provinceLat"],
                longitude=r["provinceLon"],
                source_key=r["provinceKey"],
            ),
        )
    _create_missing(provinces.values(), existing)
    districts: dict[str, AdminUnit] = {}
    for r in rows:
        key = f"{r['provinceKey']}_{r['districtKey']}"
        province = existing[r["provinceKey"]]
        districts.setdefault(
            key,
            _unit(
                **common,
                level=AdminUnit.Level.DISTRICT,
                unit_type=_DISTRICT_TYPES[r["districtType"]],
                code=r["districtCode"],
                name=r["district"],
                short_name=r["districtShort"],
                parent=province,
                province=province,
                latitude=r["districtLat"],
                longitude=r["districtLon"],
                source_key=key,
            ),
        )
    _create_missing(districts.values(), existing)
    wards = []
    for r in rows:
        if not r["wardCode"]:
            continue  # island districts (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) had no wards
        district = existing[f"{r['provinceKey']}_{r['districtKey']}"]
        wards.append(
            _unit(
                **common,
                level=AdminUnit.Level.WARD,
                unit_type=_WARD_TYPES[r["wardType"]],
                code=r["wardCode"],
                name=r["ward"],
                short_name=r["wardShort"],
                parent=district,
                province_id=district.province_id,
                latitude=r["wardLat"],
                longitude=r["wardLon"],
                source_key=f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}",
            )
        )
    _create_missing(wards, existing)
    return existing


def _seed_2025(rows: list[dict[str, Any]]) -> dict[str, AdminUnit]:
    edition = MapEdition.REFORM_2025
    existing = {u.source_key: u for u in AdminUnit.objects.filter(edition=edition)}
    common = {"edition": edition, "valid_from": REFORM_DATE}
    provinces: dict[str, AdminUnit] = {}
    for r in rows:
        provinces.setdefault(
            r["provinceKey"],
            _unit(
                **common,
                level=AdminUnit.Level.PROVINCE,
                unit_type=_province_type(r["province"]),
                code=r["provinceCode"],
                name=r["province"],
                short_name=r["provinceShort"],
                latitude=r["provinceLat"],
                longitude=r["provinceLon"],
                source_key=r["provinceKey"],
            ),
        )
    _create_missing(provinces.values(), existing)
    wards = []
    for r in rows:
        province = existing[r["provinceKey"]]
        wards.append(
            _unit(
                **common,
                level=AdminUnit.Level.WARD,
                unit_type=_WARD_TYPES[r["wardType"]],
                code=r["wardCode"],
                name=r["ward"],
                short_name=r["wardShort"],
                parent=province,
                province=province,
                latitude=r["wardLat"],
                longitude=r["wardLon"],
                area_km2=r["wardAreaKm2"],
                source_key=f"{r['provinceKey']}_{r['wardKey']}",
            )
        )
    _create_missing(wards, existing)
    return existing


def _seed_lineage(old: dict[str, AdminUnit], new: dict[str, AdminUnit], conversion: dict[str, Any]) -> None:
    links: dict[tuple[int, int], UnitLineage] = {}

    def link(old_key: str, new_key: str, *, whole: bool, default: bool) -> None:
        predecessor = old.get(old_key) or old.get(old_key.rstrip("_"))  # island districts: "prov_district_"
        successor = new.get(new_key)
        if predecessor is None or successor is None:
            return
        links.setdefault(
            (predecessor.pk, successor.pk),
            UnitLineage(
                predecessor=predecessor,
                successor=successor,
                effective_on=REFORM_DATE,
                whole=whole,
                is_default=default,
            ),
        )

    for new_province, old_provinces in conversion["DICT_PROVINCE"].items():
        for old_province in old_provinces:
            link(old_province, new_province, whole=True, default=True)
    for new_province, wards in conversion["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, old_keys in wards.items():
            for old_key in old_keys:
                link(old_key, f"{new_province}_{new_ward}", whole=True, default=True)
    for new_province, divided in conversion["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in divided.items():
            for target in targets:
                link(
                    old_key,
                    f"{new_province}_{target['newWardKey']}",
                    whole=False,
                    default=bool(target["isDefaultNewWard"]),
                )
    known = set(UnitLineage.objects.values_list("predecessor_id", "successor_id"))
    UnitLineage.objects.bulk_create([v for k, v in links.items() if k not in known], batch_size=2000)


def _seed_area_classes(old: dict[str, AdminUnit], new: dict[str, AdminUnit]) -> None:
    if AreaClassification.objects.exists():
        return
    urban_provinces = {
        u.province_id for u in old.values() if u.unit_type == AdminUnit.UnitType.URBAN_DISTRICT
    }
    district_area: dict[int, str] = {}
    rows: list[AreaClassification] = []
    basis_old = "quận → nội thành; huyện, thị xã, thành phố thuộc tỉnh → ngoại thành"
    for unit in old.values():
        if unit.level == AdminUnit.Level.DISTRICT and unit.province_id in urban_provinces:
            area = AreaClass.INNER if unit.unit_type == AdminUnit.UnitType.URBAN_DISTRICT else AreaClass.OUTER
            district_area[unit.pk] = area
            rows.append(
                AreaClassification(unit=unit, area=area, valid_to=LAST_DAY_BEFORE_REFORM, basis=basis_old)
            )
    ward_area: dict[int, str] = {}
    for unit in old.values():
        if unit.level == AdminUnit.Level.WARD and unit.parent_id in district_area:
            ward_area[unit.pk] = district_area[unit.parent_id]
            rows.append(
                AreaClassification(
                    unit=unit,
                    area=district_area[unit.parent_id],
                    valid_to=LAST_DAY_BEFORE_REFORM,
                    basis=basis_old,
                )
            )
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    for predecessor_id, successor_id in UnitLineage.objects.filter(
        predecessor_id__in=ward_area.keys()
    ).values_list("predecessor_id", "successor_id"):
        votes[successor_id][ward_area[predecessor_id]] += 1
    basis_new = "theo đa số phường/xã cũ hợp thành (by the majority of the old wards it was formed from)"
    for successor_id, counter in votes.items():
        # Ties go to the inner city: a unit made half of urban wards counts as urban.
        area = AreaClass.INNER if counter[AreaClass.INNER] >= counter[AreaClass.OUTER] else AreaClass.OUTER
        rows.append(
            AreaClassification(unit_id=successor_id, area=area, valid_from=REFORM_DATE, basis=basis_new)
        )
    AreaClassification.objects.bulk_create(rows, batch_size=2000)


@transaction.atomic
def seed_admin_map() -> dict[str, int]:
    """Create the whole country's units (both editions), their lineage and the area classes."""
    old = _seed_pre2025(_rows("admin_units_legacy"))
    new = _seed_2025(_rows("admin_units"))
    _seed_lineage(old, new, _conversion())
    _seed_area_classes(old, new)
    return {
        "units_pre2025": len(old),
        "units_2025": len(new),
        "lineage": UnitLineage.objects.count(),
        "area_classes": AreaClassification.objects.count(),
    }
