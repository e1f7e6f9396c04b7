"""The map after 1/7/2025: a 2025 commune shows the twinnings of the district it came from, a district
says what its wards became, the API exposes the lineage and refuses a unit on a date it did not exist."""

from django.test import Client
from django.urls import reverse

from chungtay.directory.models import AdminUnit, UnitLineage
from tests.api.test_partnerships_api import _token


def _ba_vi():
    return AdminUnit.objects.get(edition="pre2025", level="district", province__code="01", short_name="Ba Vì")


def _ba_vi_commune():
    link = UnitLineage.objects.filter(predecessor__parent=_ba_vi(), is_default=True).select_related(
        "successor"
    )
    return link.first().successor


def test_a_2025_commune_shows_the_seven_twinnings_of_ba_vi(client, db):
    from chungtay.accounts.models import User

    client.force_login(User.objects.get(username="pgd.bavi"))
    commune = _ba_vi_commune()
    assert commune.edition == "2025"
    response = client.get(reverse("directory:unit-detail", args=[commune.pk]))
    assert len(response.context["twinnings"]) == 7
    body = response.content.decode()
    assert "Phòng Giáo dục và Đào tạo thành phố Lào Cai" in body
    assert 'data-testid="inherited"' in body and _ba_vi().name in body
    assert body.count("tỉnh khác") == 1  # Lào Cai only: the six Hanoi partners are of the same province


def test_a_district_page_says_what_its_wards_became(client, db):
    from chungtay.accounts.models import User

    client.force_login(User.objects.get(username="pgd.bavi"))
    response = client.get(reverse("directory:unit-detail", args=[_ba_vi().pk]))
    became = response.context["successors_of_wards"]
    wards = _ba_vi().children.count()
    assert became and sum(n for _, n in became) == wards
    assert all(unit.edition == "2025" for unit, _ in became)
    assert 'data-testid="ward-successors"' in response.content.decode()


def test_the_api_gives_the_lineage(db):
    district, commune = _ba_vi(), _ba_vi_commune()
    body = Client().get(f"/api/v1/units/{district.pk}/lineage", headers=_token("pgd.bavi")).json()
    assert commune.pk in {s["id"] for s in body["successors"]}
    assert sum(s["wards"] for s in body["successors"]) == district.children.count()
    back = Client().get(f"/api/v1/units/{commune.pk}/lineage", headers=_token("pgd.bavi")).json()
    assert district.pk in {d["id"] for d in back["former_districts"]}
    assert back["predecessors"]


def test_a_unit_on_a_date_it_did_not_exist_is_a_clear_400_not_an_empty_list(db):
    district = _ba_vi()
    response = Client().get(
        "/api/v1/schools", {"unit": district.pk, "at": "2026-01-01"}, headers=_token("pgd.bavi")
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unit_not_on_date" and "30/06/2025" in body["message"]
    assert str(_ba_vi_commune().pk) in body["message"]
    ok = Client().get(
        "/api/v1/schools", {"unit": district.pk, "at": "2024-01-01"}, headers=_token("pgd.bavi")
    )
    assert ok.status_code == 200 and ok.json()["count"] > 0
