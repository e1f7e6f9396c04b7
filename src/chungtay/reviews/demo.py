"""The demo movement's reviews: the interim reviews of 2022–2023 and 2023–2024 and the final review of
May 2025, each self-assessed, reviewed by the offices and the department, published with ranks, with
appeals decided and awards proposed within their caps (one revoked); and the current school year's first
semester review open at self-assessment, some partnerships submitted. The final review and the open one
also review each school (the final one each district office too), on its partnerships' pooled records.
Scores are computed from the demo's records by the same code as a real cycle; the judgement criterion is
scored from a seeded draw.
Deterministic for a seed; idempotent (skipped when the demo department already has cycles)."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from chungtay.accounts.models import Role, User
from chungtay.activities.models import Participation
from chungtay.core import schoolyears
from chungtay.core.dates import today
from chungtay.directory.models import EducationOffice
from chungtay.reviews import scoring, services
from chungtay.reviews.models import (
    Appeal,
    AppealStatus,
    Award,
    AwardKind,
    AwardStatus,
    CriteriaSet,
    Criterion,
    Cycle,
    CycleKind,
    EventKind,
    FollowUp,
    Nomination,
    ReviewEvent,
    Rule,
    Score,
    Stage,
    Submission,
    SubmissionStatus,
    Unit,
)
from chungtay.reviews.services import CriterionInput

D = Decimal

INTERIM = [
    CriterionInput("TC1", "Số hoạt động chung được tổ chức trong năm học", Rule.ACTIVITIES_HELD, D(20), D(8)),
    CriterionInput("TC2", "Chuyên đề do trường trong nhóm chủ trì", Rule.TOPICS_HOSTED, D(15), D(3)),
    CriterionInput(
        "TC3", "Lượt giáo viên tham gia trên mỗi giáo viên", Rule.PARTICIPATION, D(15), D("0.5"), D(30)
    ),
    CriterionInput("TC4", "Hai bên cùng chủ trì hoạt động", Rule.RECIPROCITY, D(10)),
    CriterionInput("TC5", "Cam kết trong biên bản ghi nhớ hoàn thành đúng hạn", Rule.COMMITMENTS_MET, D(10)),
    CriterionInput("TC6", "Biên bản ghi nhớ còn hiệu lực trong kỳ", Rule.AGREEMENT_IN_FORCE, D(10)),
    CriterionInput("TC7", "Hỗ trợ học sinh, học liệu, cơ sở vật chất", Rule.SUPPORT_DELIVERED, D(5), D(2)),
    CriterionInput("TC8", "Chất lượng và sức lan tỏa của hoạt động (hội đồng chấm)", Rule.JUDGEMENT, D(15)),
]
# from 2024–2025 the department asked for reciprocity: a gate on both sides hosting, and more weight on it
INTERIM_2024 = [
    CriterionInput("TC1", "Số hoạt động chung được tổ chức trong kỳ", Rule.ACTIVITIES_HELD, D(15), D(6)),
    CriterionInput("TC2", "Chuyên đề do trường trong nhóm chủ trì", Rule.TOPICS_HOSTED, D(15), D(2)),
    CriterionInput(
        "TC3", "Lượt giáo viên tham gia trên mỗi giáo viên", Rule.PARTICIPATION, D(15), D("0.4"), D(30)
    ),
    CriterionInput("TC4", "Hai bên cùng chủ trì hoạt động", Rule.RECIPROCITY, D(15), None, D(10)),
    CriterionInput("TC5", "Cam kết trong biên bản ghi nhớ hoàn thành đúng hạn", Rule.COMMITMENTS_MET, D(10)),
    CriterionInput(
        "TC6", "Biên bản ghi nhớ còn hiệu lực trong kỳ", Rule.AGREEMENT_IN_FORCE, D(10), None, D(50)
    ),
    CriterionInput("TC7", "Hỗ trợ học sinh, học liệu, cơ sở vật chất", Rule.SUPPORT_DELIVERED, D(5), D(1)),
    CriterionInput("TC8", "Chất lượng và sức lan tỏa của hoạt động (hội đồng chấm)", Rule.JUDGEMENT, D(15)),
]
# the phase's final review also weighs the supported schools' needs met and, read only, the outcome
# indicators (the demo records no secondment, so its set leaves that rule out)
FINAL = [
    CriterionInput("TC1", "Số hoạt động chung trong giai đoạn", Rule.ACTIVITIES_HELD, D(15), D(20)),
    CriterionInput("TC2", "Chuyên đề do trường trong nhóm chủ trì", Rule.TOPICS_HOSTED, D(15), D(6)),
    CriterionInput(
        "TC3", "Lượt giáo viên tham gia trên mỗi giáo viên", Rule.PARTICIPATION, D(15), D("1.5"), D(30)
    ),
    CriterionInput("TC4", "Hai bên cùng chủ trì hoạt động", Rule.RECIPROCITY, D(10)),
    CriterionInput("TC5", "Cam kết hoàn thành đúng hạn", Rule.COMMITMENTS_MET, D(5)),
    CriterionInput(
        "TC6", "Biên bản ghi nhớ còn hiệu lực trong giai đoạn", Rule.AGREEMENT_IN_FORCE, D(10), None, D(60)
    ),
    CriterionInput("TC7", "Hỗ trợ học sinh, học liệu, cơ sở vật chất", Rule.SUPPORT_DELIVERED, D(5), D(4)),
    CriterionInput(
        "TC8", "Chất lượng, sức lan tỏa và sản phẩm của nhóm (hội đồng chấm)", Rule.JUDGEMENT, D(15)
    ),
    CriterionInput(
        "TC9", "Nhu cầu tự đánh giá của trường được hỗ trợ đã cải thiện", Rule.NEEDS_IMPROVED, D(5)
    ),
    CriterionInput("TC10", "Chỉ số chất lượng đầu ra tiến bộ (tham khảo)", Rule.INDICATORS_IMPROVED, D(5)),
]

NOMINATION = (
    "Giáo viên cốt cán của nhóm: chủ trì chuyên đề, dự giờ và hỗ trợ đồng nghiệp trường bạn thường xuyên."
)
FOLLOW_UP = "Tăng số chuyên đề do trường được hỗ trợ chủ trì; báo cáo kết quả tại kỳ sơ kết sau."
NARRATIVES = [
    "Nhóm đã xây dựng kế hoạch phối hợp từ đầu năm học, phân công mỗi trường chủ trì theo tháng.",
    "Các chuyên đề tập trung vào đổi mới phương pháp dạy học môn Toán và Tiếng Việt, có biên bản dự giờ.",
    "Giáo viên hai trường cùng sinh hoạt chuyên môn trực tuyến hằng tháng; sản phẩm là ngân hàng đề chung.",
    "Nhà trường đã trao học bổng và sách giáo khoa cho học sinh có hoàn cảnh khó khăn của trường bạn.",
]
COMMENTS = [
    "Hoạt động có sản phẩm cụ thể (giáo án, video tiết dạy), được chia sẻ tới các trường trong cụm.",
    "Chất lượng chuyên đề tốt; cần tăng số hoạt động do trường được hỗ trợ chủ trì.",
    "Hồ sơ minh chứng đầy đủ, hoạt động có sức lan tỏa tới cha mẹ học sinh.",
    "Một số hoạt động còn mang tính hình thức, minh chứng chưa đầy đủ; đề nghị bổ sung.",
]


def _minutes_pdf(title: str) -> bytes:
    """A one-page PDF standing for the scoring council's minutes, the evidence of the judged scores."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.27, 11.69))
    figure.text(0.1, 0.9, "BIÊN BẢN HỌP HỘI ĐỒNG CHẤM ĐIỂM", fontsize=14, weight="bold")
    figure.text(0.1, 0.86, title, fontsize=11)
    figure.text(0.1, 0.82, "(dữ liệu mẫu của bản trình diễn)", fontsize=10, style="italic")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf")
    return buffer.getvalue()


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _criteria_set(
    department: EducationOffice, admin: User, name: str, criteria: list[CriterionInput], **fields: Any
) -> CriteriaSet:
    version = CriteriaSet.objects.filter(department=department, name=name).count() + 1
    created = CriteriaSet.objects.create(
        department=department, name=name, version=version, created_by=admin, **fields
    )
    services.check_criteria(criteria)
    Criterion.objects.bulk_create(
        Criterion(
            criteria_set=created,
            position=i,
            code=c.code,
            label=c.label,
            rule=c.rule,
            weight=c.weight,
            target=c.target,
            gate=c.gate,
        )
        for i, c in enumerate(criteria, start=1)
    )
    return created


