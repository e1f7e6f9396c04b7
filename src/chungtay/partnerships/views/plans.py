"""The plan pages: list, detail, recording a plan with its goals, its document."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chungtay.access.roles import manages_offices
from chungtay.access.scopes import twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role
from chungtay.core import files
from chungtay.core.forms import submit
from chungtay.partnerships import services
from chungtay.partnerships.forms import (
    GoalFormSet,
    PlanForm,
)
from chungtay.partnerships.selectors import (
    plan_for_user,
    plans_visible_to,
)


@require_GET
@login_required
def plan_document_file(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A plan's attached document, to those who may see the plan."""
    plan = plan_for_user(request.user, pk)
    return files.file_response(plan.document, download_name=f"ke-hoach-{plan.number.replace('/', '-')}")


@require_GET
@login_required
def plan_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    plans = plans_visible_to(user).prefetch_related("goals")
    can_create = manages_offices(user)
    return render(request, "partnerships/plan_list.html", {"plans": plans, "can_create": can_create})


@require_GET
@login_required
def plan_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(request, "partnerships/plan_detail.html", {"plan": plan_for_user(request.user, pk)})


@require_http_methods(["GET", "POST"])
@login_required
def plan_create(request: AuthenticatedRequest) -> HttpResponse:
    """The administrator records the department's plans; an officer their office's and joint plans."""
    user = request.user
    office = user.office
    if not manages_offices(user) or office is None:
        raise PermissionDenied
    twinnings = twinnings_visible_to(user)
    if user.role == Role.OFFICE_OFFICER:
        twinnings = twinnings.filter(Q(supporting_office=office) | Q(supported_office=office))
    form = PlanForm(request.POST or None, request.FILES or None, twinnings=twinnings)
    goals = GoalFormSet(request.POST or None, prefix="goals")
    status = 200
    if request.method == "POST":
        status = 400

        def save(data: dict[str, Any]) -> Any:
            twinning = data["twinning"]
            issuer = office if user.role == Role.OFFICE_OFFICER or twinning is None else office.tenant
            if twinning is not None and user.role != Role.OFFICE_OFFICER:
                issuer = twinning.supporting_office
            return services.record_plan(
                acting_user=user,
                issuer=issuer,
                number=data["number"],
                issued_on=data["issued_on"],
                title=data["title"],
                scope=data["scope"],
                twinning=twinning,
                goals=[
                    (g["description"], g["target_value"], g["target_unit"], g["due_on"])
                    for g in goals.cleaned_data
                    if g.get("description")
                ],
                document=data["document"],
            )

        if goals.is_valid():
            submitted = submit(form, save)
            if submitted.done:
                plan = submitted.value
                messages.success(request, _("Plan %(number)s recorded.") % {"number": plan.number})
                return redirect("partnerships:plan-detail", pk=plan.pk)
            status = submitted.status
        else:
            form.is_valid()  # both show their errors
    return render(request, "partnerships/plan_form.html", {"form": form, "goals": goals}, status=status)
