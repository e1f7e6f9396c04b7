from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from django.conf import settings
from ninja import Field, Schema

from chungtay.core.models import MAX_ID

T = TypeVar("T")


# A row id: a larger number is a 400 from validation, never an overflow deep in a query.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Paging(Schema):
    """The paging parameters every list endpoint takes."""

    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


def page_of(rows: Any, paging: Paging, out: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """One page of a queryset in the shape of `Page`, each row passed through `out` if given."""
    count = rows.count()
    start = (paging.page - 1) * paging.page_size
    chosen = list(rows[start : start + paging.page_size])
    return {
        "count": count,
        "page": paging.page,
        "page_size": paging.page_size,
        "results": [out(row) for row in chosen] if out else chosen,
    }


class ErrorOut(Schema):
    code: str = Field(..., examples=["not_found"])
    message: str = Field(..., description="Vietnamese (or English with Accept-Language: en) / thông báo lỗi")
    fields: dict[str, list[str]] = Field(default_factory=dict)


class Page(Schema, Generic[T]):
    count: int = Field(..., description="total rows matching / tổng số dòng khớp")
    page: int
    page_size: int
    results: list[T]


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    level: str
    unit_type: str
    edition: str
    parent_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    latitude: float | None
    longitude: float | None
    area: str | None = Field(None, description="inner/outer on the requested date / nội thành, ngoại thành")


class LocationOut(Schema):
    unit_id: int
    unit_name: str
    district_name: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None


class FiguresOut(Schema):
    school_year: str
    pupils: int
    teachers: int
    classes: int
    national_standard: bool


class SchoolOut(Schema):
    moet_id: str = Field(..., examples=["010080001"])
    name: str
    level: str
    ownership: str
    address: str
    latitude: float | None
    longitude: float | None
    hard_area: bool
    is_demo: bool
    unit: LocationOut | None = Field(None, description="location on the requested date / địa bàn")


class SchoolDetailOut(SchoolOut):
    version: int
    locations: list[LocationOut]
    offices: list[str]
    yearly: list[FiguresOut]


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    office: str | None
    school_moet_id: str | None
    scope_unit_ids: list[int]
    read_only: bool


# The error responses every endpoint documents; the body is always ErrorOut.
ERRORS: dict[int, Any] = {
    400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut,
    428: ErrorOut, 429: ErrorOut,
}  # fmt: skip