def _officers() -> dict[int, User]:
    found: dict[int, User] = {}
    for user in User.objects.filter(role=Role.OFFICE_OFFICER, office__isnull=False).order_by("pk"):
        found.setdefault(user.office_id, user)  # type: ignore[arg-type]
    return found


def _leaders() -> dict[int, User]:
    return {u.school_id: u for u in User.objects.filter(role=Role.SCHOOL_LEADER, school__isnull=False)}  # type: ignore[misc]


def _open(
    admin: User,
    kind: str,
    name: str,
    period: tuple[dt.date, dt.date],
    criteria_set: CriteriaSet,
    self_opens: dt.date,
    *,
    schools: bool = False,
    offices: bool = False,
) -> Cycle:
    days = dt.timedelta
    return services.open_cycle(
        admin,
        kind=kind,
        name=name,
        period_start=period[0],
        period_end=period[1],
        criteria_set=criteria_set,
        self_opens=self_opens,
        self_closes=self_opens + days(14),
        office_review_by=self_opens + days(24),
        department_review_by=self_opens + days(31),
        publish_by=self_opens + days(38),
        appeal_days=10,
        review_schools=schools,
        review_offices=offices,
    )


def _ordered(cycle: Cycle, **filters: object) -> list[Submission]:
    """The cycle's submissions, partnerships by number first, then schools, then offices, by name."""
    rows = Submission.objects.filter(cycle=cycle, **filters).select_related(
        "partnership__twinning", "school", "office"
    )
    order = {Unit.PARTNERSHIP: 0, Unit.SCHOOL: 1, Unit.OFFICE: 2}
    return sorted(rows, key=lambda s: (order[Unit(s.unit)], s.order_key))


