"""Partnership endpoints: twinnings, partnerships and their members, agreements and their lifecycle,
self-assessments and the overview. Every write goes through `chungtay.partnerships.services`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from chungtay.access.scopes import school_for_user, schools_visible_to, twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.analytics.figures import signed_schools
from chungtay.api.concurrency import expected_version
from chungtay.api.schemas import ERRORS
from chungtay.core.dates import today
from chungtay.core.errors import DomainError, Forbidden
from chungtay.directory.models import DevelopmentArea, SchoolYear, SelfAssessment
from chungtay.directory.services import record_self_assessment
from chungtay.partnerships import exceptions as e
from chungtay.partnerships import services
from chungtay.partnerships.models import Agreement, AgreementKind, Partnership, Side
from chungtay.partnerships.selectors import (
    agreement_for_user,
    department_overview,
    members_on,
    partnership_for_user,
    partnership_list,
)

router = Router(tags=["partnerships"])


class TwinningOut(Schema):
    id: int
    supporting_office: str
    supported_office: str
    starts_on: dt.date
    status: str


class MemberOut(Schema):
    moet_id: str
    name: str
    side: str
    role: str
    joined_on: dt.date | None
    left_on: dt.date | None


class PartnershipOut(Schema):
    id: int
    number: int
    name: str
    level: str
    status: str
    is_pilot: bool
    pilot_wave: int | None
    twinning_id: int | None
    starts_on: dt.date
    version: int
    members: list[MemberOut]


class PartnershipPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[PartnershipOut]


class MemberIn(Schema):
    moet_id: str = Field(..., max_length=20)
    side: Side


class PartnershipIn(Schema):
    twinning_id: int | None = Field(
        None, description="null: directly under the department (administrator only)"
    )
    members: list[MemberIn] = Field(..., min_length=2, max_length=50)
    starts_on: dt.date
    is_pilot: bool = False
    pilot_wave: int | None = Field(None, ge=1, le=20)
    level_override_reason: str = Field("", max_length=500)
    name: str = Field("", max_length=300)


class JoinIn(Schema):
    moet_id: str = Field(..., max_length=20)
    side: Side
    joined_on: dt.date


class LeaveIn(Schema):
    left_on: dt.date


class SignatureOut(Schema):
    moet_id: str
    signer_name: str
    position: str
    signed_at: dt.datetime


class CommitmentOut(Schema):
    id: int
    moet_id: str
    area: str
    description: str
    target_value: Decimal | None
    target_unit: str
    due_on: dt.date | None
    status: str


class AgreementOut(Schema):
    id: int
    partnership_id: int
    kind: str
    number: str
    title: str
    terms: str
    status: str
    amendment_no: int
    previous_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    activated_on: dt.date | None
    version: int
    signatures: list[SignatureOut]
    commitments: list[CommitmentOut]


class AgreementIn(Schema):
    kind: AgreementKind = AgreementKind.MEMORANDUM
    title: str = Field(..., min_length=1, max_length=300)
    terms: str = Field("", max_length=20000)
    number: str = Field("", max_length=60)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class AgreementEdit(AgreementIn):
    version: int | None = Field(
        None, ge=1, le=2_147_483_647, description="the version you read (or send If-Match); stale: 409 (412)"
    )


class CommitmentIn(Schema):
    moet_id: str = Field(..., max_length=20)
    area: DevelopmentArea
    description: str = Field(..., min_length=1, max_length=500)
    target_value: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    target_unit: str = Field("", max_length=60)
    due_on: dt.date | None = None


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class AssessmentIn(Schema):
    scores: dict[DevelopmentArea, int] = Field(..., description="area -> 1..5")
    notes: dict[DevelopmentArea, str] = Field(default_factory=dict)


class AssessmentOut(Schema):
    school_year: str
    area: str
    score: int
    note: str


class PartnershipQuery(Schema):
    status: str | None = Field(None, pattern=r"^(pending|active|completed|cancelled)$")
    level: str | None = Field(None, pattern=r"^(mn|th|thcs|thpt|gdnn_gdtx|mixed)$")
    pilot: bool | None = None
    search: str | None = Field(None, max_length=100)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=500)


def _partnership_out(partnership: Partnership, members: Any = None) -> dict[str, Any]:
    rows = members if members is not None else members_on(partnership, today())
    return {
        "id": partnership.pk,
        "number": partnership.number,
        "name": partnership.name,
        "level": partnership.level,
        "status": partnership.status,
        "is_pilot": partnership.is_pilot,
        "pilot_wave": partnership.pilot_wave,
        "twinning_id": partnership.twinning_id,
        "starts_on": partnership.starts_on,
        "version": partnership.version,
        "members": [
            {
                "moet_id": m.school.moet_id,
                "name": m.school.name,
                "side": m.side,
                "role": m.role,
                "joined_on": m.valid_from,
                "left_on": m.valid_to,
            }
            for m in rows
        ],
    }


def _agreement_out(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "partnership_id": agreement.partnership_id,
        "kind": agreement.kind,
        "number": agreement.number,
        "title": agreement.title,
        "terms": agreement.terms,
        "status": agreement.status,
        "amendment_no": agreement.amendment_no,
        "previous_id": agreement.previous_id,
        "valid_from": agreement.valid_from,
        "valid_to": agreement.valid_to,
        "activated_on": agreement.activated_on,
        "version": agreement.version,
        "signatures": [
            {
                "moet_id": s.school.moet_id,
                "signer_name": s.signer_name,
                "position": s.position,
                "signed_at": s.signed_at,
            }
            for s in agreement.signatures.select_related("school")
        ],
        "commitments": [
            {
                "id": c.pk,
                "moet_id": c.school.moet_id,
                "area": c.area,
                "description": c.description,
                "target_value": c.target_value,
                "target_unit": c.target_unit,
                "due_on": c.due_on,
                "status": c.status,
            }
            for c in agreement.commitments.select_related("school")
        ],
    }


def _school(request: AuthenticatedRequest, moet_id: str) -> Any:
    school = schools_visible_to(request.user).filter(moet_id=moet_id).first()
    if school is None:
        raise DomainError(e.SCHOOL_NOT_VISIBLE % {"moet_id": moet_id[:20]}, code="not_found")
    return school


@router.get(
    "/twinnings",
    response={200: list[TwinningOut], **ERRORS},
    summary="Office twinnings / Kết nghĩa cấp phòng",
)
def list_twinnings(request: AuthenticatedRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": t.pk,
            "supporting_office": t.supporting_office.name,
            "supported_office": t.supported_office.name,
            "starts_on": t.starts_on,
            "status": t.status,
        }
        for t in twinnings_visible_to(request.user).order_by("pk")
    ]


@router.get(
    "/partnerships", response={200: PartnershipPage, **ERRORS}, summary="Partnerships / Nhóm kết nghĩa"
)
def list_partnerships(request: AuthenticatedRequest, filters: Query[PartnershipQuery]) -> dict[str, Any]:
    rows = partnership_list(
        request.user,
        day=today(),
        status=filters.status or "",
        level=filters.level or "",
        pilot=filters.pilot,
        query=filters.search or "",
    )
    count = rows.count()
    start = (filters.page - 1) * filters.page_size
    page = list(rows[start : start + filters.page_size])
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [_partnership_out(p, p.current_members) for p in page],  # type: ignore[attr-defined]
    }


@router.get("/partnerships/{pk}", response={200: PartnershipOut, **ERRORS}, summary="One partnership")
def get_partnership(request: AuthenticatedRequest, pk: int) -> dict[str, Any]:
    return _partnership_out(partnership_for_user(request.user, pk))


@router.post(
    "/partnerships", response={201: PartnershipOut, **ERRORS}, summary="Create a pair or group / Lập nhóm"
)
def create_partnership(request: AuthenticatedRequest, payload: PartnershipIn) -> Status[dict[str, Any]]:
    twinning = None
    if payload.twinning_id is not None:
        twinning = twinnings_visible_to(request.user).filter(pk=payload.twinning_id).first()
        if twinning is None:
            raise Http404
    members = [(_school(request, m.moet_id), m.side) for m in payload.members]
    partnership = services.create_partnership(
        acting_user=request.user,
        twinning=twinning,
        members=members,
        starts_on=payload.starts_on,
        is_pilot=payload.is_pilot,
        pilot_wave=payload.pilot_wave,
        level_override_reason=payload.level_override_reason,
        name=payload.name,
    )
    return Status(201, _partnership_out(partnership))


@router.post("/partnerships/{pk}/members", response={201: PartnershipOut, **ERRORS}, summary="Add a member")
def add_member(request: AuthenticatedRequest, pk: int, payload: JoinIn) -> Status[dict[str, Any]]:
    partnership = partnership_for_user(request.user, pk, manage=True)
    services.add_member(
        acting_user=request.user,
        partnership=partnership,
        school=_school(request, payload.moet_id),
        side=payload.side,
        joined_on=payload.joined_on,
    )
    return Status(201, _partnership_out(partnership))


@router.post(
    "/partnerships/{pk}/members/{moet_id}/leave",
    response={200: PartnershipOut, **ERRORS},
    summary="A member leaves",
)
def leave(request: AuthenticatedRequest, pk: int, moet_id: str, payload: LeaveIn) -> dict[str, Any]:
    partnership = partnership_for_user(request.user, pk, manage=True)
    services.remove_member(
        acting_user=request.user,
        partnership=partnership,
        school=_school(request, moet_id),
        left_on=payload.left_on,
    )
    return _partnership_out(partnership)


@router.post(
    "/partnerships/{pk}/agreements", response={201: AgreementOut, **ERRORS}, summary="Draft an agreement"
)
def create_agreement(request: AuthenticatedRequest, pk: int, payload: AgreementIn) -> Status[dict[str, Any]]:
    partnership = partnership_for_user(request.user, pk, draft=True)
    agreement = services.draft_agreement(acting_user=request.user, partnership=partnership, **payload.dict())
    return Status(201, _agreement_out(agreement))


@router.get("/agreements/{pk}", response={200: AgreementOut, **ERRORS}, summary="One agreement / Văn bản")
def get_agreement(request: AuthenticatedRequest, pk: int) -> dict[str, Any]:
    return _agreement_out(agreement_for_user(request.user, pk))


@router.patch(
    "/agreements/{pk}", response={200: AgreementOut, **ERRORS}, summary="Edit a draft (version-checked)"
)
def edit_agreement(request: AuthenticatedRequest, pk: int, payload: AgreementEdit) -> dict[str, Any]:
    agreement = agreement_for_user(request.user, pk)
    data = payload.dict()
    data.pop("kind")
    version = expected_version(request, data.pop("version"))
    agreement = services.edit_agreement(
        acting_user=request.user, agreement=agreement, expected_version=version, **data
    )
    return _agreement_out(agreement)


@router.post(
    "/agreements/{pk}/commitments", response={201: AgreementOut, **ERRORS}, summary="Add a commitment"
)
def add_commitment(request: AuthenticatedRequest, pk: int, payload: CommitmentIn) -> Status[dict[str, Any]]:
    agreement = agreement_for_user(request.user, pk)
    data = payload.dict()
    school = _school(request, data.pop("moet_id"))
    services.add_commitment(acting_user=request.user, agreement=agreement, school=school, **data)
    return Status(201, _agreement_out(agreement))


@router.post("/agreements/{pk}/send", response={200: AgreementOut, **ERRORS}, summary="Send for signature")
def send(request: AuthenticatedRequest, pk: int) -> dict[str, Any]:
    agreement = agreement_for_user(request.user, pk)
    return _agreement_out(services.send_for_signature(acting_user=request.user, agreement=agreement))


@router.post(
    "/agreements/{pk}/sign", response={200: AgreementOut, **ERRORS}, summary="Sign for your school / Ký"
)
def sign(request: AuthenticatedRequest, pk: int) -> dict[str, Any]:
    agreement = agreement_for_user(request.user, pk)
    user = request.user
    if user.school is None:
        raise Forbidden(e.ONLY_LEADER_SIGNS % {"school": "—"})
    services.sign_agreement(acting_user=user, agreement=agreement, school=user.school)
    agreement.refresh_from_db()
    return _agreement_out(agreement)


@router.post("/agreements/{pk}/terminate", response={200: AgreementOut, **ERRORS}, summary="Terminate")
def terminate(request: AuthenticatedRequest, pk: int, payload: ReasonIn) -> dict[str, Any]:
    agreement = agreement_for_user(request.user, pk)
    return _agreement_out(
        services.terminate_agreement(acting_user=request.user, agreement=agreement, reason=payload.reason)
    )


@router.post("/agreements/{pk}/amend", response={201: AgreementOut, **ERRORS}, summary="Amend (new version)")
def amend(request: AuthenticatedRequest, pk: int) -> Status[dict[str, Any]]:
    agreement = agreement_for_user(request.user, pk)
    return Status(
        201, _agreement_out(services.amend_agreement(acting_user=request.user, agreement=agreement))
    )


@router.get(
    "/schools/{moet_id}/assessments",
    response={200: list[AssessmentOut], **ERRORS},
    tags=["directory"],
    summary="Self-assessments",
)
def list_assessments(request: AuthenticatedRequest, moet_id: str) -> list[dict[str, Any]]:
    school = school_for_user(request.user, moet_id[:20])
    rows = (
        SelfAssessment.objects.filter(school=school)
        .select_related("school_year")
        .order_by("school_year__start_year", "area")
    )
    return [
        {"school_year": r.school_year.label, "area": r.area, "score": r.score, "note": r.note} for r in rows
    ]


@router.put(
    "/schools/{moet_id}/assessments/{start_year}",
    response={200: list[AssessmentOut], **ERRORS},
    tags=["directory"],
    summary="Record a self-assessment",
)
def put_assessment(
    request: AuthenticatedRequest, moet_id: str, start_year: int, payload: AssessmentIn
) -> list[dict[str, Any]]:
    year = SchoolYear.objects.filter(start_year=start_year).first()
    if year is None:
        raise Http404
    scores = {str(area): (score, payload.notes.get(area, "")) for area, score in payload.scores.items()}
    rows = record_self_assessment(
        acting_user=request.user, moet_id=moet_id[:20], school_year=year, scores=scores
    )
    return [{"school_year": year.label, "area": r.area, "score": r.score, "note": r.note} for r in rows]


@router.get("/overview", response={200: dict[str, Any], **ERRORS}, summary="Movement figures / Tổng quan")
def overview(request: AuthenticatedRequest) -> dict[str, Any]:
    data = {**department_overview(request.user, today()), **signed_schools(request.user)}
    data["partnerships_by_status"] = [[str(label), n] for label, n in data["partnerships_by_status"]]  # type: ignore[attr-defined]
    data["agreements_by_status"] = [[str(label), n] for label, n in data["agreements_by_status"]]  # type: ignore[attr-defined]
    return data
