"""A write sent twice does its work once: forms carry a key, the API takes Idempotency-Key."""

import json

from django.test import Client
from django.urls import reverse

from chungtay.accounts.idempotency import FIELD
from chungtay.activities.models import Activity
from chungtay.support.models import SupportRecord
from tests.activities.test_views import _form
from tests.api.test_partnerships_api import _token
from tests.partnerships.conftest import hm_uh, leaders_pair, user  # noqa: F401
from tests.support.conftest import GIVEN


def test_the_record_form_carries_a_key_and_a_double_submit_creates_one_activity(client, leaders_pair):  # noqa: F811
    client.force_login(user("gv.hoangmai"))
    page = client.get(
        reverse("activities:activity-create"), {"partnership": leaders_pair.pk}
    ).content.decode()
    assert f'name="{FIELD}"' in page
    key = page.split(f'name="{FIELD}" value="', 1)[1].split('"', 1)[0]
    form = {**_form(leaders_pair), FIELD: key}
    title = form["title"]
    first = client.post(reverse("activities:activity-create"), form)
    assert first.status_code == 302
    second = client.post(reverse("activities:activity-create"), form)
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Activity.objects.filter(title=title).count() == 1
    # a fresh form (a new key) is a new submission: the same title on the same day is flagged as a likely
    # duplicate, and recorded once the user says it is another activity
    flagged = client.post(reverse("activities:activity-create"), {**form, FIELD: "another-key"})
    assert flagged.status_code == 400 and Activity.objects.filter(title=title).count() == 1
    again = client.post(
        reverse("activities:activity-create"), {**form, FIELD: "third-key", "save_anyway": "on"}
    )
    assert again.status_code == 302
    assert Activity.objects.filter(title=title).count() == 2


def _support(pair):
    return {
        "kind": "books",
        "quantity": "5",
        "unit": "cuốn",
        "given_on": GIVEN.isoformat(),
        "donor": {"kind": "business", "name": "Nhà sách Hà Nội"},
        "receiving_moet_id": user("ht.unghoa").school.moet_id,
        "partnership_id": pair.pk,
    }


def test_an_api_retry_with_the_same_key_gets_the_same_answer_and_creates_nothing(leaders_pair):  # noqa: F811
    headers = {**_token("ht.unghoa"), "Idempotency-Key": "phieu-2024-03-01-sach"}
    client = Client()
    body = json.dumps(_support(leaders_pair))
    first = client.post("/api/v1/support", body, content_type="application/json", headers=headers)
    assert first.status_code == 201
    count = SupportRecord.objects.count()
    retry = client.post("/api/v1/support", body, content_type="application/json", headers=headers)
    assert retry.status_code == 201 and retry.json() == first.json()
    assert retry["Idempotent-Replay"] == "true"
    assert SupportRecord.objects.count() == count
    other = json.dumps({**_support(leaders_pair), "quantity": "6"})
    reused = client.post("/api/v1/support", other, content_type="application/json", headers=headers)
    assert reused.status_code == 422 and reused.json()["message"]
    assert SupportRecord.objects.count() == count


def test_a_refused_write_releases_its_key(leaders_pair):  # noqa: F811
    headers = {**_token("ht.unghoa"), "Idempotency-Key": "k-1"}
    client = Client()
    bad = json.dumps({**_support(leaders_pair), "quantity": "-1"})
    assert (
        client.post("/api/v1/support", bad, content_type="application/json", headers=headers).status_code
        == 400
    )
    good = json.dumps(_support(leaders_pair))
    assert (
        client.post("/api/v1/support", good, content_type="application/json", headers=headers).status_code
        == 201
    )


def test_a_key_still_being_processed_is_a_409(leaders_pair):  # noqa: F811
    from chungtay.accounts.models import IdempotencyKey

    headers = {**_token("ht.unghoa"), "Idempotency-Key": "k-running"}
    body = json.dumps(_support(leaders_pair))
    IdempotencyKey.objects.create(
        user=user("ht.unghoa"), key="k-running", request="POST /api/v1/support", fingerprint="x"
    )
    response = Client().post("/api/v1/support", body, content_type="application/json", headers=headers)
    assert response.status_code == 422  # its body differs from what the running request was sent with
    IdempotencyKey.objects.filter(key="k-running").update(fingerprint=_fingerprint_of(body))
    response = Client().post("/api/v1/support", body, content_type="application/json", headers=headers)
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def _fingerprint_of(body: str) -> str:
    import hashlib

    return hashlib.sha256(body.encode()).hexdigest()