def _schools_of(submission: Submission, members: dict[int, list[int]]) -> list[int]:
    if submission.unit == Unit.SCHOOL:
        return [submission.school_id] if submission.school_id else []
    return members.get(submission.partnership_id or 0, [])


def _self_assess(
    cycle: Cycle,
    rng: random.Random,
    leaders: dict[int, User],
    admin: User,
    *,
    share: float,
    keep_draft: set[int],
    now: dt.date,
) -> list[ReviewEvent]:
    """Narratives on two criteria and submission (some late) for `share` of the partnerships."""
    events = []
    scores = {
        (s.submission_id, s.criterion.code): s
        for s in Score.objects.filter(
            submission__cycle=cycle, criterion__code__in=["TC1", "TC8"]
        ).select_related("criterion")
    }
    members = services.members_of_cycle(cycle)
    officers = _officers()
    changed_scores = []
    changed = []
    for submission in _ordered(cycle):
        schools = _schools_of(submission, members)
        if rng.random() > share or set(schools) & keep_draft:
            continue
        for code in ("TC1", "TC8"):
            score = scores.get((submission.pk, code))
            if score is not None:
                score.narrative = rng.choice(NARRATIVES)
                changed_scores.append(score)
        late = rng.random() < 0.08
        day = (
            cycle.self_closes + dt.timedelta(days=rng.randint(1, 4))
            if late
            else cycle.self_closes - dt.timedelta(days=rng.randint(0, 10))
        )
        day = min(day, now)
        late = day > cycle.self_closes
        submission.status = SubmissionStatus.SUBMITTED
        submission.submitted_at = _at(day, 10)
        submission.late = late
        changed.append(submission)
        actor = next(
            (leaders[s] for s in schools if s in leaders), officers.get(submission.office_id or 0, admin)
        )
        events.append(
            ReviewEvent(
                cycle=cycle,
                submission=submission,
                kind=EventKind.SUBMITTED,
                actor=actor,
                at=submission.submitted_at,
                after="nộp muộn" if late else "đúng hạn",
            )
        )
    Score.objects.bulk_update(changed_scores, ["narrative"], batch_size=1000)
    Submission.objects.bulk_update(changed, ["status", "submitted_at", "late"], batch_size=1000)
    return events


