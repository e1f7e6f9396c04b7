import pytest
from django.urls import reverse

from chungtay.core.forms import DATE_INVALID
from chungtay.directory.forms import SEARCH_TOO_LONG
from chungtay.directory.models import AdminUnit, School, SchoolLocation

SCHOOLS = reverse("directory:school-list")
UNITS = reverse("directory:unit-list")


def _names(response):
    return [s.name for s in response.context["page"].object_list]


def test_directory_lists_the_scope_paginated(client, as_user):
    as_user("pgd.unghoa")
    response = client.get(SCHOOLS)
    page = response.context["page"]
    assert response.status_code == 200
    assert page.paginator.count > 90
    assert len(page.object_list) == 25
    assert client.get(SCHOOLS, {"page": 2}).context["page"].number == 2


def test_search_ung_hoa_from_the_page(client, as_user):
    as_user("pgd.unghoa")
    response = client.get(SCHOOLS, {"q": "UNG HOA"})
    assert "Trung tâm GDNN-GDTX Ứng Hòa" in _names(response)


def test_filter_by_level_and_area(client, as_user):
    as_user("admin")
    response = client.get(SCHOOLS, {"level": "thpt", "area": "outer", "at": "01/01/2024"})
    assert response.status_code == 200
    levels = {s.level for s in response.context["page"].object_list}
    assert levels <= {"thpt", "thcs_thpt", "th_thcs_thpt"}
    for school in response.context["page"].object_list:
        district = school.locations.get(valid_to="2025-06-30").unit.parent
        assert district.unit_type != "quan"


def test_filter_by_unit_as_of_a_date_before_and_after_the_reform(client, as_user):
    as_user("admin")
    district = AdminUnit.objects.get(
        edition="pre2025", level="district", province__code="01", short_name="Ứng Hòa"
    )
    before = client.get(SCHOOLS, {"unit": district.pk, "at": "01/01/2024"})
    assert before.status_code == 200
    count = before.context["page"].paginator.count
    assert count == School.objects.filter(locations__unit__parent=district).count()
    ward_2025 = AdminUnit.objects.get(edition="2025", province__code="01", name="Xã Ứng Hòa")
    after = client.get(SCHOOLS, {"unit": ward_2025.pk, "at": "01/01/2026"})
    expected = SchoolLocation.objects.filter(unit=ward_2025, valid_from="2025-07-01").count()
    assert after.context["page"].paginator.count == expected > 0


def test_filter_by_office(client, as_user):
    user = as_user("admin")
    office = user.office.offices.get(code="pgd-bavi")
    response = client.get(SCHOOLS, {"office": office.pk, "at": "01/01/2024"})
    assert response.status_code == 200
    assert (
        response.context["page"].paginator.count
        == School.objects.filter(managements__office=office, managements__valid_to="2025-06-30").count()
    )


def test_a_10000_character_search_gets_a_clear_message(client, as_user):
    as_user("pgd.unghoa")
    response = client.get(SCHOOLS, {"q": "a" * 10_000})
    assert response.status_code == 400
    assert str(SEARCH_TOO_LONG % {"limit": 100}) in response.content.decode()


def test_a_malformed_date_gets_a_clear_message(client, as_user):
    as_user("pgd.unghoa")
    response = client.get(SCHOOLS, {"at": "31/02/2024"})
    assert response.status_code == 400
    assert str(DATE_INVALID) in response.content.decode()


def test_a_forged_office_is_refused(client, as_user):
    user = as_user("pgd.hoangmai")
    other = user.office.department.offices.get(code="pgd-unghoa")
    response = client.get(SCHOOLS, {"office": other.pk})
    assert response.status_code == 400
    assert response.context["page"] is None


@pytest.mark.parametrize("value", ["999999999", "abc", "-1"])
def test_an_unknown_unit_is_refused(client, as_user, value):
    as_user("admin")
    assert client.get(SCHOOLS, {"unit": value}).status_code == 400


def test_htmx_request_gets_only_the_results(client, as_user):
    as_user("pgd.unghoa")
    response = client.get(SCHOOLS, {"q": "ung hoa"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and "navbar" not in body
    assert 'data-testid="result-count"' in body


def test_directory_query_count_is_bounded(client, as_user, django_assert_max_num_queries):
    as_user("admin")
    with django_assert_max_num_queries(20):
        client.get(SCHOOLS, {"q": "hoa", "level": "th"})


def test_school_page_shows_history_and_figures(client, as_user):
    user = as_user("ht.unghoa")
    response = client.get(reverse("directory:school-detail", args=[user.school.moet_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert user.school.name in body
    assert "2022-2023" in body and "2024-2025" in body
    assert "Phòng Giáo dục và Đào tạo huyện Ứng Hòa" in body
    assert "30/06/2025" in body and "01/07/2025" in body


def test_school_page_outside_scope_is_404(client, as_user):
    other = School.objects.filter(locations__unit__parent__short_name="Ba Vì").first()
    as_user("ht.unghoa")
    assert client.get(reverse("directory:school-detail", args=[other.moet_id])).status_code == 404


def test_unknown_school_id_is_404(client, as_user):
    as_user("admin")
    assert client.get(reverse("directory:school-detail", args=["0000000000"])).status_code == 404


def test_map_in_2024_has_districts_and_in_2026_wards(client, as_user):
    as_user("admin")
    hanoi = AdminUnit.objects.get(edition="pre2025", level="province", code="01")
    before = client.get(UNITS, {"parent": hanoi.pk, "at": "01/01/2024"})
    after = client.get(UNITS, {"parent": hanoi.pk, "at": "01/01/2026"})
    assert len(before.context["rows"]) == 30
    assert len(after.context["rows"]) == 126
    assert "Quận Hoàng Mai" in before.content.decode()
    assert "Phường Hoàng Mai" in after.content.decode()


def test_map_with_a_malformed_date_says_so(client, as_user):
    as_user("admin")
    response = client.get(UNITS, {"at": "2024-13-45"})
    assert response.status_code == 400
    assert str(DATE_INVALID) in response.content.decode()


def test_unit_page_shows_lineage(client, as_user):
    as_user("pgd.hoangmai")
    ward = AdminUnit.objects.get(edition="2025", province__code="01", name="Phường Hoàng Mai")
    body = client.get(reverse("directory:unit-detail", args=[ward.pk])).content.decode()
    assert "Quận Hoàng Mai" in body


def test_pages_need_login(client, db):
    response = client.get(SCHOOLS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_directory_rejects_post(client, as_user):
    as_user("admin")
    assert client.post(SCHOOLS).status_code == 405


def test_the_ba_vi_page_lists_its_seven_partners(client, as_user):
    as_user("pgd.bavi")
    ba_vi = AdminUnit.objects.get(
        edition="pre2025", level="district", province__code="01", short_name="Ba Vì"
    )
    response = client.get(reverse("directory:unit-detail", args=[ba_vi.pk]))
    assert len(response.context["twinnings"]) == 7
    body = response.content.decode()
    assert "Phòng Giáo dục và Đào tạo thành phố Lào Cai" in body
    assert "tỉnh khác" in body
