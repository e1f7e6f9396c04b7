"""Review reports: who may write and open them, a new draft pre-filled from the figures, edits under a
version check, generation in the task worker (progress, failure, retry), and recovery after a crash.

Who: the department's administrators and officers, office officers and school leaders (teachers and
viewers read the figures but do not issue reports). A report is opened by its author, by the users of
the same office or school who may write reports, and by the department's administrator; anyone else gets
404, as for every record outside a scope."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from chungtay.access.roles import is_city_admin, is_department_admin, may_write_reports, sees_whole_department
from chungtay.access.scopes import home_department
from chungtay.accounts.models import User
from chungtay.analytics.query import (
    PERIOD_PHASE,
    PERIOD_YEAR,
    FigureQueryError,
    FigureRequest,
    query_params,
    read_figure_request,
)
from chungtay.core import conformance, conversion, files, schoolyears, tasks
from chungtay.core.datacache import data_version
from chungtay.core.documents import Parts
from chungtay.core.errors import DomainError, Forbidden
from chungtay.core.versioning import save_versioned
from chungtay.directory.models import EducationOffice, School, SchoolManagement
from chungtay.partnerships.documents import sample_agreement_parts
from chungtay.reports import content as c
from chungtay.reports import council, templating
from chungtay.reports.documents import KIND_WORDS, MOVEMENT, TEMPLATE_VERSION, annex, report_parts
from chungtay.reports.models import (
    DocumentKind,
    Generation,
    Report,
    ReportKind,
    ReportStatus,
    ReportTemplate,
)

log = logging.getLogger(__name__)

NOT_ALLOWED = _("Reports are written by administrators, office officers and school leaders.")
ALREADY_GENERATING = _("This report is already being generated; wait for it to finish.")
GENERATION_FAILED = _("The report could not be generated; nothing was kept. Try again.")
SCOPE_GONE = _("The report's scope is no longer within what you may see; start a new report.")
TEMPLATES_ADMIN_ONLY = _("Only the department's administrator manages its document templates.")
TEMPLATE_NOT_WORD = _("The file is not a Word document (.docx) without macros.")
TEMPLATE_LIMIT_MB = 5
EDITABLE = (
    "number",
    "place",
    "subject",
    "addressees",
    "recipients",
    "archive",
    "authority",
    "signer_position",
    "signer_name",
    "achievements",
    "limitations",
    "tasks_ahead",
)


# --- Who ---------------------------------------------------------------------------------------------


def reports_visible_to(user: User) -> QuerySet[Report]:
    if not may_write_reports(user):
        return Report.objects.none()
    rows = Report.objects.select_related("created_by")
    if user.is_superuser:
        return rows
    department = home_department(user)
    if is_city_admin(user) and department is not None:
        return rows.filter(department=department)
    condition = Q(created_by=user)
    if user.office_id:
        condition |= Q(office_id=user.office_id)
    if user.school_id:
        condition |= Q(school_id=user.school_id)
    return rows.filter(condition)


# A generation's files: (name in the address, format) → (stored field, content type).
FILES = {
    ("bao-cao", "docx"): ("docx", files.DOCX),
    ("bao-cao", "pdf"): ("pdf", files.PDF),
    ("phu-luc", "xlsx"): ("annex", files.XLSX),
}


def generation_file(report: Report, number: int, name: str, fmt: str) -> tuple[bytes, str, str]:
    """One file of a generation of `report` (already checked as the user's): its bytes, content type
    and file name; 404 for a file that does not exist (no such generation, a PDF that failed)."""
    spec = FILES.get((name, fmt))
    if spec is None:
        raise Http404
    field, content_type = spec
    generation = Generation.objects.filter(report=report, number=number).only(field).first()
    data = getattr(generation, field, None) if generation is not None else None
    if not data:
        raise Http404
    return bytes(data), content_type, f"{name}-{report.pk}-{number}.{fmt}"


def report_for(user: User, pk: int) -> Report:
    found = reports_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _issuer(user: User) -> dict[str, str]:
    """The heading, addressees and signer a report of this user starts with: the department reports to
    the city's People's Committee, an office to the department, a school to its office."""
    department = home_department(user)
    department_name = department.name if department is not None else ""
    if (sees_whole_department(user) or user.is_superuser) and department is not None:
        return {
            "issuer_parent": f"UBND {department.unit.name}",
            "issuer": department_name,
            "number": "/BC-SGDĐT",
            "addressees": f"Ủy ban nhân dân {department.unit.name}",
            "recipients": "Bộ Giáo dục và Đào tạo\nCác phòng Giáo dục và Đào tạo",
            "signer_position": "GIÁM ĐỐC",
            "authority": "",
        }
    if user.office_id:
        office = EducationOffice.objects.select_related("unit").get(pk=user.office_id)
        return {
            "issuer_parent": f"UBND {office.unit.name}",
            "issuer": office.name,
            "number": "/BC-PGDĐT",
            "addressees": department_name,
            "recipients": "Các trường trực thuộc",
            "signer_position": "TRƯỞNG PHÒNG",
            "authority": "",
        }
    school = School.objects.get(pk=user.school_id) if user.school_id else None
    management = (
        SchoolManagement.objects.filter(school=school, valid_to__isnull=True).select_related("office").first()
        if school is not None
        else None
    )
    parent = management.office.name if management is not None else department_name
    return {
        "issuer_parent": parent,
        "issuer": school.name if school is not None else department_name,
        "number": f"/BC-{_initials(school.name) if school is not None else ''}",
        "addressees": parent,
        "recipients": "",
        "signer_position": "HIỆU TRƯỞNG",
        "authority": "",
    }


def _initials(name: str) -> str:
    """ "Trường THCS Nguyễn Trường Tộ" → "THCSNTT": a school's abbreviation in a symbol."""
    words = name.split()
    if words and words[0].lower() == "trường":
        words = words[1:]
    return "".join(word if word.isupper() else word[0].upper() for word in words if word)[:12]


# --- A new draft and its edits ----------------------------------------------------------------------------


def subject_of(kind: str, period_label: str) -> str:
    return f"{KIND_WORDS.get(kind, 'sơ kết').capitalize()} phong trào {MOVEMENT} {period_label}"


@transaction.atomic
def start_report(*, acting_user: User, kind: str, params: dict[str, list[str]]) -> Report:
    """A draft for the scope and period `params` describe (FiguresForm's; FigureQueryError if they do
    not, Http404 for a scope outside the user's), its narrative pre-filled from the figures."""
    if not may_write_reports(acting_user):
        raise Forbidden(NOT_ALLOWED)
    kind = kind if kind in ReportKind.values else ReportKind.INTERIM
    if kind == ReportKind.FINAL and not ({"year", "date_from", "period"} & set(params)):
        params = {**params, "period": [PERIOD_PHASE]}  # a final report is for the phase unless told
    request = read_figure_request(acting_user, query_params(params))
    department = request.scope.department or home_department(acting_user)
    assert department is not None
    with translation.override("vi"):
        totals = c.Totals.of(request)
        narrative = {
            "achievements": c.achievements(totals),
            "limitations": c.limitations(totals),
            "tasks_ahead": c.tasks_ahead(totals),
        }
        period_label = _period_label(request)
    report = Report(
        department=department,
        kind=kind,
        params=params,
        scope_label=request.scope.label[:300],
        period_label=period_label[:200],
        period_start=request.period.start,
        period_end=request.period.end,
        office_id=acting_user.office_id,
        school_id=acting_user.school_id,
        created_by=acting_user,
        signer_name=acting_user.display_name[:150],
        subject=subject_of(kind, period_label)[:400],
        **_issuer(acting_user),
        **narrative,
    )
    report.save()
    return report


def _period_label(request: FigureRequest) -> str:
    period = request.period
    if period.kind == PERIOD_YEAR:
        return f"năm học {schoolyears.label(schoolyears.start_year_of(period.start))}"
    if period.kind == PERIOD_PHASE:
        return f"giai đoạn {period.start.year}–{period.end.year}"
    return f"từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y}"


def edit_report(*, acting_user: User, report: Report, expected_version: int, **fields: str) -> Report:
    """Change what the user writes (heading, recipients, signer, narrative), under a version check."""
    if not may_write_reports(acting_user):
        raise Forbidden(NOT_ALLOWED)
    for name in EDITABLE:
        if name in fields:
            setattr(report, name, (fields[name] or "").strip())
    report.full_clean(exclude=["department", "office", "school", "created_by", "params"])
    return save_versioned(report, expected_version=expected_version, update_fields=list(EDITABLE))


# --- Generation -------------------------------------------------------------------------------------------


@transaction.atomic
def request_generation(*, acting_user: User, report: Report) -> Report:
    """Queue the report's generation (refused while one waits or runs)."""
    if not may_write_reports(acting_user):
        raise Forbidden(NOT_ALLOWED)
    claimed = (
        Report.objects.filter(pk=report.pk)
        .exclude(status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING))
        .update(status=ReportStatus.QUEUED, progress=0, step="", error="")
    )
    if not claimed:
        raise DomainError(ALREADY_GENERATING, code="busy")
    user_id, report_id = acting_user.pk, report.pk
    transaction.on_commit(lambda: _enqueue(report_id, user_id))
    report.refresh_from_db()
    return report