def _review(
    cycle: Cycle, rng: random.Random, admin: User, officers: dict[int, User], evidence: str
) -> list[ReviewEvent]:
    """The office (or, for THPT and centres, the department) scores the judgement criterion of every
    partnership with a comment and the council's minutes, then the department completes the review."""
    events = []
    judged = []
    submissions = {s.pk: s for s in _ordered(cycle)}
    district = EducationOffice.objects.filter(kind=EducationOffice.Kind.DISTRICT_OFFICE).values_list(
        "pk", flat=True
    )
    office_of = {
        school: office
        for office, schools in scoring.managed_by(district, (cycle.period_start, cycle.period_end)).items()
        for school in schools
    }
    for score in Score.objects.filter(submission__cycle=cycle, criterion__rule=Rule.JUDGEMENT).select_related(
        "criterion"
    ):
        submission = submissions[score.submission_id]
        twinning = submission.partnership.twinning if submission.partnership else None
        office = twinning.supported_office_id if twinning else office_of.get(submission.school_id or 0)
        reviewer = officers.get(office or 0, admin)
        score.points = score.value = D(rng.randint(55, 98))
        score.comment = rng.choice(COMMENTS)
        score.evidence.name = evidence
        score.judged_by = reviewer
        judged.append(score)
        day = cycle.office_review_by if reviewer != admin else cycle.department_review_by
        events.append(
            ReviewEvent(
                cycle=cycle,
                submission=submission,
                criterion=score.criterion,
                kind=EventKind.JUDGED,
                actor=reviewer,
                at=_at(day - dt.timedelta(days=2)),
                after=str(score.points),
                reason=score.comment,
            )
        )
        events.append(
            ReviewEvent(
                cycle=cycle,
                submission=submission,
                kind=EventKind.REVIEWED,
                actor=admin,
                at=_at(cycle.department_review_by),
                after=SubmissionStatus.REVIEWED,
            )
        )
        submission.status = SubmissionStatus.REVIEWED
    Score.objects.bulk_update(
        judged, ["points", "value", "comment", "evidence", "judged_by"], batch_size=1000
    )
    Submission.objects.bulk_update(list(submissions.values()), ["status"], batch_size=1000)
    return events


def _publish(cycle: Cycle, admin: User) -> list[ReviewEvent]:
    scoring.compute(cycle)
    services.rank(cycle)
    cycle.stage = Stage.PUBLISHED
    cycle.published_at = _at(cycle.publish_by, 15)
    cycle.save(update_fields=["stage", "published_at"])
    return [
        ReviewEvent(
            cycle=cycle,
            kind=EventKind.STAGE,
            actor=admin,
            at=_at(cycle.self_closes, 17),
            before=Stage.SELF_ASSESSMENT,
            after=Stage.OFFICE_REVIEW,
        ),
        ReviewEvent(
            cycle=cycle,
            kind=EventKind.STAGE,
            actor=admin,
            at=_at(cycle.office_review_by, 17),
            before=Stage.OFFICE_REVIEW,
            after=Stage.DEPARTMENT_REVIEW,
        ),
        ReviewEvent(
            cycle=cycle,
            kind=EventKind.PUBLISHED,
            actor=admin,
            at=cycle.published_at,
            before=Stage.DEPARTMENT_REVIEW,
            after=Stage.PUBLISHED,
        ),
    ]


