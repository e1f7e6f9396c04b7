"""The role predicates: what a role may do, independent of which record. Each rule is written once
here; services, selectors, pages, the API and the imports ask these functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chungtay.accounts.models import Role, User
from chungtay.directory.models import EducationOffice

if TYPE_CHECKING:
    from chungtay.partnerships.models import OfficeTwinning

# Roles that manage the movement for offices and the department ("administrator or officer").
MANAGING_ROLES = (Role.CITY_ADMIN, Role.OFFICE_OFFICER)
# Roles that record what happened in a school (activities, attendance, support).
RECORDING_ROLES = (Role.CITY_ADMIN, Role.OFFICE_OFFICER, Role.SCHOOL_LEADER, Role.TEACHER)


def is_active_user(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_city_admin(user: object) -> bool:
    """The platform operator or a department's (Sở) administrator."""
    return is_active_user(user) and (
        getattr(user, "is_superuser", False) or getattr(user, "role", None) == Role.CITY_ADMIN
    )


def sees_whole_department(user: object) -> bool:
    """The department's administrator (or the operator), or an officer or viewer of the department
    itself: they see every school and activity of the department."""
    if is_city_admin(user):
        return True
    if not is_active_user(user):
        return False
    assert isinstance(user, User)
    office = user.office if user.office_id else None
    return bool(
        office is not None
        and office.kind == EducationOffice.Kind.DEPARTMENT
        and user.role in (Role.OFFICE_OFFICER, Role.VIEWER)
    )


def is_department_admin(user: User, department_id: int | None) -> bool:
    """The operator, or the administrator of this department."""
    if user.is_superuser:
        return True
    return bool(is_city_admin(user) and user.office is not None and user.office.tenant.pk == department_id)


def manages_offices(user: User) -> bool:
    """An administrator or an office officer (or the operator): may create partnerships, start
    matching runs, import, plan."""
    return bool(user.is_superuser or user.role in MANAGING_ROLES)


def may_record(user: User) -> bool:
    """May record activities, attendance and support at all (a viewer may not)."""
    return bool(user.is_superuser or user.role in RECORDING_ROLES)


def may_manage_twinning(user: User, twinning: OfficeTwinning) -> bool:
    """The department's administrator, or an officer of either office of the twinning."""
    if is_department_admin(user, twinning.department_id):
        return True
    return user.role == Role.OFFICE_OFFICER and user.office_id in (
        twinning.supporting_office_id,
        twinning.supported_office_id,
    )


# Roles that issue review reports: the department's and offices' staff and school leaders (teachers and
# viewers read the figures, they do not issue reports).
REPORTING_ROLES = (Role.CITY_ADMIN, Role.OFFICE_OFFICER, Role.SCHOOL_LEADER)


def may_write_reports(user: object) -> bool:
    if not is_active_user(user):
        return False
    assert isinstance(user, User)
    return bool(user.is_superuser or user.role in REPORTING_ROLES)
