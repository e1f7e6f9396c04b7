from django.test import Client

from chungtay.accounts.models import User
from chungtay.api.auth import RATE_LIMITED
from tests.api.test_partnerships_api import _token


def test_a_token_over_its_rate_gets_a_clear_429_and_others_are_not_affected(db, settings):
    limit = settings.API_RATE_PER_MINUTE
    busy, other = _token("gv.unghoa"), _token("gv.hoangmai")
    client = Client()
    statuses = {client.get("/api/v1/me", headers=busy).status_code for _ in range(limit)}
    assert statuses == {200}
    refused = client.get("/api/v1/me", headers=busy)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited"
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60
    assert body["message"] == RATE_LIMITED % {"limit": limit, "wait": wait}
    assert client.get("/api/v1/me", headers=other).status_code == 200
    # the browser session of the same person is not throttled by the token's budget
    client.force_login(User.objects.get(username="gv.unghoa"))
    assert client.get("/api/v1/me").status_code == 200


def test_the_schema_documents_429(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "429" in schema["paths"]["/api/v1/activities"]["get"]["responses"]


def test_an_unparsable_body_gets_the_api_error_body(db):
    response = Client().post(
        "/api/v1/activities", b"\x00{", content_type="application/json", headers=_token("gv.unghoa")
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Nội dung yêu cầu không phải JSON hợp lệ.",
        "fields": {},
    }


def test_an_id_beyond_the_database_range_is_a_400_not_an_overflow(db):
    huge = "12679558358201646411411357696"
    headers = _token("gv.unghoa")
    for url in (f"/api/v1/support?partnership={huge}", f"/api/v1/activities?partnership={huge}"):
        response = Client().get(url, headers=headers)
        assert response.status_code == 400, url
        assert list(response.json()["fields"]) == ["partnership"]


def test_an_id_beyond_the_database_range_on_a_list_page_is_a_400(client, db):
    client.force_login(User.objects.get(username="gv.unghoa"))
    for url in ("/support/", "/activities/", "/activities/export.xlsx", "/support/export.xlsx"):
        assert client.get(url, {"partnership": "12679558358201646411411357696"}).status_code == 400, url
