"""Support records from a spreadsheet, through the support services: export → import unchanged, new records
once (donors registered by name), corrections by ID, rejected rows with reasons, undo."""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chungtay.imports.models import ImportBatch
from chungtay.imports.support import COLUMNS
from chungtay.support.models import Donor, SupportRecord
from chungtay.support.services import record_support, register_donor
from tests.partnerships.conftest import user

HEADER = [names[0] for names in COLUMNS.values()]


def _csv(rows, name="ho-tro.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"))


def _row(**values):
    row = dict.fromkeys(COLUMNS, "")
    row.update(values)
    return [row[column] for column in COLUMNS]


def _upload(client, upload):
    response = client.post(reverse("imports:upload", args=["support"]), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def test_the_ledger_export_imports_back_unchanged_and_corrections_go_by_id(client, as_user, leaders_pair):
    officer = as_user("pgd.unghoa")
    school = user("ht.unghoa").school
    donor = register_donor(acting_user=officer, kind="business", name="Công ty Sữa Ba Vì")
    given = dt.date.today() - dt.timedelta(days=5)
    record = record_support(
        acting_user=officer, kind="scholarship", quantity=Decimal(2), unit="suất", value_vnd=4_000_000,
        given_on=given, donor=donor, receiving_school=school,
    )  # fmt: skip
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("support:support-export"), {"format": fmt})
        batch = _upload(client, SimpleUploadedFile(f"ho-tro.{fmt}", response.content))
        assert batch.summary["rejected"] == 0, batch.summary["errors"][:3]
        assert batch.summary["rows"] == batch.summary["unchanged"] > 0
    corrected = _row(id=str(record.pk), kind="scholarship", quantity="3", unit="suất", value_vnd="6.000.000",
                     given_on=given.strftime("%d/%m/%Y"), donor="Công ty Sữa Ba Vì", donor_kind="business",
                     receiving=school.moet_id)  # fmt: skip
    batch = _upload(client, _csv([corrected]))
    assert batch.summary["update"] == 1
    client.post(reverse("imports:apply", args=[batch.pk]))
    record.refresh_from_db()
    assert (record.quantity, record.value_vnd, record.version) == (Decimal(3), 6_000_000, 2)


def test_new_records_are_created_once_with_their_donor_and_can_be_undone(client, as_user, leaders_pair):
    as_user("pgd.unghoa")
    school = user("ht.unghoa").school
    day = (dt.date.today() - dt.timedelta(days=2)).strftime("%d/%m/%Y")
    rows = [
        _row(kind="Sách", quantity="120", unit="cuốn", value_vnd="3.600.000", given_on=day,
             donor="Hội Khuyến học xã", donor_kind="agency", receiving=school.moet_id,
             partnership=str(leaders_pair.number)),
        _row(kind="notebooks", quantity="500", unit="quyển", given_on=day, donor_kind="school",
             donor_school=user("ht.hoangmai").school.moet_id, receiving=school.moet_id),
    ]  # fmt: skip
    before = SupportRecord.objects.count()
    batch = _upload(client, _csv(rows))
    assert (batch.summary["create"], batch.summary["rejected"]) == (2, 0), batch.summary["errors"]
    client.post(reverse("imports:apply", args=[batch.pk]))
    assert SupportRecord.objects.count() == before + 2
    books = SupportRecord.objects.get(receiving_school=school, kind="books", quantity=120)
    assert books.donor.name == "Hội Khuyến học xã" and books.partnership == leaders_pair
    assert _upload(client, _csv(rows)).summary["unchanged"] == 2
    assert client.post(reverse("imports:undo", args=[batch.pk])).status_code == 302
    assert SupportRecord.objects.count() == before
    assert not Donor.objects.filter(name="Hội Khuyến học xã").exists()  # created by the import, gone with it


def test_bad_support_rows_are_rejected_with_row_column_and_reason(client, as_user):
    as_user("pgd.unghoa")
    school = user("ht.unghoa").school.moet_id
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    base = {"unit": "cuốn", "donor": "X Y", "donor_kind": "business", "receiving": school}
    rows = [
        _row(**{**base, "kind": "vàng", "quantity": "1", "given_on": "01/01/2025"}),  # 2: kind
        _row(**{**base, "kind": "books", "quantity": "-3", "given_on": "01/01/2025"}),  # 3: quantity
        _row(**{**base, "kind": "books", "quantity": "3", "given_on": "32/01/2025"}),  # 4: date
        _row(**{**base, "kind": "books", "quantity": "3", "given_on": "01/01/2025", "receiving": "0000000X"}),
        _row(**{**base, "kind": "books", "quantity": "3", "given_on": "01/01/2025", "donor_kind": "ai đó"}),
    ]
    batch = _upload(client, _csv(rows))
    assert {(e["row"], e["column"]) for e in batch.summary["errors"]} == {
        (2, "Loại hỗ trợ"), (3, "Số lượng"), (4, "Ngày trao"), (5, "Trường nhận (mã định danh)"),
        (6, "Loại bên trao"),
    }  # fmt: skip
    future = _upload(client, _csv([_row(**{**base, "kind": "books", "quantity": "3", "given_on": tomorrow})]))
    assert future.status == "rejected"  # the ledger's own rule: no gift in the future
