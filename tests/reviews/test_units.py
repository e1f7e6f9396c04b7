"""Schools and district offices reviewed as units: each scored on the records of the partnerships it took
part in during the period, pooled; its own self-assessment, reviewers, category, rank and awards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db.models import Q
from django.http import Http404

from chungtay.activities.models import Activity, ActivityStatus
from chungtay.core.dates import valid_between
from chungtay.core.errors import Forbidden
from chungtay.directory.models import EducationOffice, SchoolManagement
from chungtay.partnerships.models import PartnershipMember
from chungtay.reviews import scoring, services
from chungtay.reviews.models import AwardKind, Cycle, Score, Stage, Submission, Unit
from chungtay.reviews.services import ReviewError
from tests.reviews.conftest import cycle_values, evidence, make_set, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(db) -> Cycle:  # noqa: ANN001
    admin = user("admin")
    return services.open_cycle(
        admin, review_schools=True, review_offices=True, **cycle_values(make_set(admin))
    )


def _at(cycle: Cycle, stage: str) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(stage=stage)
    return Cycle.objects.get(pk=cycle.pk)


def _partnerships_of(cycle: Cycle, schools: set[int]) -> set[int]:
    """The cycle's reviewed partnerships any of `schools` was a member of during the period, read here
    without the scoring code."""
    reviewed = cycle.submissions.filter(unit=Unit.PARTNERSHIP).values("partnership_id")
    return set(
        PartnershipMember.objects.filter(
            valid_between(cycle.period_start, cycle.period_end),
            school_id__in=schools,
            partnership_id__in=reviewed,
        ).values_list("partnership_id", flat=True)
    )


def _held(cycle: Cycle, partnerships: set[int]) -> int:
    return (
        Activity.objects.filter(
            partnerships__in=partnerships,
            status=ActivityStatus.HELD,
            held_on__gte=cycle.period_start,
            held_on__lte=cycle.period_end,
        )
        .distinct()
        .count()
    )


def _school_unit(cycle: Cycle, leader: str = "ht.unghoa") -> Submission:
    return Submission.objects.get(cycle=cycle, school_id=user(leader).school_id)


def test_every_school_and_district_office_of_the_reviewed_partnerships_is_a_unit(units: Cycle) -> None:
    period = (units.period_start, units.period_end)
    members = set(
        PartnershipMember.objects.filter(
            valid_between(*period),
            partnership_id__in=units.submissions.filter(unit=Unit.PARTNERSHIP).values("partnership_id"),
        ).values_list("school_id", flat=True)
    )
    schools = units.submissions.filter(unit=Unit.SCHOOL)
    assert set(schools.values_list("school_id", flat=True)) == members
    offices = set(
        SchoolManagement.objects.filter(
            valid_between(*period), school_id__in=members, office__kind=EducationOffice.Kind.DISTRICT_OFFICE
        ).values_list("office_id", flat=True)
    )
    assert (
        offices
        and set(units.submissions.filter(unit=Unit.OFFICE).values_list("office_id", flat=True)) == offices
    )
    # each unit in a category of its own kind: a school's level, the offices
    for submission in schools.select_related("school")[:50]:
        assert submission.category == f"school:{submission.school.level}"
    assert set(units.submissions.filter(unit=Unit.OFFICE).values_list("category", flat=True)) == {"office"}
    # every unit has all four scores
    assert Score.objects.filter(submission__cycle=units).count() == units.submissions.count() * 4


def test_a_school_is_scored_on_its_partnerships_pooled_each_activity_once(units: Cycle) -> None:
    """A school in several partnerships: its held activities are those of all of them, an activity shared
    by two of them counted once, against the target once per partnership."""
    found = None
    for submission in units.submissions.filter(unit=Unit.SCHOOL).select_related("school"):
        partnerships = _partnerships_of(units, {submission.school_id})  # type: ignore[arg-type]
        if len(partnerships) > 1:
            found = submission, partnerships
            break
    assert found is not None, "the demo has a school in two partnerships"
    submission, partnerships = found
    score = Score.objects.get(submission=submission, criterion__code="A1")
    held = _held(units, partnerships)
    assert score.value == D(held)
    assert score.points == min(D(100), (D(held) * 100 / (6 * len(partnerships))).quantize(D("0.01")))
    assert score.inputs["partnerships"] == str(len(partnerships))
    assert scoring.reproduce(score).points == score.points


def test_an_office_is_scored_on_the_partnerships_of_the_schools_it_managed(units: Cycle) -> None:
    office = Submission.objects.filter(cycle=units, unit=Unit.OFFICE).order_by("office__code").first()
    assert office is not None
    managed = set(
        SchoolManagement.objects.filter(
            valid_between(units.period_start, units.period_end), office_id=office.office_id
        ).values_list("school_id", flat=True)
    )
    own = set(services.member_schools(office))
    assert own and own <= managed
    partnerships = _partnerships_of(units, own)
    score = Score.objects.get(submission=office, criterion__code="A1")
    assert score.value == D(_held(units, partnerships))
    assert score.inputs["partnerships"] == str(len(partnerships))
    why = list(
        Score.objects.filter(submission__cycle=units, submission__unit__in=[Unit.SCHOOL, Unit.OFFICE])
        .exclude(criterion__rule="judgement")
        .select_related("criterion", "submission")
    )
    reproduced = scoring.reproduce_many(why)
    assert why and all((reproduced[s.pk].value, reproduced[s.pk].points) == (s.value, s.points) for s in why)


def test_a_school_leader_self_assesses_their_school_and_an_officer_their_office(units: Cycle) -> None:
    mine = _school_unit(units)
    leader, other = user("ht.unghoa"), user("ht.hoangmai")
    score = Score.objects.get(submission=mine, criterion__code="A1")
    saved = services.save_narrative(
        leader, mine, score.criterion, narrative="Trường chủ trì 3 chuyên đề.", expected_version=score.version
    )
    assert saved.narrative == "Trường chủ trì 3 chuyên đề."
    with pytest.raises(Forbidden):
        services.save_narrative(other, mine, score.criterion, narrative="x", expected_version=saved.version)
    officer = user("pgd.unghoa")
    office = Submission.objects.get(cycle=units, office_id=officer.office_id)
    assert services.is_unit_leader(officer, office)
    assert not services.is_unit_leader(leader, office)
    assert not services.is_unit_leader(user("pgd.bavi"), office)
    submitted = services.submit(officer, office, expected_version=office.version)
    assert submitted.status == "submitted"


def test_the_schools_office_reviews_it_and_only_the_department_reviews_an_office(units: Cycle) -> None:
    cycle = _at(units, Stage.OFFICE_REVIEW)
    mine = _school_unit(cycle)
    officer, elsewhere = user("pgd.unghoa"), user("pgd.bavi")
    assert services.may_judge(officer, mine) and not services.may_judge(elsewhere, mine)
    judged = cycle.criteria_set.criteria.get(code="A4")
    score = Score.objects.get(submission=mine, criterion=judged)
    services.judge(
        officer,
        mine,
        judged,
        points=D(70),
        comment="Trường chủ trì chuyên đề có sản phẩm cụ thể.",
        evidence=evidence(),
        expected_version=score.version,
    )
    with pytest.raises(Forbidden):
        services.judge(
            elsewhere,
            mine,
            judged,
            points=D(10),
            comment="Không đúng phạm vi.",
            expected_version=score.version + 1,
        )
    office = Submission.objects.get(cycle=cycle, office_id=officer.office_id)
    assert not services.may_judge(officer, office)  # an office never reviews itself
    cycle = _at(cycle, Stage.DEPARTMENT_REVIEW)
    office.cycle = cycle
    assert services.may_judge(user("admin"), office) and not services.may_judge(officer, office)


def test_each_kind_of_unit_is_ranked_in_its_own_categories_and_awarded_within_its_cap(units: Cycle) -> None:
    cycle = _at(units, Stage.DEPARTMENT_REVIEW)
    services.advance(user("admin"), cycle, expected_version=cycle.version)
    for category in set(cycle.submissions.values_list("category", flat=True)):
        rows = list(cycle.submissions.filter(category=category))
        assert len({s.unit for s in rows}) == 1, category
        ranked = sorted(rows, key=lambda s: -s.total)
        assert min(s.rank for s in rows) == 1
        for better, worse in zip(ranked, ranked[1:], strict=False):
            assert better.rank <= worse.rank  # type: ignore[operator]
    tied = cycle.submissions.filter(unit=Unit.SCHOOL).exclude(tied_with="").first()
    if tied is not None:  # a tie between schools names the schools, not group numbers
        assert "nhóm" not in tied.tie_text and tied.tied_with.split(", ")[0] in tied.tie_text
    kind = AwardKind.objects.get(cap=2)
    found = services.candidates(cycle, kind)
    for category, candidates in found.items():
        assert sum(c.proposed or c.already for c in candidates) <= kind.cap, category
    assert any(c.startswith("school:") for c in found) and "office" in found
    created = services.propose_awards(user("admin"), cycle, kind)
    assert {a.submission.unit for a in created} >= {Unit.PARTNERSHIP, Unit.SCHOOL}
    assert all(a.submission.gates_met for a in created)


def test_a_school_sees_its_own_unit_and_no_other_schools(units: Cycle) -> None:
    mine = _school_unit(units)
    assert services.submission_for(user("ht.unghoa"), mine.pk) == mine
    assert services.submission_for(user("pgd.unghoa"), mine.pk) == mine  # its office
    with pytest.raises(Http404):
        services.submission_for(user("ht.hoangmai"), mine.pk)
    with pytest.raises(Http404):
        services.submission_for(user("pgd.bavi"), mine.pk)
    theirs = Submission.objects.get(cycle=units, office_id=user("pgd.bavi").office_id)
    with pytest.raises(Http404):
        services.submission_for(user("pgd.unghoa"), theirs.pk)


def test_a_follow_up_of_a_school_is_owned_by_it_and_carried_to_its_next_review(units: Cycle) -> None:
    cycle = _at(units, Stage.OFFICE_REVIEW)
    mine = _school_unit(cycle)
    officer = user("pgd.unghoa")
    partner = next(
        s
        for s in PartnershipMember.objects.filter(
            partnership_id__in=_partnerships_of(cycle, {mine.school_id})  # type: ignore[arg-type]
        ).values_list("school_id", flat=True)
        if s != mine.school_id
    )
    with pytest.raises(ReviewError) as owner:
        services.add_follow_up(
            officer,
            mine,
            description="Chủ trì một chuyên đề cấp trường.",
            owner_id=partner,
            due_on=dt.date.today() + dt.timedelta(days=30),
        )
    assert owner.value.field == "owner"
    follow_up = services.add_follow_up(
        officer,
        mine,
        description="Chủ trì một chuyên đề cấp trường.",
        owner_id=mine.school_id,  # type: ignore[arg-type]
        due_on=dt.date.today() + dt.timedelta(days=30),
    )
    later = Cycle.objects.filter(stage=Stage.SELF_ASSESSMENT, period_end__gt=cycle.period_end).first()
    assert later is not None and later.review_schools
    assert follow_up in services.open_follow_ups(
        Submission.objects.get(cycle=later, school_id=mine.school_id)
    )
    partnership = Submission.objects.filter(cycle=later, unit=Unit.PARTNERSHIP).first()
    assert partnership is not None and follow_up not in services.open_follow_ups(partnership)


def test_an_offices_own_cycle_reviews_its_schools_but_not_offices() -> None:
    admin, officer = user("admin"), user("pgd.unghoa")
    criteria_set = make_set(admin)
    with pytest.raises(ReviewError) as refused:
        services.open_cycle(officer, office=officer.office, review_offices=True, **cycle_values(criteria_set))
    assert refused.value.field == "review_offices"
    assert not Cycle.objects.filter(office=officer.office, name="Sơ kết thử").exists()
    mine = services.open_cycle(
        officer, office=officer.office, review_schools=True, **cycle_values(criteria_set)
    )
    schools = set(mine.submissions.filter(unit=Unit.SCHOOL).values_list("school_id", flat=True))
    managed = set(
        SchoolManagement.objects.filter(
            valid_between(mine.period_start, mine.period_end), office_id=officer.office_id
        ).values_list("school_id", flat=True)
    )
    assert schools and schools <= managed
    assert not mine.submissions.filter(unit=Unit.OFFICE).exists()
    # at its office review, the office's officers review its schools
    mine = _at(mine, Stage.OFFICE_REVIEW)
    school = mine.submissions.filter(unit=Unit.SCHOOL).first()
    assert school is not None and services.may_judge(officer, school)
    assert not Submission.objects.filter(~Q(unit=Unit.SCHOOL), cycle=mine, school__isnull=False).exists()


def test_a_secondment_counts_its_days_within_the_period_from_the_records() -> None:
    """The secondment rule on real records: a held secondment of a partnership, two days a week for four
    whole weeks inside the period, gives 8 days; reproduced from its link."""
    from chungtay.activities.models import ActivitySchool
    from chungtay.reviews.services import CriterionInput

    admin = user("admin")
    criteria = [
        CriterionInput("B1", "Ngày biệt phái", "secondment_days", D(50), D(16)),
        CriterionInput("B2", "Hoạt động", "activities_held", D(50), D(6)),
    ]
    cycle = services.open_cycle(
        admin, **cycle_values(make_set(admin, name="Bộ biệt phái", criteria=criteria))
    )
    submission = cycle.submissions.filter(unit=Unit.PARTNERSHIP).select_related("partnership").first()
    assert submission is not None and submission.partnership is not None
    host = submission.partnership.members.first()
    assert host is not None
    secondment = Activity.objects.create(
        department_id=submission.partnership.department_id,
        kind="secondment",
        title="Biệt phái giáo viên Toán",
        planned_on=dt.date(2023, 10, 2),
        held_on=dt.date(2023, 10, 2),
        ends_on=dt.date(2023, 10, 29),
        days_per_week=2,
        status=ActivityStatus.HELD,
        created_by=admin,
    )
    secondment.partnerships.add(submission.partnership)
    ActivitySchool.objects.create(activity=secondment, school=host.school, is_host=True)
    scoring.compute(cycle, [submission])
    score = Score.objects.get(submission=submission, criterion__code="B1")
    assert score.value == D(8) and score.points == D(50)  # 8 ÷ 16 × 100
    assert score.links == {"activity": [secondment.pk]}
    assert (scoring.reproduce(score).value, scoring.reproduce(score).points) == (D(8), D(50))
