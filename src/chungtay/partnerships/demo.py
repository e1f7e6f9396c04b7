"""The demo movement on top of the demo city: the office pairings of the seeds, groups and pairs under
them, covenants between THPT schools directly under the department, and agreements in every state of
their lifecycle, at the seeds' scale: the pilot pairs and a first expansion sign in spring 2023 (about
670 MN/TH/THCS schools and 65 upper-secondary ones by the 8-month review), groups of one inner and two
outer schools join in 2023–2024 and 2024–2025 (1,200+ institutions with an agreement in force at the final
review). Deterministic for a seed; idempotent (skipped when the demo phase exists)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from chungtay.accounts.models import Role, User
from chungtay.directory.models import AdminUnit, EducationOffice, MapEdition, School
from chungtay.partnerships.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Commitment,
    CommitmentStatus,
    OfficeTwinning,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    Phase,
    Plan,
    PlanGoal,
    Side,
    Signature,
)

PHASE_NAME = "Giai đoạn 2022–2025: Nhà trường cùng chung tay phát triển – Thầy cô cùng sẻ chia trách nhiệm"
TWINNED_ON = dt.date(2023, 3, 25)
SIGNED_ON = dt.date(2023, 4, 20)
FIRST_TERM_END = dt.date(2025, 5, 31)
RENEWED_ON = dt.date(2025, 6, 15)
CURRENT_TERM_END = dt.date(2027, 6, 30)

# supporting (inner) office -> supported offices, from the seeds first, then a plausible pairing of
# every other outer district so that 100% of the district-level units are connected.
TWINNINGS: list[tuple[str, str]] = [
    ("Bắc Từ Liêm", "Thanh Oai"),
    ("Đống Đa", "Sóc Sơn"),
    ("Hoàng Mai", "Ứng Hòa"),
    ("Hoàn Kiếm", "Quốc Oai"),
    ("Ba Đình", "Ba Vì"),
    ("Cầu Giấy", "Ba Vì"),
    ("Thanh Xuân", "Ba Vì"),
    ("Nam Từ Liêm", "Ba Vì"),
    ("Tây Hồ", "Ba Vì"),
    ("Hoài Đức", "Ba Vì"),
    ("Long Biên", "Gia Lâm"),
    ("Tây Hồ", "Đông Anh"),
    ("Cầu Giấy", "Mê Linh"),
    ("Thanh Xuân", "Thanh Trì"),
    ("Ba Đình", "Sơn Tây"),
    ("Nam Từ Liêm", "Đan Phượng"),
    ("Bắc Từ Liêm", "Phúc Thọ"),
    ("Hà Đông", "Chương Mỹ"),
    ("Hai Bà Trưng", "Thường Tín"),
    ("Hoàn Kiếm", "Mỹ Đức"),
    ("Đống Đa", "Thạch Thất"),
    ("Hà Đông", "Phú Xuyên"),
    ("Nam Từ Liêm", "Hoài Đức"),
]
LAO_CAI_CITY = "Lào Cai"  # Ba Vì's seventh partner, in another province
# Pilot pairs per level (MN, TH, THCS) for a twinning; Hoàng Mai–Ứng Hòa groups all its schools.
PILOTS = {("Đống Đa", "Sóc Sơn"): (3, 3, 3), ("Hoàn Kiếm", "Quốc Oai"): (3, 4, 3)}
DEFAULT_PILOTS = (2, 2, 2)
GROUP_ALL = ("Hoàng Mai", "Ứng Hòa")
COVENANT_PAIRS = 36
# The expansion after the pilot pairs (nhân rộng), drawn with its own random stream so the pilots stay as
# they were: (day the partnerships start, day their agreements are signed, commitments due, outer
# schools per inner school, partnerships per level and twinning, covenant pairs).
WAVES: list[tuple[dt.date, dt.date, dt.date, int, int, int]] = [
    (dt.date(2023, 4, 10), dt.date(2023, 5, 10), dt.date(2024, 5, 31), 1, 3, 0),
    (dt.date(2023, 10, 2), dt.date(2023, 11, 15), dt.date(2024, 5, 31), 2, 3, 16),
    (dt.date(2024, 9, 23), dt.date(2024, 10, 15), dt.date(2025, 5, 31), 2, 3, 12),
]
PILOT_DUE = dt.date(2024, 5, 31)
SUBJECTS = ["Toán", "Ngữ văn", "Tiếng Anh", "Khoa học tự nhiên", "Lịch sử và Địa lí", "Tin học"]


def _office(short: str) -> EducationOffice:
    return EducationOffice.objects.get(
        code__startswith="pgd-", short_name=f"Phòng GD&ĐT {short}", department__code="so-hanoi"
    )


def _lao_cai_office() -> EducationOffice:
    """Sở GD&ĐT Lào Cai and its city office: a partner from another province."""
    province = AdminUnit.objects.get(edition=MapEdition.REFORM_2025, level="province", code="15")
    city = AdminUnit.objects.get(edition=MapEdition.PRE_2025, level="district", code="080")
    department, _ = EducationOffice.objects.get_or_create(
        code="so-laocai",
        defaults={
            "kind": EducationOffice.Kind.DEPARTMENT,
            "name": "Sở Giáo dục và Đào tạo Lào Cai",
            "short_name": "Sở GD&ĐT Lào Cai",
            "unit": province,
        },
    )
    office, _ = EducationOffice.objects.get_or_create(
        code="pgd-tp-laocai",
        defaults={
            "kind": EducationOffice.Kind.DISTRICT_OFFICE,
            "name": "Phòng Giáo dục và Đào tạo thành phố Lào Cai",
            "short_name": "Phòng GD&ĐT TP Lào Cai",
            "department": department,
            "unit": city,
            "valid_to": dt.date(2025, 6, 30),
        },
    )
    return office


def _public(office: EducationOffice, level: str) -> list[School]:
    return list(
        School.objects.filter(
            managements__office=office, level=level, ownership="public", is_demo=True
        ).order_by("moet_id")
    )


class _Builder:
    """Collects rows and writes them in bulk."""

    def __init__(self, rng: random.Random, department: EducationOffice, creator: User) -> None:
        self.rng = rng
        self.department = department
        self.creator = creator
        self.number = 0
        self.partnerships: list[Partnership] = []
        self.members: list[tuple[int, School, str]] = []
        self.signed_on: list[dt.date] = []
        self.due_on: list[dt.date] = []

    def group(
        self,
        twinning: OfficeTwinning | None,
        supporting: Sequence[School],
        supported: Sequence[School],
        level: str,
        *,
        pilot_wave: int | None = None,
        starts_on: dt.date = TWINNED_ON + dt.timedelta(days=7),
        signed_on: dt.date = SIGNED_ON,
        due_on: dt.date = PILOT_DUE,
    ) -> None:
        self.number += 1
        names = ", ".join(s.name for s in supporting) + " – " + ", ".join(s.name for s in supported)
        self.partnerships.append(
            Partnership(
                department=self.department,
                twinning=twinning,
                number=self.number,
                name=f"Nhóm {self.number}: {names}"[:300],
                level=level,
                is_pilot=pilot_wave is not None,
                pilot_wave=pilot_wave,
                starts_on=starts_on,
                created_by=self.creator,
            )
        )
        self.signed_on.append(signed_on)
        self.due_on.append(due_on)
        index = len(self.partnerships) - 1
        self.members.extend((index, s, Side.SUPPORTING) for s in supporting)
        self.members.extend((index, s, Side.SUPPORTED) for s in supported)


def _groups_covering_all(builder: _Builder, twinning: OfficeTwinning, level: str) -> None:
    """One group per supporting school; the supported schools dealt out so every school is in one."""
    supporting = _public(twinning.supporting_office, level)
    supported = _public(twinning.supported_office, level)
    buckets: list[list[School]] = [[] for _ in supporting]
    for i, school in enumerate(supported):
        buckets[i % len(supporting)].append(school)
    for i, (lead, partners) in enumerate(zip(supporting, buckets, strict=True)):
        builder.group(twinning, [lead], partners, level, pilot_wave=1 if i < 3 else None)


def _pilot_pairs(builder: _Builder, twinning: OfficeTwinning, counts: tuple[int, int, int]) -> None:
    for level, count in zip(("mn", "th", "thcs"), counts, strict=True):
        left = _public(twinning.supporting_office, level)
        right = _public(twinning.supported_office, level)
        for a, b in zip(
            builder.rng.sample(left, min(count, len(left))),
            builder.rng.sample(right, min(count, len(right))),
            strict=False,
        ):
            builder.group(twinning, [a], [b], level, pilot_wave=1)


def _expansion(
    builder: _Builder,
    rng: random.Random,
    twinnings: list[tuple[tuple[str, str], OfficeTwinning]],
    upper: tuple[list[School], list[School]],
) -> None:
    """The waves after the pilots: in each twinning and level, inner schools (those not yet leading a
    partnership first) each take `per_lead` outer schools not yet in one; an outer office partnered with
    several inner ones (Ba Vì) runs out, as a real one would. Then the waves' covenant pairs."""
    taken = {school.pk for _index, school, _side in builder.members}
    leading = {school.pk for _index, school, side in builder.members if side == Side.SUPPORTING}
    public: dict[tuple[int, str], list[School]] = {}  # each office's schools of a level, read once

    def schools_of(office: EducationOffice, level: str) -> list[School]:
        if (office.pk, level) not in public:
            public[(office.pk, level)] = _public(office, level)
        return list(public[(office.pk, level)])

    for starts_on, signed_on, due_on, per_lead, count, covenants in WAVES:
        for _names, twinning in twinnings:
            for level in ("mn", "th", "thcs"):
                inner = schools_of(twinning.supporting_office, level)
                rng.shuffle(inner)
                inner.sort(key=lambda s: s.pk in leading)  # stable: the untried first, in random order
                outer = [s for s in schools_of(twinning.supported_office, level) if s.pk not in taken]
                rng.shuffle(outer)
                for lead in inner[:count]:
                    partners, outer = outer[:per_lead], outer[per_lead:]
                    if not partners:
                        break
                    builder.group(
                        twinning,
                        [lead],
                        partners,
                        level,
                        starts_on=starts_on,
                        signed_on=signed_on,
                        due_on=due_on,
                    )
                    leading.add(lead.pk)
                    taken.update(s.pk for s in partners)
        inner_upper = [s for s in upper[0] if s.pk not in taken]
        outer_upper = [s for s in upper[1] if s.pk not in taken]
        pairs = min(covenants, len(inner_upper), len(outer_upper))
        for a, b in zip(rng.sample(inner_upper, pairs), rng.sample(outer_upper, pairs), strict=True):
            builder.group(None, [a], [b], "thpt", starts_on=starts_on, signed_on=signed_on, due_on=due_on)
            taken.update((a.pk, b.pk))


