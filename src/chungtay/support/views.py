"""Support pages: the ledger with its figures and export, recording a gift from a partnership's page, a
record's page, and a school leader's list of its supported pupils (codes only)."""

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
from django.views.decorators.http import require_GET, require_http_methods

from chungtay.access.roles import may_record
from chungtay.access.scopes import partnerships_visible_to, school_for_user
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role, User
from chungtay.core import files
from chungtay.core.dates import today
from chungtay.core.forms import submit
from chungtay.core.spreadsheets import table_response
from chungtay.directory.models import School
from chungtay.partnerships.models import Partnership, PartnershipStatus
from chungtay.support import services
from chungtay.support.forms import BeneficiaryForm, SupportEditForm, SupportFilterForm, SupportForm
from chungtay.support.models import Beneficiary, DonorKind
from chungtay.support.selectors import (
    SupportFilter,
    can_edit_support,
    sees_pupils_of,
    support_figures,
    support_for_user,
    support_list,
    with_labels,
)
from chungtay.support.sheets import support_rows


def _filter(form: SupportFilterForm, user: User) -> SupportFilter:
    data = form.cleaned_data if form.is_bound else {}
    school_id = school_for_user(user, data["school"]).pk if data.get("school") else None
    return SupportFilter(
        kind=data.get("kind", ""),
        school_year=int(data["year"]) if data.get("year") else None,
        partnership_id=data.get("partnership"),
        school_id=school_id,
        query=data.get("q", ""),
    )


def _reveal(user: User, f: SupportFilter) -> bool:
    """Small pupil counts show only to a leader looking at their own school's support."""
    return user.role == Role.SCHOOL_LEADER and f.school_id is not None and f.school_id == user.school_id


@require_GET
@login_required
def support_index(request: AuthenticatedRequest) -> HttpResponse:
    form = SupportFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "support/support_list.html", {"form": form, "page": None}, status=400)
    f = _filter(form, request.user)
    rows = support_list(request.user, f)
    page = Paginator(rows, settings.DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    figures = with_labels(support_figures(rows, reveal_small=_reveal(request.user, f)))
    context = {
        "form": form,
        "page": page,
        "figures": figures,
        "query": query.urlencode(),
    }
    return render(request, "support/support_list.html", context)


@require_GET
@login_required
def support_export(request: AuthenticatedRequest) -> HttpResponse:
    form = SupportFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "support/support_list.html", {"form": form, "page": None}, status=400)
    rows = support_list(request.user, _filter(form, request.user))
    fmt = request.GET.get("format", "xlsx")
    return table_response(support_rows(rows), stem=f"ho-tro-{today():%Y%m%d}", sheet="Ho tro", fmt=fmt)


def _pupil_choices(user: User, school_moet_ids: list[str]) -> list[tuple[str, str]]:
    if user.role != Role.SCHOOL_LEADER or not user.school_id:
        return []
    school: School = user.school  # type: ignore[assignment]
    if school.moet_id not in school_moet_ids:
        return []
    return [
        (str(b.pk), f"{b.code} · {b.get_circumstance_display()}{f' · lớp {b.grade}' if b.grade else ''}")
        for b in Beneficiary.objects.filter(school=school).order_by("code")
    ]


