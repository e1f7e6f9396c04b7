"""The office twinnings page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chungtay.access.scopes import twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest


@require_GET
@login_required
def twinning_list(request: AuthenticatedRequest) -> HttpResponse:
    rows = twinnings_visible_to(request.user).order_by(
        "supporting_office__sort_key", "supported_office__sort_key"
    )
    return render(request, "partnerships/twinning_list.html", {"twinnings": rows})
