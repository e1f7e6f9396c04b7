import json
from decimal import Decimal

from django.test import Client

from chungtay.accounts.models import User
from chungtay.directory.models import Indicator, IndicatorValue
from tests.api.test_partnerships_api import _post, _token


def test_definitions_are_listed_to_all_and_written_by_the_administrator_with_a_version(db):
    listed = Client().get("/api/v1/indicators", headers=_token("gv.unghoa")).json()
    assert {"DIEM_VAO10_TOAN", "TL_TN_THPT"} <= {i["code"] for i in listed}
    body = {"code": "TL_CHUYEN_CAN", "name": "Tỉ lệ chuyên cần", "value_type": "percent", "levels": ["th"]}
    assert _post("/api/v1/indicators", body, _token("pgd.unghoa")).status_code == 403
    created = _post("/api/v1/indicators", body, _token("admin"))
    assert created.status_code == 201 and created.json()["levels"] == ["th"]
    assert _post("/api/v1/indicators", body, _token("admin")).status_code == 400  # the code is taken
    pk = created.json()["id"]
    patch = {**body, "name": "Tỉ lệ đi học chuyên cần", "version": 1}
    assert _post(f"/api/v1/indicators/{pk}", patch, _token("admin"), method="patch").status_code == 200
    stale = _post(f"/api/v1/indicators/{pk}", {**patch, "name": "Cũ"}, _token("admin"), method="patch")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert Indicator.objects.get(pk=pk).name == "Tỉ lệ đi học chuyên cần"


def test_values_are_read_in_scope_and_recorded_by_those_who_may_change_the_school(db):
    school = User.objects.get(username="gv.unghoa").school
    url = f"/api/v1/schools/{school.moet_id}/indicators/tl_gv_tren_chuan/2025"
    assert _post(url, {"value": "91.5"}, _token("gv.unghoa"), method="put").status_code == 403
    assert _post(url, {"value": "91.5"}, _token("pgd.bavi"), method="put").status_code == 404
    assert _post(url, {"value": "91.5"}, _token("ht.unghoa", read_only=True), method="put").status_code == 403
    refused = _post(url, {"value": "101"}, _token("ht.unghoa"), method="put")
    assert refused.status_code == 400 and "0–100" in refused.json()["message"]
    saved = _post(url, {"value": "91.5", "note": "rà soát"}, _token("ht.unghoa"), method="put")
    assert saved.status_code == 200 and Decimal(saved.json()["value"]) == Decimal("91.5")
    assert (
        IndicatorValue.objects.get(
            school=school, indicator__code="TL_GV_TREN_CHUAN", school_year__start_year=2025
        ).note
        == "rà soát"
    )

    page = (
        Client()
        .get(
            "/api/v1/indicator-values",
            {"indicator": "TL_GV_TREN_CHUAN", "school_year": 2025, "moet_id": school.moet_id},
            headers=_token("gv.unghoa"),
        )
        .json()
    )
    assert page["count"] == 1 and page["results"][0]["school_year"] == "2025-2026"
    outsider = (
        Client()
        .get("/api/v1/indicator-values", {"moet_id": school.moet_id}, headers=_token("pgd.bavi"))
        .json()
    )
    assert outsider["count"] == 0
    assert (
        Client()
        .get("/api/v1/indicator-values", {"school_year": "x"}, headers=_token("gv.unghoa"))
        .status_code
        == 400
    )
    missing = _post(
        f"/api/v1/schools/{school.moet_id}/indicators/KHONG_CO/2025", {"value": 1}, _token("admin"), "put"
    )
    assert missing.status_code == 404 and json.loads(missing.content)["code"] == "not_found"
