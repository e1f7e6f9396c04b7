from django.test import Client

from chungtay.api.auth import RATE_LIMITED
from tests.api.test_partnerships_api import _token


def test_a_token_over_its_rate_gets_a_clear_429_and_others_are_not_affected(db, settings):
    settings.API_RATE_PER_MINUTE = 3
    busy, other = _token("gv.unghoa"), _token("gv.hoangmai")
    client = Client()
    assert [client.get("/api/v1/me", headers=busy).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/me", headers=busy)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited"
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60
    assert body["message"] == RATE_LIMITED % {"limit": 3, "wait": wait}
    assert client.get("/api/v1/me", headers=other).status_code == 200


def test_the_schema_documents_429(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "429" in schema["paths"]["/api/v1/activities"]["get"]["responses"]