def _leaders(schools: set[School]) -> dict[int, User]:
    """A leader account for every school in a partnership (unusable password: they sign in after the
    department issues them one)."""
    leaders = User.objects.filter(role=Role.SCHOOL_LEADER, school__in=schools)
    existing: dict[int, User] = {u.school_id: u for u in leaders if u.school_id is not None}
    unusable = make_password(None)
    new = [
        User(
            username=f"ht.{school.moet_id}",
            role=Role.SCHOOL_LEADER,
            school=school,
            full_name=f"Hiệu trưởng {school.name}",
            position="Hiệu trưởng",
            password=unusable,
        )
        for school in sorted(schools, key=lambda s: s.moet_id)
        if school.pk not in existing
    ]
    created = bulk_create_with_history(new, User, batch_size=1000, default_change_reason="demo data")
    if any(u.pk is None for u in created):
        created = list(User.objects.filter(username__in=[u.username for u in new]))
    existing.update({u.school_id: u for u in created if u.school_id is not None})
    return existing


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


@transaction.atomic
def load_demo_partnerships(*, seed: int = 2022) -> dict[str, int]:
    department = EducationOffice.objects.get(code="so-hanoi")
    if Phase.objects.filter(department=department, name=PHASE_NAME).exists():
        return {
            "partnerships_created": 0,
            "partnerships": Partnership.objects.filter(department=department).count(),
        }
    rng = random.Random(seed)
    admin = User.objects.get(username="admin")
    phase = Phase.objects.create(
        department=department, name=PHASE_NAME, starts_on=dt.date(2022, 12, 12), ends_on=dt.date(2025, 6, 30)
    )

    twinnings: list[OfficeTwinning] = []
    pairs = [(_office(a), _office(b)) for a, b in TWINNINGS] + [(_office("Ba Vì"), _lao_cai_office())]
    for supporting, supported in pairs:
        twinnings.append(
            OfficeTwinning(
                department=department,
                phase=phase,
                supporting_office=supporting,
                supported_office=supported,
                starts_on=TWINNED_ON,
            )
        )
    twinnings = bulk_create_with_history(twinnings, OfficeTwinning, default_change_reason="demo data")

    _plans(department, phase, admin, twinnings[TWINNINGS.index(GROUP_ALL)])
    _joint_plans(
        department, phase, admin, [t for t in twinnings if t.pk != twinnings[TWINNINGS.index(GROUP_ALL)].pk]
    )
    builder = _Builder(rng, department, admin)
    for (left, right), twinning in zip([*TWINNINGS, ("Ba Vì", LAO_CAI_CITY)], twinnings, strict=True):
        if (left, right) == GROUP_ALL:
            for level in ("mn", "th", "thcs"):
                _groups_covering_all(builder, twinning, level)
        elif right != LAO_CAI_CITY:
            _pilot_pairs(builder, twinning, PILOTS.get((left, right), DEFAULT_PILOTS))
    inner_upper = list(
        School.objects.filter(
            department=department,
            level="thpt",
            ownership="public",
            is_demo=True,
            locations__unit__parent__unit_type="quan",
        )
        .distinct()
        .order_by("moet_id")
    )
    outer_upper = list(
        School.objects.filter(
            department=department,
            level="thpt",
            ownership="public",
            is_demo=True,
            locations__unit__parent__unit_type__in=["huyen", "thi_xa"],
        )
        .distinct()
        .order_by("moet_id")
    )
    for a, b in zip(
        rng.sample(inner_upper, COVENANT_PAIRS), rng.sample(outer_upper, COVENANT_PAIRS), strict=True
    ):
        builder.group(None, [a], [b], "thpt")
    grown = [
        (names, twinning)
        for names, twinning in zip([*TWINNINGS, ("Ba Vì", LAO_CAI_CITY)], twinnings, strict=True)
        if names != GROUP_ALL and names[1] != LAO_CAI_CITY
    ]
    _expansion(builder, random.Random(seed + 1), grown, (inner_upper, outer_upper))

    partnerships = bulk_create_with_history(
        builder.partnerships, Partnership, batch_size=500, default_change_reason="demo data"
    )
    if any(p.pk is None for p in partnerships):
        partnerships = list(Partnership.objects.filter(department=department).order_by("number"))
    members = []
    for index, school, side in builder.members:
        members.append(
            PartnershipMember(
                partnership=partnerships[index],
                school=school,
                side=side,
                role=PartnershipMember.Role.LEAD
                if side == Side.SUPPORTING
                else PartnershipMember.Role.MEMBER,
                valid_from=partnerships[index].starts_on,
            )
        )
    bulk_create_with_history(members, PartnershipMember, batch_size=2000, default_change_reason="demo data")
    leaders = _leaders({school for _, school, _ in builder.members})
    schools_of: dict[int, list[tuple[School, str]]] = {}
    for index, school, side in builder.members:
        schools_of.setdefault(index, []).append((school, side))
    _agreements(rng, partnerships, schools_of, leaders, builder)
    return {"partnerships_created": len(partnerships), "partnerships": len(partnerships)}


