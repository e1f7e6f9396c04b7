"""Support endpoints: the ledger (list, figures, one record, record a gift). Pupils appear only as counts,
suppressed below 5, except to the receiving school's own leader, who may name them by code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from chungtay.access.scopes import partnerships_visible_to, school_for_user
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import User
from chungtay.api.concurrency import expected_version
from chungtay.api.schemas import ERRORS, Paging, RowId, page_of
from chungtay.core.errors import DomainError
from chungtay.core.privacy import suppress_small
from chungtay.support import exceptions as e
from chungtay.support import services
from chungtay.support.models import Beneficiary, DonorKind, SupportKind, SupportRecord
from chungtay.support.selectors import (
    SupportFilter,
    sees_pupils_of,
    support_figures,
    support_for_user,
    support_list,
)

router = Router(tags=["support"])


class DonorOut(Schema):
    kind: DonorKind
    name: str
    moet_id: str | None


class SupportOut(Schema):
    id: int
    kind: SupportKind
    quantity: Decimal
    unit: str
    value_vnd: int | None
    given_on: dt.date
    donor: DonorOut
    receiving_moet_id: str
    partnership_id: int | None
    programme: str
    description: str
    pupils: int | None = Field(..., description="pupils supported; null when 1–4 (suppressed) / null khi 1–4")
    pupil_codes: list[str] | None = Field(None, description="only for the receiving school's leader")
    version: int


class SupportPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[SupportOut]


class DonorIn(Schema):
    kind: DonorKind
    name: str = Field("", max_length=200, description="for a business, agency, person")
    moet_id: str | None = Field(None, max_length=20, description="for a school")


class SupportIn(Schema):
    kind: SupportKind
    quantity: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    unit: str = Field(..., min_length=1, max_length=40, examples=["suất"])
    value_vnd: int | None = Field(None, ge=0, le=10**15)
    given_on: dt.date
    donor: DonorIn
    receiving_moet_id: str = Field(..., max_length=20)
    partnership_id: RowId | None = None
    programme: str = Field("", max_length=200)
    description: str = Field("", max_length=300)
    pupil_codes: list[str] = Field(default_factory=list, max_length=500)


class KindFigureOut(Schema):
    kind: str
    unit: str
    records: int
    quantity: Decimal
    value_vnd: int
    pupils: int | None


class SupportFiguresOut(Schema):
    records: int
    value_vnd: int
    pupils: int | None
    by_kind: list[KindFigureOut]


class SupportQuery(Schema):
    kind: SupportKind | None = None
    school_year: int | None = Field(None, ge=2000, le=2100)
    partnership: RowId | None = None
    school: str | None = Field(None, max_length=20)
    search: str | None = Field(None, max_length=100)


def _out(user: User, r: SupportRecord) -> dict[str, Any]:
    pupils = list(r.beneficiaries.all())
    own = sees_pupils_of(user, r.receiving_school)
    return {
        "id": r.pk,
        "kind": r.kind,
        "quantity": r.quantity,
        "unit": r.unit,
        "value_vnd": r.value_vnd,
        "given_on": r.given_on,
        "donor": {
            "kind": r.donor.kind,
            "name": r.donor.name,
            "moet_id": r.donor.school.moet_id if r.donor.school else None,
        },
        "receiving_moet_id": r.receiving_school.moet_id,
        "partnership_id": r.partnership_id,
        "programme": r.programme,
        "description": r.description,
        "pupils": len(pupils) if own else suppress_small(len(pupils)),
        "pupil_codes": [p.code for p in pupils] if own else None,
        "version": r.version,
    }


def _filter(request: AuthenticatedRequest, q: SupportQuery) -> SupportFilter:
    return SupportFilter(
        kind=q.kind or "",
        school_year=q.school_year,
        partnership_id=q.partnership,
        school_id=school_for_user(request.user, q.school).pk if q.school else None,
        query=q.search or "",
    )


@router.get("/support", response={200: SupportPage, **ERRORS}, summary="Support given / Hỗ trợ")
def list_support(
    request: AuthenticatedRequest, filters: Query[SupportQuery], paging: Query[Paging]
) -> dict[str, Any]:
    rows = support_list(request.user, _filter(request, filters)).select_related("donor__school")
    rows = rows.prefetch_related("beneficiaries")
    return page_of(rows, paging, lambda r: _out(request.user, r))


@router.get(
    "/support/figures",
    response={200: SupportFiguresOut, **ERRORS},
    summary="Support figures / Số liệu hỗ trợ",
    description="Pupil counts of 1–4 are null (suppressed). Số học sinh từ 1 đến 4 được ẩn.",
)
def get_support_figures(request: AuthenticatedRequest, filters: Query[SupportQuery]) -> dict[str, Any]:
    figures = support_figures(support_list(request.user, _filter(request, filters)))
    return {**figures.__dict__}


@router.get("/support/{pk}", response={200: SupportOut, **ERRORS}, summary="One support record")
def get_support(request: AuthenticatedRequest, pk: int) -> dict[str, Any]:
    return _out(request.user, support_for_user(request.user, pk))


@router.post("/support", response={201: SupportOut, **ERRORS}, summary="Record support / Ghi nhận hỗ trợ")
def create_support(request: AuthenticatedRequest, payload: SupportIn) -> Status[dict[str, Any]]:
    user = request.user
    receiving = school_for_user(user, payload.receiving_moet_id)
    giver_school = school_for_user(user, payload.donor.moet_id) if payload.donor.moet_id else None
    partnership = None
    if payload.partnership_id is not None:
        partnership = partnerships_visible_to(user).filter(pk=payload.partnership_id).first()
        if partnership is None:
            raise DomainError(e.PARTNERSHIP_NOT_VISIBLE, code="not_found")
    pupils = list(Beneficiary.objects.filter(school=receiving, code__in=payload.pupil_codes))
    if len(pupils) != len(set(payload.pupil_codes)):
        missing = sorted(set(payload.pupil_codes) - {p.code for p in pupils})
        raise DomainError(e.PUPIL_OF_OTHER_SCHOOL % {"code": missing[0][:20], "school": receiving.name})
    donor = services.register_donor(
        acting_user=user,
        kind=payload.donor.kind,
        name=payload.donor.name,
        school=giver_school,
        office=user.office if payload.donor.kind == DonorKind.OFFICE else None,
    )
    record = services.record_support(
        acting_user=user, kind=payload.kind, quantity=payload.quantity, unit=payload.unit,
        value_vnd=payload.value_vnd, given_on=payload.given_on, donor=donor, receiving_school=receiving,
        partnership=partnership, programme=payload.programme, description=payload.description,
        beneficiaries=pupils,
    )  # fmt: skip
    return Status(201, _out(user, record))


class SupportEdit(Schema):
    quantity: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    unit: str = Field(..., min_length=1, max_length=40)
    value_vnd: int | None = Field(None, ge=0, le=10**15)
    given_on: dt.date
    programme: str = Field("", max_length=200)
    description: str = Field("", max_length=300)
    version: int | None = Field(
        None, ge=1, le=2_147_483_647, description="the version you read (or send If-Match); stale: 409 (412)"
    )


@router.patch("/support/{pk}", response={200: SupportOut, **ERRORS}, summary="Correct a support record")
def edit_support(request: AuthenticatedRequest, pk: RowId, payload: SupportEdit) -> dict[str, Any]:
    user = request.user
    record = support_for_user(user, pk)
    data = payload.dict()
    version = expected_version(request, data.pop("version"))
    services.edit_support(acting_user=user, record=record, expected_version=version, **data)
    return _out(user, support_for_user(user, pk))
