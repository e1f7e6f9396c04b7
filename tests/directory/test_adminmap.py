import datetime as dt

from django.db.models import Count

from chungtay.directory.adminmap import seed_admin_map
from chungtay.directory.models import AdminUnit, AreaClassification, UnitLineage
from chungtay.directory.selectors import area_on, units_at

BEFORE = dt.date(2024, 1, 1)
AFTER = dt.date(2026, 1, 1)


def _hanoi(day):
    return units_at(day).get(code="01")


def test_hanoi_had_30_district_level_units_before_the_reform(db):
    districts = units_at(BEFORE, parent=_hanoi(BEFORE))
    by_type = dict(districts.values_list("unit_type").annotate(n=Count("pk")))
    assert by_type == {"quan": 12, "huyen": 17, "thi_xa": 1}


def test_hanoi_has_126_wards_and_communes_after_the_reform(db):
    units = units_at(AFTER, parent=_hanoi(AFTER))
    assert units.count() == 126
    assert set(units.values_list("level", flat=True)) == {"ward"}


def test_the_whole_country_is_seeded_on_both_sides(db):
    assert units_at(BEFORE).count() == 63
    assert units_at(AFTER).count() == 34


def test_the_map_on_the_reform_boundary(db):
    assert units_at(dt.date(2025, 6, 30)).count() == 63
    assert units_at(dt.date(2025, 7, 1)).count() == 34


def test_a_new_ward_knows_the_old_wards_it_came_from(db):
    hoang_mai_2025 = AdminUnit.objects.get(edition="2025", province__code="01", name="Phường Hoàng Mai")
    sources = UnitLineage.objects.filter(successor=hoang_mai_2025).select_related("predecessor__parent")
    assert sources.exists()
    assert {link.predecessor.parent.short_name for link in sources} == {"Hoàng Mai"}


def test_every_old_hanoi_ward_has_a_default_successor(db):
    old_wards = AdminUnit.objects.filter(edition="pre2025", level="ward", province__code="01")
    with_default = old_wards.filter(successor_links__is_default=True).distinct()
    assert with_default.count() == old_wards.count()


def test_inner_city_is_the_twelve_quan_before_the_reform(db):
    inner = AreaClassification.objects.filter(
        area="inner", unit__level="district", unit__province__code="01", valid_to=dt.date(2025, 6, 30)
    )
    assert inner.count() == 12
    assert set(inner.values_list("unit__unit_type", flat=True)) == {"quan"}
    son_tay = AdminUnit.objects.get(
        edition="pre2025", level="district", province__code="01", short_name="Sơn Tây"
    )
    assert area_on(son_tay, BEFORE) == "outer"


def test_area_class_continues_across_the_reform(db):
    hoang_mai_2025 = AdminUnit.objects.get(edition="2025", province__code="01", name="Phường Hoàng Mai")
    ung_hoa_2025 = AdminUnit.objects.get(edition="2025", province__code="01", name="Xã Ứng Hòa")
    assert area_on(hoang_mai_2025, AFTER) == "inner"
    assert area_on(ung_hoa_2025, AFTER) == "outer"
    assert area_on(hoang_mai_2025, BEFORE) is None  # it did not exist yet


def test_old_ward_inherits_its_district_area(db):
    ward = AdminUnit.objects.filter(edition="pre2025", level="ward", parent__short_name="Ứng Hòa").first()
    assert area_on(ward, BEFORE) == "outer"


def test_seeding_twice_changes_nothing(db):
    before = (AdminUnit.objects.count(), UnitLineage.objects.count(), AreaClassification.objects.count())
    seed_admin_map()
    assert (
        AdminUnit.objects.count(),
        UnitLineage.objects.count(),
        AreaClassification.objects.count(),
    ) == before
