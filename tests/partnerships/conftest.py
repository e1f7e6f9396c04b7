import datetime as dt

import pytest

from chungtay.accounts.models import User
from chungtay.directory.models import EducationOffice, School
from chungtay.partnerships.models import OfficeTwinning, Side, TwinningStatus
from chungtay.partnerships.services import create_partnership, twin_offices


def user(username: str) -> User:
    return User.objects.get(username=username)


def office(code: str) -> EducationOffice:
    return EducationOffice.objects.get(code=code)


def public_school(office_code: str, level: str, index: int = 0) -> School:
    return School.objects.filter(
        managements__office__code=office_code, level=level, ownership="public"
    ).order_by("sort_key")[index]


@pytest.fixture
def hm_uh(db) -> OfficeTwinning:
    """The Hoàng Mai – Ứng Hòa twinning (from the demo if it has one)."""
    existing = OfficeTwinning.objects.filter(
        supporting_office__code="pgd-hoangmai",
        supported_office__code="pgd-unghoa",
        status=TwinningStatus.ACTIVE,
    ).first()
    return existing or twin_offices(
        acting_user=user("admin"),
        supporting_office=office("pgd-hoangmai"),
        supported_office=office("pgd-unghoa"),
        starts_on=dt.date(2023, 3, 25),
    )


@pytest.fixture
def leaders_pair(hm_uh):
    """A new pair of the two demo leaders' schools, created by the Hoàng Mai officer."""
    return create_partnership(
        acting_user=user("pgd.hoangmai"),
        twinning=hm_uh,
        members=[(user("ht.hoangmai").school, Side.SUPPORTING), (user("ht.unghoa").school, Side.SUPPORTED)],
        starts_on=dt.date(2023, 4, 1),
    )
