"""A control character (a NUL byte above all, which PostgreSQL refuses) anywhere in a request's text is a
400 with a clear message, on pages and in the API, and reaches no query."""

import json

import pytest
from django.test import Client

from tests.api.test_partnerships_api import _token
from tests.partnerships.conftest import user

PAGES = ["/schools/%00/", "/schools/%00/edit/", "/activities/?school=%00", "/schools/?q=a%00b"]
API = [
    "/api/v1/schools/%00",
    "/api/v1/schools/%00/teachers",
    "/api/v1/activities?school=%00",
    "/api/v1/support?school=%00",
    "/api/v1/indicator-values?indicator=%00",
    "/api/v1/indicator-values?school=%00",
    "/api/v1/schools?search=%01x",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_refuse_control_characters(client, db, url):
    client.force_login(user("pgd.unghoa"))
    response = client.get(url)
    assert response.status_code == 400
    assert "ký tự điều khiển" in response.content.decode()


@pytest.mark.parametrize("url", API)
def test_the_api_refuses_control_characters_with_its_error_body(db, url):
    response = Client().get(url, headers=_token("pgd.unghoa"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "control_character" and body["message"]


def test_a_form_field_or_json_string_with_a_nul_is_refused_and_writes_nothing(client, db):
    from chungtay.activities.models import Activity

    before = Activity.objects.count()
    client.force_login(user("gv.unghoa"))
    page = client.post("/activities/new/", {"title": "Chuyên đề\x00", "kind": "topic"})
    assert page.status_code == 400
    api = Client().post(
        "/api/v1/activities",
        json.dumps(
            {"kind": "topic", "title": "a\u0000b", "planned_on": "2024-03-01", "host_moet_ids": ["x"]}
        ),
        content_type="application/json",
        headers=_token("gv.unghoa"),
    )
    assert api.status_code == 400 and api.json()["code"] == "control_character"
    assert Activity.objects.count() == before


def test_line_breaks_and_tabs_in_text_are_kept(client, db):
    client.force_login(user("pgd.unghoa"))
    assert client.get("/schools/", {"q": "Ứng\tHòa"}).status_code == 200
