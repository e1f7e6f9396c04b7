"""The Chung Tay API, version 1. Thin: every endpoint calls the same selectors, services and scope rules
as the pages. Errors share one body: {"code", "message", "fields"}."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import Field

from chungtay.access.scopes import offices_visible_to, school_for_user
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role, User
from chungtay.api.activities import router as activities_router
from chungtay.api.auth import RATE_LIMITED, TokenRateThrottle, auth
from chungtay.api.figures import router as figures_router
from chungtay.api.imports import router as imports_router
from chungtay.api.indicators import router as indicators_router
from chungtay.api.matching import router as matching_router
from chungtay.api.partnerships import router as partnerships_router
from chungtay.api.reports import router as reports_router
from chungtay.api.reviews import router as reviews_router
from chungtay.api.schemas import (
    ERRORS,
    ErrorOut,
    MeOut,
    Page,
    Paging,
    RowId,
    SchoolDetailOut,
    SchoolOut,
    UnitOut,
    page_of,
)
from chungtay.api.support import router as support_router
from chungtay.core.dates import today, valid_on
from chungtay.core.errors import ConflictError, DomainError
from chungtay.directory.models import AdminUnit, AreaClass, AreaClassification, School, SchoolLocation
from chungtay.directory.selectors import SchoolFilter, lineage_of, search_schools, with_location_on

api = NinjaAPI(
    title="Chung Tay API",
    version="1",
    description=(
        "API của nền tảng Chung Tay (phong trào kết nghĩa trường học). "
        "The Chung Tay platform's API: the same data and the same scope rules as the pages. "
        "Authenticate with the session cookie or a personal token: `Authorization: Bearer ct_…`."
    ),
    auth=auth,
    throttle=[TokenRateThrottle(f"{settings.API_RATE_PER_MINUTE}/m")],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(p) for p in error.get("loc", []) if p not in {"query", "path", "body"}]
        fields.setdefault(".".join(location) or "request", []).append(str(error.get("msg", "")))
    return _error(request, 400, "invalid", _("Some parameters are not valid."), fields)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own errors (an unparsable body above all) in the API's one error body."""
    if exc.status_code == 400:
        return _error(request, 400, "invalid", _("The request body is not valid JSON."))
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja adds Retry-After to this response
    wait = math.ceil(exc.wait or 60)
    message = RATE_LIMITED % {"limit": settings.API_RATE_PER_MINUTE, "wait": wait}
    return _error(request, 429, "rate_limited", message)


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, ConflictError) and getattr(request, "if_match", False):
        return _error(request, 412, "precondition_failed", str(exc.message))  # a stale If-Match
    # the input a refusal is about, when the service names one, as the form pages show it on the field
    fields = {exc.field: [str(exc.message)]} if exc.field else None
    return _error(request, exc.status_code, exc.code, str(exc.message), fields)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found, or outside your scope."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, "forbidden", str(exc.args[0]) if exc.args else _("You may not do this."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("Log in or send a valid API token."))


@api.get(
    "/me",
    response={200: MeOut, 401: ErrorOut},
    summary="The current user / Người dùng hiện tại",
    tags=["accounts"],
)
def me(request: AuthenticatedRequest) -> dict[str, Any]:
    user: User = request.user
    token = getattr(request, "api_token", None)
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "role_label": str(Role(user.role).label),
        "office": user.office.name if user.office_id else None,  # type: ignore[union-attr]
        "school_moet_id": user.school.moet_id if user.school_id else None,  # type: ignore[union-attr]
        "scope_unit_ids": sorted(user.scope_units.values_list("pk", flat=True)),
        "read_only": user.is_read_only or bool(token and token.read_only),
    }


class UnitQuery(Schema):
    at: dt.date | None = Field(None, description="map as of this date (YYYY-MM-DD); today by default")
    province: str | None = Field(None, max_length=3, pattern=r"^\d{2}$", description="province code, e.g. 01")
    parent: RowId | None = Field(None, description="only the children of this unit")
    level: AdminUnit.Level | None = None
    search: str | None = Field(None, max_length=100, description="accents optional / không cần dấu")


@api.get(
    "/units",
    response={200: Page[UnitOut], **ERRORS},
    summary="Administrative units on a date / Đơn vị hành chính",
    tags=["directory"],
)
def list_units(
    request: AuthenticatedRequest, filters: Query[UnitQuery], paging: Query[Paging]
) -> dict[str, Any]:
    from chungtay.core.text import search_terms

    day = filters.at or today()
    units = AdminUnit.objects.filter(valid_on(day))
    if filters.province:
        province = units.filter(level="province", code=filters.province).first()
        if province is None:
            raise DomainError(_("No province with code %(code)s on that date.") % {"code": filters.province})
        units = units.filter(province=province)
    if filters.parent:
        units = units.filter(parent_id=filters.parent)
    if filters.level:
        units = units.filter(level=filters.level)
    for term in search_terms(filters.search):
        units = units.filter(search_key__contains=term)
    page = page_of(units.order_by("level", "sort_key", "pk"), paging)
    areas = dict(
        AreaClassification.objects.filter(
            valid_on(day), unit__in=[u.pk for u in page["results"]]
        ).values_list("unit_id", "area")
    )
    for unit in page["results"]:
        unit.area = areas.get(unit.pk)
    return page


class LinkOut(Schema):
    id: int
    code: str
    name: str
    edition: str
    level: str
    whole: bool = Field(True, description="the whole unit went (false: part of a split)")
    wards: int | None = Field(None, description="for a district: how many of its wards went to this unit")


class LineageOut(Schema):
    id: int
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    predecessors: list[LinkOut]
    successors: list[LinkOut]
    former_districts: list[LinkOut]


