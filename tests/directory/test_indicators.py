"""Indicator definitions (the department's administrator) and values (those who may change the school)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from chungtay.access.scopes import own_schools
from chungtay.accounts.models import User
from chungtay.core.errors import ConflictError, DomainError
from chungtay.directory.models import Indicator, IndicatorValue, SchoolYear
from chungtay.directory.services import record_indicator_value, save_indicator

pytestmark = pytest.mark.django_db


def _school(username="pgd.unghoa", level="thcs"):
    return (
        own_schools(User.objects.get(username=username))
        .filter(level=level, is_demo=True)
        .order_by("moet_id")
        .first()
    )


def test_the_administrator_defines_an_indicator_on_its_page(client, as_user):
    as_user("admin")
    url = reverse("directory:indicator-create")
    data = {"code": "tl_hs_len_lop", "name": "Tỉ lệ học sinh lên lớp", "value_type": "percent", "unit": "%",
            "levels": ["th", "thcs"], "higher_is_better": "on", "is_active": "on"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    indicator = Indicator.objects.get(code="TL_HS_LEN_LOP")
    assert (
        indicator.levels == "th,thcs" and indicator.applies_to("th_thcs") and not indicator.applies_to("mn")
    )
    assert indicator.history.latest().history_user.username == "admin"
    again = client.post(url, {**data, "name": "Khác"})
    assert again.status_code == 400 and Indicator.objects.filter(code="TL_HS_LEN_LOP").count() == 1
    bad = client.post(url, {**data, "code": "1 sai mã"})
    assert bad.status_code == 400 and 'data-testid="error-code"' in bad.content.decode()
    listing = client.get(reverse("directory:indicator-list")).content.decode()
    assert "TL_HS_LEN_LOP" in listing and "Tỉ lệ học sinh lên lớp" in listing


def test_only_the_administrator_defines_indicators_and_edits_are_version_checked(client, as_user):
    admin = User.objects.get(username="admin")
    indicator = Indicator.objects.get(code="GIAI_HSG_TP")
    as_user("pgd.unghoa")
    assert (
        client.post(reverse("directory:indicator-edit", args=[indicator.pk]), {"code": "X"}).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        officer = User.objects.get(username="pgd.unghoa")
        save_indicator(acting_user=officer, indicator=None, code="AB", name="x", value_type="count")
    fields = {"code": indicator.code, "name": "Giải HSG thành phố", "value_type": "count"}
    save_indicator(acting_user=admin, indicator=indicator, expected_version=indicator.version, **fields)
    with pytest.raises(ConflictError):
        save_indicator(acting_user=admin, indicator=indicator, expected_version=1, **{**fields, "name": "Cũ"})
    indicator.refresh_from_db()
    assert indicator.name == "Giải HSG thành phố" and indicator.version == 2
    with pytest.raises(DomainError):  # it has values: its type stays
        save_indicator(
            acting_user=admin, indicator=indicator, expected_version=2, **{**fields, "value_type": "score"}
        )


@pytest.mark.parametrize(
    ("code", "raw", "expected"),
    [
        ("TL_GV_TREN_CHUAN", "87,5", Decimal("87.5")),
        ("TL_GV_TREN_CHUAN", "100", Decimal("100")),
        ("DIEM_VAO10_TOAN", 6.75, Decimal("6.75")),
        ("GIAI_HSG_TP", "3", Decimal("3")),
    ],
)
def test_values_are_read_with_a_decimal_comma_or_point(code, raw, expected):
    school = _school()
    row = record_indicator_value(
        acting_user=User.objects.get(username="pgd.unghoa"),
        moet_id=school.moet_id,
        indicator=Indicator.objects.get(code=code),
        school_year=SchoolYear.objects.get(start_year=2025),
        value=raw,
    )
    assert row.value == expected and row.history.latest().history_user.username == "pgd.unghoa"


@pytest.mark.parametrize(
    ("code", "raw"),
    [
        ("TL_GV_TREN_CHUAN", "100,5"),
        ("DIEM_VAO10_TOAN", "-1"),
        ("GIAI_HSG_TP", "2,5"),
        ("DIEM_VAO10_TOAN", "NaN"),
        ("TL_TN_THPT", "99"),
    ],
)
def test_values_out_of_range_or_for_another_level_are_refused(code, raw):
    school = _school()
    before = IndicatorValue.objects.count()
    with pytest.raises(DomainError):
        record_indicator_value(
            acting_user=User.objects.get(username="pgd.unghoa"),
            moet_id=school.moet_id,
            indicator=Indicator.objects.get(code=code),
            school_year=SchoolYear.objects.get(start_year=2025),
            value=raw,
        )
    assert IndicatorValue.objects.count() == before


def test_teachers_cannot_record_values_and_outsiders_do_not_see_the_school():
    school = User.objects.get(username="gv.unghoa").school
    indicator = Indicator.objects.get(code="TL_GV_TREN_CHUAN")
    year = SchoolYear.objects.get(start_year=2025)
    with pytest.raises(PermissionDenied):
        record_indicator_value(acting_user=User.objects.get(username="gv.unghoa"), moet_id=school.moet_id,
                               indicator=indicator, school_year=year, value=90)  # fmt: skip
    with pytest.raises(Http404):
        record_indicator_value(acting_user=User.objects.get(username="pgd.bavi"), moet_id=school.moet_id,
                               indicator=indicator, school_year=year, value=90)  # fmt: skip
    row = record_indicator_value(acting_user=User.objects.get(username="ht.unghoa"), moet_id=school.moet_id,
                                 indicator=indicator, school_year=year, value=90)  # fmt: skip
    assert row.value == 90


def test_the_values_page_filters_searches_without_accents_and_keeps_to_the_scope(client, as_user):
    as_user("pgd.unghoa")
    indicator = Indicator.objects.get(code="DIEM_VAO10_TOAN")
    year = SchoolYear.objects.get(start_year=2024)
    school = _school()
    response = client.get(reverse("directory:indicator-values"), {"indicator": indicator.pk, "year": year.pk})
    assert response.status_code == 200
    shown = response.context["figures"]["count"]
    mine = IndicatorValue.objects.filter(
        indicator=indicator, school_year=year, school__in=own_schools(User.objects.get(username="pgd.unghoa"))
    ).count()
    assert shown >= mine > 0  # their own schools, and partners' ones they may see
    outsider = own_schools(User.objects.get(username="pgd.bavi")).filter(level="thcs").first()
    assert outsider.moet_id not in response.content.decode()
    from chungtay.core.text import search_key

    words = search_key(school.name).split()[-2:]  # e.g. "truong thinh": no accents
    found = client.get(
        reverse("directory:indicator-values"), {"indicator": indicator.pk, "q": " ".join(words)}
    )
    assert school.name in found.content.decode()
    assert client.get(reverse("directory:indicator-values"), {"indicator": "abc"}).status_code == 400


def test_the_school_page_shows_its_indicator_values_by_year(client, as_user):
    as_user("gv.unghoa")
    school = User.objects.get(username="gv.unghoa").school
    value = IndicatorValue.objects.filter(school=school).select_related("indicator").first()
    page = client.get(reverse("directory:school-detail", args=[school.moet_id])).content.decode()
    assert 'data-testid="indicator-values"' in page and value.indicator.name in page
    assert f"<title>{school.name}" in page  # the title is the school's name alone
