import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from chungtay.access.scopes import can_change_school, own_schools, school_for_user, schools_visible_to
from chungtay.accounts.models import User
from chungtay.directory.models import School
from tests.factories import DepartmentFactory, DistrictOfficeFactory, SchoolFactory, UserFactory


def _user(username):
    return User.objects.get(username=username)


def _ung_hoa_school():
    return School.objects.filter(
        locations__unit__parent__short_name="Ứng Hòa", locations__unit__province__code="01", level="th"
    ).first()


def test_city_admin_sees_every_school_of_the_department(db):
    assert (
        schools_visible_to(_user("admin")).count()
        == School.objects.filter(department__code="so-hanoi").count()
    )


def test_city_admin_does_not_see_another_department(db):
    other = SchoolFactory()
    assert not schools_visible_to(_user("admin")).filter(pk=other.pk).exists()


def test_officer_own_scope_is_their_offices_schools_and_the_schools_now_in_their_units(db):
    officer = _user("pgd.hoangmai")
    managed = School.objects.filter(managements__office=officer.office)
    in_units = School.objects.filter(locations__unit__in=officer.scope_units.all())
    assert set(own_schools(officer)) == set(managed) | set(in_units)
    assert managed.count() > 59


def test_officer_sees_the_twinned_offices_schools_but_cannot_change_them(db):
    officer = _user("pgd.hoangmai")
    ung_hoa = _ung_hoa_school()
    assert school_for_user(officer, ung_hoa.moet_id) == ung_hoa
    assert not can_change_school(officer, ung_hoa)
    with pytest.raises(PermissionDenied):
        school_for_user(officer, ung_hoa.moet_id, write=True)
    ba_vi = School.objects.filter(managements__office__code="pgd-bavi").first()
    assert not schools_visible_to(officer).filter(pk=ba_vi.pk).exists()


def test_officer_of_another_office_gets_404_for_a_school(db):
    with pytest.raises(Http404):
        school_for_user(_user("pgd.bavi"), _ung_hoa_school().moet_id)


def test_officer_scope_by_units_continues_after_the_reform(db):
    """After 1/7/2025 there is no district office: an officer scoped by wards still sees their schools."""
    officer = UserFactory(role="office_officer")
    officer.scope_units.set(_user("pgd.unghoa").scope_units.all())
    visible = schools_visible_to(officer)
    assert visible.filter(pk=_ung_hoa_school().pk).exists()
    assert visible.count() > 90


def test_school_roles_own_their_school_and_see_their_partners(db):
    from chungtay.partnerships.models import PartnershipMember

    for username in ("ht.hoangmai", "gv.hoangmai"):
        user = _user(username)
        assert list(own_schools(user)) == [user.school]
        groups = PartnershipMember.objects.filter(school=user.school).values("partnership_id")
        partners = set(School.objects.filter(memberships__partnership_id__in=groups))
        assert set(schools_visible_to(user)) == partners | {user.school}
        assert len(partners) > 1


def test_viewer_sees_like_an_officer_but_cannot_change(db):
    viewer = _user("xem.hanoi")
    school = _ung_hoa_school()
    assert school_for_user(viewer, school.moet_id) == school
    with pytest.raises(PermissionDenied):
        school_for_user(viewer, school.moet_id, write=True)


def test_teacher_may_not_change_their_school_but_leader_may(db):
    teacher, leader = _user("gv.unghoa"), _user("ht.unghoa")
    assert not can_change_school(teacher, teacher.school)
    assert can_change_school(leader, leader.school)
    with pytest.raises(PermissionDenied):
        school_for_user(teacher, teacher.school.moet_id, write=True)


def test_inactive_and_anonymous_users_see_nothing(db):
    from django.contrib.auth.models import AnonymousUser

    user = _user("admin")
    user.is_active = False
    assert schools_visible_to(user).count() == 0
    assert schools_visible_to(AnonymousUser()).count() == 0


def test_user_without_any_scope_sees_nothing(db):
    assert schools_visible_to(UserFactory(role="viewer")).count() == 0


def test_district_office_of_another_department(db):
    office = DistrictOfficeFactory(department=DepartmentFactory())
    school = SchoolFactory(department=office.department, office=office)
    officer = UserFactory(role="office_officer", office=office)
    assert list(schools_visible_to(officer)) == [school]