def _link(unit: AdminUnit, **extra: Any) -> dict[str, Any]:
    names = ("id", "code", "name", "edition", "level")
    return {**{name: getattr(unit, name) for name in names}, **extra}


@api.get(
    "/units/{unit_id}/lineage",
    response={200: LineageOut, **ERRORS},
    summary="Where a unit came from and what it became / Đơn vị trước và sau sắp xếp",
    tags=["directory"],
)
def unit_lineage(request: AuthenticatedRequest, unit_id: RowId) -> dict[str, Any]:
    unit = AdminUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    lineage = lineage_of(unit)
    successors = [_link(link.successor, whole=link.whole) for link in lineage.successors] or [
        _link(successor, wards=n) for successor, n in lineage.successors_of_wards
    ]
    return {
        "id": unit.pk,
        "name": unit.name,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
        "predecessors": [_link(link.predecessor, whole=link.whole) for link in lineage.predecessors],
        "successors": successors,
        "former_districts": [_link(d) for d in lineage.former_districts],
    }


class SchoolQuery(Schema):
    search: str | None = Field(None, max_length=100, description="name or place, accents optional")
    level: str | None = Field(None, pattern=r"^(mn|th|thcs|thpt|gdnn_gdtx)$")
    unit: RowId | None = Field(None, description="unit id (any level) on the `at` date")
    area: AreaClass | None = None
    office: RowId | None = None
    at: dt.date | None = None


def _location_out(location: SchoolLocation | None) -> dict[str, Any] | None:
    if location is None:
        return None
    parent = location.unit.parent
    return {
        "unit_id": location.unit_id,
        "unit_name": location.unit.name,
        "district_name": parent.name if parent and parent.level == AdminUnit.Level.DISTRICT else None,
        "valid_from": location.valid_from,
        "valid_to": location.valid_to,
    }


def _school_out(school: School) -> dict[str, Any]:
    locations = getattr(school, "current_locations", [])
    return {
        "moet_id": school.moet_id,
        "name": school.name,
        "level": school.level,
        "ownership": school.ownership,
        "address": school.address,
        "latitude": school.latitude,
        "longitude": school.longitude,
        "hard_area": school.hard_area,
        "is_demo": school.is_demo,
        "unit": _location_out(locations[0] if locations else None),
    }


@api.get(
    "/schools",
    response={200: Page[SchoolOut], **ERRORS},
    summary="Search schools / Tra cứu trường",
    tags=["directory"],
)
def list_schools(
    request: AuthenticatedRequest, filters: Query[SchoolQuery], paging: Query[Paging]
) -> dict[str, Any]:
    day = filters.at or today()
    unit = None
    if filters.unit:
        unit = AdminUnit.objects.filter(pk=filters.unit).first()
        if unit is None:
            raise DomainError(_("That administrative unit does not exist on the chosen date."))
        if not unit.is_valid_on(day):
            lineage = lineage_of(unit)
            became = ", ".join(str(u.pk) for u, _n in lineage.successors_of_wards[:20]) or ", ".join(
                str(link.successor_id) for link in lineage.successors
            )
            raise DomainError(
                _(
                    "%(unit)s existed from %(start)s to %(end)s, not on %(day)s; on that date its area "
                    "belongs to the units %(became)s (see /api/v1/units/%(id)s/lineage)."
                )
                % {
                    "unit": unit.name,
                    "start": unit.valid_from.strftime("%d/%m/%Y") if unit.valid_from else "…",
                    "end": unit.valid_to.strftime("%d/%m/%Y") if unit.valid_to else "…",
                    "day": day.strftime("%d/%m/%Y"),
                    "became": became or "—",
                    "id": unit.pk,
                },
                code="unit_not_on_date",
            )
    if filters.office and not offices_visible_to(request.user).filter(pk=filters.office).exists():
        raise DomainError(_("That office is not one you can filter by."))
    rows = search_schools(
        request.user,
        SchoolFilter(
            query=filters.search or "",
            level=filters.level or "",
            unit=unit,
            area=filters.area or "",
            office_id=filters.office,
            at=day,
        ),
    )
    page = page_of(with_location_on(rows, day), paging)
    page["results"] = [_school_out(s) for s in page["results"]]
    return page


@api.get(
    "/schools/{moet_id}",
    response={200: SchoolDetailOut, **ERRORS},
    summary="One school / Một trường",
    tags=["directory"],
)
def get_school(request: AuthenticatedRequest, moet_id: str) -> dict[str, Any]:
    if len(moet_id) > 20:
        raise Http404
    school = school_for_user(request.user, moet_id)
    locations = list(school.locations.select_related("unit__parent").order_by("valid_from"))
    day = today()
    current = next((loc for loc in locations if loc.is_valid_on(day)), None)
    data = _school_out(school)
    data.update(
        unit=_location_out(current),
        version=school.version,
        locations=[_location_out(loc) for loc in locations],
        offices=[m.office.name for m in school.managements.select_related("office").order_by("valid_from")],
        yearly=[
            {
                "school_year": f.school_year.label,
                "pupils": f.pupils,
                "teachers": f.teachers,
                "classes": f.classes,
                "national_standard": f.national_standard,
            }
            for f in school.yearly.select_related("school_year")
        ],
    )
    return data


api.add_router("/", partnerships_router)
api.add_router("/", matching_router)
api.add_router("/", activities_router)
api.add_router("/", support_router)
api.add_router("/", indicators_router)
api.add_router("/", imports_router)
api.add_router("/", figures_router)
api.add_router("/", reports_router)
api.add_router("/", reviews_router)
