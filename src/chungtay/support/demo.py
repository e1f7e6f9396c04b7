"""The demo movement's support ledger: gifts from supporting schools, offices and invented businesses to
supported schools, each school year from 2022–2023 to today: hundreds of scholarships, thousands of books
and notebooks, equipment, free classes and mentored pupils, the pupils known only by their school's codes.
Deterministic for a seed; idempotent (skipped when the demo department already has support records)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from chungtay.accounts.models import Role, User
from chungtay.core import schoolyears
from chungtay.core.dates import today
from chungtay.core.text import padded_search_key
from chungtay.directory.models import EducationOffice, School
from chungtay.partnerships.models import Partnership, PartnershipMember, PartnershipStatus, Side
from chungtay.support.models import Beneficiary, Circumstance, Donor, DonorKind, SupportKind, SupportRecord

BUSINESSES = [
    "Công ty CP Giáo dục Ánh Dương (dữ liệu mẫu)", "Quỹ Khuyến học Tương Lai (dữ liệu mẫu)",
    "Công ty TNHH Thiết bị Trường học Sao Mai (dữ liệu mẫu)", "Hội Cha mẹ học sinh liên trường (dữ liệu mẫu)",
    "Công ty CP Sách và Học liệu Bình Minh (dữ liệu mẫu)", "Ngân hàng mẫu Chi nhánh Hà Nội (dữ liệu mẫu)",
    "Câu lạc bộ Doanh nhân vì cộng đồng (dữ liệu mẫu)", "Đoàn Thanh niên Sở GD&ĐT (dữ liệu mẫu)",
]  # fmt: skip
# kind: (records per school year, quantity range, unit, value per unit in VND, pupils per record)
PLAN: dict[str, tuple[int, tuple[int, int], str, int, tuple[int, int]]] = {
    SupportKind.SCHOLARSHIP: (130, (1, 3), "suất", 1_500_000, (1, 3)),
    SupportKind.BOOKS: (160, (3, 15), "cuốn", 45_000, (0, 0)),
    SupportKind.NOTEBOOKS: (90, (5, 20), "cuốn", 8_000, (0, 0)),
    SupportKind.EQUIPMENT: (45, (1, 6), "bộ", 3_500_000, (0, 0)),
    SupportKind.FREE_CLASSES: (30, (1, 6), "lớp", 0, (0, 0)),
    SupportKind.MENTORING: (60, (1, 1), "học sinh", 6_000_000, (1, 1)),
    SupportKind.FACILITIES: (12, (1, 2), "công trình", 80_000_000, (0, 0)),
}
CIRCUMSTANCES = [c for c, _ in Circumstance.choices]


@transaction.atomic
def load_demo_support(*, seed: int = 2022, now: dt.date | None = None) -> dict[str, int]:
    department = EducationOffice.objects.get(code="so-hanoi")
    if SupportRecord.objects.filter(department=department).exists():
        return {"records": SupportRecord.objects.filter(department=department).count(), "created": 0}
    rng = random.Random(seed + 7)
    now = now or today()
    admin = User.objects.get(username="admin")
    partnerships = list(
        Partnership.objects.filter(department=department)
        .exclude(status__in=[PartnershipStatus.PENDING, PartnershipStatus.CANCELLED])
        .order_by("number")
    )
    sides: dict[int, dict[str, list[School]]] = defaultdict(lambda: defaultdict(list))
    for m in PartnershipMember.objects.filter(partnership__in=partnerships).select_related("school"):
        sides[m.partnership_id][m.side].append(m.school)
    pairs = [
        (p, s[Side.SUPPORTING] or s[Side.MUTUAL][:1], s[Side.SUPPORTED] or s[Side.MUTUAL][1:])
        for p in partnerships
        if (s := sides[p.pk]) and (s[Side.SUPPORTING] or s[Side.MUTUAL])
    ]
    pairs = [(p, givers, takers) for p, givers, takers in pairs if givers and takers]
    leaders = {u.school_id: u for u in User.objects.filter(role=Role.SCHOOL_LEADER)}

    donors: dict[tuple[str, int | str], Donor] = {}

    def donor(kind: str, key: int | str, name: str, **fields: object) -> Donor:
        if (kind, key) not in donors:
            donors[(kind, key)] = Donor(
                department=department, kind=kind, name=name[:200], name_key=padded_search_key(name), **fields
            )
        return donors[(kind, key)]

    pupils_of: dict[int, int] = defaultdict(int)
    beneficiaries: list[Beneficiary] = []
    records: list[SupportRecord] = []
    links: list[list[int]] = []  # per record: indexes into beneficiaries
    for year in range(2022, schoolyears.start_year_of(now) + 1):
        first, last = schoolyears.bounds(year)
        first, last = max(first, dt.date(2023, 4, 15)), min(last, now)
        if last <= first:
            continue
        for kind, (count, (low, high), unit, unit_value, (p_low, p_high)) in PLAN.items():
            for _ in range(count if year < schoolyears.start_year_of(now) else count // 3):
                partnership, givers, takers = rng.choice(pairs)
                giver_school, taker = rng.choice(givers), rng.choice(takers)
                roll = rng.random()
                if roll < 0.7:
                    giver = donor(DonorKind.SCHOOL, giver_school.pk, giver_school.name, school=giver_school)
                elif roll < 0.8:
                    giver = donor(DonorKind.OFFICE, department.pk, department.name, office=department)
                else:
                    name = rng.choice(BUSINESSES)
                    giver = donor(DonorKind.BUSINESS, name, name)
                quantity = rng.randint(low, high)
                day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
                mine: list[int] = []
                for _ in range(min(quantity, rng.randint(p_low, p_high)) if p_high else 0):
                    pupils_of[taker.pk] += 1
                    mine.append(len(beneficiaries))
                    beneficiaries.append(
                        Beneficiary(
                            school=taker,
                            code=f"HS-{pupils_of[taker.pk]:04d}",
                            grade=rng.choice([None, *range(1, 10)]),
                            circumstance=rng.choice(CIRCUMSTANCES),
                        )
                    )
                records.append(
                    SupportRecord(
                        department=department,
                        kind=kind,
                        quantity=Decimal(quantity),
                        unit=unit,
                        value_vnd=quantity * unit_value if unit_value and rng.random() < 0.85 else None,
                        given_on=day,
                        donor=giver,
                        receiving_school=taker,
                        partnership=partnership if giver.kind == DonorKind.SCHOOL else None,
                        programme="Chung tay phát triển" if giver.kind != DonorKind.SCHOOL else "",
                        recorded_by=leaders.get(giver_school.pk, admin),
                    )  # fmt: skip
                )
                links.append(mine)
    for d in Donor.objects.bulk_create(list(donors.values())):
        assert d.pk is not None
    for record in records:
        record.donor_id = record.donor.pk
    Beneficiary.objects.bulk_create(beneficiaries, batch_size=5000)
    SupportRecord.objects.bulk_create(records, batch_size=2000)
    through = SupportRecord.beneficiaries.through
    through.objects.bulk_create(
        (
            through(supportrecord_id=record.pk, beneficiary_id=beneficiaries[i].pk)
            for record, mine in zip(records, links, strict=True)
            for i in mine
        ),
        batch_size=5000,
    )
    return {"records": len(records), "created": len(records), "pupils": len(beneficiaries)}
