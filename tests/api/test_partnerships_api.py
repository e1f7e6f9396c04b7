import datetime as dt
import json

import pytest
from django.test import Client

from chungtay.accounts.models import User
from chungtay.accounts.services import issue_api_token
from chungtay.directory.models import SelfAssessment
from chungtay.partnerships.models import Agreement, AgreementStatus, OfficeTwinning, Partnership
from tests.partnerships.conftest import public_school


def _token(username, read_only=False):
    _, raw = issue_api_token(
        acting_user=User.objects.get(username=username), name="t", read_only=read_only, expires_at=None
    )
    return {"Authorization": f"Bearer {raw}"}


def _post(url, body, headers, method="post"):
    return getattr(Client(), method)(url, json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def twinning(db):
    return OfficeTwinning.objects.get(
        supporting_office__code="pgd-hoangmai", supported_office__code="pgd-unghoa"
    )


def _create_pair(headers, twinning):
    hm = User.objects.get(username="ht.hoangmai").school
    uh = User.objects.get(username="ht.unghoa").school
    body = {
        "twinning_id": twinning.pk,
        "members": [
            {"moet_id": hm.moet_id, "side": "supporting"},
            {"moet_id": uh.moet_id, "side": "supported"},
        ],
        "starts_on": "2024-09-05",
    }
    return _post("/api/v1/partnerships", body, headers)


def test_the_whole_lifecycle_through_the_api(twinning):
    officer = _token("pgd.hoangmai")
    created = _create_pair(officer, twinning)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "pending"
    draft = _post(
        f"/api/v1/partnerships/{pk}/agreements",
        {"title": "BBGN", "terms": "Nội dung", "valid_to": "2030-05-31"},
        officer,
    )
    assert draft.status_code == 201
    agreement_id = draft.json()["id"]
    school = User.objects.get(username="ht.hoangmai").school
    commitment = {
        "moet_id": school.moet_id,
        "area": "subject_teaching",
        "description": "2 chuyên đề",
        "target_value": "2",
    }
    assert _post(f"/api/v1/agreements/{agreement_id}/commitments", commitment, officer).status_code == 201
    assert (
        _post(f"/api/v1/agreements/{agreement_id}/send", {}, officer).json()["status"] == "awaiting_signature"
    )
    assert _post(f"/api/v1/agreements/{agreement_id}/sign", {}, _token("ht.hoangmai")).status_code == 200
    signed = _post(f"/api/v1/agreements/{agreement_id}/sign", {}, _token("ht.unghoa"))
    assert signed.json()["status"] == "active"
    assert len(signed.json()["signatures"]) == 2
    assert Client().get(f"/api/v1/partnerships/{pk}", headers=officer).json()["status"] == "active"


def test_a_read_only_token_cannot_write(twinning):
    response = _create_pair(_token("pgd.hoangmai", read_only=True), twinning)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_rule_broken_through_the_api_gets_its_message(twinning):
    school = public_school("pgd-hoangmai", "th")
    body = {
        "twinning_id": twinning.pk,
        "members": [
            {"moet_id": school.moet_id, "side": "supporting"},
            {"moet_id": school.moet_id, "side": "supported"},
        ],
        "starts_on": "2024-09-05",
    }
    before = Partnership.objects.count()
    response = _post("/api/v1/partnerships", body, _token("pgd.hoangmai"))
    assert response.status_code == 400
    assert school.name in response.json()["message"]
    assert Partnership.objects.count() == before


@pytest.mark.parametrize(
    "body",
    [
        {"members": [], "starts_on": "2024-09-05"},
        {
            "members": [{"moet_id": "x", "side": "sideways"}, {"moet_id": "y", "side": "supported"}],
            "starts_on": "2024-09-05",
        },
        {
            "members": [{"moet_id": "x", "side": "mutual"}, {"moet_id": "y", "side": "mutual"}],
            "starts_on": "05/09/2024x",
        },
    ],
)
def test_malformed_bodies_get_400_with_fields(db, body):
    response = _post("/api/v1/partnerships", body, _token("pgd.hoangmai"))
    assert response.status_code == 400
    assert response.json()["fields"]


def test_a_twinning_outside_scope_is_404(twinning):
    assert _create_pair(_token("pgd.bavi"), twinning).status_code == 404


def test_a_stale_version_is_409_and_changes_nothing(twinning):
    officer = _token("pgd.hoangmai")
    pk = _create_pair(officer, twinning).json()["id"]
    agreement_id = _post(
        f"/api/v1/partnerships/{pk}/agreements", {"title": "A", "terms": "B"}, officer
    ).json()["id"]
    edit = {"title": "Mới", "terms": "C", "version": 5}
    response = _post(f"/api/v1/agreements/{agreement_id}", edit, officer, method="patch")
    assert response.status_code == 409
    assert Agreement.objects.get(pk=agreement_id).title == "A"
    ok = _post(f"/api/v1/agreements/{agreement_id}", {**edit, "version": 1}, officer, method="patch")
    assert ok.status_code == 200 and ok.json()["version"] == 2


def test_a_teacher_cannot_sign_through_the_api(twinning):
    officer = _token("pgd.hoangmai")
    pk = _create_pair(officer, twinning).json()["id"]
    agreement_id = _post(
        f"/api/v1/partnerships/{pk}/agreements", {"title": "A", "terms": "B"}, officer
    ).json()["id"]
    _post(f"/api/v1/agreements/{agreement_id}/send", {}, officer)
    response = _post(f"/api/v1/agreements/{agreement_id}/sign", {}, _token("gv.hoangmai"))
    assert response.status_code == 403
    assert Agreement.objects.get(pk=agreement_id).status == AgreementStatus.AWAITING_SIGNATURE


def test_leader_records_a_self_assessment_through_the_api(db):
    leader = User.objects.get(username="ht.unghoa")
    url = f"/api/v1/schools/{leader.school.moet_id}/assessments/2025"
    response = _post(
        url,
        {"scores": {"digital": 2, "governance": 4}, "notes": {"digital": "Thiếu thiết bị"}},
        _token("ht.unghoa"),
        "put",
    )
    assert response.status_code == 200
    assert (
        SelfAssessment.objects.get(school=leader.school, school_year__start_year=2025, area="digital").note
        == "Thiếu thiết bị"
    )
    bad = _post(url, {"scores": {"digital": 9}}, _token("ht.unghoa"), "put")
    assert bad.status_code == 400
    assert _post(url, {"scores": {"digital": 3}}, _token("gv.unghoa"), "put").status_code == 403


def test_partnerships_list_is_scoped(db):
    body = Client().get("/api/v1/partnerships", {"page_size": 500}, headers=_token("ht.unghoa")).json()
    school = User.objects.get(username="ht.unghoa").school.moet_id
    assert body["count"] >= 1
    assert all(any(m["moet_id"] == school for m in p["members"]) for p in body["results"])


def test_overview_through_the_api(db):
    body = Client().get("/api/v1/overview", headers=_token("admin")).json()
    assert body["office_twinned"] == body["office_total"] == 30
    assert body["memorandum_schools"] > 0


def test_leave_and_join_dates_through_the_api(twinning):
    officer = _token("pgd.unghoa")
    pk = _create_pair(officer, twinning).json()["id"]
    extra = public_school("pgd-unghoa", "thcs", 6)
    joined = _post(
        f"/api/v1/partnerships/{pk}/members",
        {"moet_id": extra.moet_id, "side": "supported", "joined_on": "2025-01-01"},
        officer,
    )
    assert joined.status_code == 201
    left = _post(
        f"/api/v1/partnerships/{pk}/members/{extra.moet_id}/leave", {"left_on": "2024-01-01"}, officer
    )
    assert left.status_code == 400
    left = _post(
        f"/api/v1/partnerships/{pk}/members/{extra.moet_id}/leave",
        {"left_on": str(dt.date(2025, 6, 1))},
        officer,
    )
    assert left.status_code == 200