@require_http_methods(["GET", "POST"])
@login_required
def support_create(request: AuthenticatedRequest) -> HttpResponse:
    """Record a gift. From a partnership's page the schools are its members; otherwise the user's own."""
    user = request.user
    if not may_record(user):
        raise PermissionDenied
    chosen = request.POST.get("partnership") or request.GET.get("partnership")
    partnership: Partnership | None = None
    if chosen:
        visible = partnerships_visible_to(user).exclude(status=PartnershipStatus.CANCELLED)
        partnership = visible.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if partnership is None:
            raise Http404
        schools = [
            m.school
            for m in partnership.members.select_related("school").order_by("side", "school__sort_key")
        ]
    else:
        from chungtay.access.scopes import own_schools

        schools = list(own_schools(user).order_by("sort_key")[:500])
    unique = {s.moet_id: s for s in schools}
    choices = [(m, f"{s.name} ({m})") for m, s in unique.items()]
    own = user.school.moet_id if user.school_id else ""  # type: ignore[union-attr]
    receiving_default = next((m for m in unique if m != own), "")
    form = SupportForm(
        request.POST or None,
        request.FILES or None,
        schools=choices,
        pupils=_pupil_choices(user, list(unique)),
        initial={
            "given_on": today(),
            "giver_school": own,
            "receiving_school": receiving_default,
            "unit": "suất",
        },
    )
    status = 200
    if request.method == "POST":
        status = 400

        def save(data: dict[str, Any]) -> Any:
            donor = services.register_donor(
                acting_user=user,
                kind=data["giver_kind"],
                name=data["giver_name"],
                school=unique.get(data["giver_school"]) if data["giver_kind"] == DonorKind.SCHOOL else None,
                office=user.office if data["giver_kind"] == DonorKind.OFFICE else None,
            )
            pupils = list(Beneficiary.objects.filter(pk__in=data.get("pupils") or []))
            return services.record_support(
                acting_user=user, kind=data["kind"], quantity=data["quantity"], unit=data["unit"],
                value_vnd=data["value_vnd"], given_on=data["given_on"], donor=donor,
                receiving_school=unique[data["receiving_school"]], partnership=partnership,
                programme=data["programme"], description=data["description"], beneficiaries=pupils,
                evidence=data["evidence"],
            )  # fmt: skip

        submitted = submit(form, save)
        if submitted.done:
            record = submitted.value
            messages.success(request, _("Support recorded."))
            return redirect("support:support-detail", pk=record.pk)
        status = submitted.status
    return render(
        request, "support/support_form.html", {"form": form, "partnership": partnership}, status=status
    )


@require_GET
@login_required
def support_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    record = support_for_user(user, pk)
    pupils = list(record.beneficiaries.all()) if sees_pupils_of(user, record.receiving_school) else None
    context: dict[str, Any] = {
        "r": record,
        "pupils": pupils,
        "pupil_count": record.beneficiaries.count(),
        "can_edit": can_edit_support(user, record),
    }
    return render(request, "support/support_detail.html", context)


@require_GET
@login_required
def support_evidence(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    record = support_for_user(request.user, pk)
    return files.file_response(record.evidence, download_name=f"minh-chung-ho-tro-{record.pk}")


@require_http_methods(["GET", "POST"])
@login_required
def beneficiary_list(request: AuthenticatedRequest) -> HttpResponse:
    """A school leader's supported pupils: codes, grades, circumstances; never names."""
    user = request.user
    if user.role != Role.SCHOOL_LEADER or not user.school_id:
        raise PermissionDenied
    school: School = user.school  # type: ignore[assignment]
    form = BeneficiaryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400

        def save(data: dict[str, Any]) -> Any:
            return services.register_beneficiary(
                acting_user=user,
                school=school,
                grade=data["grade"],
                circumstance=data["circumstance"],
            )

        submitted = submit(form, save)
        if submitted.done:
            pupil = submitted.value
            messages.success(request, _("Pupil %(code)s added.") % {"code": pupil.code})
            return redirect("support:beneficiary-list")
        status = submitted.status
    from django.db.models import Count

    pupils = Beneficiary.objects.filter(school=school).annotate(gifts=Count("support")).order_by("code")
    return render(
        request,
        "support/beneficiary_list.html",
        {"pupils": pupils, "form": form, "school": school},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def support_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Correct a record's figures (version-checked: a stale page is refused, nothing overwritten)."""
    user = request.user
    record = support_for_user(user, pk)
    if not can_edit_support(user, record):
        raise PermissionDenied
    initial = {
        "quantity": record.quantity, "unit": record.unit, "value_vnd": record.value_vnd,
        "given_on": record.given_on, "programme": record.programme, "description": record.description,
        "version": record.version,
    }  # fmt: skip
    form = SupportEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400

        def save(data: dict[str, Any]) -> Any:
            fields = {k: v for k, v in data.items() if k != "version"}
            services.edit_support(acting_user=user, record=record, expected_version=data["version"], **fields)

        submitted = submit(form, save)
        if submitted.done:
            messages.success(request, _("Support record saved."))
            return redirect("support:support-detail", pk=pk)
        status = submitted.status
    return render(request, "support/support_edit.html", {"form": form, "r": record}, status=status)