def _appeals(cycle: Cycle, rng: random.Random, admin: User, leaders: dict[int, User]) -> list[ReviewEvent]:
    """Two appeals against the judged criterion, decided within the window: one upheld, one rejected."""
    events = []
    members = services.members_of_cycle(cycle)
    assert cycle.published_at is not None
    led = [
        s
        for s in _ordered(cycle, unit=Unit.PARTNERSHIP)
        if any(school in leaders for school in _schools_of(s, members))
    ]
    criterion = cycle.criteria_set.criteria.get(rule=Rule.JUDGEMENT)
    for submission, upheld in zip(rng.sample(led, 2), (True, False), strict=True):
        leader = next(leaders[s] for s in _schools_of(submission, members) if s in leaders)
        filed = cycle.published_at + dt.timedelta(days=3)
        decided = cycle.published_at + dt.timedelta(days=8)
        score = Score.objects.get(submission=submission, criterion=criterion)
        before = score.points
        if upheld:
            score.points = score.value = min(D(100), (before or D(0)) + D(12))
            score.save(update_fields=["points", "value"])
        Appeal.objects.create(
            submission=submission,
            criterion=criterion,
            filed_by=leader,
            reason="Hội đồng chưa xem xét chuyên đề cấp quận nhóm tổ chức tháng 4 (đã có biên bản và video).",
            status=AppealStatus.UPHELD if upheld else AppealStatus.REJECTED,
            decided_by=admin,
            decided_at=decided,
            decision=(
                "Chấp nhận: chuyên đề có minh chứng đầy đủ, điểm tiêu chí được chấm lại."
                if upheld
                else "Không chấp nhận: chuyên đề đã được tính trong điểm của hội đồng."
            ),
        )
        events += [
            ReviewEvent(
                cycle=cycle,
                submission=submission,
                criterion=criterion,
                kind=EventKind.APPEALED,
                actor=leader,
                at=filed,
                reason="Đề nghị phúc khảo tiêu chí " + criterion.code,
            ),
            ReviewEvent(
                cycle=cycle,
                submission=submission,
                criterion=criterion,
                kind=EventKind.DECIDED,
                actor=admin,
                at=decided,
                before=str(before),
                after=str(score.points),
                reason="Chấp nhận" if upheld else "Không chấp nhận",
            ),
        ]
    scoring.compute(cycle)
    services.rank(cycle)
    return events


def _nominations(cycle: Cycle, leaders: dict[int, User], admin: User) -> None:
    """Each category's first partnership nominates the teacher of its first school who took part most."""
    members = services.members_of_cycle(cycle)
    for submission in Submission.objects.filter(cycle=cycle, rank=1, unit=Unit.PARTNERSHIP).order_by(
        "category"
    ):
        schools = _schools_of(submission, members)
        if not schools:
            continue
        school = schools[0]
        busiest = (
            Participation.objects.filter(
                school_id=school,
                activity__status="held",
                activity__held_on__gte=cycle.period_start,
                activity__held_on__lte=cycle.period_end,
            )
            .values("teacher_id")
            .annotate(n=Count("id"))
            .order_by("-n", "teacher_id")
            .first()
        )
        if busiest is None:
            continue
        Nomination.objects.create(
            cycle=cycle,
            teacher_id=busiest["teacher_id"],
            school_id=school,
            statement=NOMINATION,
            nominated_by=leaders.get(school, admin),
        )


