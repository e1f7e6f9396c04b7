"""The agreement pages: drafting, editing, commitments, sending, signing, terminating, amending, the
signed scan and the printed document."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role
from chungtay.core import files
from chungtay.core.dates import today
from chungtay.core.errors import DomainError
from chungtay.core.forms import submit
from chungtay.directory.models import School
from chungtay.partnerships import services
from chungtay.partnerships.forms import (
    AgreementForm,
    CommitmentForm,
    ScanForm,
    SignForm,
    TerminateForm,
)
from chungtay.partnerships.models import AgreementStatus, CommitmentStatus
from chungtay.partnerships.selectors import (
    agreement_for_user,
    can_draft_agreement,
    can_manage_partnership,
    members_on,
    partnership_for_user,
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
        "sign_form": extra.pop("sign_form", None)
        or SignForm(
            initial={
                "signer_name": request.user.display_name,
                "position": getattr(request.user, "position", "") or "Hiệu trưởng",
            }
        ),
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
    form = SignForm(request.POST)
    if not form.is_valid():  # nothing is signed without the signer's name, position and confirmation
        return _agreement_page(request, agreement, status=400, sign_form=form)
    try:
        services.sign_agreement(
            acting_user=request.user,
            agreement=agreement,
            school=school,
            signer_name=form.cleaned_data["signer_name"],
            position=form.cleaned_data["position"],
        )
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
    """The agreement as a Word document in the Decree 30/2020 layout: the department's memorandum
    template when it has one in use, or the built-in layout."""
    from chungtay.partnerships.documents import agreement_parts
    from chungtay.reports.models import DocumentKind
    from chungtay.reports.services import make_document

    agreement = agreement_for_user(request.user, pk)
    parts = agreement_parts(agreement)
    made = make_document(agreement.partnership.department_id, DocumentKind.MEMORANDUM, parts)
    response = HttpResponse(
        made.docx,
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