def _agreements(
    rng: random.Random,
    partnerships: list[Partnership],
    schools_of: dict[int, list[tuple[School, str]]],
    leaders: dict[int, User],
    builder: _Builder,
) -> None:
    """Agreements in every state: most in force (a first term 2023–2025 renewed for some), some
    awaiting a signature, drafts, terminated and expired ones, and partnerships still without one."""
    agreements: list[Agreement] = []
    plans: list[tuple[int, str]] = []  # (partnership index, state)
    for index in range(len(partnerships)):
        roll = rng.random()
        state = (
            "active"
            if roll < 0.66
            else "renewed"
            if roll < 0.78
            else "awaiting"
            if roll < 0.84
            else "draft"
            if roll < 0.89
            else "terminated"
            if roll < 0.92
            else "expired"
            if roll < 0.95
            else "none"
        )
        plans.append((index, state))
    for index, state in plans:
        if state == "none":
            continue
        partnership = partnerships[index]
        signed_on = builder.signed_on[index]
        covenant = partnership.twinning_id is None
        kind = AgreementKind.COVENANT if covenant else AgreementKind.MEMORANDUM
        title = "Giao ước thi đua kết nghĩa" if covenant else "Biên bản ghi nhớ hợp tác phát triển"
        terms = (
            "Hai bên thống nhất: (1) tổ chức ít nhất 2 chuyên đề mỗi năm học; "
            "(2) dự giờ, sinh hoạt chuyên môn liên trường mỗi học kì; (3) chia sẻ tài liệu, học liệu số; "
            "(4) hỗ trợ học sinh có hoàn cảnh khó khăn."
        )
        first = Agreement(
            partnership=partnership,
            kind=kind,
            number=f"{partnership.number:02d}/{'GU' if covenant else 'BGN'}-KN",
            title=title,
            terms=terms,
            valid_from=signed_on,
            valid_to=FIRST_TERM_END if state in ("renewed", "expired") else CURRENT_TERM_END,
        )
        if state in ("active", "renewed", "terminated", "expired"):
            first.status = {
                "active": AgreementStatus.ACTIVE,
                "renewed": AgreementStatus.RENEWED,
                "terminated": AgreementStatus.TERMINATED,
                "expired": AgreementStatus.EXPIRED,
            }[state]
            first.activated_on = signed_on
            if state == "renewed":
                first.ended_on = RENEWED_ON
            elif state == "expired":
                first.ended_on = FIRST_TERM_END
            elif state == "terminated":
                first.ended_on = max(dt.date(2024, 8, 31), signed_on + dt.timedelta(days=160))
                first.end_reason = "Trường sáp nhập theo quyết định của UBND"
        elif state == "awaiting":
            first.status = AgreementStatus.AWAITING_SIGNATURE
            first.valid_from = None
        agreements.append(first)
    created = bulk_create_with_history(
        agreements, Agreement, batch_size=500, default_change_reason="demo data"
    )
    by_partnership = {a.partnership_id: a for a in created}
    renewals = []
    for index, state in plans:
        if state == "renewed":
            old = by_partnership[partnerships[index].pk]
            renewals.append(
                Agreement(
                    partnership=old.partnership,
                    kind=old.kind,
                    number=old.number,
                    title=old.title,
                    terms=old.terms + " (5) Duy trì kết nghĩa giai đoạn 2025–2027.",
                    amendment_no=1,
                    previous=old,
                    status=AgreementStatus.ACTIVE,
                    valid_from=RENEWED_ON,
                    valid_to=CURRENT_TERM_END,
                    activated_on=RENEWED_ON,
                )
            )
    renewed = bulk_create_with_history(renewals, Agreement, batch_size=500, default_change_reason="demo data")
    signatures: list[Signature] = []
    commitments: list[Commitment] = []
    position = {p.pk: i for i, p in enumerate(partnerships)}
    for agreement in [*created, *renewed]:
        members = schools_of[position[agreement.partnership_id]]
        if agreement.status == AgreementStatus.DRAFT:
            signers: list[tuple[School, str]] = []
        elif agreement.status == AgreementStatus.AWAITING_SIGNATURE:
            signers = members[:1]
        else:
            signers = members
        day = agreement.activated_on or dt.date(2025, 10, 1)
        for school, _ in signers:
            leader = leaders[school.pk]
            signatures.append(
                Signature(
                    agreement=agreement,
                    school=school,
                    signed_by=leader,
                    signer_name=leader.display_name,
                    position="Hiệu trưởng",
                    signed_at=_moment(day),
                )
            )
        for school, side in members:
            subject = rng.choice(SUBJECTS)
            if side == Side.SUPPORTING:
                area, text, target, unit = (
                    "subject_teaching",
                    f"Tổ chức chuyên đề môn {subject} cho trường bạn",
                    2,
                    "chuyên đề/năm học",
                )
            else:
                area, text, target, unit = rng.choice(
                    [
                        ("digital", "Ứng dụng học liệu số trong các tiết dự giờ", 4, "tiết"),
                        (
                            "gifted_training",
                            f"Cử giáo viên tham gia bồi dưỡng học sinh giỏi môn {subject}",
                            3,
                            "giáo viên",
                        ),
                        ("national_standard", "Hoàn thiện hồ sơ trường chuẩn quốc gia", 1, "hồ sơ"),
                    ]
                )
            due = (
                builder.due_on[position[agreement.partnership_id]]
                if agreement.amendment_no == 0
                else dt.date(2026, 5, 31)
            )
            status = CommitmentStatus.OPEN
            if agreement.status in (
                AgreementStatus.ACTIVE,
                AgreementStatus.RENEWED,
                AgreementStatus.EXPIRED,
            ) and due < dt.date(2026, 11, 1):
                status = CommitmentStatus.DONE if rng.random() < 0.8 else CommitmentStatus.MISSED
            commitments.append(
                Commitment(
                    agreement=agreement,
                    school=school,
                    area=area,
                    description=text,
                    target_value=Decimal(target),
                    target_unit=unit,
                    due_on=due,
                    status=status,
                )
            )
    bulk_create_with_history(signatures, Signature, batch_size=2000, default_change_reason="demo data")
    bulk_create_with_history(commitments, Commitment, batch_size=2000, default_change_reason="demo data")
    # A partnership is active once an agreement came into force, completed when its only one expired.
    in_force = {a.partnership_id for a in [*created, *renewed] if a.status == AgreementStatus.ACTIVE}
    ended = {
        a.partnership_id for a in created if a.status in (AgreementStatus.EXPIRED, AgreementStatus.TERMINATED)
    }
    Partnership.objects.filter(pk__in=in_force).update(status=PartnershipStatus.ACTIVE)
    Partnership.objects.filter(pk__in=ended - in_force).update(
        status=PartnershipStatus.COMPLETED, ends_on=FIRST_TERM_END
    )


