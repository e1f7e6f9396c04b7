"""Reports through the API: the same rules as the pages — writers only, the author's office or school and
the department's administrator, bad parameters answered 400 with the field, generation queued (202)."""

from __future__ import annotations

import hashlib

from django.test import Client

from chungtay.reports.models import Generation, Report, ReportStatus
from tests.api.test_partnerships_api import _token


def test_prepare_generate_and_read_a_report(db, client: Client, django_capture_on_commit_callbacks):  # noqa: ANN001
    headers = _token("pgd.unghoa")
    created = client.post(
        "/api/v1/reports",
        {"kind": "interim", "year": "2022-2023"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["generations"] == []
    assert body["period"] == "năm học 2022-2023" and body["subject"].startswith("Sơ kết phong trào")
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(f"/api/v1/reports/{body['id']}/generate", headers=headers)
    assert queued.status_code == 202
    report = client.get(f"/api/v1/reports/{body['id']}", headers=headers).json()
    assert report["status"] == ReportStatus.READY and len(report["generations"]) == 1
    generation = report["generations"][0]
    assert generation["layout_rules_not_met"] == [] and len(generation["sha256"]) == 64
    # the files come with the same token: the Word report (its checksum), its PDF, the annex
    assert set(generation["files"]) == {"docx", "pdf", "xlsx"}
    stored = Generation.objects.get(report_id=body["id"], number=1)
    word = client.get(generation["files"]["docx"], headers=headers)
    assert word.status_code == 200 and word["Content-Type"].startswith("application/vnd.openxmlformats")
    assert hashlib.sha256(word.content).hexdigest() == stored.sha256 == generation["sha256"]
    assert client.get(generation["files"]["pdf"], headers=headers).content.startswith(b"%PDF")
    assert client.get(generation["files"]["xlsx"], headers=headers).content == bytes(stored.annex)
    other = client.get(generation["files"]["docx"], headers=_token("pgd.bavi"))
    assert other.status_code == 404
    assert client.get(generation["files"]["docx"]).status_code == 401
    assert (
        client.get(f"/api/v1/reports/{body['id']}/generations/1/files/exe", headers=headers).status_code
        == 400
    )
    figures = client.get(f"/api/v1/reports/{body['id']}/generations/1/figures", headers=headers).json()
    stored = Generation.objects.get(report_id=body["id"], number=1).figures
    assert figures == stored and "totals" in figures
    listed = client.get("/api/v1/reports", headers=headers).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    # another office's officer: not found; a teacher: forbidden
    assert client.get(f"/api/v1/reports/{body['id']}", headers=_token("pgd.bavi")).status_code == 404
    assert client.get("/api/v1/reports", headers=_token("gv.unghoa")).status_code == 403


def test_bad_parameters_are_refused_with_the_field(db, client: Client):  # noqa: ANN001
    headers = _token("pgd.unghoa")
    response = client.post(
        "/api/v1/reports",
        {"kind": "interim", "year": "2022-2025"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert "year" in response.json()["fields"]
    assert not Report.objects.exists()


def test_the_list_reads_the_generations_in_a_fixed_number_of_queries(db, client: Client):  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chungtay.accounts.models import User
    from chungtay.reports import services

    officer = User.objects.get(username="pgd.unghoa")
    headers = _token("pgd.unghoa")

    def add_report() -> None:
        report = services.start_report(acting_user=officer, kind="interim", params={"year": ["2022-2023"]})
        for number in (1, 2):
            Generation.objects.create(
                report=report, number=number, generated_by=officer, template_version="x", data_version="x",
                docx=b"PK", annex=b"PK", sha256="0" * 64,
            )  # fmt: skip

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/reports", headers=headers).status_code == 200
        return len(queries)

    add_report()
    count()  # the token's first use is recorded once
    one = count()
    add_report()
    add_report()
    assert count() == one
