"""Indicator endpoints: the department's definitions (read by all, written by its administrator) and
schools' yearly values (read within the scope, recorded by those who may change the school). Writes go
through `chungtay.directory.services`, as the pages' do."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from chungtay.access.scopes import schools_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.api.concurrency import expected_version
from chungtay.api.schemas import ERRORS, Paging, RowId, page_of
from chungtay.directory.models import BASIC_LEVEL_ORDER, Indicator, IndicatorValue, SchoolYear
from chungtay.directory.services import indicators_of, record_indicator_value, save_indicator

router = Router(tags=["indicators"])


class IndicatorOut(Schema):
    id: int
    code: str = Field(..., examples=["DIEM_VAO10_TOAN"])
    name: str
    value_type: Indicator.ValueType
    unit: str
    levels: list[str] = Field(..., description="basic levels; empty = every level / cấp học, rỗng = mọi cấp")
    higher_is_better: bool
    description: str
    is_active: bool
    version: int


class IndicatorIn(Schema):
    code: str = Field(..., min_length=2, max_length=30, examples=["TL_TN_THPT"])
    name: str = Field(..., min_length=1, max_length=200)
    value_type: Indicator.ValueType
    unit: str = Field("", max_length=30)
    levels: list[str] = Field(default_factory=list, max_length=len(BASIC_LEVEL_ORDER))
    higher_is_better: bool = True
    description: str = Field("", max_length=5000)
    is_active: bool = True


class IndicatorPatch(IndicatorIn):
    version: int = Field(..., ge=1, le=2_147_483_647, description="the version read / phiên bản đã đọc")


class ValueOut(Schema):
    indicator: str = Field(..., description="indicator code / mã chỉ số")
    moet_id: str
    school_year: str = Field(..., examples=["2024-2025"])
    value: Decimal
    note: str


class ValuePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ValueOut]


class ValueIn(Schema):
    value: Decimal = Field(..., max_digits=14, decimal_places=4, examples=["87.5"])
    note: str = Field("", max_length=300)


class ValueFilter(Schema):
    indicator: str | None = Field(None, max_length=30, description="indicator code / mã chỉ số")
    school_year: int | None = Field(None, ge=2000, le=2100, description="start year / năm bắt đầu")
    moet_id: str | None = Field(None, max_length=20)


def _out(indicator: Indicator) -> dict[str, Any]:
    names = ("code", "name", "value_type", "unit", "higher_is_better", "description", "is_active", "version")
    return {"id": indicator.pk, "levels": indicator.level_list, **{n: getattr(indicator, n) for n in names}}


def _value_out(row: IndicatorValue) -> dict[str, Any]:
    return {
        "indicator": row.indicator.code,
        "moet_id": row.school.moet_id,
        "school_year": row.school_year.label,
        "value": row.value,
        "note": row.note,
    }


@router.get("/indicators", response={200: list[IndicatorOut], **ERRORS}, summary="Indicators / Chỉ số")
def list_indicators(request: AuthenticatedRequest) -> list[dict[str, Any]]:
    return [_out(i) for i in indicators_of(request.user)]


@router.post(
    "/indicators", response={201: IndicatorOut, **ERRORS}, summary="Define an indicator / Thêm chỉ số"
)
def create_indicator(request: AuthenticatedRequest, payload: IndicatorIn) -> Status[dict[str, Any]]:
    indicator = save_indicator(acting_user=request.user, indicator=None, **payload.dict())
    return Status(201, _out(indicator))


@router.patch("/indicators/{pk}", response={200: IndicatorOut, **ERRORS}, summary="Change an indicator")
def patch_indicator(request: AuthenticatedRequest, pk: RowId, payload: IndicatorPatch) -> dict[str, Any]:
    indicator = indicators_of(request.user).filter(pk=pk).first()
    if indicator is None:
        raise Http404
    data = payload.dict()
    version = expected_version(request, data.pop("version"))
    return _out(
        save_indicator(acting_user=request.user, indicator=indicator, expected_version=version, **data)
    )


@router.get(
    "/indicator-values", response={200: ValuePage, **ERRORS}, summary="Indicator values / Số liệu chỉ số"
)
def list_values(
    request: AuthenticatedRequest, filters: Query[ValueFilter], paging: Query[Paging]
) -> dict[str, Any]:
    rows = IndicatorValue.objects.filter(
        indicator__in=indicators_of(request.user), school__in=schools_visible_to(request.user)
    )
    if filters.indicator:
        rows = rows.filter(indicator__code=filters.indicator.upper())
    if filters.school_year:
        rows = rows.filter(school_year__start_year=filters.school_year)
    if filters.moet_id:
        rows = rows.filter(Q(school__moet_id=filters.moet_id))
    rows = rows.select_related("indicator", "school", "school_year").order_by(
        "indicator__code", "school__moet_id", "school_year__start_year", "pk"
    )
    return page_of(rows, paging, _value_out)


@router.put(
    "/schools/{moet_id}/indicators/{code}/{start_year}",
    response={200: ValueOut, **ERRORS},
    tags=["directory"],
    summary="Record an indicator value / Ghi số liệu chỉ số",
)
def put_value(
    request: AuthenticatedRequest, moet_id: str, code: str, start_year: int, payload: ValueIn
) -> dict[str, Any]:
    indicator = indicators_of(request.user).filter(code=code[:30].upper()).first()
    year = SchoolYear.objects.filter(start_year=start_year).first() if 2000 <= start_year <= 2100 else None
    if indicator is None or year is None:
        raise Http404
    row = record_indicator_value(
        acting_user=request.user,
        moet_id=moet_id[:20],
        indicator=indicator,
        school_year=year,
        value=payload.value,
        note=payload.note,
    )
    return _value_out(row)