def _place(office: EducationOffice) -> str:
    return office.unit.short_name if office.unit else office.short_name


def _joint_plans(
    department: EducationOffice, phase: Phase, admin: User, twinnings: list[OfficeTwinning]
) -> None:
    """Every other twinning's joint plan, signed by both offices in the fortnight before the twinning
    started ("100% of district-level units connected and signed" by the 8-month review). Numbered per
    issuing office: Tây Hồ, twinned with Ba Vì and Đông Anh, issues 01 and 02."""
    issued: dict[int, int] = {}
    plans = []
    for index, twinning in enumerate(twinnings):
        supporting = twinning.supporting_office
        issued[supporting.pk] = issued.get(supporting.pk, 0) + 1
        plans.append(
            Plan(
                department=department,
                phase=phase,
                issuer=supporting,
                twinning=twinning,
                number=f"{issued[supporting.pk]:02d}/KHLP-PGDĐT",
                issued_on=TWINNED_ON - dt.timedelta(days=14 - index % 14),
                title=f"Kế hoạch liên phòng thực hiện chương trình kết nghĩa {_place(supporting)} – "
                f"{_place(twinning.supported_office)}"[:300],
                scope="Các trường điểm của hai đơn vị.",
                created_by=admin,
            )
        )
    bulk_create_with_history(plans, Plan, default_change_reason="demo data")


