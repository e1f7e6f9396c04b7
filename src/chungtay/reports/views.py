"""The reports pages: the list, a new report, the draft (heading, signer, narrative) with its generations
and their files, and generation with its progress."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chungtay.access.roles import may_write_reports
from chungtay.access.scopes import twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.analytics.query import FigureQueryError, figure_offices
from chungtay.core import conversion, files
from chungtay.core.dates import today
from chungtay.core.errors import ConflictError, DomainError, Forbidden
from chungtay.core.forms import StyledForm
from chungtay.directory.models import EducationOffice
from chungtay.reports import council as council_documents
from chungtay.reports import services, templating
from chungtay.reports.content import changes
from chungtay.reports.forms import MeetingForm, NewReportForm, ReportEditForm
from chungtay.reports.models import DocumentKind, Generation, ReportStatus, ReportTemplate
from chungtay.reviews import services as review_services
from chungtay.reviews.models import AwardKind, Stage


def _writer(request: AuthenticatedRequest) -> None:
    if not may_write_reports(request.user):
        raise PermissionDenied(str(services.NOT_ALLOWED))


@login_required
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    _writer(request)
    reports = services.reports_visible_to(request.user)[:200]
    return render(request, "reports/report_list.html", {"reports": reports})


@login_required
def report_create(request: AuthenticatedRequest) -> HttpResponse:
    _writer(request)
    data = request.POST if request.method == "POST" else None
    form = NewReportForm(data, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.resolve()  # a scope outside the user's: 404 before anything is written
        try:
            report = services.start_report(
                acting_user=request.user, kind=form.cleaned_data["kind"], params=form.params()
            )
        except FigureQueryError as error:
            form.add_error(None, str(error.message))
        else:
            return redirect("reports:report-detail", report.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "offices": EducationOffice.objects.filter(pk__in=figure_offices(request.user)).order_by("sort_key"),
        "twinnings": twinnings_visible_to(request.user)
        .select_related("supporting_office", "supported_office")
        .order_by("supporting_office__sort_key", "supported_office__sort_key"),
    }
    return render(request, "reports/report_form.html", context, status=status)


@login_required
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _writer(request)
    report = services.report_for(request.user, pk)
    status = 200
    if request.method == "POST":
        form = ReportEditForm(request.POST, instance=report)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in services.EDITABLE}
            try:
                services.edit_report(
                    acting_user=request.user,
                    report=services.report_for(request.user, pk),
                    expected_version=form.cleaned_data["version"],
                    **fields,
                )
            except ConflictError as error:
                form.add_error(None, str(error.message))
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("reports:report-detail", pk)
        status = 400
    else:
        form = ReportEditForm(instance=report, initial={"version": report.version})
        if getattr(request, "htmx", False):  # the progress, polled while the report is generated
            return render(request, "reports/_report_status.html", _detail_context(request, report, form))
    return render(
        request, "reports/report_detail.html", _detail_context(request, report, form), status=status
    )


def _detail_context(request: AuthenticatedRequest, report: Any, form: ReportEditForm) -> dict[str, Any]:
    generations = list(
        Generation.objects.filter(report=report)
        .defer("docx", "pdf", "annex")
        .select_related("generated_by")
        .order_by("-number")[:20]
    )
    changed = changes(generations[1].figures, generations[0].figures) if len(generations) > 1 else []
    working = report.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)
    return {
        "report": report,
        "form": form,
        "generations": generations,
        "changed": changed[:50],
        "changed_count": len(changed),
        "working": working,
        "step": str(services.STEPS.get(report.step, "")),
    }


@require_POST
@login_required
def report_generate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _writer(request)
    report = services.report_for(request.user, pk)
    try:
        services.request_generation(acting_user=request.user, report=report)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("reports:report-detail", pk)


@login_required
def report_file(request: AuthenticatedRequest, pk: int, number: int, name: str, fmt: str) -> HttpResponse:
    _writer(request)
    report = services.report_for(request.user, pk)
    data, content_type, filename = services.generation_file(report, number, name, fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The department's templates ------------------------------------------------------------------------


class TemplateUploadForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("Template (.docx)"))


def _kind(request: AuthenticatedRequest) -> str:
    """The document kind asked for (?kind= or the form's field); the review reports when none."""
    kind = request.POST.get("kind") or request.GET.get("kind") or DocumentKind.REPORT
    if kind not in templating.SPECS:
        raise Http404
    return kind


def _templates(request: AuthenticatedRequest, kind: str) -> Any:
    """The department's templates of `kind`; 403 for anyone but its administrator."""
    try:
        return services.templates_of(request.user, kind)
    except Forbidden as error:
        raise PermissionDenied(str(error.message)) from error


@login_required
def template_list(request: AuthenticatedRequest) -> HttpResponse:
    kind = _kind(request)
    templates = list(_templates(request, kind))
    spec = templating.SPECS[kind]
    status = 200
    problems: list[str] = []
    form = TemplateUploadForm()
    if request.method == "POST":
        form = TemplateUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                template = services.upload_template(
                    acting_user=request.user, data=upload.read(), name=upload.name or "mau.docx", kind=kind
                )
            except services.TemplateRefused as refused:
                problems = refused.problems
            else:
                messages.success(
                    request,
                    _("Version %(version)s of the template is in use.") % {"version": template.version},
                )
                return redirect(f"{reverse('reports:template-list')}?kind={kind}")
        status = 400
    in_use = {
        row["kind"]: row["version"]
        for row in services.templates_in_use(request.user).values("kind", "version")
    }
    context = {
        "kind": kind,
        "kind_label": DocumentKind(kind).label,
        "kinds": [(value, label, in_use.get(value)) for value, label in DocumentKind.choices],
        "templates": templates,
        "form": form,
        "problems": problems,
        "placeholders": spec.placeholders,
        "required": spec.required,
        "in_use": next((t for t in templates if t.active), None),
        "body_tag": "{{p noi_dung }}",
        "loop_tag": "{%p for dong in noi_nhan %} {{ dong }} {%p endfor %}",
        "signers_tag": "{{p chu_ky }}" if spec.several_signers else "",
        "block_tag": "{{r khoi_ban_hanh }}" if "khoi_ban_hanh" in spec.placeholders else "",
    }
    return render(request, "reports/template_list.html", context, status=status)


@login_required
def template_default(request: AuthenticatedRequest) -> HttpResponse:
    kind = _kind(request)
    _templates(request, kind)  # the administrator only
    data = templating.default_template(kind, services.sample_parts(request.user, kind))
    response = HttpResponse(data, content_type=files.DOCX)
    filename = f"{templating.SPECS[kind].filename}-mac-dinh.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def template_file(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _templates(request, DocumentKind.REPORT)  # the administrator only
    template = services.template_of(request.user, pk)
    if template is None:
        raise Http404
    data = ReportTemplate.objects.filter(pk=template.pk).values_list("docx", flat=True).get()
    response = HttpResponse(bytes(data), content_type=files.DOCX)
    filename = f"{templating.SPECS[template.kind].filename}-v{template.version}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@login_required
def template_use(request: AuthenticatedRequest) -> HttpResponse:
    kind = _kind(request)
    chosen = request.POST.get("template", "")
    template_id = int(chosen) if chosen.isdigit() else None
    _templates(request, kind)
    services.use_template(acting_user=request.user, kind=kind, template_id=template_id)
    messages.success(request, _("The choice of template was saved."))
    return redirect(f"{reverse('reports:template-list')}?kind={kind}")


# --- The emulation council's documents -----------------------------------------------------------------

COUNCIL_DOCUMENTS = {"minutes": "bien-ban", "proposal": "to-trinh", "list": "danh-sach"}


@login_required
def council(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The council's documents of a published cycle, for those who run it: the meeting's details typed
    once, then the minutes, and for each award the proposal and its list, as Word or PDF."""
    cycle = review_services.cycle_for(request.user, pk)
    if not review_services.may_run(request.user, cycle):
        raise PermissionDenied(str(review_services.NOT_RUNNER))
    department = review_services.home_department_of(request.user)
    kinds = list(AwardKind.objects.filter(department=cycle.department_id))
    if cycle.stage != Stage.PUBLISHED:
        raise PermissionDenied(str(review_services.NOT_PUBLISHED))
    initial = {
        "day": today(),
        "place": department.name,
        "members_total": 9,
        "members_present": 9,
        "votes_for": 9,
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST":
        document, _, rest = request.POST.get("doc", "").partition("-")
        kind_pk, _, fmt = rest.rpartition(".") if "." in rest else ("", "", "")
        if document not in COUNCIL_DOCUMENTS or fmt not in ("docx", "pdf"):
            raise Http404
        kind = next((k for k in kinds if str(k.pk) == kind_pk), None)
        if document != "minutes" and kind is None:
            raise Http404
        if form.is_valid():
            meeting = form.meeting()
            if document == "minutes":
                parts = council_documents.minutes(cycle, department, meeting)
            elif document == "proposal":
                parts = council_documents.proposal(cycle, department, meeting, kind)  # type: ignore[arg-type]
            else:
                parts = council_documents.award_list(cycle, department, meeting, kind)  # type: ignore[arg-type]
            template_kind = DocumentKind.AWARD_LIST if document == "list" else document
            data = services.make_document(department.pk, template_kind, parts).docx
            content_type = files.DOCX
            if fmt == "pdf":
                try:
                    data, content_type = conversion.to_pdf(data), files.PDF
                except conversion.ConversionError as error:
                    form.add_error(None, str(error.message))
            if not form.errors:
                response = HttpResponse(data, content_type=content_type)
                stem = COUNCIL_DOCUMENTS[document] + (f"-{kind.pk}" if kind and document != "minutes" else "")
                response["Content-Disposition"] = f'attachment; filename="{stem}-{cycle.pk}.{fmt}"'
                return response
    context = {"cycle": cycle, "form": form, "kinds": kinds, "awards": council_documents.awards_of(cycle)}
    return render(request, "reports/council.html", context, status=400 if form.errors else 200)
