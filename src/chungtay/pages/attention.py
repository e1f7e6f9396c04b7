"""The "needs attention" page: what the user should act on — quiet partnerships, planned activities whose
date has passed and commitments due (`activities.attention`), and the follow-up actions the reviews left
to the user's schools (`reviews`). A surface, since it composes both."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chungtay.accounts.http import AuthenticatedRequest
from chungtay.activities.attention import needs_attention
from chungtay.core.dates import today
from chungtay.reviews.services import follow_ups_for


@require_GET
@login_required
def attention(request: AuthenticatedRequest) -> HttpResponse:
    day = today()
    context = {"a": needs_attention(request.user, day=day), "follow_ups": follow_ups_for(request.user)}
    return render(request, "pages/attention.html", context)