def _plans(department: EducationOffice, phase: Phase, admin: User, hm_uh: OfficeTwinning) -> None:
    """The department's plan of the seeds and Hoàng Mai – Ứng Hòa's joint plan, with their goals."""
    city = Plan.objects.create(
        department=department,
        phase=phase,
        issuer=department,
        number="4340/KH-SGDĐT",
        issued_on=dt.date(2022, 12, 12),
        title=(
            "Kế hoạch thực hiện phong trào “Nhà trường cùng chung tay phát triển – "
            "Thầy cô cùng sẻ chia trách nhiệm” giai đoạn 2022–2025"
        ),
        scope="Các cơ sở giáo dục mầm non, phổ thông, GDNN-GDTX trên địa bàn thành phố.",
        created_by=admin,
    )
    joint = Plan.objects.create(
        department=department,
        phase=phase,
        issuer=hm_uh.supporting_office,
        twinning=hm_uh,
        number="01/KHLP-PGDĐT",
        issued_on=dt.date(2023, 3, 25),
        title="Kế hoạch liên phòng thực hiện chương trình kết nghĩa Hoàng Mai – Ứng Hòa",
        scope="59 nhóm trường của hai quận, huyện.",
        created_by=admin,
    )
    PlanGoal.objects.bulk_create(
        [
            PlanGoal(
                plan=city,
                description="100% quận, huyện, thị xã kết nối và ký giao ước",
                target_value=Decimal(100),
                target_unit="%",
                due_on=dt.date(2023, 3, 31),
            ),
            PlanGoal(
                plan=city,
                description="Mỗi nhóm trường tổ chức ít nhất 2 chuyên đề mỗi năm học",
                target_value=Decimal(2),
                target_unit="chuyên đề/năm học",
            ),
            PlanGoal(
                plan=city, description="Sơ kết hằng năm, tổng kết giai đoạn", due_on=dt.date(2025, 5, 31)
            ),
            PlanGoal(
                plan=joint,
                description="Mọi trường ký biên bản ghi nhớ",
                target_value=Decimal(149),
                target_unit="trường",
                due_on=dt.date(2023, 4, 30),
            ),
            PlanGoal(
                plan=joint,
                description="Ít nhất 2 chuyên đề mỗi nhóm mỗi năm học",
                target_value=Decimal(2),
                target_unit="chuyên đề",
                due_on=dt.date(2023, 5, 31),
            ),
        ]
    )
