"""Review reports (issue 18): a draft pre-filled from the figures, generated into a Word file in the
Decree 30 layout, its PDF and its annex, whose figures equal the API's for the same scope and period;
who may write and open them; edits under a version check; generation refused while one runs, recovered
after a crash, and what changed between two generations."""

from __future__ import annotations

import io
import uuid

import docx
import openpyxl
import pytest
from django.http import Http404
from django.test import Client

from chungtay.accounts.models import Role
from chungtay.activities.models import Activity, ActivityStatus
from chungtay.analytics import figures as f
from chungtay.analytics.query import read_figure_request
from chungtay.core import conformance, conversion
from chungtay.core.errors import ConflictError, DomainError, Forbidden
from chungtay.reports import services
from chungtay.reports.content import TABLES
from chungtay.reports.models import Generation, Report, ReportStatus
from tests.factories import DistrictOfficeFactory, UserFactory

YEAR = {"year": ["2022-2023"]}


def _start(world, params=YEAR, kind="interim", user=None):  # noqa: ANN001, ANN202
    return services.start_report(acting_user=user or world.admin, kind=kind, params=params)


def _document_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for cell in table._cells:
            parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def test_a_draft_is_headed_for_its_author_and_prefilled_from_the_figures(world):
    report = _start(world)
    assert report.kind == "interim" and report.status == ReportStatus.DRAFT
    assert report.issuer == world.department.name
    assert report.issuer_parent == f"UBND {world.department.unit.name}"
    assert report.number == "/BC-SGDĐT"
    assert report.subject.startswith("Sơ kết phong trào “Nhà trường cùng chung tay phát triển")
    assert report.subject.endswith("năm học 2022-2023")
    # the hand-counted world: 3 held activities, 1 topic, 1 exchange (online), 4 participations
    assert "đã tổ chức 3 hoạt động, trong đó 1 chuyên đề và 1 buổi giao lưu (0 trực tiếp, 1 trực tuyến)" in (
        report.achievements
    )
    assert "5 lượt giáo viên (4 giáo viên) tham gia, 75 lượt học sinh" in report.achievements
    officer = _start(world, user=world.officer_a)
    assert officer.issuer == "Phòng A" and officer.number == "/BC-PGDĐT"
    assert officer.addressees == world.department.name
    final = _start(world, params={}, kind="final")
    assert final.period_start.isoformat() == "2022-12-12" and final.subject.startswith("Tổng kết")


def test_who_may_write_and_open_a_report(world):
    teacher = UserFactory(username="so79.gv", role=Role.TEACHER, school=world.schools["a1"])
    with pytest.raises(Forbidden):
        _start(world, user=teacher)
    report = _start(world, user=world.officer_a)
    colleague = UserFactory(username="so79.pgd.a2", role=Role.OFFICE_OFFICER, office=world.office_a)
    assert services.report_for(colleague, report.pk) == report
    assert services.report_for(world.admin, report.pk) == report
    for outsider in (world.officer_b, teacher):
        with pytest.raises(Http404):
            services.report_for(outsider, report.pk)
    with pytest.raises(Http404):  # a scope outside the officer's (a school the department manages)
        _start(world, params={**YEAR, "school": [world.schools["c1"].moet_id]}, user=world.officer_a)
    assert Report.objects.filter(created_by=world.officer_a).count() == 1


def test_a_stale_edit_is_refused_and_changes_nothing(world):
    report = _start(world)
    services.edit_report(
        acting_user=world.admin, report=report, expected_version=1, limitations="Một hạn chế."
    )
    with pytest.raises(ConflictError):
        services.edit_report(acting_user=world.admin, report=report, expected_version=1, limitations="Khác.")
    report.refresh_from_db()
    assert report.limitations == "Một hạn chế." and report.version == 2


def test_the_generated_report_passes_the_layout_rules_and_its_figures_equal_the_api(world, client: Client):
    report = _start(world)
    generation = services.generate(report, world.admin)
    assert generation.number == 1 and generation.conformance == []
    assert conformance.failures(conformance.check_docx(bytes(generation.docx), upward=True)) == []
    # every figure printed is the API's for the same scope and period
    client.force_login(world.admin)
    api = client.get("/api/v1/figures", {"year": "2022-2023"}).json()["figures"]
    for kind, value in generation.figures["totals"].items():
        assert value["value"] == api[kind]["value"], kind
    for _section, kind, by in TABLES:
        shown = client.get(f"/api/v1/figures/{kind}", {"year": "2022-2023", "by": by}).json()["figure"]
        kept = generation.figures["breakdowns"][f"{kind}/{by}"]
        assert [(r["key"], r["value"]) for r in kept["rows"]] == [
            (r["key"], r["value"]) for r in shown["rows"]
        ]
    direct = f.all_figures(read_figure_request(world.admin, {"year": "2022-2023"}))
    assert generation.figures["totals"]["activities"]["value"] == direct["activities"].value == 3
    # the Word file prints them; the PDF is that file converted; the annex holds every table
    text = _document_text(bytes(generation.docx))
    assert "Bảng 5. Hoạt động đã tổ chức theo loại" in text
    assert "Kính gửi: Ủy ban nhân dân" in text
    pages = conversion.pdf_pages(bytes(generation.pdf))
    assert "BÁO CÁO" in pages[0] and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0]
    assert any("III. NHIỆM VỤ THỜI GIAN TỚI" in page for page in pages)
    workbook = openpyxl.load_workbook(io.BytesIO(bytes(generation.annex)))
    assert workbook.sheetnames[0] == "Định nghĩa"
    assert len(workbook.sheetnames) == 1 + len(TABLES)
    activities = workbook.worksheets[1 + [kind for _s, kind, _b in TABLES].index("activities")]
    assert activities["A1"].value.startswith(
        f.figure(read_figure_request(world.admin, {"year": "2022-2023"}), "activities").label
    )
    assert activities.freeze_panes == "B3"
    assert list(activities.iter_rows(values_only=True))[-1][:2] == ("Tổng", 3)
    assert len(generation.sha256) == 64


def test_a_second_generation_shows_what_changed_since(world, client: Client):
    report = _start(world)
    services.generate(report, world.admin)
    held = Activity.objects.filter(department=world.department, status=ActivityStatus.HELD).order_by("pk")
    first = held.first()
    first.status = ActivityStatus.CANCELLED
    first.save()
    second = services.generate(report, world.admin)
    assert second.number == 2
    client.force_login(world.admin)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert 'data-testid="changes"' in page
    from chungtay.reports.content import changes

    found = {
        label: (was, now)
        for label, was, now in changes(
            Generation.objects.get(report=report, number=1).figures, second.figures
        )
    }
    assert found[f.figure(read_figure_request(world.admin, {"year": "2022-2023"}), "activities").label] == (
        3,
        2,
    )


def test_generation_is_refused_while_one_runs_and_recovered_after_a_crash(world):
    report = _start(world)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, task_id=str(uuid.uuid4()))
    with pytest.raises(DomainError):
        services.request_generation(acting_user=world.admin, report=report)
    assert services.recover_interrupted_reports() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.error


def test_a_generation_whose_scope_is_gone_fails_with_a_message(world):
    report = _start(world, params={**YEAR, "office": [str(world.office_b.pk)]})
    elsewhere = DistrictOfficeFactory(department=world.department, unit=world.district_x)
    stranger = UserFactory(username="so79.pgd.c", role=Role.OFFICE_OFFICER, office=elsewhere)
    assert services.generate_report.call(report.pk, stranger.pk) == "scope"
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "không còn" in report.error or "no longer" in report.error
    assert not Generation.objects.filter(report=report).exists()
