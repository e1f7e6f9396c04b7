"""Education offices from a spreadsheet: the department's administrator only, upsert by code, units of the
department's province, undoable."""

import csv
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chungtay.directory.models import AdminUnit, EducationOffice
from chungtay.imports.models import ImportBatch

HEADER = ["Mã phòng", "Tên phòng", "Tên ngắn", "Mã đơn vị hành chính", "Từ ngày", "Đến ngày"]


def _csv(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return SimpleUploadedFile("phong.csv", buffer.getvalue().encode("utf-8"))


def test_the_administrator_imports_offices_by_code_and_can_undo(client, as_user):
    as_user("admin")
    unghoa = EducationOffice.objects.get(code="pgd-unghoa")
    district = AdminUnit.objects.get(edition="pre2025", level="district", short_name="Mỹ Đức")
    rows = [
        [
            "pgd-thu-nghiem",
            "Phòng Giáo dục và Đào tạo Thử Nghiệm",
            "",
            district.code,
            "01/01/2020",
            "30/06/2025",
        ],
        [unghoa.code, "Phòng GD&ĐT huyện Ứng Hòa", "Ứng Hòa (cũ)", unghoa.unit.code, "", "30/06/2025"],
    ]
    response = client.post(reverse("imports:upload", args=["offices"]), {"file": _csv(rows)})
    batch = ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert (batch.summary["create"], batch.summary["update"], batch.summary["rejected"]) == (1, 1, 0), (
        batch.summary["errors"]
    )
    client.post(reverse("imports:apply", args=[batch.pk]))
    created = EducationOffice.objects.get(code="pgd-thu-nghiem")
    assert created.department == unghoa.department and created.unit == district
    assert created.short_name == district.short_name and created.valid_to == dt.date(2025, 6, 30)
    assert created.search_key.strip() == "phong giao duc va dao tao thu nghiem"
    unghoa.refresh_from_db()
    assert unghoa.short_name == "Ứng Hòa (cũ)"
    again = client.post(reverse("imports:upload", args=["offices"]), {"file": _csv(rows)})
    assert ImportBatch.objects.get(pk=int(again.url.rstrip("/").split("/")[-1])).summary["unchanged"] == 2

    assert client.post(reverse("imports:undo", args=[batch.pk])).status_code == 302
    assert not EducationOffice.objects.filter(code="pgd-thu-nghiem").exists()
    unghoa.refresh_from_db()
    assert unghoa.short_name != "Ứng Hòa (cũ)" and unghoa.name != "Phòng GD&ĐT huyện Ứng Hòa"


def test_bad_office_rows_and_other_importers_are_refused(client, as_user):
    as_user("admin")
    department = EducationOffice.objects.get(code="so-hanoi")
    rows = [
        ["PGD Sai Mã", "Phòng X", "", "277", "", ""],  # 2: code
        ["pgd-x", "Phòng X", "", "99999", "", ""],  # 3: unit
        ["pgd-y", "Phòng Y", "", "277", "31/12/2025", "01/01/2025"],  # 4: dates
        [department.code, "Sở", "", "277", "", ""],  # 5: the department itself
    ]
    response = client.post(reverse("imports:upload", args=["offices"]), {"file": _csv(rows)})
    batch = ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert {(e["row"], e["column"]) for e in batch.summary["errors"]} == {
        (2, "Mã phòng"), (3, "Mã đơn vị hành chính"), (4, "Đến ngày"), (5, "Mã phòng"),
    }  # fmt: skip
    as_user("pgd.unghoa")
    refused = client.post(reverse("imports:upload", args=["offices"]), {"file": _csv(rows[:1])})
    assert refused.status_code == 400 and not EducationOffice.objects.filter(code="pgd-x").exists()