def _awards(cycle: Cycle, kinds: list[AwardKind], admin: User) -> list[ReviewEvent]:
    events = []
    assert cycle.published_at is not None
    at = cycle.published_at + dt.timedelta(days=cycle.appeal_days + 2)
    for kind in kinds:
        for rows in services.candidates(cycle, kind).values():
            for candidate in rows:
                if not candidate.proposed:
                    continue
                frozen = services.snapshot(candidate.submission)
                Award.objects.create(
                    cycle=cycle,
                    submission=candidate.submission,
                    kind=kind,
                    snapshot=frozen,
                    snapshot_hash=services.digest(frozen),
                    proposed_by=admin,
                )
                events.append(
                    ReviewEvent(
                        cycle=cycle,
                        submission=candidate.submission,
                        kind=EventKind.PROPOSED,
                        actor=admin,
                        at=at,
                        after=kind.name[:60],
                    )
                )
    return events


@transaction.atomic
def load_demo_reviews(*, seed: int = 2022, now: dt.date | None = None) -> dict[str, int]:
    department = EducationOffice.objects.get(code="so-hanoi")
    if Cycle.objects.filter(department=department).exists():
        return {"cycles": Cycle.objects.filter(department=department).count(), "created": 0}
    rng = random.Random(seed + 17)
    now = now or today()
    admin = User.objects.get(username="admin")
    officers, leaders = _officers(), _leaders()
    plan = {
        "basis_number": "4340/KH-SGDĐT",
        "basis_title": "Kế hoạch thực hiện phong trào “Nhà trường cùng chung tay "
        "phát triển – Thầy cô cùng sẻ chia trách nhiệm” giai đoạn 2022–2025",
        "basis_date": dt.date(2022, 12, 12),
    }
    interim = _criteria_set(
        department,
        admin,
        "Tiêu chí sơ kết năm học",
        INTERIM,
        basis_article="Mục IV. Tổ chức thực hiện",
        effective_from=dt.date(2022, 12, 12),
        effective_to=dt.date(2024, 7, 31),
        **plan,
    )
    interim_2024 = _criteria_set(
        department,
        admin,
        "Tiêu chí sơ kết năm học",
        INTERIM_2024,
        basis_number="2150/HD-SGDĐT",
        basis_title="Hướng dẫn đánh giá, xếp loại phong trào từ năm học 2024–2025 (dữ liệu mẫu)",
        basis_article="Điều 3. Tiêu chí và thang điểm",
        basis_date=dt.date(2024, 7, 25),
        effective_from=dt.date(2024, 8, 1),
        effective_to=None,
    )
    final = _criteria_set(
        department,
        admin,
        "Tiêu chí tổng kết giai đoạn 2022–2025",
        FINAL,
        basis_article="Mục IV.3. Sơ kết, tổng kết",
        effective_from=dt.date(2025, 1, 1),
        effective_to=None,
        **plan,
    )
    kinds = [
        AwardKind.objects.create(
            department=department,
            name="Bằng khen của Chủ tịch UBND Thành phố",
            issuer="Chủ tịch UBND thành phố Hà Nội",
            cap=2,
            position=1,
        ),
        AwardKind.objects.create(
            department=department,
            name="Giấy khen của Giám đốc Sở GD&ĐT",
            issuer="Giám đốc Sở GD&ĐT Hà Nội",
            cap=5,
            position=2,
        ),
    ]
    # the printed demo leaders' own partnerships (ht.hoangmai, ht.unghoa; not the signers' ht.<MOET ID>)
    # wait for them in the open cycle
    keep_draft = {
        school for school, user in leaders.items() if not user.username.removeprefix("ht.").isdigit()
    }
    events: list[ReviewEvent] = []
    published = [
        (
            CycleKind.INTERIM,
            "Sơ kết năm học 2022-2023",
            (dt.date(2022, 12, 12), dt.date(2023, 5, 31)),
            interim,
            dt.date(2023, 5, 15),
        ),
        (
            CycleKind.INTERIM,
            "Sơ kết năm học 2023-2024",
            (dt.date(2023, 8, 1), dt.date(2024, 5, 31)),
            interim,
            dt.date(2024, 5, 15),
        ),
        (
            CycleKind.FINAL,
            "Tổng kết giai đoạn 2022-2025",
            (dt.date(2022, 12, 12), dt.date(2025, 5, 31)),
            final,
            dt.date(2025, 5, 12),
        ),
    ]
    cycles = []
    for kind, name, period, criteria_set, opens in published:
        # the final review also reviews each school and each district office (the offices were still in
        # place in May 2025), as the department does when it closes a phase
        units = kind == CycleKind.FINAL
        cycle = _open(admin, kind, name, period, criteria_set, opens, schools=units, offices=units)
        ReviewEvent.objects.filter(cycle=cycle).update(at=_at(opens, 8))
        evidence = default_storage.save(
            f"reviews/demo/bien-ban-{cycle.pk}.pdf", ContentFile(_minutes_pdf(name))
        )
        events += _self_assess(cycle, rng, leaders, admin, share=0.93, keep_draft=set(), now=now)
        events += _review(cycle, rng, admin, officers, evidence)
        events += _publish(cycle, admin)
        events += _appeals(cycle, rng, admin, leaders)
        events += _awards(cycle, kinds, admin)
        _nominations(cycle, leaders, admin)
        cycles.append(cycle)
    # one award revoked: a declaration found false on a later check
    award = (
        Award.objects.filter(cycle=cycles[0], kind=kinds[1], submission__unit=Unit.PARTNERSHIP)
        .order_by("submission__partnership__number")
        .last()
    )
    if award is not None:
        award.status = AwardStatus.REVOKED
        award.revoked_by = admin
        award.revoked_at = _at(dt.date(2023, 9, 20))
        award.revoke_reason = (
            "Kiểm tra hồ sơ phát hiện hai hoạt động được khai trùng; thu hồi đề nghị khen thưởng."
        )
        award.save(update_fields=["status", "revoked_by", "revoked_at", "revoke_reason"])
        events.append(
            ReviewEvent(
                cycle=cycles[0],
                submission=award.submission,
                kind=EventKind.REVOKED,
                actor=admin,
                at=award.revoked_at,
                reason=award.revoke_reason,
            )
        )
    # follow-up actions from the final review for its ten lowest partnerships, carried into the open cycle
    members = services.members_of_cycle(cycles[-1])
    lowest = list(
        Submission.objects.filter(cycle=cycles[-1], unit=Unit.PARTNERSHIP).order_by(
            "total", "partnership__number"
        )[:10]
    )
    lowest += list(
        Submission.objects.filter(cycle=cycles[-1], unit=Unit.SCHOOL).order_by("total", "school__sort_key")[
            :3
        ]
    )
    for submission in lowest:
        schools = _schools_of(submission, members)
        if schools:
            FollowUp.objects.create(
                submission=submission,
                owner_id=schools[-1],
                created_by=admin,
                due_on=now + dt.timedelta(days=45),
                description=FOLLOW_UP,
            )
    # the current school year's first semester, at self-assessment
    year = schoolyears.start_year_of(now)
    current = _open(
        admin,
        CycleKind.INTERIM,
        f"Sơ kết học kỳ I năm học {schoolyears.label(year)}",
        (schoolyears.bounds(year)[0], dt.date(year + 1, 1, 15)),
        interim_2024,
        now - dt.timedelta(days=7),
        schools=True,
    )
    events += _self_assess(current, rng, leaders, admin, share=0.4, keep_draft=keep_draft, now=now)
    ReviewEvent.objects.bulk_create(events, batch_size=2000)
    return {"cycles": len(cycles) + 1, "created": len(cycles) + 1}
