"""Reviews through the API (issue 17): the same services, scope and rules as `/reviews/`. Cycles and
their criteria sets; each partnership's review with its scores and, for every computed score, the
records it counted ("why"); the self-assessment (each criterion's account, under the score's version;
submitting); the judgement of a reviewer (multipart, with its evidence file); moving a cycle on and
publishing; appeals and their decisions; awards proposed within their caps and revoked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from chungtay.accounts.http import AuthenticatedRequest
from chungtay.api.concurrency import expected_version
from chungtay.api.schemas import ERRORS, Page, Paging, RowId, page_of
from chungtay.core.errors import Forbidden
from chungtay.directory.models import Teacher
from chungtay.reviews import scoring, services
from chungtay.reviews.models import (
    Appeal,
    Award,
    AwardKind,
    CriteriaSet,
    Criterion,
    Cycle,
    Nomination,
    Score,
    Submission,
)

router = Router(tags=["reviews"])


class CriterionOut(Schema):
    id: int
    code: str
    label: str
    rule: str
    weight: Decimal
    target: Decimal | None
    gate: Decimal | None


class CriteriaSetOut(Schema):
    id: int
    name: str
    version: int
    basis_number: str
    basis_title: str
    basis_article: str
    basis_date: dt.date
    effective_from: dt.date
    effective_to: dt.date | None
    criteria: list[CriterionOut]


class CriterionIn(Schema):
    code: str = Field(..., min_length=1, max_length=12)
    label: str = Field(..., min_length=1, max_length=300)
    rule: Literal[
        "activities_held",
        "topics_hosted",
        "participation",
        "reciprocity",
        "commitments_met",
        "agreement_in_force",
        "support_delivered",
        "judgement",
    ]
    weight: Decimal = Field(..., max_digits=5, decimal_places=2)
    target: Decimal | None = Field(None, max_digits=10, decimal_places=2)
    gate: Decimal | None = Field(None, max_digits=5, decimal_places=2)


class CriteriaSetIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    basis_number: str = Field(..., min_length=1, max_length=80)
    basis_title: str = Field(..., min_length=1, max_length=300)
    basis_article: str = Field("", max_length=120)
    basis_date: dt.date
    effective_from: dt.date
    effective_to: dt.date | None = None
    criteria: list[CriterionIn] = Field(..., max_length=50)


class CycleOut(Schema):
    id: int
    kind: str
    name: str
    office: str | None
    period_start: dt.date
    period_end: dt.date
    criteria_set: int
    self_opens: dt.date
    self_closes: dt.date
    office_review_by: dt.date
    department_review_by: dt.date
    publish_by: dt.date
    appeal_days: int
    appeal_until: dt.date | None
    stage: str = Field(..., description="self, office, department, published")
    published_at: dt.datetime | None
    review_schools: bool
    review_offices: bool
    version: int


class CycleIn(Schema):
    kind: Literal["interim", "final"]
    name: str = Field(..., min_length=1, max_length=300)
    criteria_set: RowId
    period_start: dt.date
    period_end: dt.date
    self_opens: dt.date
    self_closes: dt.date
    office_review_by: dt.date
    department_review_by: dt.date
    publish_by: dt.date
    appeal_days: int = Field(10, ge=0, le=90)
    review_schools: bool = Field(False, description="also review each school over its partnerships")
    review_offices: bool = Field(False, description="also review each district office (department cycles)")


class VersionIn(Schema):
    version: int | None = Field(None, ge=1, description="the version read (or If-Match)")


class ScoreOut(Schema):
    id: int
    criterion: str
    rule: str
    value: Decimal | None
    points: Decimal | None = Field(..., description="0–100; null: does not count (or not scored yet)")
    inputs: dict[str, str]
    records: dict[str, int] = Field(..., description="how many records of each kind were counted")
    why: str = Field(..., description="the records themselves: GET this address")
    narrative: str
    comment: str
    version: int


class SubmissionOut(Schema):
    id: int
    cycle: int
    unit: str = Field(..., description="partnership, school or office")
    unit_name: str
    partnership: int | None
    partnership_name: str | None
    school: str | None = Field(None, description="the reviewed school's MOET ID")
    office: str | None = Field(None, description="the reviewed office's code")
    category: str
    status: str
    submitted_at: dt.datetime | None
    late: bool
    total: Decimal
    gates_met: bool
    rank: int | None
    tied_with: str
    version: int


class SubmissionDetailOut(SubmissionOut):
    scores: list[ScoreOut]


class WhyOut(Schema):
    score: int
    value: Decimal | None
    points: Decimal | None
    records: dict[str, list[int]]
    reproduced_value: Decimal | None
    reproduced_points: Decimal | None
    matches: bool = Field(..., description="the records still give the stored score")


class NarrativeIn(Schema):
    narrative: str = Field("", max_length=5000)
    version: int | None = Field(None, ge=1)


class AppealIn(Schema):
    criterion: RowId
    reason: str = Field(..., max_length=5000)


class AppealOut(Schema):
    id: int
    submission: int
    criterion: str
    reason: str
    status: str
    decision: str
    created_at: dt.datetime
    decided_at: dt.datetime | None


class DecisionIn(Schema):
    upheld: bool
    decision: str = Field(..., max_length=5000)
    points: Decimal | None = Field(None, max_digits=5, decimal_places=2)


class AwardIn(Schema):
    kind: RowId


class AwardOut(Schema):
    id: int
    kind: str
    submission: int
    partnership: int | None
    status: str
    snapshot: dict[str, Any]
    revoke_reason: str


class ReasonIn(Schema):
    reason: str = Field(..., max_length=5000)


def _cycle_out(cycle: Cycle) -> dict[str, Any]:
    return {
        "id": cycle.pk,
        "kind": cycle.kind,
        "name": cycle.name,
        "office": cycle.office.name if cycle.office_id and cycle.office else None,
        "period_start": cycle.period_start,
        "period_end": cycle.period_end,
        "criteria_set": cycle.criteria_set_id,
        "self_opens": cycle.self_opens,
        "self_closes": cycle.self_closes,
        "office_review_by": cycle.office_review_by,
        "department_review_by": cycle.department_review_by,
        "publish_by": cycle.publish_by,
        "appeal_days": cycle.appeal_days,
        "appeal_until": services.appeal_deadline(cycle),
        "stage": cycle.stage,
        "published_at": cycle.published_at,
        "review_schools": cycle.review_schools,
        "review_offices": cycle.review_offices,
        "version": cycle.version,
    }


def _set_out(criteria_set: CriteriaSet) -> dict[str, Any]:
    return {
        **{
            name: getattr(criteria_set, name)
            for name in (
                "name",
                "version",
                "basis_number",
                "basis_title",
                "basis_article",
                "basis_date",
                "effective_from",
                "effective_to",
            )
        },
        "id": criteria_set.pk,
        "criteria": [
            {
                "id": c.pk,
                "code": c.code,
                "label": c.label,
                "rule": c.rule,
                "weight": c.weight,
                "target": c.target,
                "gate": c.gate,
            }
            for c in criteria_set.criteria.all()
        ],
    }


def _submission_out(submission: Submission) -> dict[str, Any]:
    return {
        "id": submission.pk,
        "cycle": submission.cycle_id,
        "unit": submission.unit,
        "unit_name": submission.unit_name,
        "partnership": submission.partnership_id,
        "partnership_name": submission.partnership.name if submission.partnership else None,
        "school": submission.school.moet_id if submission.school else None,
        "office": submission.office.code if submission.office else None,
        "category": submission.category,
        "status": submission.status,
        "submitted_at": submission.submitted_at,
        "late": submission.late,
        "total": submission.total,
        "gates_met": submission.gates_met,
        "rank": submission.rank,
        "tied_with": submission.tied_with,
        "version": submission.version,
    }


def _score_out(score: Score, records: bool) -> dict[str, Any]:
    links: dict[str, list[int]] = score.links if records else {}
    return {
        "id": score.pk,
        "criterion": score.criterion.code,
        "rule": score.criterion.rule,
        "value": score.value,
        "points": score.points,
        "inputs": score.inputs,
        "records": {key: len(ids) for key, ids in links.items()},
        "why": reverse("api:review_score_why", args=[score.pk]) if records and links else "",
        "narrative": score.narrative,
        "comment": score.comment,
        "version": score.version,
    }


def _detail(user: Any, submission: Submission) -> dict[str, Any]:
    records = services.submissions_visible_to(user).filter(pk=submission.pk).exists()
    scores = submission.scores.select_related("criterion").order_by("criterion__position")
    return {**_submission_out(submission), "scores": [_score_out(s, records) for s in scores]}


def _criterion(submission: Submission, pk: int) -> Criterion:
    criterion = Criterion.objects.filter(pk=pk, criteria_set_id=submission.cycle.criteria_set_id).first()
    if criterion is None:
        raise Http404
    return criterion


# --- Criteria sets and cycles ----------------------------------------------------------------------


@router.get("/reviews/criteria-sets", response={200: Page[CriteriaSetOut], **ERRORS}, summary="Criteria sets")
def review_list_sets(request: AuthenticatedRequest, paging: Query[Paging]) -> dict[str, Any]:
    department = services.home_department_of(request.user)
    rows: QuerySet[CriteriaSet] = CriteriaSet.objects.filter(department=department).prefetch_related(
        "criteria"
    )
    return page_of(rows, paging, _set_out)


@router.post("/reviews/criteria-sets", response={201: CriteriaSetOut, **ERRORS}, summary="New criteria set")
def review_create_set(request: AuthenticatedRequest, payload: CriteriaSetIn) -> Status[dict[str, Any]]:
    values = payload.dict()
    criteria = [services.CriterionInput(**c) for c in values.pop("criteria")]
    created = services.create_criteria_set(request.user, criteria=criteria, **values)
    return Status(201, _set_out(created))


@router.get(
    "/reviews/cycles", response={200: Page[CycleOut], **ERRORS}, summary="Review cycles / Đợt đánh giá"
)
def review_list_cycles(request: AuthenticatedRequest, paging: Query[Paging]) -> dict[str, Any]:
    return page_of(services.cycles_visible_to(request.user), paging, _cycle_out)


@router.post("/reviews/cycles", response={201: CycleOut, **ERRORS}, summary="Open a review cycle")
def review_open_cycle(request: AuthenticatedRequest, payload: CycleIn) -> Status[dict[str, Any]]:
    if not services.may_open(request.user):
        raise Forbidden(services.NOT_RUNNER)
    department = services.home_department_of(request.user)
    values = payload.dict()
    criteria_set = CriteriaSet.objects.filter(pk=values.pop("criteria_set"), department=department).first()
    if criteria_set is None:
        raise Http404
    cycle = services.open_cycle(
        request.user, criteria_set=criteria_set, office=services.own_office(request.user), **values
    )
    return Status(201, _cycle_out(cycle))


@router.get("/reviews/cycles/{cycle_id}", response={200: CycleOut, **ERRORS}, summary="One review cycle")
def review_get_cycle(request: AuthenticatedRequest, cycle_id: RowId) -> dict[str, Any]:
    return _cycle_out(services.cycle_for(request.user, cycle_id))


@router.post(
    "/reviews/cycles/{cycle_id}/advance",
    response={200: CycleOut, **ERRORS},
    summary="Move a cycle to its next stage (the last publishes)",
)
def review_advance_cycle(
    request: AuthenticatedRequest, cycle_id: RowId, payload: VersionIn
) -> dict[str, Any]:
    cycle = services.cycle_for(request.user, cycle_id)
    services.advance(request.user, cycle, expected_version=expected_version(request, payload.version))
    return _cycle_out(cycle)


@router.get(
    "/reviews/cycles/{cycle_id}/submissions",
    response={200: Page[SubmissionOut], **ERRORS},
    summary="The units reviewed: partnerships, schools, offices (all of them once published)",
)
def review_list_submissions(
    request: AuthenticatedRequest, cycle_id: RowId, paging: Query[Paging]
) -> dict[str, Any]:
    cycle = services.cycle_for(request.user, cycle_id)
    rows = (
        cycle.submissions.select_related("partnership", "school", "office")
        if cycle.stage == "published"
        else (services.submissions_visible_to(request.user, cycle))
    )
    ordered = rows.order_by(
        "unit", "category", "rank", "partnership__number", "school__sort_key", "office__code"
    )
    return page_of(ordered, paging, _submission_out)


# --- A unit's review ------------------------------------------------------------------------------


@router.get(
    "/reviews/submissions/{submission_id}",
    response={200: SubmissionDetailOut, **ERRORS},
    summary="A unit's review with its scores",
)
def review_get_submission(request: AuthenticatedRequest, submission_id: RowId) -> dict[str, Any]:
    return _detail(request.user, services.submission_for(request.user, submission_id))


@router.get(
    "/reviews/scores/{score_id}/why",
    response={200: WhyOut, **ERRORS},
    summary="Why this score: the records counted, and the rule run again on them",
)
def review_score_why(request: AuthenticatedRequest, score_id: RowId) -> dict[str, Any]:
    score = Score.objects.select_related("criterion", "submission__cycle").filter(pk=score_id).first()
    if score is None:
        raise Http404
    services.submission_for(request.user, score.submission_id, records=True)
    services.check_computed(score)
    again = scoring.reproduce(score)
    return {
        "score": score.pk,
        "value": score.value,
        "points": score.points,
        "records": score.links,
        "reproduced_value": again.value,
        "reproduced_points": again.points,
        "matches": (again.value, again.points) == (score.value, score.points),
    }


@router.put(
    "/reviews/submissions/{submission_id}/criteria/{criterion_id}/narrative",
    response={200: ScoreOut, **ERRORS},
    summary="The school's account of one criterion (self-assessment)",
)
def review_put_narrative(
    request: AuthenticatedRequest, submission_id: RowId, criterion_id: RowId, payload: NarrativeIn
) -> dict[str, Any]:
    submission = services.submission_for(request.user, submission_id)
    criterion = _criterion(submission, criterion_id)
    score = services.save_narrative(
        request.user,
        submission,
        criterion,
        narrative=payload.narrative,
        expected_version=expected_version(request, payload.version),
    )
    return _score_out(score, True)


@router.post(
    "/reviews/submissions/{submission_id}/submit",
    response={200: SubmissionOut, **ERRORS},
    summary="Submit the self-assessment",
)
def review_submit(request: AuthenticatedRequest, submission_id: RowId, payload: VersionIn) -> dict[str, Any]:
    submission = services.submission_for(request.user, submission_id)
    services.submit(request.user, submission, expected_version=expected_version(request, payload.version))
    return _submission_out(submission)


@router.post(
    "/reviews/submissions/{submission_id}/criteria/{criterion_id}/judgement",
    response={200: ScoreOut, **ERRORS},
    summary="Score a judgement criterion (reviewer), with a comment and the evidence file",
)
def review_judge(
    request: AuthenticatedRequest,
    submission_id: RowId,
    criterion_id: RowId,
    points: Form[Decimal],
    comment: Form[str],
    version: Form[int],
    evidence: UploadedFile | None = File(None),
) -> dict[str, Any]:
    submission = services.submission_for(request.user, submission_id)
    criterion = _criterion(submission, criterion_id)
    score = services.judge(
        request.user,
        submission,
        criterion,
        points=points,
        comment=comment[:5000],
        evidence=evidence,
        expected_version=version,
    )
    return _score_out(score, True)


@router.post(
    "/reviews/submissions/{submission_id}/appeals",
    response={201: AppealOut, **ERRORS},
    summary="Appeal one criterion's score within the window",
)
def review_file_appeal(
    request: AuthenticatedRequest, submission_id: RowId, payload: AppealIn
) -> Status[dict[str, Any]]:
    submission = services.submission_for(request.user, submission_id)
    appeal = services.file_appeal(
        request.user, submission, _criterion(submission, payload.criterion), reason=payload.reason
    )
    return Status(201, _appeal_out(appeal))


def _appeal_out(appeal: Appeal) -> dict[str, Any]:
    return {
        "id": appeal.pk,
        "submission": appeal.submission_id,
        "criterion": appeal.criterion.code,
        "reason": appeal.reason,
        "status": appeal.status,
        "decision": appeal.decision,
        "created_at": appeal.created_at,
        "decided_at": appeal.decided_at,
    }


@router.get(
    "/reviews/submissions/{submission_id}/appeals",
    response={200: list[AppealOut], **ERRORS},
    summary="A partnership's appeals",
)
def review_list_appeals(request: AuthenticatedRequest, submission_id: RowId) -> list[dict[str, Any]]:
    submission = services.submission_for(request.user, submission_id)
    return [_appeal_out(a) for a in submission.appeals.select_related("criterion")]


@router.post(
    "/reviews/appeals/{appeal_id}/decision",
    response={200: AppealOut, **ERRORS},
    summary="Decide an appeal with a reason",
)
def review_decide_appeal(
    request: AuthenticatedRequest, appeal_id: RowId, payload: DecisionIn
) -> dict[str, Any]:
    appeal = Appeal.objects.select_related("submission__cycle", "criterion").filter(pk=appeal_id).first()
    if appeal is None:
        raise Http404
    services.cycle_for(request.user, appeal.submission.cycle_id)
    services.decide_appeal(
        request.user, appeal, upheld=payload.upheld, decision=payload.decision, points=payload.points
    )
    return _appeal_out(appeal)


# --- Awards -------------------------------------------------------------------------------------------


def _award_out(award: Award) -> dict[str, Any]:
    return {
        "id": award.pk,
        "kind": award.kind.name,
        "submission": award.submission_id,
        "partnership": award.submission.partnership_id,
        "status": award.status,
        "snapshot": award.snapshot,
        "revoke_reason": award.revoke_reason,
    }


@router.get("/reviews/cycles/{cycle_id}/awards", response={200: list[AwardOut], **ERRORS}, summary="Awards")
def review_list_awards(request: AuthenticatedRequest, cycle_id: RowId) -> list[dict[str, Any]]:
    cycle = services.cycle_for(request.user, cycle_id)
    if cycle.stage != "published":
        return []
    return [_award_out(a) for a in cycle.awards.select_related("kind", "submission")]


@router.post(
    "/reviews/cycles/{cycle_id}/awards",
    response={201: list[AwardOut], **ERRORS},
    summary="Propose awards of one kind from the ranking, within its cap",
)
def review_propose(
    request: AuthenticatedRequest, cycle_id: RowId, payload: AwardIn
) -> Status[list[dict[str, Any]]]:
    cycle = services.cycle_for(request.user, cycle_id)
    kind = AwardKind.objects.filter(pk=payload.kind, department=cycle.department_id).first()
    if kind is None:
        raise Http404
    awards = services.propose_awards(request.user, cycle, kind)
    return Status(201, [_award_out(a) for a in awards])


@router.post(
    "/reviews/awards/{award_id}/revoke", response={200: AwardOut, **ERRORS}, summary="Revoke an award"
)
def review_revoke(request: AuthenticatedRequest, award_id: RowId, payload: ReasonIn) -> dict[str, Any]:
    award = Award.objects.select_related("cycle", "submission", "kind").filter(pk=award_id).first()
    if award is None:
        raise Http404
    services.cycle_for(request.user, award.cycle_id)
    return _award_out(services.revoke_award(request.user, award, reason=payload.reason))


# --- Individuals --------------------------------------------------------------------------------------


class NominationOut(Schema):
    id: int
    teacher: int
    teacher_name: str
    school: str
    statement: str
    participations: int = Field(..., description="counted from the records over the cycle's period")
    topics_hosted: int
    secondment_days: int
    tutoring_days: int


class NominationIn(Schema):
    teacher: RowId
    statement: str = Field(..., max_length=5000)


def _nominations_out(cycle: Cycle, rows: list[Nomination]) -> list[dict[str, Any]]:
    counted = scoring.contributions(cycle, {n.teacher_id: n.school_id for n in rows})
    return [
        {
            "id": n.pk,
            "teacher": n.teacher_id,
            "teacher_name": n.teacher.full_name,
            "school": n.school.name,
            "statement": n.statement,
            "participations": counted[n.teacher_id].participations,
            "topics_hosted": counted[n.teacher_id].topics_hosted,
            "secondment_days": counted[n.teacher_id].secondment_days,
            "tutoring_days": counted[n.teacher_id].tutoring_days,
        }
        for n in rows
    ]


@router.get(
    "/reviews/cycles/{cycle_id}/nominations",
    response={200: list[NominationOut], **ERRORS},
    summary="Teachers nominated by their schools, with their contributions",
)
def review_list_nominations(request: AuthenticatedRequest, cycle_id: RowId) -> list[dict[str, Any]]:
    cycle = services.cycle_for(request.user, cycle_id)
    return _nominations_out(cycle, list(services.nominations_visible_to(request.user, cycle)[:500]))


@router.post(
    "/reviews/cycles/{cycle_id}/nominations",
    response={201: NominationOut, **ERRORS},
    summary="Nominate a teacher of your school (a school leader)",
)
def review_nominate(
    request: AuthenticatedRequest, cycle_id: RowId, payload: NominationIn
) -> Status[dict[str, Any]]:
    cycle = services.cycle_for(request.user, cycle_id)
    teacher = Teacher.objects.filter(pk=payload.teacher).first()
    if teacher is None:
        raise Http404
    nomination = services.nominate(request.user, cycle, teacher, statement=payload.statement)
    return Status(201, _nominations_out(cycle, [nomination])[0])
