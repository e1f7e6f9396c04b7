from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chungtay.access.roles import manages_offices
from chungtay.access.scopes import home_department, own_schools, twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role, User
from chungtay.activities.models import ActivityStatus
from chungtay.activities.selectors import activities_visible_to
from chungtay.analytics import figures as f
from chungtay.analytics.query import FigureRequest, read_figure_request
from chungtay.core.dates import today, valid_on
from chungtay.directory.models import EducationOffice, SchoolLevel
from chungtay.directory.selectors import SchoolFilter, search_schools
from chungtay.partnerships.models import PartnershipMember

# The figures a home page shows for the current school year, and those compared side by side between an
# office and its twinned partners.
HEADLINE = ("activities", "participations", "agreement_schools", "support", "quiet")
SIDE_BY_SIDE = (
    "activities",
    "topics",
    "participations",
    "teachers",
    "pupils",
    "agreement_schools",
    "support",
)
RECENT = 5


@require_GET
@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """The user's starting page: their scope in figures for the current school year, and what their
    role watches: an office beside its twinned partners, a school's partnerships and activities."""
    user = request.user
    schools = own_schools(user)
    by_level = dict(schools.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    day = today()
    areas = {
        area: search_schools(user, SchoolFilter(area=area, at=day, own_only=True)).count()
        for area in ("inner", "outer")
    }
    figures = read_figure_request(user, {})
    context: dict[str, Any] = {
        "total": sum(by_level.values()),
        "by_level": [
            (label, by_level.get(value, 0)) for value, label in SchoolLevel.choices if by_level.get(value)
        ],
        "areas": areas,
        "department": home_department(user),
        "day": day,
        "figures": figures,
        "headline": {kind: f.figure(figures, kind) for kind in HEADLINE},
    }
    if manages_offices(user) or user.role == Role.VIEWER:
        context["side_by_side"] = _side_by_side(user)
    if user.school_id and user.role in (Role.SCHOOL_LEADER, Role.TEACHER):
        context.update(_school_view(user))
    return render(request, "pages/home.html", context)


def _side_by_side(user: User) -> dict[str, Any] | None:
    """For a district office: its figures and each twinned partner's, for the current school year."""
    office = user.office if user.office_id else None
    if office is None or office.kind != EducationOffice.Kind.DISTRICT_OFFICE:
        return None
    partners = []
    for twinning in twinnings_visible_to(user).filter(status="active").order_by("starts_on", "pk"):
        partner = (
            twinning.supported_office
            if twinning.supporting_office_id == office.pk
            else twinning.supporting_office
        )
        partners.append(partner)
    if not partners:
        return None
    columns: list[tuple[EducationOffice, FigureRequest]] = [
        (one, read_figure_request(user, {"office": str(one.pk)})) for one in [office, *partners]
    ]
    rows = []
    for kind in SIDE_BY_SIDE:
        values = [f.figure(request, kind) for _office, request in columns]
        rows.append({"label": values[0].label, "kind": kind, "values": [value.value for value in values]})
    return {"offices": [one for one, _request in columns], "rows": rows}


def _school_view(user: User) -> dict[str, Any]:
    """A school's partnerships today (with their partner schools), its next planned and last held
    activities."""
    day = today()
    school_id = user.school_id
    assert school_id is not None
    memberships = (
        PartnershipMember.objects.filter(valid_on(day), school_id=school_id)
        .select_related("partnership")
        .order_by("partnership__number")
    )
    partnerships = []
    for membership in memberships:
        partnership = membership.partnership
        others = (
            PartnershipMember.objects.filter(valid_on(day), partnership=partnership)
            .exclude(school_id=school_id)
            .select_related("school")
            .order_by("school__sort_key")
        )
        partnerships.append({"partnership": partnership, "partners": [row.school for row in others]})
    mine = activities_visible_to(user).filter(schools__school_id=school_id)
    upcoming = mine.filter(status=ActivityStatus.PLANNED, planned_on__gte=day).order_by("planned_on", "pk")
    recent = mine.filter(status=ActivityStatus.HELD, held_on__lte=day).order_by("-held_on", "-pk")
    return {
        "partnerships": partnerships,
        "upcoming": list(upcoming[:RECENT]),
        "recent": list(recent[:RECENT]),
    }
