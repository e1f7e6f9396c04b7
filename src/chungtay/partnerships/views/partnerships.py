"""The partnership pages: the list (with filters and export), the department overview, creating a
partnership, its page, members joining and leaving."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chungtay.access.roles import manages_offices
from chungtay.access.scopes import schools_visible_to, twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role
from chungtay.activities.selectors import activity_figures
from chungtay.analytics.figures import signed_schools
from chungtay.core.dates import today
from chungtay.core.errors import DomainError
from chungtay.core.forms import submit
from chungtay.directory.models import SchoolLevel
from chungtay.partnerships import services, sheets
from chungtay.partnerships.forms import (
    LeaveForm,
    MemberForm,
    PartnershipFilterForm,
    PartnershipForm,
)
from chungtay.partnerships.models import PartnershipMember, TwinningStatus
from chungtay.partnerships.selectors import (
    can_draft_agreement,
    can_manage_partnership,
    current_agreement,
    department_overview,
    members_on,
    partnership_for_user,
    partnership_list,
    strengths_and_needs,
)
from chungtay.partnerships.views.timeline import timeline
from chungtay.support.selectors import support_figures, with_labels


@require_GET
@login_required
def partnership_index(request: AuthenticatedRequest) -> HttpResponse:
    """Partnerships in scope, with filters; for a school, "my partnerships"."""
    form = PartnershipFilterForm(request.GET or None)
    status = 200
    page = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        rows = _filtered(request, form)
        page = Paginator(rows, settings.DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    user = request.user
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_create": manages_offices(user),
    }
    return render(request, "partnerships/partnership_list.html", context, status=status)


def _filtered(request: AuthenticatedRequest, form: PartnershipFilterForm) -> Any:
    data = form.cleaned_data if form.is_bound else {}
    pilot = {"yes": True, "no": False}.get(data.get("pilot", ""))
    return partnership_list(
        request.user,
        day=today(),
        status=data.get("status", ""),
        level=data.get("level", ""),
        pilot=pilot,
        without_agreement=data.get("agreement") == "none",
        expiring_within=30 if data.get("agreement") == "expiring" else None,
        query=data.get("q", ""),
    )


@require_GET
@login_required
def partnership_export(request: AuthenticatedRequest) -> HttpResponse:
    """The list's current filter, one row per current member, in the partnerships import's columns
    (.xlsx, or `?format=csv`)."""
    from chungtay.core.spreadsheets import table_response

    form = PartnershipFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "partnerships/partnership_list.html", {"form": form, "page": None}, status=400)
    rows = sheets.partnership_rows(_filtered(request, form))
    fmt = request.GET.get("format", "xlsx")
    return table_response(rows, stem=f"nhom-ket-nghia-{today():%Y%m%d}", sheet="Nhom ket nghia", fmt=fmt)


@require_GET
@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    figures = {**department_overview(request.user, today()), **signed_schools(request.user)}
    counts = figures["schools_by_level"]
    assert isinstance(counts, dict)
    levels = [(label, counts[level]) for level, label in SchoolLevel.choices if level in counts]
    return render(request, "partnerships/overview.html", {"o": figures, "levels": levels, "day": today()})


@require_http_methods(["GET", "POST"])
@login_required
def partnership_create(request: AuthenticatedRequest) -> HttpResponse:
    """An officer (or the administrator) groups schools under one of their office twinnings."""
    user = request.user
    if not manages_offices(user):
        raise PermissionDenied
    twinnings = twinnings_visible_to(user).filter(status=TwinningStatus.ACTIVE)
    twinning = None
    twinning_id = request.POST.get("twinning") or request.GET.get("twinning")
    if twinning_id:
        twinning = twinnings.filter(pk=int(twinning_id)).first() if str(twinning_id).isdigit() else None
        if twinning is None:
            raise Http404
    if twinning is None:
        return render(request, "partnerships/partnership_choose_twinning.html", {"twinnings": twinnings})
    visible = schools_visible_to(user).order_by("sort_key")
    supporting = visible.filter(managements__office=twinning.supporting_office).distinct()
    supported = visible.filter(managements__office=twinning.supported_office).distinct()
    form = PartnershipForm(
        request.POST or None,
        initial={"twinning": twinning.pk, "starts_on": today()},
        twinnings=twinnings,
        supporting=supporting,
        supported=supported,
    )
    status = 200
    if request.method == "POST":

        def save(data: dict[str, Any]) -> Any:
            return services.create_partnership(
                acting_user=user,
                twinning=data["twinning"],
                members=form.members(),
                starts_on=data["starts_on"],
                is_pilot=data["is_pilot"],
                pilot_wave=data["pilot_wave"],
                level_override_reason=data["level_override_reason"],
                name=data["name"],
            )

        submitted = submit(form, save)
        if submitted.done:
            partnership = submitted.value
            messages.success(request, _("Partnership “%(name)s” created.") % {"name": partnership.name})
            return redirect("partnerships:partnership-detail", pk=partnership.pk)
        status = submitted.status
    return render(
        request, "partnerships/partnership_form.html", {"form": form, "twinning": twinning}, status=status
    )


def _detail_context(request: AuthenticatedRequest, partnership: Any, **extra: Any) -> dict[str, Any]:
    user = request.user
    day = today()
    members = list(members_on(partnership, day))
    return {
        "partnership": partnership,
        "members": members,
        "strengths": strengths_and_needs(members),
        "timeline": timeline(user, partnership, day),
        "history": partnership.members.select_related("school").order_by("valid_from", "school__sort_key"),
        "agreements": partnership.agreements.prefetch_related("signatures").order_by(
            "-amendment_no", "-created_at"
        ),
        "current": current_agreement(partnership),
        "can_manage": can_manage_partnership(user, partnership),
        "can_draft": can_draft_agreement(user, partnership),
        "member_form": extra.pop("member_form", None) or MemberForm(initial={"joined_on": day}),
        "leave_form": LeaveForm(initial={"left_on": day}),
        "activity_figures": activity_figures(partnership.activities.all()),
        "can_record": user.role != Role.VIEWER,
        "support_figures": with_labels(support_figures(partnership.support.all())),
        **extra,
    }


@require_GET
@login_required
def partnership_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    partnership = partnership_for_user(request.user, pk)
    return render(request, "partnerships/partnership_detail.html", _detail_context(request, partnership))


@require_POST
@login_required
def member_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    partnership = partnership_for_user(request.user, pk, manage=True)
    form = MemberForm(request.POST)

    def save(data: dict[str, Any]) -> Any:
        school = schools_visible_to(request.user).filter(moet_id=data["school"]).first()
        if school is None:
            raise DomainError(_("No school with this MOET ID in your scope."), field="school")
        services.add_member(
            acting_user=request.user,
            partnership=partnership,
            school=school,
            side=data["side"],
            joined_on=data["joined_on"],
        )
        return school

    submitted = submit(form, save)
    if submitted.done:
        messages.success(request, _("%(school)s joined the partnership.") % {"school": submitted.value.name})
        return redirect("partnerships:partnership-detail", pk=pk)
    status = submitted.status
    context = _detail_context(request, partnership, member_form=form)
    return render(request, "partnerships/partnership_detail.html", context, status=status)


@require_POST
@login_required
def member_leave(request: AuthenticatedRequest, pk: int, member_pk: int) -> HttpResponse:
    partnership = partnership_for_user(request.user, pk, manage=True)
    member = (
        PartnershipMember.objects.filter(partnership=partnership, pk=member_pk)
        .select_related("school")
        .first()
    )
    if member is None:
        raise Http404
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.remove_member(
                acting_user=request.user,
                partnership=partnership,
                school=member.school,
                left_on=form.cleaned_data["left_on"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
            context = _detail_context(request, partnership)
            return render(request, "partnerships/partnership_detail.html", context, status=error.status_code)
        messages.success(request, _("%(school)s left the partnership.") % {"school": member.school.name})
        return redirect("partnerships:partnership-detail", pk=pk)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return render(
        request, "partnerships/partnership_detail.html", _detail_context(request, partnership), status=400
    )
