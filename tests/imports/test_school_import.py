import codecs
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from chungtay.directory.models import AdminUnit, School, SchoolLocation, SchoolYearFigures
from chungtay.imports import base, readers
from chungtay.imports import schools as imp
from chungtay.imports.models import ImportBatch

HEADER = [
    "Mã định danh",
    "Tên trường",
    "Cấp học",
    "Loại hình",
    "Mã xã/phường",
    "Địa chỉ",
    "Vĩ độ",
    "Kinh độ",
    "Năm học",
    "Số học sinh",
    "Số giáo viên",
    "Số lớp",
    "Chuẩn quốc gia",
]


def _ward(name="Xã Ứng Hòa"):
    return AdminUnit.objects.get(edition="2025", province__code="01", name=name)


def _rows():
    ward = _ward().code
    return [
        [
            "019990001",
            "Trường Tiểu học Nhập Mới",
            "TH",
            "Công lập",
            ward,
            "Thôn 1",
            "20,72",
            "105,77",
            "2024-2025",
            "1.234",
            "50",
            "30",
            "Có",
        ],
        [
            "019990001",
            "Trường Tiểu học Nhập Mới",
            "TH",
            "Công lập",
            ward,
            "Thôn 1",
            "20,72",
            "105,77",
            "23-24",
            "1200",
            "49",
            "30",
            "không",
        ],
        [
            "019990002",
            "Trường THCS Nhập Mới",
            "THCS",
            "ngoài công lập",
            ward,
            "",
            "",
            "",
            "2022",
            "600",
            "30",
            "15",
            "",
        ],
    ]


def _csv(rows, header=HEADER, encoding="utf-8-sig", delimiter=","):
    text = "\n".join(
        delimiter.join(f'"{c}"' if "," in str(c) else str(c) for c in row) for row in [header, *rows]
    )
    return SimpleUploadedFile("truong.csv", text.encode(encoding))


def _xlsx(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("truong.xlsx", buffer.getvalue())


def _upload(client, upload):
    return client.post(reverse("imports:upload", args=["schools"]), {"file": upload})


def _apply(client, response):
    batch = ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    return batch, client.post(reverse("imports:apply", args=[batch.pk]))


@pytest.mark.parametrize(
    "make",
    [
        _csv,
        _xlsx,
        lambda rows: _csv(rows, encoding="utf-16"),
        lambda rows: _csv(rows, encoding="utf-8", delimiter=";"),
    ],
)
def test_import_previews_then_applies_and_a_second_import_changes_nothing(client, as_user, make):
    as_user("admin")
    response = _upload(client, make(_rows()))
    assert response.status_code == 302
    batch, applied = _apply(client, response)
    assert (
        batch.summary["create"] == 2
        and batch.summary["figures_create"] == 3
        and batch.summary["rejected"] == 0
    )
    assert applied.status_code == 302
    school = School.objects.get(moet_id="019990001")
    assert school.latitude == 20.72 and school.history.latest().history_user.username == "admin"
    assert SchoolYearFigures.objects.get(school=school, school_year__start_year=2024).pupils == 1234
    assert (
        SchoolYearFigures.objects.get(school=school, school_year__start_year=2023).national_standard is False
    )
    assert SchoolLocation.objects.get(school=school).unit == _ward()
    again = _upload(client, make(_rows()))
    second = ImportBatch.objects.get(pk=int(again.url.rstrip("/").split("/")[-1]))
    assert (second.summary["create"], second.summary["update"], second.summary["unchanged"]) == (0, 0, 2)
    assert second.summary["figures_create"] == second.summary["figures_update"] == 0


def _refusal(client, upload):
    before = School.objects.count()
    response = _upload(client, upload)
    assert response.status_code == 400
    assert School.objects.count() == before
    return response.context["form"].errors["file"][0]


def test_a_file_that_is_not_a_spreadsheet_is_refused(client, as_user):
    as_user("admin")
    assert _refusal(client, SimpleUploadedFile("x.xlsx", b"MZ\x90\x00binary")) == str(
        readers.NOT_A_SPREADSHEET
    )
    assert _refusal(
        client, SimpleUploadedFile("x.csv", "tên".encode("cp1258", errors="replace") + b"\xff\xfe\xfa")
    ) == str(readers.UNKNOWN_ENCODING)


def test_a_zip_bomb_is_refused(client, as_user, monkeypatch):
    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED", 8 * 1024 * 1024)  # 1 GB in production
    as_user("admin")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (9 * 1024 * 1024))
    assert _refusal(client, SimpleUploadedFile("bomb.xlsx", buffer.getvalue())) == str(readers.ZIP_BOMB)


def test_a_missing_column_and_an_extra_column_are_named(client, as_user):
    as_user("admin")
    assert "Cấp học" in _refusal(
        client, _csv([r[:2] + r[3:] for r in _rows()], header=HEADER[:2] + HEADER[3:])
    )
    assert "Ghi chú" in _refusal(client, _csv([[*r, "x"] for r in _rows()], header=[*HEADER, "Ghi chú"]))


