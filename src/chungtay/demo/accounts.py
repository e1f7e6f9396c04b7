"""Demo accounts with fixed usernames (listed in the README)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from chungtay.accounts.models import Role, User
from chungtay.directory.models import EducationOffice, School, SchoolLevel, Teacher, UnitLineage

CITY_ADMIN_GROUP = "Quản trị thành phố"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str


def _officer_units(office: EducationOffice) -> list[int]:
    """The 2025 wards/communes that the office's district became: where its officer's work continues."""
    return list(
        UnitLineage.objects.filter(predecessor__parent=office.unit, is_default=True)
        .values_list("successor_id", flat=True)
        .distinct()
    )


def _upsert(username: str, password: str, reset_password: bool, **fields: object) -> User:
    """`password` is already hashed: the demo's accounts share one documented password, and hashing it
    once instead of once per account (PBKDF2 takes ~0.3 s by design) saves ten seconds of every load."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, password=password, **fields)
        user.save()
        return user
    for name, value in fields.items():
        setattr(user, name, value)
    if reset_password:
        user.password = password
    user.save()
    return user


def _first_school(district_office: EducationOffice, level: str) -> School:
    school = (
        School.objects.filter(managements__office=district_office, level=level, ownership="public")
        .order_by("sort_key")
        .first()
    )
    if school is None:
        raise LookupError(f"the demo has no public {level} school under {district_office}")
    return school


@transaction.atomic
def create_demo_accounts(password: str, *, reset_password: bool = True) -> list[DemoAccount]:
    password = make_password(password)
    department = EducationOffice.objects.get(code="so-hanoi")
    accounts: list[DemoAccount] = []

    group, _ = Group.objects.get_or_create(name=CITY_ADMIN_GROUP)
    group.permissions.set(Permission.objects.all())
    admin = _upsert(
        "admin",
        password,
        reset_password,
        role=Role.CITY_ADMIN,
        office=department,
        full_name="Quản trị Sở GD&ĐT Hà Nội",
        position="Chuyên viên quản trị hệ thống",
        is_staff=True,
        email="admin@example.invalid",
    )
    admin.groups.add(group)
    accounts.append(DemoAccount("admin", str(Role.CITY_ADMIN.label), department.short_name))

    offices = (
        EducationOffice.objects.filter(department=department).select_related("unit").order_by("sort_key")
    )
    for office in offices:
        username = office.code.replace("pgd-", "pgd.")
        officer = _upsert(
            username,
            password,
            reset_password,
            role=Role.OFFICE_OFFICER,
            office=office,
            full_name=f"Chuyên viên {office.short_name}",
            position="Chuyên viên",
            email=f"{username}@example.invalid",
        )
        officer.scope_units.set(_officer_units(office))
        accounts.append(DemoAccount(username, str(Role.OFFICE_OFFICER.label), office.short_name))

    for slug in ("hoangmai", "unghoa"):
        office = EducationOffice.objects.get(code=f"pgd-{slug}")
        school = _first_school(office, SchoolLevel.LOWER_SECONDARY)
        _upsert(
            f"ht.{slug}",
            password,
            reset_password,
            role=Role.SCHOOL_LEADER,
            school=school,
            office=None,
            full_name=f"Hiệu trưởng {school.name}",
            position="Hiệu trưởng",
            email=f"ht.{slug}@example.invalid",
        )
        accounts.append(DemoAccount(f"ht.{slug}", str(Role.SCHOOL_LEADER.label), school.name))
        _upsert(
            f"gv.{slug}",
            password,
            reset_password,
            role=Role.TEACHER,
            school=school,
            office=None,
            full_name=f"Giáo viên {school.name}",
            position="Giáo viên Toán",
            email=f"gv.{slug}@example.invalid",
        )
        accounts.append(DemoAccount(f"gv.{slug}", str(Role.TEACHER.label), school.name))

    _upsert(
        "xem.hanoi",
        password,
        reset_password,
        role=Role.VIEWER,
        office=department,
        full_name="Người xem toàn thành phố",
        position="Thanh tra",
    )
    accounts.append(DemoAccount("xem.hanoi", str(Role.VIEWER.label), department.short_name))
    return accounts


@transaction.atomic
def link_demo_teachers() -> int:
    """Each demo teacher account is a person on its school's roster (a mathematics teacher where there is
    one): the account bears that teacher's name and is linked to the row, so recording an activity ticks
    them present. Run after the rosters exist; a second run changes nothing."""
    linked = 0
    for user in User.objects.filter(role=Role.TEACHER, username__startswith="gv.", school__isnull=False):
        teacher = Teacher.objects.filter(user=user).first()
        if teacher is None:
            free = Teacher.objects.filter(school=user.school, is_active=True, user__isnull=True)
            teacher = (
                free.filter(subject="Toán").order_by("sort_key", "pk").first()
                or free.order_by("sort_key", "pk").first()
            )
            if teacher is None:
                continue
            teacher.user = user
            teacher.save(update_fields=["user"])  # type: ignore[no-untyped-call]
            linked += 1
        if user.full_name != teacher.full_name:
            user.full_name = teacher.full_name
            user.save(update_fields=["full_name"])
    return linked
