from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chungtay.access.roles import manages_offices
from chungtay.access.scopes import schools_visible_to, twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role
from chungtay.activities.selectors import activity_figures
from chungtay.core import files
from chungtay.core.dates import today
from chungtay.core.errors import DomainError
from chungtay.core.forms import submit
from chungtay.directory.models import School
from chungtay.partnerships import services, sheets
from chungtay.partnerships.forms import (
    AgreementForm,
    CommitmentForm,
    GoalFormSet,
    LeaveForm,
    MemberForm,
    PartnershipFilterForm,
    PartnershipForm,
    PlanForm,
    ScanForm,
    TerminateForm,
)
from chungtay.partnerships.models import AgreementStatus, CommitmentStatus, PartnershipMember, TwinningStatus
from chungtay.partnerships.selectors import (
    agreement_for_user,
    can_draft_agreement,
    can_manage_partnership,
    current_agreement,
    department_overview,
    members_on,
    partnership_for_user,
    partnership_list,
    plan_for_user,
    plans_visible_to,
)
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
    return render(
        request,
        "partnerships/overview.html",
        {"o": department_overview(request.user, today()), "day": today()},
    )


@require_GET
@login_required
def twinning_list(request: AuthenticatedRequest) -> HttpResponse:
    rows = twinnings_visible_to(request.user).order_by(
        "supporting_office__sort_key", "supported_office__sort_key"
    )
    return render(request, "partnerships/twinning_list.html", {"twinnings": rows})


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
    return {
        "partnership": partnership,
        "members": members_on(partnership, day),
        "history": partnership.members.select_related("school").order_by("valid_from", "school__sort_key"),
        "agreements": partnership.agreements.prefetch_related("signatures").order_by(
            "-amendment_no", "-created_at"
        ),
        "current": current_agreement(partnership),
        "can_manage": can_manage_partnership(user, partnership),
        "can_draft": can_draft_agreement(user, partnership),
        "member_form": extra.pop("member_form", None) or MemberForm(initial={"joined_on": day}),
        "leave_form": LeaveForm(initial={"left_on": day}),
        "activities": partnership.activities.order_by("-planned_on", "-pk")[:15],
        "activity_figures": activity_figures(partnership.activities.all()),
        "can_record": user.role != Role.VIEWER,
        "support": partnership.support.select_related("donor", "receiving_school").order_by(
            "-given_on", "-pk"
        )[:15],
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


@require_http_methods(["GET", "POST"])
@login_required
def agreement_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    partnership = partnership_for_user(request.user, pk, draft=True)
    form = AgreementForm(
        request.POST or None, initial={"kind": "memorandum", "title": "Biên bản ghi nhớ hợp tác"}
    )
    status = 200
    if request.method == "POST":
        status = 400
        submitted = submit(
            form,
            lambda data: services.draft_agreement(
                acting_user=request.user,
                partnership=partnership,
                kind=data["kind"],
                title=data["title"],
                terms=data["terms"],
                number=data["number"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            ),
        )
        if submitted.done:
            return redirect("partnerships:agreement-detail", pk=submitted.value.pk)
        status = submitted.status
    context = {"form": form, "partnership": partnership, "agreement": None}
    return render(request, "partnerships/agreement_form.html", context, status=status)


def _agreement_context(request: AuthenticatedRequest, agreement: Any, **extra: Any) -> dict[str, Any]:
    user = request.user
    partnership = agreement.partnership
    day = today()
    members = members_on(partnership, day)
    signed = {s.school_id: s for s in agreement.signatures.select_related("signed_by")}
    can_draft = can_draft_agreement(user, partnership)
    return {
        "agreement": agreement,
        "partnership": partnership,
        "parties": [(m, signed.get(m.school_id)) for m in members],
        "commitments": agreement.commitments.select_related("school").order_by("school__sort_key", "due_on"),
        "can_draft": can_draft,
        "can_manage": can_manage_partnership(user, partnership),
        "can_sign": (
            agreement.status == AgreementStatus.AWAITING_SIGNATURE
            and user.role == Role.SCHOOL_LEADER
            and user.school_id in {m.school_id for m in members}
            and user.school_id not in signed
        ),
        "commitment_form": extra.pop("commitment_form", None)
        or CommitmentForm(schools=School.objects.filter(pk__in=[m.school_id for m in members])),
        "terminate_form": extra.pop("terminate_form", None) or TerminateForm(),
        "scan_form": extra.pop("scan_form", None) or ScanForm(),
        "error": extra.pop("error", None),
        "commitment_statuses": CommitmentStatus.choices,
        **extra,
    }


def _agreement_page(
    request: AuthenticatedRequest, agreement: Any, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "partnerships/agreement_detail.html",
        _agreement_context(request, agreement, **extra),
        status=status,
    )


@require_GET
@login_required
def agreement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _agreement_page(request, agreement_for_user(request.user, pk))


@require_http_methods(["GET", "POST"])
@login_required
def agreement_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    partnership = partnership_for_user(request.user, agreement.partnership_id, draft=True)
    initial = {
        "kind": agreement.kind,
        "number": agreement.number,
        "title": agreement.title,
        "terms": agreement.terms,
        "valid_from": agreement.valid_from,
        "valid_to": agreement.valid_to,
        "version": agreement.version,
    }
    form = AgreementForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        submitted = submit(
            form,
            lambda data: services.edit_agreement(
                acting_user=request.user,
                agreement=agreement,
                expected_version=data["version"] or 0,
                title=data["title"],
                terms=data["terms"],
                number=data["number"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            ),
        )
        if submitted.done:
            messages.success(request, _("The draft was saved."))
            return redirect("partnerships:agreement-detail", pk=pk)
        status = submitted.status
    context = {"form": form, "partnership": partnership, "agreement": agreement}
    return render(request, "partnerships/agreement_form.html", context, status=status)


def _run(
    request: AuthenticatedRequest, agreement: Any, action: Any, success: str, **kwargs: Any
) -> HttpResponse:
    """Run a service on an agreement: on success back to its page with a message, on a refused rule
    the page again with the reason and the error's status."""
    try:
        action(acting_user=request.user, agreement=agreement, **kwargs)
    except DomainError as error:
        agreement.refresh_from_db()
        return _agreement_page(request, agreement, status=error.status_code, error=str(error.message))
    messages.success(request, success)
    return redirect("partnerships:agreement-detail", pk=agreement.pk)


@require_POST
@login_required
def commitment_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    members = members_on(agreement.partnership, today())
    form = CommitmentForm(request.POST, schools=School.objects.filter(pk__in=[m.school_id for m in members]))
    if not form.is_valid():
        return _agreement_page(request, agreement, status=400, commitment_form=form)
    data = form.cleaned_data
    return _run(
        request,
        agreement,
        services.add_commitment,
        _("Commitment added."),
        school=data["school"],
        area=data["area"],
        description=data["description"],
        target_value=data["target_value"],
        target_unit=data["target_unit"],
        due_on=data["due_on"],
    )


@require_POST
@login_required
def agreement_send(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    return _run(request, agreement, services.send_for_signature, _("Sent for signature."))


@require_POST
@login_required
def agreement_sign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    school = request.user.school
    if school is None:
        return _agreement_page(request, agreement, status=403, error=_("Only a school leader can sign."))
    try:
        services.sign_agreement(acting_user=request.user, agreement=agreement, school=school)
    except DomainError as error:
        agreement.refresh_from_db()
        return _agreement_page(request, agreement, status=error.status_code, error=str(error.message))
    agreement.refresh_from_db()
    if agreement.status == AgreementStatus.ACTIVE:
        messages.success(request, _("Signed. Every member has signed: the agreement is in force."))
    else:
        messages.success(request, _("Signed for %(school)s.") % {"school": school.name})
    return redirect("partnerships:agreement-detail", pk=pk)


@require_POST
@login_required
def agreement_terminate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    form = TerminateForm(request.POST)
    if not form.is_valid():
        return _agreement_page(request, agreement, status=400, terminate_form=form)
    return _run(
        request,
        agreement,
        services.terminate_agreement,
        _("Agreement terminated."),
        reason=form.cleaned_data["reason"],
    )


@require_POST
@login_required
def agreement_amend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    try:
        amendment = services.amend_agreement(acting_user=request.user, agreement=agreement)
    except DomainError as error:
        return _agreement_page(request, agreement, status=error.status_code, error=str(error.message))
    messages.success(
        request, _("A new version was drafted; the current one stays in force until it is signed.")
    )
    return redirect("partnerships:agreement-detail", pk=amendment.pk)


@require_POST
@login_required
def agreement_scan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    form = ScanForm(request.POST, request.FILES)
    if not form.is_valid():
        return _agreement_page(request, agreement, status=400, scan_form=form)
    return _run(
        request, agreement, services.attach_signed_scan, _("Scan attached."), upload=form.cleaned_data["scan"]
    )


@require_GET
@login_required
def agreement_document(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The agreement as a Word document in the Decree 30/2020 layout."""
    from chungtay.partnerships.documents import agreement_document as build

    agreement = agreement_for_user(request.user, pk)
    response = HttpResponse(
        build(agreement),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = f"van-ban-ket-nghia-{agreement.partnership.number}-{agreement.pk}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
def agreement_scan_file(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The signed scan, to those who may see the agreement (never from a public URL)."""
    agreement = agreement_for_user(request.user, pk)
    return files.file_response(
        agreement.signed_scan, download_name=f"ban-ky-{agreement.partnership.number}-{agreement.pk}"
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


@require_POST
@login_required
def commitment_status(request: AuthenticatedRequest, pk: int, commitment_pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    commitment = agreement.commitments.filter(pk=commitment_pk).first()
    if commitment is None:
        raise Http404
    version = request.POST.get("version", "")
    if not version.isdigit():
        return _agreement_page(
            request, agreement, status=400, error=_("The form was incomplete; reload the page.")
        )
    try:
        services.set_commitment_status(
            acting_user=request.user,
            commitment=commitment,
            status=request.POST.get("status", ""),
            expected_version=int(version),
        )
    except DomainError as error:
        return _agreement_page(request, agreement, status=error.status_code, error=str(error.message))
    messages.success(request, _("Commitment updated."))
    return redirect("partnerships:agreement-detail", pk=pk)
