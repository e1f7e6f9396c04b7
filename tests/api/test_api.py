import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from chungtay.accounts.models import User
from chungtay.accounts.services import issue_api_token, revoke_api_token
from chungtay.directory.models import School


def _token(username, *, read_only=True, expires_at=None):
    user = User.objects.get(username=username)
    _, raw = issue_api_token(acting_user=user, name="test", read_only=read_only, expires_at=expires_at)
    return raw


def _get(client, url, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, params, headers=headers)


def test_me_with_a_token(db):
    response = _get(Client(), "/api/v1/me", _token("pgd.unghoa"))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "pgd.unghoa"
    assert body["role"] == "office_officer"
    assert body["read_only"] is True
    assert len(body["scope_unit_ids"]) > 0


def test_me_with_the_session(client, as_user):
    as_user("ht.hoangmai")
    body = client.get("/api/v1/me").json()
    assert body["school_moet_id"] == User.objects.get(username="ht.hoangmai").school.moet_id


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer ct_" + "x" * 40, "Basic abc"])
def test_without_a_valid_credential_the_api_answers_401(db, header):
    headers = {"Authorization": header} if header else {}
    response = Client().get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_revoked_and_expired_tokens_are_refused(db):
    user = User.objects.get(username="pgd.unghoa")
    token, raw = issue_api_token(acting_user=user, name="x", read_only=True, expires_at=None)
    revoke_api_token(acting_user=user, token_id=token.pk)
    assert _get(Client(), "/api/v1/me", raw).status_code == 401
    expired = _token("pgd.unghoa", expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _get(Client(), "/api/v1/me", expired).status_code == 401


def test_schools_search_is_scoped_and_paginated(db):
    token = _token("pgd.unghoa")
    body = _get(Client(), "/api/v1/schools", token, search="ung hoa", page_size=5).json()
    assert body["page_size"] == 5 and len(body["results"]) == 5
    assert body["count"] > 5
    assert any("Ứng Hòa" in s["name"] for s in body["results"])
    hoang_mai = _get(
        Client(), "/api/v1/schools", _token("pgd.hoangmai"), search="ung hoa", page_size=500
    ).json()
    assert not [s for s in hoang_mai["results"] if "Ứng Hòa" in s["name"]]


def test_schools_filter_by_level_area_and_date(db):
    body = _get(
        Client(), "/api/v1/schools", _token("admin"), level="thpt", area="inner", at="2024-01-01"
    ).json()
    assert body["count"] > 0
    assert {s["level"] for s in body["results"]} <= {"thpt", "thcs_thpt", "th_thcs_thpt"}
    assert all(s["unit"]["district_name"].startswith("Quận") for s in body["results"])


def test_one_school_by_moet_id(db):
    leader = User.objects.get(username="ht.unghoa")
    body = _get(Client(), f"/api/v1/schools/{leader.school.moet_id}", _token("ht.unghoa")).json()
    assert body["name"] == leader.school.name
    assert len(body["locations"]) == 2
    assert [y["school_year"] for y in body["yearly"]] == ["2022-2023", "2023-2024", "2024-2025"]


def test_a_school_outside_scope_is_404(db):
    other = School.objects.filter(locations__unit__parent__short_name="Ba Vì").first()
    response = _get(Client(), f"/api/v1/schools/{other.moet_id}", _token("ht.unghoa"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("moet_id", ["0000000000", "x" * 300, "%20"])
def test_an_unknown_school_id_is_404(db, moet_id):
    assert _get(Client(), f"/api/v1/schools/{moet_id}", _token("admin")).status_code == 404


def test_units_on_a_date(db):
    token = _token("gv.unghoa")
    before = _get(Client(), "/api/v1/units", token, province="01", at="2024-01-01", level="district").json()
    after = _get(Client(), "/api/v1/units", token, province="01", at="2026-01-01", level="ward").json()
    assert before["count"] == 30
    assert after["count"] == 126
    ung_hoa = _get(Client(), "/api/v1/units", token, province="01", at="2024-01-01", search="ung hoa").json()
    assert [u["name"] for u in ung_hoa["results"] if u["level"] == "district"] == ["Huyện Ứng Hòa"]
    assert next(u for u in ung_hoa["results"] if u["level"] == "district")["area"] == "outer"


@pytest.mark.parametrize(
    "params",
    [
        {"at": "31-02-2024"},
        {"at": "not a date"},
        {"province": "1; DROP TABLE"},
        {"page": 0},
        {"page_size": 100000},
        {"search": "a" * 10_000},
        {"parent": "abc"},
    ],
)
def test_bad_unit_parameters_get_a_400_with_fields(db, params):
    response = _get(Client(), "/api/v1/units", _token("admin"), **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["fields"]


def test_unknown_province_gets_a_clear_message(db):
    response = _get(Client(), "/api/v1/units", _token("admin"), province="99")
    assert response.status_code == 400
    assert "99" in response.json()["message"]


@pytest.mark.parametrize(
    "params", [{"level": "university"}, {"area": "middle"}, {"unit": "-5"}, {"search": "a" * 101}]
)
def test_bad_school_parameters_get_a_400(db, params):
    assert _get(Client(), "/api/v1/schools", _token("admin"), **params).status_code == 400


def test_a_forged_office_filter_is_refused(db):
    officer = User.objects.get(username="pgd.hoangmai")
    other = officer.office.department.offices.get(code="pgd-unghoa")
    response = _get(Client(), "/api/v1/schools", _token("pgd.hoangmai"), office=other.pk)
    assert response.status_code == 400


def test_openapi_schema_and_docs_are_served_locally(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/me", "/api/v1/units", "/api/v1/schools", "/api/v1/schools/{moet_id}"} <= set(
        schema["paths"]
    )
    docs = client.get("/api/v1/docs").content.decode()
    # Every script and stylesheet the page loads is the app's own (a random CSRF token once held "cdn",
    # so the page's text is not searched for the word).
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert any(asset.startswith("/static/ninja/") for asset in assets)
    assert not [asset for asset in assets if re.match(r"(https?:)?//", asset)]
