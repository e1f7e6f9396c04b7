from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chungtay.accounts.models import User
from chungtay.reviews import services
from chungtay.reviews.models import CriteriaSet, Cycle, Submission
from chungtay.reviews.services import CriterionInput
from tests.factories import pdf_bytes

CRITERIA = [
    CriterionInput("A1", "Activities held", "activities_held", D(40), D(6)),
    CriterionInput("A2", "Both sides host", "reciprocity", D(20), None, D(10)),
    CriterionInput("A3", "Agreement in force", "agreement_in_force", D(20)),
    CriterionInput("A4", "Quality (judged)", "judgement", D(20)),
]


def user(username: str) -> User:
    return User.objects.get(username=username)


def make_set(admin: User, **overrides: Any) -> CriteriaSet:
    values: dict[str, Any] = {
        "name": "Bộ tiêu chí thử",
        "basis_number": "99/HD-SGDĐT",
        "basis_title": "Hướng dẫn thử",
        "basis_article": "Điều 2",
        "basis_date": dt.date(2023, 7, 1),
        "effective_from": dt.date(2023, 8, 1),
        "effective_to": None,
        "criteria": CRITERIA,
    }
    values.update(overrides)
    return services.create_criteria_set(admin, **values)


def cycle_values(criteria_set: CriteriaSet, **overrides: Any) -> dict[str, Any]:
    today = dt.date.today()
    values: dict[str, Any] = {
        "kind": "interim",
        "name": "Sơ kết thử",
        "period_start": dt.date(2023, 8, 1),
        "period_end": dt.date(2024, 5, 31),
        "criteria_set": criteria_set,
        "self_opens": today - dt.timedelta(days=3),
        "self_closes": today + dt.timedelta(days=7),
        "office_review_by": today + dt.timedelta(days=14),
        "department_review_by": today + dt.timedelta(days=21),
        "publish_by": today + dt.timedelta(days=28),
        "appeal_days": 10,
    }
    values.update(overrides)
    return values


@pytest.fixture
def cycle(db) -> Cycle:  # noqa: ANN001
    admin = user("admin")
    return services.open_cycle(admin, **cycle_values(make_set(admin)))


def led_submission(cycle: Cycle, leader: str = "ht.unghoa") -> Submission:
    """The submission of a partnership of this leader's school in the cycle."""
    school = user(leader).school_id
    found = Submission.objects.filter(
        cycle=cycle, partnership__members__school_id=school, partnership__twinning__isnull=False
    ).first()
    assert found is not None
    return found


def evidence() -> SimpleUploadedFile:
    return SimpleUploadedFile("bien-ban.pdf", pdf_bytes("Biên bản"), content_type="application/pdf")
