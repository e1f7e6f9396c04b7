import pytest
from django.test import Client
from django.urls import reverse

from chungtay.accounts.models import User
from chungtay.core.versioning import STALE_VERSION
from chungtay.directory.models import School
from chungtay.directory.validators import COORDINATES_INCOMPLETE, COORDINATES_OUTSIDE_VIETNAM


@pytest.fixture
def leader_client(db):
    client = Client(REMOTE_ADDR="10.9.8.7")
    leader = User.objects.get(username="ht.unghoa")
    client.force_login(leader)
    return client, leader, leader.school


def _post(client, school, **data):
    payload = {"address": "Thôn Vân Đình, xã Ứng Hòa", "latitude": "20,7321", "longitude": "105,7712"}
    payload.update(version=school.version)
    payload.update(data)
    return client.post(reverse("directory:school-edit", args=[school.moet_id]), payload)


def test_leader_corrects_address_with_decimal_comma_and_history_names_them(leader_client):
    client, leader, school = leader_client
    response = _post(client, school)
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.address == "Thôn Vân Đình, xã Ứng Hòa"
    assert (school.latitude, school.longitude) == (20.7321, 105.7712)
    assert school.version == 2
    record = school.history.latest()
    assert record.history_user == leader
    assert record.ip_address == "10.9.8.7"
    assert record.request_path == f"POST /schools/{school.moet_id}/edit/"


def test_a_stale_version_is_refused_and_changes_nothing(leader_client):
    client, _, school = leader_client
    School.objects.filter(pk=school.pk).update(version=5, address="Địa chỉ do người khác sửa")
    response = _post(client, school)
    assert response.status_code == 409
    assert str(STALE_VERSION) in response.content.decode()
    school.refresh_from_db()
    assert school.address == "Địa chỉ do người khác sửa"
    assert school.version == 5


def test_half_coordinates_are_refused(leader_client):
    client, _, school = leader_client
    response = _post(client, school, longitude="")
    assert response.status_code == 400
    assert str(COORDINATES_INCOMPLETE) in response.content.decode()


def test_coordinates_outside_vietnam_are_refused(leader_client):
    client, _, school = leader_client
    before = (school.latitude, school.longitude)
    response = _post(client, school, latitude="48,85", longitude="2,35")
    assert response.status_code == 400
    assert str(COORDINATES_OUTSIDE_VIETNAM) in response.content.decode()
    school.refresh_from_db()
    assert (school.latitude, school.longitude) == before


def test_a_malformed_number_re_renders_the_form(leader_client):
    client, _, school = leader_client
    response = _post(client, school, latitude="hai mươi")
    assert response.status_code == 400
    assert response.context["form"].errors["latitude"]


def test_a_forged_version_field_is_refused(leader_client):
    client, _, school = leader_client
    assert _post(client, school, version="abc").status_code == 400


@pytest.mark.parametrize(
    ("username", "status"), [("gv.unghoa", 403), ("xem.hanoi", 403), ("pgd.hoangmai", 403), ("pgd.bavi", 404)]
)
def test_others_cannot_change_the_school(db, username, status):
    school = User.objects.get(username="ht.unghoa").school
    client = Client()
    client.force_login(User.objects.get(username=username))
    address = school.address
    assert _post(client, school).status_code == status
    school.refresh_from_db()
    assert school.address == address


def test_officer_of_the_school_may_correct_it(db):
    school = User.objects.get(username="ht.unghoa").school
    client = Client()
    client.force_login(User.objects.get(username="pgd.unghoa"))
    assert _post(client, school).status_code == 302
