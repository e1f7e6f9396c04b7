"""The Django admin is no second write path: domain models are read-only (and the operator's only), a city
administrator manages their own department's accounts and can never grant superuser or staff rights."""

import pytest

from chungtay.accounts.models import Role, User
from chungtay.directory.models import School
from tests.factories import DepartmentFactory, SchoolFactory, UserFactory


@pytest.fixture
def other_department(db):
    """A second department with its own administrator and a school."""
    department = DepartmentFactory()
    department.save()
    admin = UserFactory(username="admin.other", role=Role.CITY_ADMIN, office=department, is_staff=True)
    admin.save()
    return department, admin


def _login(client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    return user


def test_domain_models_are_not_editable_in_the_admin(client, db):
    _login(client, "admin")
    school = School.objects.filter(department__code="so-hanoi").first()
    assert client.get(f"/admin/directory/school/{school.pk}/change/").status_code == 403
    assert client.get("/admin/directory/school/").status_code == 403
    before = School.objects.get(pk=school.pk).name
    response = client.post(f"/admin/directory/school/{school.pk}/change/", {"name": "Đổi tên qua admin"})
    assert response.status_code == 403
    assert School.objects.get(pk=school.pk).name == before


def test_the_operator_may_look_but_not_write(client, db):
    operator = UserFactory(username="operator", is_superuser=True, is_staff=True)
    operator.save()
    client.force_login(operator)
    school = School.objects.first()
    page = client.get(f"/admin/directory/school/{school.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post("/admin/directory/school/add/", {}).status_code == 403


def test_another_departments_accounts_are_out_of_reach(client, other_department):
    _, other_admin = other_department
    _login(client, "admin")
    listing = client.get("/admin/accounts/user/")
    assert listing.status_code == 200
    assert "admin.other" not in listing.content.decode()
    assert client.get(f"/admin/accounts/user/{other_admin.pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/accounts/user/{other_admin.pk}/password/").status_code == 404
    response = client.post(
        f"/admin/accounts/user/{other_admin.pk}/password/",
        {"password1": "Chiem-Quyen-2026!", "password2": "Chiem-Quyen-2026!"},
    )
    assert response.status_code == 404
    other_admin.refresh_from_db()
    assert not other_admin.check_password("Chiem-Quyen-2026!")
    tokens = client.get("/admin/accounts/apitoken/")
    assert tokens.status_code == 200


def test_a_city_administrator_cannot_make_anyone_superuser(client, db):
    admin = _login(client, "admin")
    teacher = User.objects.get(username="gv.unghoa")
    page = client.get(f"/admin/accounts/user/{teacher.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="is_staff"' not in page
    for target in (admin, teacher):
        response = client.post(
            f"/admin/accounts/user/{target.pk}/change/",
            {
                "username": target.username,
                "is_active": "on",
                "is_superuser": "on",
                "is_staff": "on",
                "role": target.role,
                "full_name": target.full_name,
                "office": target.office_id or "",
                "school": target.school_id or "",
                "date_joined_0": "01/01/2024",
                "date_joined_1": "00:00:00",
            },
        )
        assert response.status_code in (200, 302)
        target.refresh_from_db()
        assert not target.is_superuser
    teacher.refresh_from_db()
    assert not teacher.is_staff


def test_a_city_administrator_may_not_place_an_account_in_another_department(client, other_department):
    department, _ = other_department
    _login(client, "admin")
    teacher = User.objects.get(username="gv.unghoa")
    foreign_school = SchoolFactory(department=department)
    response = client.post(
        f"/admin/accounts/user/{teacher.pk}/change/",
        {"username": teacher.username, "is_active": "on", "role": teacher.role, "school": foreign_school.pk},
    )
    assert response.status_code in (200, 403)
    teacher.refresh_from_db()
    assert teacher.school_id != foreign_school.pk
