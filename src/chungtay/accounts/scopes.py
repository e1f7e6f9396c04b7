"""What each user may see and change. Every query of user-visible data starts here.

Rules (see docs/architecture.md):
- a city administrator sees every school of their department (the province's Sở);
- an office officer sees the schools their district office managed at any time, and the schools
  located at any time in the units of their scope (after 1/7/2025 offices are gone, units remain);
- a school leader or teacher sees their own school;
- a viewer sees what an officer with the same scope sees, read-only;
- a superuser (the platform operator) sees everything.
Beyond their own schools ("own scope"), users see their partners: the partnerships that involve one of
their own schools, the other member schools of those partnerships, and, for an office, the schools of
the offices it is twinned with (so it can choose partners). Only the own scope can be changed.
Outside the scope an object answers 404, as if it did not exist; inside it but without the right to
change it, 403."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from chungtay.accounts.models import Role, User
from chungtay.directory.models import AdminUnit, EducationOffice, School, SchoolLocation, SchoolManagement

if TYPE_CHECKING:
    from chungtay.partnerships.models import Partnership


def _is_active_user(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _scope_unit_ids(user: User) -> list[int]:
    cached = getattr(user, "_scope_unit_ids", None)
    if cached is None:
        cached = list(user.scope_units.values_list("pk", flat=True)) if user.pk else []
        user._scope_unit_ids = cached  # type: ignore[attr-defined]
    return cached


def school_scope_condition(user: User) -> Q | None:
    """A filter on School selecting the user's scope; None means no restriction."""
    if user.is_superuser:
        return None
    if user.role == Role.CITY_ADMIN:
        office = user.office
        return Q(department_id=office.tenant.pk) if office else Q(pk__in=[])
    condition = Q(pk__in=[])
    if user.school_id:
        condition |= Q(pk=user.school_id)
    if user.role in (Role.OFFICE_OFFICER, Role.VIEWER):
        office = user.office
        if office is not None:
            if office.kind == EducationOffice.Kind.DEPARTMENT:
                condition |= Q(department_id=office.pk)
            else:
                condition |= Q(
                    Exists(SchoolManagement.objects.filter(school=OuterRef("pk"), office_id=office.pk))
                )
        unit_ids = _scope_unit_ids(user)
        if unit_ids:
            in_units = (
                Q(unit_id__in=unit_ids)
                | Q(unit__parent_id__in=unit_ids)
                | Q(unit__parent__parent_id__in=unit_ids)
            )
            condition |= Q(Exists(SchoolLocation.objects.filter(in_units, school=OuterRef("pk"))))
    return condition


def own_schools(user: object) -> QuerySet[School]:
    """The schools in the user's own scope (their office's, their units', their school)."""
    if not _is_active_user(user):
        return School.objects.none()
    assert isinstance(user, User)
    condition = school_scope_condition(user)
    schools = School.objects.all()
    return schools if condition is None else schools.filter(condition)


def partner_office_ids(user: User) -> list[int]:
    """Offices twinned (actively) with the user's office."""
    from chungtay.partnerships.models import OfficeTwinning, TwinningStatus

    if not user.office_id or user.role not in (Role.OFFICE_OFFICER, Role.VIEWER):
        return []
    twinnings = OfficeTwinning.objects.filter(
        Q(supporting_office_id=user.office_id) | Q(supported_office_id=user.office_id),
        status=TwinningStatus.ACTIVE,
    ).values_list("supporting_office_id", "supported_office_id")
    return sorted({office for pair in twinnings for office in pair} - {user.office_id})


def partnerships_visible_to(user: object) -> QuerySet[Partnership]:
    """Partnerships of the user's department (administrator), or involving one of their own schools."""
    from chungtay.partnerships.models import Partnership, PartnershipMember

    if not _is_active_user(user):
        return Partnership.objects.none()
    assert isinstance(user, User)
    if user.is_superuser:
        return Partnership.objects.all()
    if user.role == Role.CITY_ADMIN:
        return (
            Partnership.objects.filter(department_id=user.office.tenant.pk)
            if user.office
            else Partnership.objects.none()
        )
    members = PartnershipMember.objects.filter(school__in=own_schools(user), partnership=OuterRef("pk"))
    return Partnership.objects.filter(Exists(members))


def schools_visible_to(user: object) -> QuerySet[School]:
    """Every school the user may see: their own scope, their partners, and their twinned offices'."""
    if not _is_active_user(user):
        return School.objects.none()
    assert isinstance(user, User)
    condition = school_scope_condition(user)
    if condition is None:
        return School.objects.all()
    if user.role == Role.CITY_ADMIN:
        return School.objects.filter(condition)
    from chungtay.partnerships.models import PartnershipMember

    partners = PartnershipMember.objects.filter(
        partnership__in=partnerships_visible_to(user), school=OuterRef("pk")
    )
    condition |= Q(Exists(partners))
    offices = partner_office_ids(user)
    if offices:
        condition |= Q(Exists(SchoolManagement.objects.filter(school=OuterRef("pk"), office_id__in=offices)))
    return School.objects.filter(condition)


def can_change_school(user: User, school: School) -> bool:
    """Whether the user may change a school's own record: only inside their own scope, and not as a
    teacher or viewer."""
    if user.is_superuser:
        return True
    if user.role == Role.SCHOOL_LEADER:
        return user.school_id == school.pk
    if user.role in (Role.CITY_ADMIN, Role.OFFICE_OFFICER):
        return own_schools(user).filter(pk=school.pk).exists()
    return False


def school_for_user(user: object, moet_id: str, *, write: bool = False) -> School:
    """The school with this MOET ID if the user may see it (else 404) and, with write=True, change it
    (else 403)."""
    school = schools_visible_to(user).filter(moet_id=moet_id).first()
    if school is None:
        raise Http404
    if write and not can_change_school(user, school):  # type: ignore[arg-type]
        raise PermissionDenied
    return school


def offices_visible_to(user: object) -> QuerySet[EducationOffice]:
    """Education offices the user may filter by: their department's offices for an administrator, their
    own office otherwise (and the offices that managed their visible schools)."""
    if not _is_active_user(user):
        return EducationOffice.objects.none()
    assert isinstance(user, User)
    if user.is_superuser:
        return EducationOffice.objects.all()
    if user.role == Role.CITY_ADMIN and user.office:
        tenant = user.office.tenant
        return EducationOffice.objects.filter(Q(pk=tenant.pk) | Q(department_id=tenant.pk))
    managing = SchoolManagement.objects.filter(school__in=own_schools(user)).values("office_id")
    return EducationOffice.objects.filter(Q(pk=user.office_id) | Q(pk__in=managing))


def is_city_admin(user: object) -> bool:
    return _is_active_user(user) and (
        getattr(user, "is_superuser", False) or getattr(user, "role", None) == Role.CITY_ADMIN
    )


def home_department(user: object) -> EducationOffice | None:
    """The department (Sở) the user works under, or None for an operator with no department."""
    if not _is_active_user(user):
        return None
    assert isinstance(user, User)
    if user.office_id:
        return user.office.tenant  # type: ignore[union-attr]
    if user.school_id:
        return user.school.department  # type: ignore[union-attr]
    if user.is_superuser:
        return EducationOffice.objects.filter(kind=EducationOffice.Kind.DEPARTMENT).order_by("pk").first()
    return None


def home_province(user: object) -> AdminUnit | None:
    """The province unit of the user's department, as recorded on the department."""
    department = home_department(user)
    return department.unit if department else None