def _enqueue(report_id: int, user_id: int) -> None:
    unfinished = Report.objects.filter(pk=report_id, status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING))
    tasks.enqueue_recorded(generate_report, unfinished, report_id, user_id)


STEPS = {
    "totals": _("reading the figures"),
    "tables": _("building the tables"),
    "charts": _("drawing the charts"),
    "gap": _("the inner/outer gap"),
    "impact": _("the impact estimates"),
    "document": _("writing the document"),
    "pdf": _("converting to PDF"),
    "annex": _("the statistical annex"),
}


def _progress(report_id: int) -> Any:
    def step(percent: int, label: str) -> None:
        Report.objects.filter(pk=report_id).update(progress=percent, step=label)

    return step


@task()
def generate_report(report_id: int, user_id: int) -> str:
    """The worker's side: the figures read again for the report's scope and period as the user who asked
    sees them, the document, its PDF and annex written, checked and kept as a new generation."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return "gone"
    Report.objects.filter(pk=report_id).update(status=ReportStatus.RUNNING, progress=5, step="totals")
    try:
        generation = generate(report, User.objects.get(pk=user_id), _progress(report_id))
    except (FigureQueryError, Http404):
        Report.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=str(SCOPE_GONE), progress=100
        )
        return "scope"
    except Exception:
        log.exception("report %s: generation failed", report_id)
        Report.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=str(GENERATION_FAILED), progress=100
        )
        return "failed"
    Report.objects.filter(pk=report_id).update(status=ReportStatus.READY, progress=100, step="", error="")
    return f"generation {generation.number}"


def generate(report: Report, user: User, progress: Any = None) -> Generation:
    step = progress or (lambda _percent, _label: None)
    request = read_figure_request(user, query_params(report.params))
    content = c.collect(request, step)
    made = lay_out(template_for(report), report_parts(report, content))
    docx, unbroken, template_version = made.docx, made.unbroken, made.version
    step(80, "pdf")
    failed = [
        rule for rule in conformance.check_docx(docx, upward=bool(report.addressees.strip())) if not rule.ok
    ]
    pdf: bytes | None = None
    pdf_error = ""
    try:
        pdf = conversion.to_pdf(docx)
        failed += conformance.failures(conformance.check_pdf(conversion.pdf_pages(pdf), unbroken))
    except conversion.ConversionError as error:
        pdf_error = str(error.message)
    step(92, "annex")
    workbook = annex(report, content)
    with transaction.atomic():
        last = Generation.objects.filter(report=report).aggregate(n=Max("number"))["n"] or 0
        return Generation.objects.create(
            report=report,
            number=last + 1,
            generated_by=user,
            template_version=template_version,
            data_version=data_version(),
            figures=_json(content.data),
            narrative={name: getattr(report, name) for name in EDITABLE},
            docx=docx,
            pdf=pdf,
            pdf_error=pdf_error,
            annex=workbook,
            sha256=hashlib.sha256(docx).hexdigest(),
            conformance=[{"rule": rule.name, "detail": conformance.describe(rule)} for rule in failed],
        )


def _json(data: Any) -> Any:
    """The figures as JSON can hold them (dates as ISO text)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@tasks.recoverer
