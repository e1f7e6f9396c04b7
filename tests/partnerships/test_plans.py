import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import reverse

from chungtay.partnerships import exceptions as e
from chungtay.partnerships import services
from chungtay.partnerships.models import OfficeTwinning, Plan
from chungtay.partnerships.selectors import plans_visible_to
from tests.factories import pdf_bytes
from tests.partnerships.conftest import office, user


def test_the_demo_has_the_seed_plans(db):
    city = Plan.objects.get(number="4340/KH-SGDĐT")
    assert city.issued_on == dt.date(2022, 12, 12)
    joint = Plan.objects.get(number="01/KHLP-PGDĐT", issuer__code="pgd-hoangmai")
    assert joint.twinning.supported_office.code == "pgd-unghoa"
    assert joint.goals.count() == 2
    # every twinning has its joint plan, issued before it started ("100% connected and signed")
    twinnings = OfficeTwinning.objects.filter(department__code="so-hanoi")
    assert all(t.plans.filter(issued_on__lte=t.starts_on).exists() for t in twinnings)


def test_officer_records_a_joint_plan_with_goals(db):
    twinning = OfficeTwinning.objects.get(supporting_office__code="pgd-bavi")
    plan = services.record_plan(
        acting_user=user("pgd.bavi"),
        issuer=office("pgd-bavi"),
        number="02/KHLP-PGDĐT",
        issued_on=dt.date(2023, 4, 2),
        title="Kế hoạch liên phòng Ba Vì – Lào Cai",
        twinning=twinning,
        goals=[
            ("Tổ chức giao lưu trực tuyến", Decimal(3), "buổi", dt.date(2024, 5, 31)),
            ("", None, "", None),
        ],
        document=SimpleUploadedFile("kh.pdf", pdf_bytes()),
    )
    assert plan.goals.count() == 1
    assert plan.document.name.endswith(".pdf")
    assert plan.history.latest().history_user == user("pgd.bavi")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"number": "kế hoạch số một"}, e.PLAN_NUMBER_FORMAT),
        ({"number": "01/KHLP-PGDĐT", "issuer": "pgd-hoangmai", "actor": "pgd.hoangmai"}, e.PLAN_NUMBER_TAKEN),
        ({"issued_on": dt.date(2099, 1, 1)}, e.PLAN_IN_FUTURE),
        ({"goals": [("x", Decimal(-1), "", None)]}, e.NEGATIVE_TARGET),
        ({"document": SimpleUploadedFile("kh.pdf", b"MZ not a pdf")}, e.FILE_NOT_DOCUMENT),
    ],
)
def test_bad_plans_are_refused_with_a_message(db, kwargs, message):
    actor = kwargs.pop("actor", "pgd.bavi")
    issuer = office(kwargs.pop("issuer", "pgd-bavi"))
    before = Plan.objects.count()
    arguments = {"number": "03/KH-PGDĐT", "issued_on": dt.date(2024, 1, 1), "title": "Kế hoạch", **kwargs}
    with pytest.raises(e.PartnershipError) as excinfo:
        services.record_plan(acting_user=user(actor), issuer=issuer, **arguments)
    assert str(excinfo.value.message) == str(message)
    assert Plan.objects.count() == before


def test_an_officer_cannot_record_another_offices_plan(db):
    with pytest.raises(e.NotAllowed):
        services.record_plan(
            acting_user=user("pgd.bavi"),
            issuer=office("pgd-unghoa"),
            number="9/KH-PGDĐT",
            issued_on=dt.date(2024, 1, 1),
            title="x",
        )


def test_plans_are_scoped(db):
    bavi = set(plans_visible_to(user("pgd.bavi")).values_list("issuer__code", "twinning_id"))
    bavi_twinnings = set(
        OfficeTwinning.objects.filter(
            Q(supporting_office__code="pgd-bavi") | Q(supported_office__code="pgd-bavi")
        ).values_list("pk", flat=True)
    )
    # the city's plan and the joint plans of Ba Vì's own twinnings, nothing of Hoàng Mai – Ứng Hòa's
    assert ("so-hanoi", None) in bavi
    assert {twinning for _issuer, twinning in bavi if twinning} == bavi_twinnings
    assert "pgd-hoangmai" not in {issuer for issuer, _twinning in bavi}
    assert (
        plans_visible_to(user("gv.unghoa"))
        .filter(number="01/KHLP-PGDĐT", issuer__code="pgd-hoangmai")
        .exists()
    )
    assert plans_visible_to(user("admin")).count() == Plan.objects.filter(department__code="so-hanoi").count()


def test_the_plan_form(client, as_user):
    as_user("pgd.unghoa")
    twinning = OfficeTwinning.objects.get(supported_office__code="pgd-unghoa")
    response = client.post(
        reverse("partnerships:plan-create"),
        {
            "number": "05/KH-PGDĐT",
            "issued_on": "02/09/2024",
            "title": "Kế hoạch năm học 2024-2025",
            "twinning": twinning.pk,
            "goals-TOTAL_FORMS": "2",
            "goals-INITIAL_FORMS": "0",
            "goals-0-description": "Dự giờ chéo",
            "goals-0-target_value": "4,5",
            "goals-0-due_on": "31/05/2025",
            "goals-1-description": "",
        },
    )
    assert response.status_code == 302
    plan = Plan.objects.get(number="05/KH-PGDĐT")
    assert plan.issuer.code == "pgd-unghoa"
    assert plan.goals.get().target_value == Decimal("4.5")


def test_the_plan_form_refuses_a_teacher_and_a_forged_goal_count(client, as_user):
    as_user("gv.unghoa")
    assert client.get(reverse("partnerships:plan-create")).status_code == 403
    as_user("pgd.unghoa")
    response = client.post(
        reverse("partnerships:plan-create"),
        {
            "number": "06/KH-PGDĐT",
            "issued_on": "02/09/2024",
            "title": "x",
            "goals-TOTAL_FORMS": "5000",
            "goals-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert not Plan.objects.filter(number="06/KH-PGDĐT").exists()