def test_a_merged_header_cell_is_refused(client, as_user):
    as_user("admin")
    header = [*HEADER[:3], None, *HEADER[4:]]
    assert _refusal(client, _xlsx(_rows(), header=header)) == str(base.MERGED_HEADER)


def test_rejected_rows_are_reported_with_row_column_and_reason_and_nothing_is_applied(client, as_user):
    as_user("admin")
    rows = _rows()
    rows[0][9] = "=B2*2"  # a formula
    rows[1][8] = "năm ngoái"  # not a school year
    rows[2][4] = "99999"  # unknown ward
    rows.append(list(rows[2]))  # a duplicate
    response = _upload(client, _xlsx(rows))
    batch = ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    errors = {(e["row"], e["column"]) for e in batch.summary["errors"]}
    assert {(2, "Số học sinh"), (3, "Năm học"), (4, "Mã xã/phường"), (5, "Mã xã/phường")} <= errors
    assert batch.status == ImportBatch.Status.REJECTED
    assert client.post(reverse("imports:apply", args=[batch.pk])).status_code == 409
    assert not School.objects.filter(moet_id__in=["019990001", "019990002"]).exists()


def test_an_officer_cannot_create_schools_or_touch_another_offices(client, as_user):
    as_user("pgd.hoangmai")
    other = School.objects.filter(managements__office__code="pgd-bavi").first()
    ward = SchoolLocation.objects.get(school=other, valid_to__isnull=True).unit.code
    rows = [
        ["019990001", "Trường mới", "TH", "Công lập", _ward().code, "", "", "", "", "", "", "", ""],
        [other.moet_id, other.name, "TH", "Công lập", ward, "", "", "", "", "", "", "", ""],
    ]
    response = _upload(client, _csv(rows))
    batch = ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert [e["row"] for e in batch.summary["errors"]] == [2, 3]


def test_an_officer_cannot_move_a_school_out_of_scope(client, as_user):
    user = as_user("pgd.unghoa")
    school = School.objects.filter(
        managements__office__code="pgd-unghoa", ownership="public", level="th"
    ).first()
    far = _ward("Phường Hoàng Mai").code
    rows = [[school.moet_id, school.name, "TH", "Công lập", far, "", "", "", "", "", "", "", ""]]
    response = _upload(client, _csv(rows))
    batch = ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert batch.summary["errors"][0]["message"] == str(imp.MOVES_OUT)
    assert user.scope_units.exists()


def test_teachers_cannot_import(client, as_user):
    as_user("gv.unghoa")
    assert client.get(reverse("imports:upload", args=["schools"])).status_code == 403


def test_the_template_has_the_headers_and_an_explanation_sheet(client, as_user):
    from openpyxl import load_workbook

    as_user("admin")
    response = client.get(reverse("imports:template", args=["schools"]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADER
    assert workbook.worksheets[1].max_row == len(HEADER) + 1


def test_utf16_with_bom_is_read():
    text = "Mã định danh\tTên\n0100\tỨng Hòa\n"
    header, rows = readers.read_rows(io.BytesIO(codecs.BOM_UTF16_LE + text.encode("utf-16-le")), "a.txt")
    assert header == ["Mã định danh", "Tên"]
    assert list(rows) == [(2, ["0100", "Ứng Hòa"])]


def test_a_changed_row_updates_the_school_and_moves_it_with_dated_history(client, as_user):
    as_user("admin")
    school = School.objects.filter(
        managements__office__code="pgd-unghoa", level="th", ownership="public"
    ).first()
    version = school.version
    old_location = SchoolLocation.objects.get(school=school, valid_to__isnull=True)
    new_ward = _ward("Phường Hoàng Mai")
    rows = [
        [
            school.moet_id,
            school.name + " (đổi tên)",
            "TH",
            "Công lập",
            new_ward.code,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    ]
    response = _upload(client, _csv(rows))
    batch, applied = _apply(client, response)
    assert batch.summary["update"] == 1 and applied.status_code == 302
    school.refresh_from_db()
    assert school.name.endswith("(đổi tên)") and school.version == version + 1
    old_location.refresh_from_db()
    assert old_location.valid_to is not None
    assert SchoolLocation.objects.get(school=school, valid_to__isnull=True).unit == new_ward
    assert school.history.latest().history_change_reason.startswith(f"import #{batch.pk}")


def test_export_then_import_round_trips_without_changes(client, as_user):
    as_user("pgd.unghoa")
    response = client.get(reverse("directory:school-export"), {"level": "thcs"})
    assert response.status_code == 200
    upload = SimpleUploadedFile("xuat.xlsx", response.content)
    imported = _upload(client, upload)
    assert imported.status_code == 302
    batch = ImportBatch.objects.get(pk=int(imported.url.rstrip("/").split("/")[-1]))
    summary = batch.summary
    assert summary["rejected"] == 0, summary["errors"][:3]
    assert summary["create"] == summary["update"] == 0
    assert summary["unchanged"] > 0
    assert summary["figures_create"] == summary["figures_update"] == 0


def test_export_with_a_forged_filter_is_refused(client, as_user):
    as_user("pgd.unghoa")
    assert client.get(reverse("directory:school-export"), {"at": "99/99/9999"}).status_code == 400
