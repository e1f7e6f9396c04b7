"""The reports pages: the list, a new report, the draft's edits, generation and the downloads; bad input
and other people's reports answered with a message or 404, never a 500."""

from __future__ import annotations

import io

import docx
from django.test import Client

from chungtay.accounts.models import Role
from chungtay.core import files
from chungtay.reports.models import Report, ReportStatus
from tests.factories import UserFactory


def test_only_report_writers_see_the_pages(world, client: Client):
    teacher = UserFactory(username="so79.gv", role=Role.TEACHER, school=world.schools["a1"])
    teacher.save()
    client.force_login(teacher)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/new/").status_code == 403
    client.force_login(world.officer_a)
    assert client.get("/reports/").status_code == 200
    assert client.get("/reports/new/").status_code == 200


def test_a_bad_period_is_refused_in_vietnamese_and_nothing_is_created(world, client: Client):
    client.force_login(world.admin)
    response = client.post("/reports/new/", {"kind": "interim", "year": "2022-2025"})
    assert response.status_code == 400
    assert "Ghi năm học theo dạng 2022-2023" in response.content.decode()
    response = client.post(
        "/reports/new/", {"kind": "interim", "date_from": "31/05/2023", "date_to": "01/01/2023"}
    )
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_scope_outside_the_user_is_404(world, client: Client):
    client.force_login(world.officer_a)
    response = client.post("/reports/new/", {"kind": "interim", "school": world.schools["c1"].moet_id})
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_prepare_edit_generate_and_download(world, client: Client, django_capture_on_commit_callbacks):
    client.force_login(world.admin)
    response = client.post("/reports/new/", {"kind": "interim", "year": "2022-2023"})
    assert response.status_code == 302
    report = Report.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Sơ kết phong trào" in page.content.decode()
    fields = {
        "version": report.version,
        "number": "7/BC-SGDĐT",
        "place": "TP. Hồ Chí Minh",
        "subject": report.subject,
        "addressees": report.addressees,
        "recipients": report.recipients,
        "archive": "VP",
        "authority": "KT. GIÁM ĐỐC",
        "signer_position": "PHÓ GIÁM ĐỐC",
        "signer_name": "Nguyễn Văn A",
        "achievements": "Thành tích do đơn vị viết.",
        "limitations": report.limitations,
        "tasks_ahead": report.tasks_ahead,
    }
    assert client.post(f"/reports/{report.pk}/", fields).status_code == 302
    stale = client.post(f"/reports/{report.pk}/", {**fields, "achievements": "Ghi đè"})
    assert stale.status_code == 400 and "Người khác đã sửa" in stale.content.decode()
    report.refresh_from_db()
    assert report.achievements == "Thành tích do đơn vị viết." and report.version == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/reports/{report.pk}/generate/").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.progress == 100
    word = client.get(f"/reports/{report.pk}/1/bao-cao.docx")
    assert word.status_code == 200 and word["Content-Type"] == files.DOCX
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "Thành tích do đơn vị viết." in text
    pdf = client.get(f"/reports/{report.pk}/1/bao-cao.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    annex = client.get(f"/reports/{report.pk}/1/phu-luc.xlsx")
    assert annex.status_code == 200 and annex.content.startswith(b"PK")
    assert client.get(f"/reports/{report.pk}/1/phu-luc.docx").status_code == 404
    assert client.get(f"/reports/{report.pk}/2/bao-cao.docx").status_code == 404
    client.force_login(world.officer_b)
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert client.get(f"/reports/{report.pk}/1/bao-cao.docx").status_code == 404


def test_a_report_for_a_twinning_of_two_offices(world, client: Client):
    from chungtay.partnerships.models import OfficeTwinning

    twinning = OfficeTwinning.objects.get(supporting_office=world.office_a, supported_office=world.office_b)
    client.force_login(world.officer_b)
    form = client.get("/reports/new/").content.decode()
    assert f'<option value="{twinning.pk}"' in form
    response = client.post("/reports/new/", {"kind": "interim", "year": "2022-2023", "twinning": twinning.pk})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.params["twinning"] == [str(twinning.pk)] and report.scope_label == str(twinning)
    assert "đã tổ chức 2 hoạt động" in report.achievements
