"""The "needs attention" page: what the user should act on — quiet partnerships, planned activities whose
date has passed and commitments due (`activities.attention`), and the follow-up actions the reviews left
to the user's schools (`reviews`). A surface, since it composes both."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chungtay.access.scopes import partnerships_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.activities import services as activity_services
from chungtay.activities.attention import LISTS, attention_page, needs_attention
from chungtay.core.dates import today
from chungtay.core.errors import DomainError
from chungtay.reviews.services import follow_ups_for


@require_GET
@login_required
def attention(request: AuthenticatedRequest) -> HttpResponse:
    """Every list's first entries; with `?list=NAME`, that one list whole, page by page."""
    day = today()
    name = request.GET.get("list")
    if name is None:
        context = {"a": needs_attention(request.user, day=day), "follow_ups": follow_ups_for(request.user)}
        return render(request, "pages/attention.html", context)
    if name not in LISTS:
        raise Http404
    page = attention_page(request.user, name, day=day, number=request.GET.get("page"))
    context = {
        "name": name,
        "page": page,
        "day": day,
        "quiet_weeks": settings.ATTENTION_QUIET_WEEKS,
        "query": f"list={name}",
    }
    return render(request, "pages/attention_list.html", context)


def _back(request: AuthenticatedRequest) -> HttpResponse:
    """Back to the list the form was sent from: the overview, or one list's page."""
    name, number = request.POST.get("list", ""), request.POST.get("page", "")
    if name in LISTS:
        page = f"&page={number}" if number.isdigit() else ""
        return redirect(f"{reverse('attention')}?list={name}{page}")
    return redirect("attention")


@require_POST
@login_required
def remind(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Remind a quiet partnership's school leaders by e-mail (at most once a week per partnership)."""
    partnership = partnerships_visible_to(request.user).filter(pk=pk).first()
    if partnership is None:
        raise Http404
    try:
        sent = activity_services.remind(acting_user=request.user, partnership=partnership)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("Reminder sent to %(n)s school leaders of %(name)s.")
            % {"n": sent.recipients, "name": partnership.name},
        )
    return _back(request)
