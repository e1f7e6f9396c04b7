"""The import flow through the API: upload (multipart), preview, apply, undo — as on the pages."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chungtay.access.scopes import own_schools
from chungtay.accounts.models import User
from chungtay.directory.models import IndicatorValue
from tests.api.test_partnerships_api import _token


def _file(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Mã định danh", "Năm học", "Mã chỉ số", "Giá trị"], *rows])
    return SimpleUploadedFile("chi-so.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def test_upload_preview_apply_and_undo_through_the_api(db):
    school = own_schools(User.objects.get(username="pgd.unghoa")).filter(level="thcs").order_by("moet_id")[2]
    headers = _token("pgd.unghoa")
    created = Client().post(
        "/api/v1/imports/kinds/indicators",
        {"file": _file([[school.moet_id, "2026", "DIEM_VAO10_VAN", "7,75"]])},
        headers=headers,
    )
    assert created.status_code == 201, created.content
    batch = created.json()
    assert batch["status"] == "previewed" and batch["counts"]["create"] == 1 and batch["rejected"] == 0
    assert Client().get(f"/api/v1/imports/{batch['id']}", headers=_token("pgd.bavi")).status_code == 404
    assert Client().get(f"/api/v1/imports/{batch['id']}", headers=_token("gv.unghoa")).status_code == 403
    read_only = Client().post(
        f"/api/v1/imports/{batch['id']}/apply", headers=_token("pgd.unghoa", read_only=True)
    )
    assert read_only.status_code == 403
    applied = Client().post(f"/api/v1/imports/{batch['id']}/apply", headers=headers)
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert (
        IndicatorValue.objects.filter(school=school, indicator__code="DIEM_VAO10_VAN")
        .filter(school_year__start_year=2026)
        .exists()
    )
    again = Client().post(f"/api/v1/imports/{batch['id']}/apply", headers=headers)
    assert again.status_code == 409
    undone = Client().post(f"/api/v1/imports/{batch['id']}/undo", headers=headers)
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    assert Client().post(f"/api/v1/imports/{batch['id']}/undo", headers=headers).status_code == 409

    rejected = (
        Client()
        .post(
            "/api/v1/imports/kinds/indicators",
            {"file": _file([[school.moet_id, "2026", "KHONG_CO", "1"]])},
            headers=headers,
        )
        .json()
    )
    assert rejected["status"] == "rejected" and rejected["errors"][0]["column"] == "Mã chỉ số"
    refused = (
        Client()
        .post(
            "/api/v1/imports/kinds/indicators",
            {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 not a sheet")},
            headers=headers,
        )
        .json()
    )
    assert refused["status"] == "rejected" and refused["refused"]
    assert (
        Client().post("/api/v1/imports/kinds/khong-co", {"file": _file([])}, headers=headers).status_code
        == 404
    )
