"""The directory's bulk services re-check scope and rules on the whole set: a file can never write what a
page or the API would refuse, and a refused set writes nothing."""

from decimal import Decimal

import pytest

from chungtay.access.scopes import own_schools
from chungtay.accounts.models import User
from chungtay.core.errors import DomainError
from chungtay.directory import bulk
from chungtay.directory.models import (
    Indicator,
    IndicatorValue,
    School,
    SchoolYear,
    SelfAssessment,
)
from chungtay.directory.services import parse_indicator_value
from chungtay.directory.validators import yes_no

pytestmark = pytest.mark.django_db


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _school(username: str) -> School:
    return own_schools(_user(username)).filter(is_demo=True, level="thcs").order_by("moet_id").first()


def test_indicator_values_of_a_school_outside_the_scope_are_refused_and_nothing_is_written():
    indicator = Indicator.objects.filter(is_active=True).order_by("pk").first()
    year = SchoolYear.objects.order_by("-start_year").first()
    mine, theirs = _school("pgd.unghoa"), _school("pgd.hoangmai")
    before = IndicatorValue.objects.count()
    values = {
        (indicator.pk, mine.pk, year.pk): {"value": Decimal("50"), "note": ""},
        (indicator.pk, theirs.pk, year.pk): {"value": Decimal("50"), "note": ""},
    }
    with pytest.raises(bulk.NotAllowed) as refused:
        bulk.upsert_indicator_values(acting_user=_user("pgd.unghoa"), values=values, reason="test")
    assert refused.value.status_code == 403 and "1" in str(refused.value.message)
    assert IndicatorValue.objects.count() == before


def test_self_assessment_scores_follow_the_single_row_rule():
    school = _school("pgd.unghoa")
    year = SchoolYear.objects.order_by("-start_year").first()
    key = (school.pk, year.pk, "subject_teaching")
    before = SelfAssessment.objects.count()
    with pytest.raises(DomainError):
        bulk.upsert_self_assessments(
            acting_user=_user("pgd.unghoa"), scores={key: {"score": 6, "note": ""}}, reason="test"
        )
    assert SelfAssessment.objects.count() == before
    bulk.upsert_self_assessments(
        acting_user=_user("pgd.unghoa"), scores={key: {"score": 4, "note": "ổn"}}, reason="test"
    )
    row = SelfAssessment.objects.get(school=school, school_year=year, area="subject_teaching")
    assert row.score == 4 and row.history.latest().history_change_reason == "test"


def test_only_the_administrator_creates_schools_and_coordinates_outside_vietnam_are_refused():
    ward = _school("pgd.unghoa").locations.order_by("pk").first().unit
    details = {"name": "Trường THCS Thử", "level": "thcs", "ownership": "public", "address": "",
               "latitude": None, "longitude": None, "ward": ward.pk}  # fmt: skip
    with pytest.raises(bulk.NotAllowed):
        bulk.upsert_schools(
            acting_user=_user("pgd.unghoa"), schools={"99999901": details}, figures={}, reason="t"
        )
    with pytest.raises(bulk.NotAllowed) as teacher:
        bulk.upsert_schools(acting_user=_user("gv.unghoa"), schools={}, figures={}, reason="t")
    assert teacher.value.message == bulk.NOT_ALLOWED
    with pytest.raises(DomainError):
        bulk.upsert_schools(
            acting_user=_user("admin"),
            schools={"99999901": {**details, "latitude": Decimal("40"), "longitude": Decimal("105")}},
            figures={},
            reason="t",
        )
    assert not School.objects.filter(moet_id="99999901").exists()
    bulk.upsert_schools(acting_user=_user("admin"), schools={"99999901": details}, figures={}, reason="t")
    assert School.objects.get(moet_id="99999901").locations.get().unit_id == ward.pk


def test_offices_of_another_department_or_the_department_itself_are_refused():
    admin = _user("admin")
    own = admin.office.tenant
    with pytest.raises(bulk.NotAllowed):
        bulk.upsert_offices(
            acting_user=admin, offices={own.code: {"name": "Sở", "short_name": "Sở"}}, reason="t"
        )
    with pytest.raises(bulk.NotAllowed):
        bulk.upsert_offices(acting_user=_user("pgd.unghoa"), offices={"pgd-moi": {"name": "Mới"}}, reason="t")


def test_yes_and_no_are_the_same_words_for_an_indicator_and_a_school_file():
    indicator = Indicator(code="X", name="x", value_type=Indicator.ValueType.YES_NO)
    for word, answer in (("Có", True), ("đạt", True), ("x", True), ("Không", False), ("chưa đạt", False)):
        assert yes_no(word) is answer
        assert parse_indicator_value(indicator, word) == Decimal(int(answer))
    assert yes_no("") is None and yes_no("", blank=False) is False and yes_no("có lẽ") is None
