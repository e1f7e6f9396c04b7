import json

from django.test import Client

from chungtay.support import services
from chungtay.support.models import SupportRecord
from tests.api.test_partnerships_api import _token
from tests.partnerships.conftest import user
from tests.support.conftest import GIVEN


def _post(url, body, headers):
    return Client().post(url, json.dumps(body), content_type="application/json", headers=headers)


def _body(pair, **overrides):
    body = {
        "kind": "scholarship",
        "quantity": "2",
        "unit": "suất",
        "value_vnd": 4_000_000,
        "given_on": GIVEN.isoformat(),
        "donor": {"kind": "business", "name": "Công ty CP Sữa Ba Vì"},
        "receiving_moet_id": user("ht.unghoa").school.moet_id,
        "partnership_id": pair.pk,
    }
    body.update(overrides)
    return body


def test_the_receiving_leader_records_a_scholarship_with_codes(pair):
    school = user("ht.unghoa").school
    for _ in range(2):
        services.register_beneficiary(
            acting_user=user("ht.unghoa"), school=school, grade=9, circumstance="poor"
        )
    created = _post("/api/v1/support", _body(pair, pupil_codes=["HS-0001", "HS-0002"]), _token("ht.unghoa"))
    assert created.status_code == 201, created.content
    assert created.json()["pupil_codes"] == ["HS-0001", "HS-0002"]
    pk = created.json()["id"]
    seen = Client().get(f"/api/v1/support/{pk}", headers=_token("ht.hoangmai")).json()
    assert seen["pupil_codes"] is None and seen["pupils"] is None  # 2 pupils: suppressed for the partner
    figures = (
        Client().get("/api/v1/support/figures", {"partnership": pair.pk}, headers=_token("pgd.unghoa")).json()
    )
    assert (figures["records"], figures["value_vnd"], figures["pupils"]) == (1, 4_000_000, None)


def test_bad_input_is_a_clear_400_and_nothing_is_written(pair):
    before = SupportRecord.objects.count()
    headers = _token("ht.unghoa")
    assert _post("/api/v1/support", _body(pair, quantity="-1"), headers).status_code == 400
    assert _post("/api/v1/support", _body(pair, pupil_codes=["HS-9999"]), headers).status_code == 400
    future = _post("/api/v1/support", _body(pair, given_on="2999-01-01"), headers)
    assert future.status_code == 400 and future.json()["code"] == "invalid"
    assert SupportRecord.objects.count() == before


def test_outsiders_and_read_only_tokens(pair):
    created = _post("/api/v1/support", _body(pair), _token("ht.unghoa")).json()
    assert Client().get(f"/api/v1/support/{created['id']}", headers=_token("pgd.bavi")).status_code == 404
    assert _post("/api/v1/support", _body(pair), _token("ht.unghoa", read_only=True)).status_code == 403


def _patch(url, body, headers):
    return Client().patch(url, json.dumps(body), content_type="application/json", headers=headers)


def test_a_record_is_corrected_with_if_match_and_a_stale_tag_changes_nothing(pair):
    created = _post("/api/v1/support", _body(pair), _token("ht.unghoa")).json()
    url = f"/api/v1/support/{created['id']}"
    read = Client().get(url, headers=_token("ht.unghoa"))
    assert read["ETag"] == '"1"'
    assert Client().get(url, headers={**_token("ht.unghoa"), "If-None-Match": '"1"'}).status_code == 304
    change = {"quantity": "3", "unit": "suất", "value_vnd": 6_000_000, "given_on": GIVEN.isoformat()}
    assert _patch(url, change, _token("ht.unghoa")).status_code == 428  # no version stated
    saved = _patch(url, change, {**_token("ht.unghoa"), "If-Match": read["ETag"]})
    assert saved.status_code == 200 and saved.json()["value_vnd"] == 6_000_000 and saved["ETag"] == '"2"'
    stale = _patch(url, {**change, "value_vnd": 1}, {**_token("ht.unghoa"), "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    body_stale = _patch(url, {**change, "value_vnd": 1, "version": 1}, _token("ht.unghoa"))
    assert body_stale.status_code == 409
    differing = _patch(url, {**change, "version": 1}, {**_token("ht.unghoa"), "If-Match": '"2"'})
    assert differing.status_code == 400
    assert _patch(url, change, {**_token("ht.unghoa"), "If-Match": "abc"}).status_code == 400
    assert SupportRecord.objects.get(pk=created["id"]).value_vnd == 6_000_000
    assert _patch(url, {**change, "version": 2}, _token("pgd.bavi")).status_code == 404
    assert _patch(url, {**change, "version": 2}, _token("ht.unghoa", read_only=True)).status_code == 403
