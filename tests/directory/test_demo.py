import io
import random
from collections import defaultdict

from django.core.management import call_command
from django.db.models import Avg, Count

from chungtay.accounts.models import User
from chungtay.directory import demo
from chungtay.directory.models import AdminUnit, School, SchoolLocation, SchoolYearFigures
from tests.conftest import DEMO_PASSWORD


def _public_basic(district_name):
    return School.objects.filter(
        is_demo=True,
        ownership="public",
        level__in=["mn", "th", "thcs"],
        locations__valid_to="2025-06-30",
        locations__unit__parent__short_name=district_name,
        locations__unit__province__code="01",
    )


def test_demo_city_has_the_seed_counts(db):
    schools = School.objects.filter(is_demo=True)
    assert schools.exclude(level="gdnn_gdtx").count() == 2914
    assert schools.filter(level="gdnn_gdtx").count() == 29


def test_hoang_mai_and_ung_hoa_have_the_seed_school_counts(db):
    assert _public_basic("Hoàng Mai").count() == 59
    assert _public_basic("Ứng Hòa").count() == 90


def test_outer_districts_have_more_smaller_schools(db):
    figures = SchoolYearFigures.objects.filter(
        school__is_demo=True, school_year__start_year=2024, school__level="th"
    )
    by_type = {}
    for unit_type in ("quan", "huyen"):
        rows = figures.filter(
            school__locations__valid_to="2025-06-30", school__locations__unit__parent__unit_type=unit_type
        )
        by_type[unit_type] = rows.aggregate(n=Count("pk"), avg=Avg("pupils"))
    assert by_type["huyen"]["n"] > by_type["quan"]["n"]
    assert by_type["huyen"]["avg"] < by_type["quan"]["avg"]


def test_every_school_has_a_place_before_and_after_the_reform(db):
    schools = School.objects.filter(is_demo=True)
    before = SchoolLocation.objects.filter(school__in=schools, valid_to="2025-06-30", unit__edition="pre2025")
    after = SchoolLocation.objects.filter(school__in=schools, valid_from="2025-07-01", unit__edition="2025")
    assert before.count() == schools.count()
    assert after.count() == schools.count()


def test_every_school_has_three_years_of_figures(db):
    counts = SchoolYearFigures.objects.filter(school__is_demo=True).values("school").annotate(n=Count("pk"))
    assert {row["n"] for row in counts} == {3}


def test_school_names_are_unique_and_named_after_their_ward(db):
    names = list(School.objects.filter(is_demo=True).values_list("name", flat=True))
    assert len(names) == len(set(names))
    school = School.objects.filter(is_demo=True, level="thcs", ownership="public").first()
    ward = school.locations.get(valid_to="2025-06-30").unit
    assert ward.short_name in school.name


def test_the_plan_is_deterministic_for_a_seed(db):
    districts = list(
        AdminUnit.objects.filter(edition="pre2025", level="district", province__code="01").order_by("code")
    )
    wards_of = defaultdict(list)
    for ward in AdminUnit.objects.filter(parent__in=districts).order_by("code"):
        wards_of[ward.parent_id].append(ward)

    def plan(seed):
        return [
            (p.level, p.ownership, p.ward.pk, p.brand)
            for p in demo._plan_schools(random.Random(seed), districts, wards_of)
        ]

    assert plan(7) == plan(7)
    assert plan(7) != plan(8)


def test_loading_the_demo_again_changes_nothing(db):
    before = (School.objects.count(), SchoolLocation.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("load_demo", "--password", DEMO_PASSWORD, stdout=out)
    assert (School.objects.count(), SchoolLocation.objects.count(), User.objects.count()) == before
    assert "pgd.hoangmai" in out.getvalue()


def test_demo_accounts_exist_with_their_roles(db):
    roles = dict(User.objects.values_list("username", "role"))
    assert roles["admin"] == "city_admin"
    for officer in ("pgd.hoangmai", "pgd.unghoa", "pgd.badinh", "pgd.bavi"):
        assert roles[officer] == "office_officer"
    assert roles["ht.hoangmai"] == roles["ht.unghoa"] == "school_leader"
    assert roles["gv.hoangmai"] == roles["gv.unghoa"] == "teacher"
    assert User.objects.get(username="pgd.unghoa").check_password(DEMO_PASSWORD)
