"""A small department of its own beside the demo (province 79), built so that every figure can be
counted by hand. School year 2022-2023 holds:

- offices A (inner district X) and B (outer district Y), twinned from 1/1/2023 with a joint plan of
  25/3/2023; schools a1 (TH) and a2 (THCS) under A, b1 (TH) and b2 (TH&THCS) under B; c1 (THPT, in X)
  and c2 (GDNN-GDTX, in Y) under the department;
- P1 (TH: a1 supporting, b1 supported) with a memorandum in force since 1/3/2023 (a1 signed 20/2, b1
  1/3) and three commitments due 31/5 (missed), 30/6 (met), 15/7 (still open); P2 (THPT: c1, c2) with a
  covenant in force since 10/4/2023; P3 (THCS: a2, b2) since 10/1/2023, with a memorandum a2 signed
  that is still awaiting b2's signature, and no activity;
- activities: X1 topic at school tier, in person, 10/3/2023, hosted by a1 with b1, in P1 (teachers
  a1-1, a1-2 and b1-1; 30 pupils of b1); X2 exchange online, 5/4/2023, hosted by c1 with c2, in P2 (c1-1;
  20 pupils of c1, 25 of c2 and 5 parents); X3 study visit in person, 2/5/2023, hosted by b1 with a1, in
  P1 (a1-1); X4 a topic planned for 20/5/2023 and never held; X5 a city-tier topic held 15/9/2023 (the
  next school year) by a2 (a2-1);
- support: 100 books worth 5,000,000 đ from a1 to b1 on 15/3/2023, and scholarships from a business to
  three pupils of b1 on 20/4/2023 (three pupils: shown as "< 5").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from chungtay.accounts.models import Role, User
from chungtay.activities import facts
from chungtay.activities.models import Activity, ActivitySchool, Participation
from chungtay.directory.models import (
    AdminUnit,
    AreaClassification,
    EducationOffice,
    School,
    SchoolLocation,
    SchoolManagement,
    Teacher,
)
from chungtay.partnerships.models import (
    Agreement,
    Commitment,
    OfficeTwinning,
    Partnership,
    PartnershipMember,
    Phase,
    Plan,
    Signature,
)
from chungtay.support.models import Beneficiary, Donor, SupportRecord
from tests.factories import DepartmentFactory, DistrictOfficeFactory, UserFactory


@dataclass
class World:
    department: EducationOffice
    office_a: EducationOffice
    office_b: EducationOffice
    district_x: AdminUnit
    district_y: AdminUnit
    schools: dict[str, School]
    partnerships: dict[str, Partnership]
    admin: User
    officer_a: User
    officer_b: User


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


@pytest.fixture
def world(db) -> World:  # noqa: ANN001
    department = DepartmentFactory()
    Phase.objects.create(
        department=department,
        name="Giai đoạn thử nghiệm",
        starts_on=dt.date(2022, 12, 12),
        ends_on=dt.date(2025, 6, 30),
    )
    # The map classes Hồ Chí Minh City's quận as inner city and its huyện as outer city.
    in_79 = AdminUnit.objects.filter(edition="pre2025", level="district", province__code="79").order_by(
        "code"
    )
    district_x = in_79.filter(unit_type="quan").first()
    district_y = in_79.filter(unit_type="huyen").first()
    assert AreaClassification.objects.get(unit=district_x).area == "inner"
    assert AreaClassification.objects.get(unit=district_y).area == "outer"
    ward_x = AdminUnit.objects.filter(parent=district_x, level="ward").order_by("code").first()
    ward_y = AdminUnit.objects.filter(parent=district_y, level="ward").order_by("code").first()
    office_a = DistrictOfficeFactory(
        department=department, unit=district_x, short_name="Phòng A", name="Phòng A"
    )
    office_b = DistrictOfficeFactory(
        department=department, unit=district_y, short_name="Phòng B", name="Phòng B"
    )
    admin = UserFactory(username="so79.admin", role=Role.CITY_ADMIN, office=department)
    officer_a = UserFactory(username="so79.pgd.a", role=Role.OFFICE_OFFICER, office=office_a)
    officer_b = UserFactory(username="so79.pgd.b", role=Role.OFFICE_OFFICER, office=office_b)
    for account in (admin, officer_a, officer_b):
        account.save()  # keep the password the factory set, so a logged-in session stays valid

    def school(key: str, level: str, ward: AdminUnit, office: EducationOffice) -> School:
        row = School.objects.create(
            moet_id=f"79T{key.upper()}001",
            name=f"Trường thử nghiệm {key}",
            level=level,
            ownership="public",
            department=department,
        )
        SchoolLocation.objects.create(school=row, unit=ward)
        SchoolManagement.objects.create(school=row, office=office)
        return row

    s = {
        "a1": school("a1", "th", ward_x, office_a),
        "a2": school("a2", "thcs", ward_x, office_a),
        "b1": school("b1", "th", ward_y, office_b),
        "b2": school("b2", "th_thcs", ward_y, office_b),
        "c1": school("c1", "thpt", ward_x, department),
        "c2": school("c2", "gdnn_gdtx", ward_y, department),
    }
    twinning = OfficeTwinning.objects.create(
        department=department,
        supporting_office=office_a,
        supported_office=office_b,
        starts_on=dt.date(2023, 1, 1),
    )
    Plan.objects.create(
        department=department,
        issuer=office_a,
        twinning=twinning,
        number="01/KHLP-PGDĐT",
        issued_on=dt.date(2023, 3, 25),
        title="Kế hoạch liên phòng",
        created_by=admin,
    )

    def partnership(
        number: int, level: str, starts: dt.date, members: list[tuple[str, str]], twinned: bool
    ) -> Partnership:
        row = Partnership.objects.create(
            department=department,
            twinning=twinning if twinned else None,
            number=number,
            name=f"Nhóm {number}",
            level=level,
            status="active",
            starts_on=starts,
            created_by=admin,
        )
        for key, side in members:
            PartnershipMember.objects.create(partnership=row, school=s[key], side=side, valid_from=starts)
        return row

    p1 = partnership(1, "th", dt.date(2023, 1, 5), [("a1", "supporting"), ("b1", "supported")], True)
    p2 = partnership(2, "thpt", dt.date(2023, 1, 5), [("c1", "supporting"), ("c2", "supported")], False)
    p3 = partnership(3, "thcs", dt.date(2023, 1, 10), [("a2", "supporting"), ("b2", "supported")], True)

    def agreement(
        p: Partnership, kind: str, activated: dt.date | None, signed: list[tuple[str, dt.date]]
    ) -> Agreement:
        row = Agreement.objects.create(
            partnership=p,
            kind=kind,
            title=f"{kind} {p.number}",
            status="active" if activated else "awaiting_signature",
            activated_on=activated,
            valid_from=activated,
        )
        for key, day in signed:
            Signature.objects.create(
                agreement=row,
                school=s[key],
                signed_by=admin,
                signer_name="Hiệu trưởng",
                position="Hiệu trưởng",
                signed_at=_at(day),
            )
        return row

    m1 = agreement(
        p1, "memorandum", dt.date(2023, 3, 1), [("a1", dt.date(2023, 2, 20)), ("b1", dt.date(2023, 3, 1))]
    )
    agreement(
        p2, "covenant", dt.date(2023, 4, 10), [("c1", dt.date(2023, 4, 3)), ("c2", dt.date(2023, 4, 10))]
    )
    agreement(p3, "memorandum", None, [("a2", dt.date(2023, 2, 1))])
    for due, status in (
        (dt.date(2023, 5, 31), "missed"),
        (dt.date(2023, 6, 30), "done"),
        (dt.date(2023, 7, 15), "open"),
    ):
        Commitment.objects.create(
            agreement=m1,
            school=s["a1"],
            area="subject_teaching",
            description=f"Cam kết {due}",
            due_on=due,
            status=status,
        )
    teachers = {
        key: Teacher.objects.create(school=s[key[:2]], full_name=f"Giáo viên {key}")
        for key in ("a1-1", "a1-2", "b1-1", "c1-1", "a2-1")
    }

    def activity(
        kind: str,
        day: dt.date,
        *,
        hosts: list[str],
        others: list[str],
        partnerships: list[Partnership],
        mode: str = "in_person",
        tier: str = "school",
        held: bool = True,
        people: list[str] = (),
        pupils: dict[str, int] | None = None,
        parents: dict[str, int] | None = None,
    ) -> Activity:
        row = Activity.objects.create(
            department=department,
            kind=kind,
            mode=mode,
            tier=tier,
            title=f"{kind} {day}",
            planned_on=day,
            held_on=day if held else None,
            status="held" if held else "planned",
            created_by=admin,
        )
        row.partnerships.set(partnerships)
        for key in hosts + others:
            ActivitySchool.objects.create(
                activity=row,
                school=s[key],
                is_host=key in hosts,
                pupils=(pupils or {}).get(key, 0),
                parents=(parents or {}).get(key, 0),
            )
        for key in people:
            Participation.objects.create(
                activity=row, teacher=teachers[key], school=s[key[:2]], recorded_by=admin
            )
        return row

    activity(
        "topic",
        dt.date(2023, 3, 10),
        hosts=["a1"],
        others=["b1"],
        partnerships=[p1],
        people=["a1-1", "a1-2", "b1-1"],
        pupils={"b1": 30},
    )
    activity(
        "exchange",
        dt.date(2023, 4, 5),
        hosts=["c1"],
        others=["c2"],
        partnerships=[p2],
        mode="online",
        people=["c1-1"],
        pupils={"c1": 20, "c2": 25},
        parents={"c2": 5},
    )
    activity(
        "study_visit", dt.date(2023, 5, 2), hosts=["b1"], others=["a1"], partnerships=[p1], people=["a1-1"]
    )
    activity(
        "topic",
        dt.date(2023, 5, 20),
        hosts=["a1"],
        others=["b1"],
        partnerships=[p1],
        tier="office",
        held=False,
    )
    activity(
        "topic", dt.date(2023, 9, 15), hosts=["a2"], others=[], partnerships=[], tier="city", people=["a2-1"]
    )

    school_donor = Donor.objects.create(
        department=department, kind="school", name=s["a1"].name, school=s["a1"]
    )
    business = Donor.objects.create(department=department, kind="business", name="Công ty Thử nghiệm")
    SupportRecord.objects.create(
        department=department,
        kind="books",
        quantity=Decimal(100),
        unit="cuốn",
        value_vnd=5_000_000,
        given_on=dt.date(2023, 3, 15),
        donor=school_donor,
        receiving_school=s["b1"],
        partnership=p1,
        recorded_by=admin,
    )
    scholarship = SupportRecord.objects.create(
        department=department,
        kind="scholarship",
        quantity=Decimal(3),
        unit="suất",
        value_vnd=None,
        given_on=dt.date(2023, 4, 20),
        donor=business,
        receiving_school=s["b1"],
        recorded_by=admin,
    )
    scholarship.beneficiaries.set(
        [
            Beneficiary.objects.create(school=s["b1"], code=f"HS{n}", grade=5, circumstance="poor")
            for n in range(3)
        ]
    )
    # the rows above were written directly, as a bulk load does: bring the figures' summaries up to date
    facts.refresh(Activity.objects.filter(department=department).values_list("pk", flat=True))
    return World(
        department=department,
        office_a=office_a,
        office_b=office_b,
        district_x=district_x,
        district_y=district_y,
        schools=s,
        partnerships={"p1": p1, "p2": p2, "p3": p3},
        admin=admin,
        officer_a=officer_a,
        officer_b=officer_b,
    )
