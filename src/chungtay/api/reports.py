"""Review reports through the API: the same services, scope and rules as `/reports/` (issue 18). A client
lists the reports it may open, prepares one for a scope and period (the figures' parameters), asks for
its generation (202: the task worker makes it; poll the report) and reads each generation's record and
the figures it printed. The files themselves are downloaded from the report's page."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from chungtay.access.roles import may_write_reports
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import User
from chungtay.analytics.query import FigureQueryError
from chungtay.api.figures import _refused
from chungtay.api.schemas import ERRORS, Page, Paging, RowId, page_of
from chungtay.reports import services
from chungtay.reports.models import Generation, Report

router = Router(tags=["reports"])


class ReportIn(Schema):
    kind: Literal["interim", "final"] = Field("interim", description="interim (sơ kết) or final (tổng kết)")
    year: str | None = Field(None, max_length=20, examples=["2022-2023"])
    date_from: str | None = Field(None, max_length=10, description="dd/mm/yyyy")
    date_to: str | None = Field(None, max_length=10, description="dd/mm/yyyy")
    period: Literal["phase"] | None = None
    office: RowId | None = None
    twinning: RowId | None = None
    unit: RowId | None = None
    partnership: RowId | None = None
    school: str | None = Field(None, max_length=20, description="a MOET ID")


class GenerationOut(Schema):
    number: int
    generated_at: dt.datetime
    generated_by: str
    template: str
    sha256: str
    layout_rules_not_met: list[str]
    pdf: bool
    pdf_error: str
    files: dict[str, str] = Field(
        ..., description="the files' API addresses (docx, pdf, xlsx), downloaded with the same token"
    )


class ReportOut(Schema):
    id: int
    kind: str
    scope: str
    period: str
    period_start: dt.date
    period_end: dt.date
    subject: str
    status: str = Field(..., description="draft, queued, running, ready, failed")
    progress: int
    error: str
    created_at: dt.datetime
    created_by: str
    generations: list[GenerationOut]


def _visible(user: User, report_id: int) -> Report:
    """The report with its generations' records, or 404 outside what the user may open."""
    report = services.report_for(user, report_id)
    prefetch_related_objects([report], GENERATIONS)
    return report


def _writer(user: User) -> None:
    if not may_write_reports(user):
        raise PermissionDenied(str(services.NOT_ALLOWED))


# A generation's record without its files and figures (the list reads every report's at once).
GENERATIONS = Prefetch(
    "generations",
    queryset=Generation.objects.defer("docx", "pdf", "annex", "figures").select_related("generated_by"),
)


def _out(report: Report) -> dict[str, Any]:
    generations = report.generations.all()  # prefetched, newest first (the model's order)
    return {
        "id": report.pk,
        "kind": report.kind,
        "scope": report.scope_label,
        "period": report.period_label,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "subject": report.subject,
        "status": report.status,
        "progress": report.progress,
        "error": report.error,
        "created_at": report.created_at,
        "created_by": report.created_by.display_name,
        "generations": [
            {
                "number": g.number,
                "generated_at": g.generated_at,
                "generated_by": g.generated_by.display_name,
                "template": g.template_version,
                "sha256": g.sha256,
                "layout_rules_not_met": [
                    rule.get("detail") or rule.get("rule", "") for rule in g.conformance
                ],
                "pdf": not g.pdf_error,
                "pdf_error": g.pdf_error,
                "files": {
                    fmt: f"/api/v1/reports/{report.pk}/generations/{g.number}/files/{fmt}"
                    for fmt in FORMATS
                    if fmt != "pdf" or not g.pdf_error
                },
            }
            for g in generations
        ],
    }


@router.get("/reports", response={200: Page[ReportOut], **ERRORS}, summary="Reports / Báo cáo")
def list_reports(request: AuthenticatedRequest, paging: Query[Paging]) -> dict[str, Any]:
    _writer(request.user)
    return page_of(services.reports_visible_to(request.user).prefetch_related(GENERATIONS), paging, _out)


@router.post("/reports", response={201: ReportOut, **ERRORS}, summary="Prepare a report / Lập báo cáo")
def create_report(request: AuthenticatedRequest, payload: ReportIn) -> Status[dict[str, Any]]:
    _writer(request.user)
    params = {
        name: [str(value)]
        for name, value in payload.dict(exclude={"kind"}).items()
        if value not in (None, "")
    }
    try:
        report = services.start_report(acting_user=request.user, kind=payload.kind, params=params)
    except FigureQueryError as error:
        raise _refused(error) from None
    return Status(201, _out(report))


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS}, summary="One report / Một báo cáo")
def get_report(request: AuthenticatedRequest, report_id: RowId) -> dict[str, Any]:
    _writer(request.user)
    return _out(_visible(request.user, report_id))


@router.post(
    "/reports/{report_id}/generate",
    response={202: ReportOut, **ERRORS},
    summary="Generate a report / Tạo báo cáo",
    description="Queued for the task worker; read the report until its status is ready or failed.",
)
def generate_report(request: AuthenticatedRequest, report_id: RowId) -> Status[dict[str, Any]]:
    _writer(request.user)
    report = services.request_generation(
        acting_user=request.user, report=services.report_for(request.user, report_id)
    )
    prefetch_related_objects([report], GENERATIONS)
    return Status(202, _out(report))


FORMATS = {"docx": "bao-cao", "pdf": "bao-cao", "xlsx": "phu-luc"}  # the report, its PDF, the annex


@router.get(
    "/reports/{report_id}/generations/{number}/files/{fmt}",
    response={200: None, **ERRORS},
    summary="A generated file / Tệp báo cáo đã tạo",
    description="The Word report (docx), its PDF (pdf) or the statistical annex (xlsx) of one generation.",
)
def generation_file(
    request: AuthenticatedRequest, report_id: RowId, number: RowId, fmt: Literal["docx", "pdf", "xlsx"]
) -> HttpResponse:
    _writer(request.user)
    report = services.report_for(request.user, report_id)
    data, content_type, filename = services.generation_file(report, number, FORMATS[fmt], fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/reports/{report_id}/generations/{number}/figures",
    response={200: dict[str, Any], **ERRORS},
    summary="The figures a generation printed / Số liệu của một lần tạo",
)
def generation_figures(request: AuthenticatedRequest, report_id: RowId, number: RowId) -> dict[str, Any]:
    _writer(request.user)
    report = services.report_for(request.user, report_id)
    generation = Generation.objects.filter(report=report, number=number).only("figures").first()
    if generation is None:
        raise Http404
    figures: dict[str, Any] = generation.figures
    return figures
