"""The review workflow through its services: criteria sets and their checks, opening a cycle, the
self-assessment, the reviews, publication and ranking, appeals, awards within their caps, follow-up, and
"why this score" walked over every score of the demo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.http import Http404
from django.utils import timezone

from chungtay.activities.models import Activity, ActivityStatus
from chungtay.core.errors import ConflictError, Forbidden
from chungtay.reviews import scoring, services
from chungtay.reviews.models import (
    Appeal,
    AppealStatus,
    Award,
    AwardKind,
    AwardStatus,
    CriteriaSet,
    Cycle,
    EventKind,
    ReviewEvent,
    Score,
    Stage,
    Submission,
    SubmissionStatus,
)
from chungtay.reviews.services import CriterionInput, ReviewError
from tests.reviews.conftest import CRITERIA, cycle_values, evidence, led_submission, make_set, user

pytestmark = pytest.mark.django_db


# --- "Why this score" ---------------------------------------------------------------------------------


def test_every_computed_score_of_the_demo_reproduces_from_the_records_it_links() -> None:
    scores = list(
        Score.objects.exclude(criterion__rule="judgement").select_related("criterion", "submission")
    )
    assert len(scores) > 10000  # four cycles of the demo, seven computed criteria each
    again = scoring.reproduce_many(scores)
    wrong = [s.pk for s in scores if (again[s.pk].value, again[s.pk].points) != (s.value, s.points)]
    assert wrong == []
    # and the links are records of the partnership: every linked activity is one of its activities
    score = next(s for s in scores if s.criterion.rule == "activities_held" and s.links["activity"])
    assert set(
        Activity.objects.filter(pk__in=score.links["activity"]).values_list("partnerships", flat=True)
    ) >= {score.submission.partnership_id}


def test_a_changed_record_shows_as_a_stale_score_until_computed_again(cycle: Cycle) -> None:
    score = (
        Score.objects.filter(submission__cycle=cycle, criterion__rule="activities_held", value__gt=0)
        .select_related("criterion", "submission")
        .first()
    )
    assert score is not None
    before = score.value
    Activity.objects.filter(pk=score.links["activity"][0]).update(status=ActivityStatus.CANCELLED)
    assert scoring.reproduce(score).value == before - 1
    services.recompute(user("admin"), cycle)
    score.refresh_from_db()
    assert score.value == before - 1
    assert scoring.reproduce(score).value == score.value


# --- Criteria sets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ([CriterionInput("X", "x", "activities_held", D(60), D(5))], "phải bằng 100"),
        (
            [
                CriterionInput("X", "x", "activities_held", D(50), D(5)),
                CriterionInput("Y", "y", "reciprocity", D(50), None, D(150)),
            ],
            "từ 0 đến 100",
        ),
        ([CriterionInput("X", "x", "activities_held", D(100), None)], "chỉ tiêu lớn hơn 0"),
        (
            [CriterionInput("X", "x", "reciprocity", D(50)), CriterionInput("X", "y", "judgement", D(50))],
            "Có hai tiêu chí",
        ),
        (
            [CriterionInput("X", "x", "reciprocity", D(0)), CriterionInput("Y", "y", "judgement", D(100))],
            "Trọng số lớn hơn 0",
        ),
        ([], "ít nhất một tiêu chí"),
    ],
)
def test_a_criteria_set_that_breaks_a_rule_is_refused_and_nothing_is_saved(
    criteria: list[CriterionInput], message: str
) -> None:
    before = CriteriaSet.objects.count()
    with pytest.raises(ReviewError) as refused:
        make_set(user("admin"), criteria=criteria)
    assert message in str(refused.value.message)
    assert refused.value.field == "criteria"
    assert CriteriaSet.objects.count() == before


def test_a_set_of_the_same_name_is_a_new_version_and_cycles_keep_theirs(cycle: Cycle) -> None:
    admin = user("admin")
    second = make_set(
        admin, criteria=[*CRITERIA[:3], CriterionInput("A4", "Quality", "judgement", D(20), None, D(50))]
    )
    assert second.version == cycle.criteria_set.version + 1
    cycle.refresh_from_db()
    assert cycle.criteria_set.version == 1
    assert not cycle.criteria_set.criteria.filter(gate=50).exists()


def test_only_those_who_run_the_department_make_criteria_sets() -> None:
    for username in ("ht.unghoa", "gv.unghoa", "xem.hanoi", "pgd.unghoa"):
        with pytest.raises(Forbidden):
            make_set(user(username))


# --- Cycles -------------------------------------------------------------------------------------------


def test_opening_a_cycle_reviews_every_active_partnership_and_computes_its_scores(cycle: Cycle) -> None:
    expected = set(services.reviewed_partnerships(cycle).values_list("pk", flat=True))
    assert set(cycle.submissions.values_list("partnership_id", flat=True)) == expected
    assert Score.objects.filter(submission__cycle=cycle).count() == len(expected) * 4
    assert not Score.objects.filter(
        submission__cycle=cycle, criterion__rule="activities_held", value__isnull=True
    )
    assert ReviewEvent.objects.filter(cycle=cycle, kind=EventKind.OPENED).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"self_closes": dt.date(2020, 1, 1)}, "self_closes"),
        ({"publish_by": dt.date(2020, 1, 1)}, "publish_by"),
        ({"period_end": dt.date(2023, 1, 1)}, "period_end"),
        ({"appeal_days": 120}, "appeal_days"),
        ({"period_start": dt.date(2022, 12, 1), "period_end": dt.date(2023, 5, 31)}, "criteria_set"),
    ],
)
def test_a_cycle_with_bad_dates_is_refused_and_nothing_is_saved(
    change: dict[str, object], field: str
) -> None:
    admin = user("admin")
    criteria_set = make_set(admin)
    before = Cycle.objects.count()
    with pytest.raises(ReviewError) as refused:
        services.open_cycle(admin, **cycle_values(criteria_set, **change))
    assert refused.value.field == field
    assert Cycle.objects.count() == before


def test_an_office_opens_a_cycle_of_its_own_partnerships_only() -> None:
    admin, officer = user("admin"), user("pgd.unghoa")
    criteria_set = make_set(admin)
    mine = services.open_cycle(officer, office=officer.office, **cycle_values(criteria_set))
    offices = set(
        mine.submissions.values_list(
            "partnership__twinning__supporting_office", "partnership__twinning__supported_office"
        )
    )
    assert offices and all(officer.office_id in pair for pair in offices)
    assert services.next_stage(mine) == Stage.OFFICE_REVIEW
    mine.stage = Stage.OFFICE_REVIEW
    assert services.next_stage(mine) == Stage.PUBLISHED  # no department review for an office's own cycle
    with pytest.raises(Forbidden):
        services.open_cycle(user("ht.unghoa"), **cycle_values(criteria_set))


# --- Self-assessment ----------------------------------------------------------------------------------


def test_a_leader_writes_the_account_and_a_stale_version_changes_nothing(cycle: Cycle) -> None:
    submission = led_submission(cycle)
    leader = user("ht.unghoa")
    criterion = cycle.criteria_set.criteria.get(code="A1")
    score = Score.objects.get(submission=submission, criterion=criterion)
    saved = services.save_narrative(
        leader, submission, criterion, narrative="Đã tổ chức 3 chuyên đề.", expected_version=score.version
    )
    assert saved.narrative == "Đã tổ chức 3 chuyên đề."
    with pytest.raises(ConflictError):
        services.save_narrative(
            leader, submission, criterion, narrative="Bản khác", expected_version=score.version
        )
    saved.refresh_from_db()
    assert saved.narrative == "Đã tổ chức 3 chuyên đề."
    for outsider in ("gv.unghoa", "pgd.unghoa", "admin", "ht.hoangmai"):
        with pytest.raises(Forbidden):
            services.save_narrative(
                user(outsider), submission, criterion, narrative="x", expected_version=saved.version
            )


def test_submitting_on_time_then_no_more_changes(cycle: Cycle) -> None:
    submission = led_submission(cycle)
    leader = user("ht.unghoa")
    services.submit(leader, submission, expected_version=submission.version)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED and not submission.late
    criterion = cycle.criteria_set.criteria.get(code="A1")
    score = Score.objects.get(submission=submission, criterion=criterion)
    with pytest.raises(ReviewError):
        services.save_narrative(leader, submission, criterion, narrative="x", expected_version=score.version)


def test_a_submission_after_the_closing_day_is_marked_late(cycle: Cycle) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(
        self_opens=dt.date.today() - dt.timedelta(days=20), self_closes=dt.date.today() - dt.timedelta(days=1)
    )
    submission = led_submission(Cycle.objects.get(pk=cycle.pk))
    services.submit(user("ht.unghoa"), submission, expected_version=submission.version)
    submission.refresh_from_db()
    assert submission.late


# --- Reviews ------------------------------------------------------------------------------------------


def _at(cycle: Cycle, stage: str) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(stage=stage)
    return Cycle.objects.get(pk=cycle.pk)


def test_the_office_scores_a_judgement_criterion_with_a_comment_and_evidence(cycle: Cycle) -> None:
    submission = led_submission(_at(cycle, Stage.OFFICE_REVIEW))
    officer = user("pgd.unghoa")
    judged = cycle.criteria_set.criteria.get(code="A4")
    computed = cycle.criteria_set.criteria.get(code="A1")
    score = Score.objects.get(submission=submission, criterion=judged)
    with pytest.raises(ReviewError) as no_comment:
        services.judge(
            officer,
            submission,
            judged,
            points=D(80),
            comment="ok",
            evidence=evidence(),
            expected_version=score.version,
        )
    assert no_comment.value.field == "comment"
    with pytest.raises(ReviewError) as no_file:
        services.judge(
            officer,
            submission,
            judged,
            points=D(80),
            comment="Hoạt động có sản phẩm cụ thể.",
            expected_version=score.version,
        )
    assert no_file.value.field == "evidence"
    with pytest.raises(ReviewError) as not_judgement:
        services.judge(
            officer,
            submission,
            computed,
            points=D(80),
            comment="Sửa điểm tính tự động",
            evidence=evidence(),
            expected_version=1,
        )
    assert not_judgement.value.field == "points"
    with pytest.raises(ReviewError):
        services.judge(
            officer,
            submission,
            judged,
            points=D(101),
            comment="Hoạt động có sản phẩm.",
            evidence=evidence(),
            expected_version=score.version,
        )
    with pytest.raises(Forbidden):
        services.judge(
            user("pgd.bavi"),
            submission,
            judged,
            points=D(80),
            comment="Hoạt động tốt lắm.",
            evidence=evidence(),
            expected_version=score.version,
        )
    total_before = Submission.objects.get(pk=submission.pk).total
    services.judge(
        officer,
        submission,
        judged,
        points=D(80),
        comment="Hoạt động có sản phẩm cụ thể.",
        evidence=evidence(),
        expected_version=score.version,
    )
    score.refresh_from_db()
    assert score.points == D(80) and score.evidence and score.judged_by == officer
    assert Submission.objects.get(pk=submission.pk).total == total_before + D(16)  # 20 × 80 ÷ 100
    event = ReviewEvent.objects.get(submission=submission, kind=EventKind.JUDGED)
    assert (event.before, event.after, event.actor) == ("", "80", officer)


def test_no_one_judges_at_self_assessment_and_a_school_never_reviews_itself(cycle: Cycle) -> None:
    submission = led_submission(cycle)
    judged = cycle.criteria_set.criteria.get(code="A4")
    score = Score.objects.get(submission=submission, criterion=judged)
    for username in ("pgd.unghoa", "admin"):
        with pytest.raises(Forbidden):
            services.judge(
                user(username),
                submission,
                judged,
                points=D(50),
                comment="Nhận xét của phòng.",
                evidence=evidence(),
                expected_version=score.version,
            )
    for stage in (Stage.OFFICE_REVIEW, Stage.DEPARTMENT_REVIEW):
        submission = led_submission(_at(cycle, stage))
        with pytest.raises(Forbidden):
            services.judge(
                user("ht.unghoa"),
                submission,
                judged,
                points=D(100),
                comment="Tự chấm điểm cao.",
                evidence=evidence(),
                expected_version=score.version,
            )


# --- Publication, ranks, appeals, awards --------------------------------------------------------------


def test_publication_ranks_each_category_and_explains_ties(cycle: Cycle) -> None:
    admin = user("admin")
    category = cycle.submissions.values_list("category", flat=True).first()
    cycle = _at(cycle, Stage.DEPARTMENT_REVIEW)
    judged = cycle.criteria_set.criteria.get(code="A4")
    Score.objects.filter(submission__cycle=cycle, criterion=judged).update(points=D(0))
    with pytest.raises(ConflictError):  # someone moved the cycle on since the page was read
        services.advance(admin, cycle, expected_version=cycle.version - 1)
    services.advance(admin, cycle, expected_version=cycle.version)
    cycle.refresh_from_db()
    assert cycle.stage == Stage.PUBLISHED and cycle.published_at is not None
    ranked = list(cycle.submissions.filter(category=category).order_by("rank", "partnership__number"))
    assert ranked[0].rank == 1
    for earlier, later in zip(ranked, ranked[1:], strict=False):
        assert earlier.total >= later.total
        if earlier.total == later.total:
            assert earlier.rank == later.rank
            assert str(later.partnership.number) in earlier.tied_with
        else:
            assert later.rank == ranked.index(later) + 1


def test_equal_totals_share_a_rank_and_say_with_whom(cycle: Cycle) -> None:
    category = cycle.submissions.values_list("category", flat=True).first()
    rows = list(cycle.submissions.filter(category=category).select_related("partnership").order_by("pk"))[:4]
    Submission.objects.filter(cycle=cycle).exclude(pk__in=[r.pk for r in rows]).update(category="other")
    for row, total in zip(rows, (D("70.5"), D("82"), D("70.5"), D("90")), strict=True):
        Submission.objects.filter(pk=row.pk).update(total=total)
    services.rank(cycle, [category])
    ranked = {s.pk: s for s in Submission.objects.filter(pk__in=[r.pk for r in rows])}
    assert [ranked[r.pk].rank for r in rows] == [3, 2, 3, 1]  # 90 → 1, 82 → 2, 70.5 and 70.5 → 3, 3
    assert str(rows[2].partnership.number) in ranked[rows[0].pk].tied_with
    assert str(rows[0].partnership.number) in ranked[rows[2].pk].tied_with
    assert ranked[rows[3].pk].tied_with == ""


def _published(cycle: Cycle) -> Cycle:
    admin = user("admin")
    cycle = _at(cycle, Stage.DEPARTMENT_REVIEW)
    return services.advance(admin, cycle, expected_version=cycle.version)


def test_an_appeal_within_the_window_is_decided_with_a_reason(cycle: Cycle) -> None:
    cycle = _published(cycle)
    submission = led_submission(cycle)
    leader, admin = user("ht.unghoa"), user("admin")
    judged = cycle.criteria_set.criteria.get(code="A4")
    with pytest.raises(ReviewError) as short:
        services.file_appeal(leader, submission, judged, reason="sai")
    assert short.value.field == "reason"
    with pytest.raises(Forbidden):
        services.file_appeal(user("gv.unghoa"), submission, judged, reason="Chưa tính chuyên đề tháng 4.")
    appeal = services.file_appeal(leader, submission, judged, reason="Chưa tính chuyên đề tháng 4 của nhóm.")
    with pytest.raises(ReviewError):
        services.file_appeal(leader, submission, judged, reason="Chưa tính chuyên đề tháng 4 của nhóm.")
    with pytest.raises(ReviewError) as no_points:
        services.decide_appeal(admin, appeal, upheld=True, decision="Chấp nhận, có minh chứng đầy đủ.")
    assert no_points.value.field == "points"
    before = Submission.objects.get(pk=submission.pk).total
    services.decide_appeal(
        admin, appeal, upheld=True, decision="Chấp nhận, có minh chứng đầy đủ.", points=D(90)
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD and appeal.decided_by == admin
    after = Submission.objects.get(pk=submission.pk)
    assert after.total == before + D(18)  # 20 × 90 ÷ 100 over a judgement that was 0
    with pytest.raises(ReviewError):
        services.decide_appeal(admin, appeal, upheld=False, decision="Quyết định lại lần nữa.")


def test_an_appeal_after_the_window_is_refused_with_the_closing_day() -> None:
    final = Cycle.objects.get(kind="final", stage=Stage.PUBLISHED)
    submission = led_submission(final)
    criterion = final.criteria_set.criteria.get(code="TC8")
    before = Appeal.objects.count()
    with pytest.raises(ReviewError) as late:
        services.file_appeal(user("ht.unghoa"), submission, criterion, reason="Đề nghị chấm lại tiêu chí 8.")
    deadline = services.appeal_deadline(final)
    assert deadline is not None and deadline.strftime("%d/%m/%Y") in str(late.value.message)
    assert Appeal.objects.count() == before


def test_awards_follow_the_ranking_within_the_cap_and_the_gates(cycle: Cycle) -> None:
    cycle = _published(cycle)
    admin = user("admin")
    with pytest.raises(ReviewError):
        services.create_award_kind(admin, name="Giấy khen thử", issuer="Giám đốc", cap=-1)
    kind = services.create_award_kind(admin, name="Giấy khen thử", issuer="Giám đốc", cap=2)
    # one partnership fails a gate: it is passed over with the reason, whatever its rank
    first = cycle.submissions.order_by("category", "rank").first()
    assert first is not None
    Submission.objects.filter(pk=first.pk).update(gates_met=False)
    candidates = services.candidates(cycle, kind)
    for rows in candidates.values():
        proposed = [c for c in rows if c.proposed]
        assert len(proposed) <= 2
        ranks = [c.submission.rank for c in rows]
        assert ranks == sorted(ranks)
        eligible = [c for c in rows if c.submission.gates_met]
        assert [c.submission.pk for c in proposed] == [c.submission.pk for c in eligible[:2]]
    gated = next(c for c in candidates[first.category] if c.submission.pk == first.pk)
    assert not gated.proposed and "ngưỡng" in gated.reason
    totals_before = dict(cycle.submissions.values_list("pk", "total"))
    awards = services.propose_awards(admin, cycle, kind)
    assert (
        dict(cycle.submissions.values_list("pk", "total")) == totals_before
    )  # the cap never changes a score
    assert len(awards) == sum(1 for rows in candidates.values() for c in rows if c.proposed)
    assert services.propose_awards(admin, cycle, kind) == []  # the proposed count towards the cap
    award = awards[0]
    assert award.snapshot["criteria_set"]["version"] == cycle.criteria_set.version
    assert award.snapshot["total"] == str(award.submission.total)
    assert services.differences(award) == []
    # one achievement, one award: a second kind passes over those already proposed
    other = services.create_award_kind(admin, name="Bằng khen thử", issuer="Chủ tịch", cap=5)
    again = services.candidates(cycle, other)
    assert not next(
        c for c in again[award.submission.category] if c.submission.pk == award.submission_id
    ).proposed
    # a later change to the records shows as a difference against the snapshot, never silently
    activity = Score.objects.get(submission=award.submission, criterion__code="A1").links["activity"][0]
    Activity.objects.filter(pk=activity).update(status=ActivityStatus.CANCELLED)
    assert "A1" in [d.code for d in services.differences(award)]
    with pytest.raises(ReviewError):
        services.revoke_award(admin, award, reason="ngắn")
    services.revoke_award(admin, award, reason="Hoạt động khai trùng, thu hồi đề nghị.")
    assert Award.objects.get(pk=award.pk).status == AwardStatus.REVOKED
    # the freed place goes to the next in rank; the revoked one is not proposed again
    refill = services.propose_awards(admin, cycle, kind)
    assert [a.submission.category for a in refill] == [award.submission.category]
    assert refill[0].submission_id != award.submission_id
    with pytest.raises(ReviewError):
        services.revoke_award(admin, Award.objects.get(pk=award.pk), reason="Thu hồi lần thứ hai.")


def test_awards_wait_for_the_results_and_for_those_who_run_the_cycle(cycle: Cycle) -> None:
    kind = AwardKind.objects.filter(department=cycle.department).first()
    assert kind is not None
    with pytest.raises(ReviewError):
        services.propose_awards(user("admin"), cycle, kind)
    with pytest.raises(Forbidden):
        services.propose_awards(user("pgd.unghoa"), _published(cycle), kind)


# --- Follow-up and scope ------------------------------------------------------------------------------


def test_a_follow_up_is_carried_into_the_next_cycle(cycle: Cycle) -> None:
    submission = led_submission(_at(cycle, Stage.OFFICE_REVIEW))
    schools = services.member_schools(submission)
    officer = user("pgd.unghoa")
    with pytest.raises(ReviewError) as owner:
        services.add_follow_up(
            officer,
            submission,
            description="Tăng chuyên đề do trường B chủ trì.",
            owner_id=-1,
            due_on=dt.date.today(),
        )
    assert owner.value.field == "owner"
    with pytest.raises(ReviewError):
        services.add_follow_up(
            officer,
            submission,
            description="Tăng chuyên đề do trường B chủ trì.",
            owner_id=schools[0],
            due_on=dt.date(2020, 1, 1),
        )
    follow_up = services.add_follow_up(
        officer,
        submission,
        description="Tăng chuyên đề do trường B chủ trì.",
        owner_id=schools[0],
        due_on=dt.date.today() + dt.timedelta(days=30),
    )
    later = Cycle.objects.filter(stage=Stage.SELF_ASSESSMENT, period_end__gt=cycle.period_end).first()
    assert later is not None
    next_review = Submission.objects.get(cycle=later, partnership=submission.partnership)
    assert follow_up in services.open_follow_ups(next_review)


def test_a_submission_outside_the_scope_is_not_found() -> None:
    current = Cycle.objects.get(stage=Stage.SELF_ASSESSMENT)
    theirs = led_submission(current)
    with pytest.raises(Http404):
        services.submission_for(user("pgd.bavi"), theirs.pk)
    with pytest.raises(Http404):
        services.submission_for(user("ht.hoangmai"), theirs.pk)
    assert services.submission_for(user("pgd.unghoa"), theirs.pk) == theirs
    # once published, a result is seen by everyone who sees the cycle
    final = Cycle.objects.get(kind="final")
    published = led_submission(final)
    assert services.submission_for(user("ht.hoangmai"), published.pk) == published


def test_events_name_each_step(cycle: Cycle) -> None:
    submission = led_submission(cycle)
    services.submit(user("ht.unghoa"), submission, expected_version=submission.version)
    kinds = list(ReviewEvent.objects.filter(cycle=cycle).values_list("kind", flat=True))
    assert kinds.count(EventKind.OPENED) == 1 and kinds.count(EventKind.SUBMITTED) == 1
    assert ReviewEvent.objects.get(kind=EventKind.SUBMITTED, cycle=cycle).at <= timezone.now()


def test_a_leader_nominates_a_teacher_of_their_school_once(cycle: Cycle) -> None:
    from chungtay.directory.models import Teacher
    from chungtay.reviews.models import Nomination

    leader = user("ht.unghoa")
    teacher = Teacher.objects.filter(school_id=leader.school_id, is_active=True).first()
    other = Teacher.objects.exclude(school_id=leader.school_id).filter(is_active=True).first()
    assert teacher is not None and other is not None
    with pytest.raises(ReviewError) as short:
        services.nominate(leader, cycle, teacher, statement="tốt")
    assert short.value.field == "statement"
    for username in ("gv.unghoa", "pgd.unghoa", "admin"):
        with pytest.raises(Forbidden):
            services.nominate(user(username), cycle, teacher, statement="Giáo viên cốt cán của nhóm.")
    with pytest.raises(Http404):
        services.nominate(leader, cycle, other, statement="Giáo viên cốt cán của trường bạn.")
    nomination = services.nominate(leader, cycle, teacher, statement="Giáo viên cốt cán của nhóm.")
    with pytest.raises(ReviewError) as twice:
        services.nominate(leader, cycle, teacher, statement="Giáo viên cốt cán của nhóm.")
    assert twice.value.field == "teacher"
    # the contributions are the teacher's participations at held activities of the period
    counted = scoring.contributions(cycle, {teacher.pk: teacher.school_id})[teacher.pk]
    from chungtay.activities.models import Participation

    assert (
        counted.participations
        == Participation.objects.filter(
            teacher=teacher,
            activity__status="held",
            activity__held_on__gte=cycle.period_start,
            activity__held_on__lte=cycle.period_end,
        ).count()
    )
    assert list(services.nominations_visible_to(user("pgd.bavi"), cycle)) == []
    assert nomination in services.nominations_visible_to(user("admin"), cycle)
    _at(cycle, Stage.OFFICE_REVIEW)
    with pytest.raises(ReviewError):  # past self-assessment nothing is withdrawn
        services.withdraw_nomination(leader, Nomination.objects.select_related("cycle").get(pk=nomination.pk))