def recover_interrupted_reports() -> int:
    """Reports left waiting or being generated by a task that ended without finishing (its worker died):
    failed, with a message; the user generates again."""
    mended = 0
    for report in Report.objects.filter(status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING)).exclude(
        task_id=""
    ):
        if tasks.task_finished(report.task_id):
            mended += Report.objects.filter(
                pk=report.pk, status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING)
            ).update(status=ReportStatus.FAILED, error=str(tasks.WORKER_LOST), progress=100)
    return mended


# --- The department's templates -------------------------------------------------------------------------


class TemplateRefused(DomainError):
    """An uploaded template that may not be used, with every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "", code="template_refused")
        self.problems = problems


def _template_admin(user: User) -> EducationOffice:
    department = home_department(user)
    if department is None or not is_department_admin(user, department.pk):
        raise Forbidden(TEMPLATES_ADMIN_ONLY)
    return department


def templates_of(user: User, kind: str) -> QuerySet[ReportTemplate]:
    department = _template_admin(user)
    return (
        ReportTemplate.objects.filter(department=department, kind=kind)
        .defer("docx")
        .select_related("uploaded_by")
    )


def template_of(user: User, pk: int) -> ReportTemplate | None:
    """One kept template of the administrator's department, of any kind."""
    department = _template_admin(user)
    return ReportTemplate.objects.filter(pk=pk, department=department).defer("docx").first()


