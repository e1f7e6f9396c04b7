"""Indicator values and self-assessments imported like schools: preview, all-or-nothing apply, idempotent,
export → import round trip; and undo of an applied import (any kind) from its history rows."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chungtay.access.scopes import own_schools
from chungtay.accounts.models import User
from chungtay.directory.models import (
    Indicator,
    IndicatorValue,
    School,
    SchoolLocation,
    SchoolYear,
    SchoolYearFigures,
    SelfAssessment,
)
from chungtay.directory.services import record_indicator_value
from chungtay.imports.models import ImportBatch

VALUE_HEADER = ["Mã định danh", "Năm học", "Mã chỉ số", "Giá trị", "Ghi chú"]


def _csv(rows, header, name="file.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"))


def _upload(client, kind, upload):
    response = client.post(reverse("imports:upload", args=[kind]), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def _apply(client, batch):
    response = client.post(reverse("imports:apply", args=[batch.pk]))
    batch.refresh_from_db()
    return response


def _thcs_school(username="pgd.unghoa"):
    return (
        own_schools(User.objects.get(username=username))
        .filter(level="thcs", is_demo=True)
        .order_by("moet_id")
    )


def _value(school, code, start):
    return (
        IndicatorValue.objects.filter(school=school, indicator__code=code, school_year__start_year=start)
        .values_list("value", flat=True)
        .first()
    )


def test_indicator_values_preview_apply_and_a_second_import_changes_nothing(client, as_user):
    as_user("pgd.unghoa")
    first, second = _thcs_school()[:2]
    old = _value(second, "DIEM_VAO10_ANH", 2024)
    rows = [
        [first.moet_id, "2025-2026", "DIEM_VAO10_TOAN", "7,25", "đợt 1"],
        [second.moet_id, "24-25", "diem_vao10_anh", str(old + Decimal("0.5")).replace(".", ","), ""],
        [second.moet_id, "2024", "TL_GV_TREN_CHUAN", "88.5", ""],
    ]
    batch = _upload(client, "indicators", _csv(rows, VALUE_HEADER))
    existing_gv = _value(second, "TL_GV_TREN_CHUAN", 2024)
    assert batch.status == "previewed"
    assert (batch.summary["create"], batch.summary["rejected"]) == (1, 0)
    assert batch.summary["update"] + batch.summary["unchanged"] == 2
    assert _value(first, "DIEM_VAO10_TOAN", 2025) is None  # a preview changes nothing
    page = client.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert "Số liệu sẽ thêm mới" in page
    assert batch.checksum not in page  # the file's checksum is the system's, not the user's
    assert _apply(client, batch).status_code == 302 and batch.status == "applied"
    page = client.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert "sẽ thêm mới" not in page and "to create" not in page  # it says what was done
    assert "Số liệu đã thêm mới" in page
    assert _value(first, "DIEM_VAO10_TOAN", 2025) == Decimal("7.25")
    assert _value(second, "DIEM_VAO10_ANH", 2024) == old + Decimal("0.5")
    assert _value(second, "TL_GV_TREN_CHUAN", 2024) == Decimal("88.5") != existing_gv
    row = IndicatorValue.objects.get(
        school=first, indicator__code="DIEM_VAO10_TOAN", school_year__start_year=2025
    )
    assert row.note == "đợt 1"
    record = row.history.latest()
    assert record.history_user.username == "pgd.unghoa" and record.history_change_reason == batch.reason

    again = _upload(client, "indicators", _csv(rows, VALUE_HEADER))
    assert (again.summary["create"], again.summary["update"], again.summary["unchanged"]) == (0, 0, 3)
    count = IndicatorValue.objects.count()
    _apply(client, again)
    assert IndicatorValue.objects.count() == count


def test_rejected_indicator_rows_name_row_column_and_reason_and_nothing_changes(client, as_user):
    as_user("pgd.unghoa")
    school = _thcs_school().first()
    outsider = own_schools(User.objects.get(username="pgd.bavi")).first()
    rows = [
        [outsider.moet_id, "2024-2025", "DIEM_VAO10_TOAN", "7", ""],  # 2: not the officer's school
        [school.moet_id, "2024-2025", "KHONG_CO", "7", ""],  # 3: unknown code
        [school.moet_id, "2024-2025", "TL_TN_THPT", "98", ""],  # 4: not measured at THCS
        [school.moet_id, "2024-2025", "DIEM_VAO10_TOAN", "11", ""],  # 5: score above 10
        [school.moet_id, "2024-2025", "DIEM_VAO10_VAN", "bảy", ""],  # 6: not a number
        [school.moet_id, "2024-2025", "GIAI_HSG_TP", "2,5", ""],  # 7: a count is whole
        [school.moet_id, "2099-2100", "DIEM_VAO10_ANH", "7", ""],  # 8: school year not set up
        [school.moet_id, "năm ngoái", "DIEM_VAO10_ANH", "7", ""],  # 9: not a school year
        [school.moet_id, "2024-2025", "DIEM_VAO10_ANH", "=A1*2", ""],  # 10: formula
        [school.moet_id, "2025", "DIEM_VAO10_ANH", "7", ""],  # 11
        [school.moet_id, "2025-2026", "DIEM_VAO10_ANH", "7,5", ""],  # 12: duplicate of 11
    ]
    before = IndicatorValue.objects.count()
    batch = _upload(client, "indicators", _csv(rows, VALUE_HEADER))
    assert batch.status == "rejected"
    found = {(e["row"], e["column"]) for e in batch.summary["errors"]}
    assert found == {
        (2, "Mã định danh"), (3, "Mã chỉ số"), (4, "Mã chỉ số"), (5, "Giá trị"), (6, "Giá trị"),
        (7, "Giá trị"), (8, "Năm học"), (9, "Năm học"), (10, "Giá trị"), (12, "Mã định danh"),
    }  # fmt: skip
    messages = {e["row"]: e["message"] for e in batch.summary["errors"]}
    assert (
        "0–10" in messages[5]
        and "11" in messages[12]
        or "Dòng 11" in messages[12]
        or "row 11" in messages[12]
    )
    assert _apply(client, batch).status_code == 409
    assert IndicatorValue.objects.count() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_values_import_back_unchanged(client, as_user, fmt):
    as_user("pgd.unghoa")
    indicator = Indicator.objects.get(code="DIEM_VAO10_TOAN")
    year = SchoolYear.objects.get(start_year=2024)
    url = reverse("directory:indicator-values")
    response = client.get(url, {"indicator": indicator.pk, "year": year.pk, "format": fmt})
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'.{fmt}"')
    expected = IndicatorValue.objects.filter(
        indicator=indicator, school_year=year, school__in=own_schools(User.objects.get(username="pgd.unghoa"))
    ).count()
    assert expected > 10
    batch = _upload(client, "indicators", SimpleUploadedFile(f"chi-so.{fmt}", response.content))
    assert batch.summary["rows"] == expected
    assert (batch.summary["unchanged"], batch.summary["create"], batch.summary["update"]) == (expected, 0, 0)
    assert batch.summary["rejected"] == 0


def test_self_assessments_import_by_area_code_or_name(client, as_user):
    as_user("pgd.unghoa")
    school = _thcs_school().first()
    header = ["Mã định danh", "Năm học", "Lĩnh vực", "Mức", "Ghi chú"]
    rows = [
        [school.moet_id, "2025-2026", "Chuyển đổi số", "2", "thiếu máy chiếu"],
        [school.moet_id, "2025-2026", "facilities", "4", ""],
        [school.moet_id, "2025-2026", "Arts and sports", "3", ""],
        [school.moet_id, "2025-2026", "Bơi lội", "3", ""],  # unknown area
        [school.moet_id, "2025-2026", "governance", "6", ""],  # out of range
    ]
    batch = _upload(client, "assessments", _csv(rows, header))
    assert {(e["row"], e["column"]) for e in batch.summary["errors"]} == {(5, "Lĩnh vực"), (6, "Mức")}
    batch = _upload(client, "assessments", _csv(rows[:3], header))
    assert batch.summary["create"] == 3
    _apply(client, batch)
    scores = dict(
        SelfAssessment.objects.filter(school=school, school_year__start_year=2025).values_list(
            "area", "score"
        )
    )
    assert scores == {"digital": 2, "facilities": 4, "arts_sports": 3}


def test_undo_removes_what_the_import_created_and_restores_what_it_changed(client, as_user):
    as_user("pgd.unghoa")
    school = _thcs_school()[3]
    old = _value(school, "DIEM_VAO10_VAN", 2024)
    rows = [
        [school.moet_id, "2025-2026", "DIEM_VAO10_TOAN", "6,5", ""],
        [school.moet_id, "2024-2025", "DIEM_VAO10_VAN", "9,75", ""],
    ]
    batch = _upload(client, "indicators", _csv(rows, VALUE_HEADER))
    _apply(client, batch)
    assert _value(school, "DIEM_VAO10_VAN", 2024) == Decimal("9.75")
    response = client.post(reverse("imports:undo", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "undone"
    assert _value(school, "DIEM_VAO10_TOAN", 2025) is None
    assert _value(school, "DIEM_VAO10_VAN", 2024) == old
    restored = IndicatorValue.objects.get(
        school=school, indicator__code="DIEM_VAO10_VAN", school_year__start_year=2024
    )
    assert restored.history.latest().history_change_reason == f"undo {batch.reason}"
    deleted = IndicatorValue.history.filter(
        history_type="-", history_change_reason=f"undo {batch.reason}"
    ).get()
    assert deleted.history_user.username == "pgd.unghoa" and deleted.value == Decimal("6.5")
    assert client.post(reverse("imports:undo", args=[batch.pk])).status_code == 409  # only once


def test_undo_is_refused_when_a_newer_change_touched_the_imported_rows(client, as_user):
    officer = as_user("pgd.unghoa")
    school = _thcs_school()[4]
    batch = _upload(
        client, "indicators", _csv([[school.moet_id, "2025", "DIEM_VAO10_TOAN", "6", ""]], VALUE_HEADER)
    )
    _apply(client, batch)
    record_indicator_value(
        acting_user=officer,
        moet_id=school.moet_id,
        indicator=Indicator.objects.get(code="DIEM_VAO10_TOAN"),
        school_year=SchoolYear.objects.get(start_year=2025),
        value="6,25",
    )
    response = client.post(reverse("imports:undo", args=[batch.pk]))
    assert response.status_code == 409
    assert "đã được sửa" in response.content.decode() or "changed since" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "applied" and _value(school, "DIEM_VAO10_TOAN", 2025) == Decimal("6.25")


def test_undo_of_a_school_import_deletes_the_new_school_unless_something_newer_points_at_it(client, as_user):
    as_user("admin")
    ward = (
        SchoolLocation.objects.filter(school__moet_id=_thcs_school().first().moet_id, valid_to=None)
        .first()
        .unit
    )
    header = ["Mã định danh", "Tên trường", "Cấp học", "Loại hình", "Mã xã/phường", "Năm học", "Số học sinh",
              "Số giáo viên", "Số lớp", "Chuẩn quốc gia"]  # fmt: skip
    rows = [
        [
            "019990777",
            "Trường THCS Hoàn Tác",
            "THCS",
            "Công lập",
            ward.code,
            "2024-2025",
            "500",
            "30",
            "14",
            "Có",
        ]
    ]
    batch = _upload(client, "schools", _csv(rows, header))
    _apply(client, batch)
    school = School.objects.get(moet_id="019990777")
    record_indicator_value(
        acting_user=User.objects.get(username="admin"),
        moet_id=school.moet_id,
        indicator=Indicator.objects.get(code="DIEM_VAO10_TOAN"),
        school_year=SchoolYear.objects.get(start_year=2024),
        value=7,
    )
    assert client.post(reverse("imports:undo", args=[batch.pk])).status_code == 409
    assert School.objects.filter(moet_id="019990777").exists()

    IndicatorValue.objects.filter(school=school).delete()
    assert client.post(reverse("imports:undo", args=[batch.pk])).status_code == 302
    assert not School.objects.filter(moet_id="019990777").exists()
    assert not SchoolYearFigures.objects.filter(school_id=school.pk).exists()
    assert not SchoolLocation.objects.filter(school_id=school.pk).exists()


def test_templates_of_every_kind_explain_each_column(client, as_user):
    from openpyxl import load_workbook

    as_user("pgd.unghoa")
    for kind in ("schools", "indicators", "assessments"):
        response = client.get(reverse("imports:template", args=[kind]))
        workbook = load_workbook(io.BytesIO(response.content))
        header = [c.value for c in workbook.worksheets[0][1]]
        explained = [row[0] for row in workbook["Hướng dẫn"].iter_rows(min_row=2, values_only=True)]
        assert header == explained and "Mã định danh" in header
        assert workbook.sheetnames == ["Dữ liệu", "Hướng dẫn"]  # with their diacritics
    assert client.get(reverse("imports:upload", args=["khong-co"])).status_code == 404


def test_a_large_file_is_checked_and_applied_by_the_task_worker_with_rows_read_on_the_page(
    client, as_user, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_BYTES = 1000  # every file here counts as large
    as_user("pgd.unghoa")
    schools = list(_thcs_school()[:30])
    codes = ["DIEM_VAO10_TOAN", "DIEM_VAO10_VAN", "DIEM_VAO10_ANH", "TL_GV_TREN_CHUAN"]
    rows = [
        [s.moet_id, f"{start}-{start + 1}", code, "5" if code.startswith("DIEM") else "75", ""]
        for s in schools
        for code in codes
        for start in (2025, 2026)
    ]
    assert len(rows) == 240
    upload = _csv(rows * 6, VALUE_HEADER)  # 1,440 rows: duplicates are reported, progress passes 1,000
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("imports:upload", args=["indicators"]), {"file": upload})
    batch = ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert batch.status == "checking" and len(queued) == 1  # nothing checked in the request
    page = client.get(reverse("imports:preview", args=[batch.pk]))
    assert 'id="batch-progress"' in page.content.decode()
    partial = client.get(
        reverse("imports:preview", args=[batch.pk]),
        headers={"HX-Request": "true", "HX-Target": "batch-progress"},
    )
    assert partial.status_code == 200 and "rows-read" in partial.content.decode()
    queued[0]()  # the worker runs the check
    batch.refresh_from_db()
    assert batch.status == "rejected" and batch.rows_read >= 1000 and batch.rows_expected >= 1440
    assert batch.summary["rejected"] == len(rows) * 5  # every repeat is a duplicate
    done = client.get(
        reverse("imports:preview", args=[batch.pk]),
        headers={"HX-Request": "true", "HX-Target": "batch-progress"},
    )
    assert done.headers.get("HX-Refresh") == "true"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:upload", args=["indicators"]), {"file": _csv(rows, VALUE_HEADER)}
        )
    batch = ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert batch.status == "previewed" and batch.summary["create"] == len(rows)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("imports:apply", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "applied"
    assert IndicatorValue.objects.filter(
        school__in=schools, school_year__start_year__in=(2025, 2026)
    ).count() == len(rows)
    assert client.post(reverse("imports:apply", args=[batch.pk])).status_code == 409  # applied once only


def test_a_file_refused_in_the_background_says_why_on_its_page(
    client, as_user, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_BYTES = 10
    as_user("pgd.unghoa")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:upload", args=["indicators"]), {"file": _csv([["x"]], ["Cột lạ"], name="la.csv")}
        )
    batch = ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert batch.status == "rejected"
    page = client.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert 'data-testid="refused"' in page and "Cột lạ" in page


def test_a_row_without_moet_id_is_matched_by_exact_name_and_flagged(client, as_user):
    from chungtay.core.text import search_key

    as_user("pgd.unghoa")
    first, second, third = _thcs_school()[5:8]
    School.objects.filter(pk=third.pk).update(name=second.name)  # two schools now share a name
    header = ["Mã định danh", "Tên trường", "Năm học", "Mã chỉ số", "Giá trị"]
    rows = [
        ["", search_key(first.name).upper(), "2025", "DIEM_VAO10_TOAN", "6"],  # no accents, capitals
        ["", second.name, "2025", "DIEM_VAO10_TOAN", "6"],  # ambiguous
        ["", "Trường Không Có Thật", "2025", "DIEM_VAO10_TOAN", "6"],
    ]
    batch = _upload(client, "indicators", _csv(rows, header))
    assert {(e["row"], e["column"]) for e in batch.summary["errors"]} == {
        (3, "Mã định danh"),
        (4, "Mã định danh"),
    }
    ambiguous = next(e for e in batch.summary["errors"] if e["row"] == 3)
    assert second.name in ambiguous["message"]
    batch = _upload(client, "indicators", _csv(rows[:1], header))
    assert batch.status == "previewed" and batch.summary["create"] == 1
    assert [w["row"] for w in batch.summary["warnings"]] == [2]
    page = client.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert 'data-testid="warnings"' in page and first.name in page
    client.post(reverse("imports:apply", args=[batch.pk]))
    assert _value(first, "DIEM_VAO10_TOAN", 2025) == Decimal("6")
    refused = client.post(
        reverse("imports:upload", args=["indicators"]),
        {"file": _csv([["2025", "DIEM_VAO10_TOAN", "6"]], header[2:])},
    )
    assert (
        refused.status_code == 400 and "Mã định danh" in refused.content.decode()
    )  # no school column at all


def test_a_file_over_the_size_limit_is_refused_before_anything_is_stored(client, as_user, monkeypatch):
    from chungtay.imports import readers, services
    from tests.api.test_partnerships_api import _token

    for module in (readers, services):  # 100 MB in production; 2 MB here, so the test sends less
        monkeypatch.setattr(module, "MAX_BYTES", 2 * 1024 * 1024)
    as_user("pgd.unghoa")
    before = ImportBatch.objects.count()
    big = b"Ma dinh danh,Nam hoc\n" + b"x" * readers.MAX_BYTES
    response = client.post(
        reverse("imports:upload", args=["indicators"]), {"file": SimpleUploadedFile("big.csv", big)}
    )
    assert response.status_code == 400 and "2 MB" in response.content.decode()
    api = Client().post(
        "/api/v1/imports/kinds/indicators",
        {"file": SimpleUploadedFile("big.csv", big)},
        headers=_token("pgd.unghoa"),
    )
    assert api.status_code == 400 and api.json()["code"] == "too_large"
    assert ImportBatch.objects.count() == before
