from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chungtay.access.scopes import home_department, own_schools
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.core.dates import today
from chungtay.directory.models import SchoolLevel
from chungtay.directory.selectors import SchoolFilter, search_schools


@require_GET
@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """The user's starting page: their scope in figures and the way into the directory."""
    schools = own_schools(request.user)
    by_level = dict(schools.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    day = today()
    areas = {
        area: search_schools(request.user, SchoolFilter(area=area, at=day, own_only=True)).count()
        for area in ("inner", "outer")
    }
    context = {
        "total": sum(by_level.values()),
        "by_level": [
            (label, by_level.get(value, 0)) for value, label in SchoolLevel.choices if by_level.get(value)
        ],
        "areas": areas,
        "department": home_department(request.user),
        "day": day,
    }
    return render(request, "pages/home.html", context)