def templates_in_use(user: User) -> QuerySet[ReportTemplate]:
    """The department's template in use of each kind that has one."""
    return ReportTemplate.objects.filter(department=_template_admin(user), active=True).defer("docx")


def template_in_use(department_id: int, kind: str) -> ReportTemplate | None:
    return ReportTemplate.objects.filter(department_id=department_id, kind=kind, active=True).first()


def template_for(report: Report) -> ReportTemplate | None:
    """The department's template in use, for the reports the department itself issues (an office's or a
    school's report keeps the built-in layout: the template carries the department's heading)."""
    if (report.office_id and report.office_id != report.department_id) or report.school_id:
        return None
    return template_in_use(report.department_id, DocumentKind.REPORT)


@dataclass(frozen=True)
class Made:
    """A document made: the Word file, the lines its PDF must keep whole, the template version."""

    docx: bytes
    unbroken: list[str]
    version: str


def lay_out(template: ReportTemplate | None, parts: Parts) -> Made:
    """The document's parts in the department's template, or in the built-in layout when it has none in
    use; the version that made it is written in the file's properties."""
    if template is not None:
        return Made(
            templating.render(bytes(template.docx), parts, template.label),
            templating.unbroken_lines(parts),
            template.label,
        )
    layout = parts.build()
    layout.document.core_properties.comments = f"Chung Tay · {TEMPLATE_VERSION}"
    return Made(layout.bytes(), layout.lines, TEMPLATE_VERSION)


def make_document(department_id: int, kind: str, parts: Parts) -> Made:
    """A council document or an agreement in the department's template of its kind, or the built-in."""
    return lay_out(template_in_use(department_id, kind), parts)


def sample_report(user: User) -> Report:
    """A report of this user's department as it would start, unsaved: what a template is checked with and
    what the default template is sized for."""
    department = home_department(user)
    assert department is not None
    return Report(
        department=department,
        kind=ReportKind.INTERIM,
        scope_label=department.name,
        period_label="năm học 2022-2023",
        subject=subject_of(ReportKind.INTERIM, "năm học 2022-2023"),
        signer_name=user.display_name,
        **_issuer(user),
    )


def sample_parts(user: User, kind: str) -> Parts:
    """A document of `kind` as the user's department would issue it, with a sample body: what an upload
    of that kind is checked with and what its built-in template is sized for."""
    department = home_department(user)
    assert department is not None
    if kind == DocumentKind.MEMORANDUM:
        return sample_agreement_parts()
    if kind in council.DOCUMENTS:
        return council.sample(department, kind, chair=user.display_name)
    return report_parts(sample_report(user), None)


@transaction.atomic
def upload_template(*, acting_user: User, data: bytes, name: str, kind: str) -> ReportTemplate:
    """Check the template of `kind` (TemplateRefused with every reason; nothing is written) and keep it
    as the department's next version of that kind, in use from now."""
    department = _template_admin(acting_user)
    if kind not in templating.SPECS:
        raise Http404
    try:
        data = files.check_upload(
            io.BytesIO(data), accept={files.DOCX}, limit_mb=TEMPLATE_LIMIT_MB, wrong_type=TEMPLATE_NOT_WORD
        ).data
    except files.FileRefused as refused:
        raise TemplateRefused([str(refused.message)]) from refused
    problems = [problem.message for problem in templating.check(data, kind, sample_parts(acting_user, kind))]
    if problems:
        raise TemplateRefused(problems)
    kept = ReportTemplate.objects.select_for_update().filter(department=department, kind=kind)
    last = kept.aggregate(n=Max("version"))["n"] or 0
    kept.filter(active=True).update(active=False)
    return ReportTemplate.objects.create(
        department=department,
        kind=kind,
        version=last + 1,
        name=name[:200],
        docx=data,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=acting_user,
        active=True,
    )


@transaction.atomic
def use_template(*, acting_user: User, kind: str, template_id: int | None) -> None:
    """Put a kept version of `kind` back in use, or (None) the built-in layout of that kind."""
    department = _template_admin(acting_user)
    kept = ReportTemplate.objects.filter(department=department, kind=kind)
    if kind not in templating.SPECS or (template_id is not None and not kept.filter(pk=template_id).exists()):
        raise Http404
    kept.filter(active=True).update(active=False)
    if template_id is not None:
        kept.filter(pk=template_id).update(active=True)
