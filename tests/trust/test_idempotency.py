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


class _DatabaseGone:
    """The database stops answering mid-request and stays away while the request cleans up: the
    recount after the activity's insert fails, and so does freeing the key."""

    def __enter__(self):
        from unittest import mock

        from django.db import OperationalError
        from django.db.models import QuerySet

        from chungtay.accounts.models import IdempotencyKey

        gone = OperationalError("server closed the connection unexpectedly")
        real_delete = QuerySet.delete

        def delete(queryset):  # noqa: ANN001, ANN202
            if queryset.model is IdempotencyKey:
                raise gone
            return real_delete(queryset)

        self.patches = [
            mock.patch("chungtay.activities.facts.refresh", side_effect=gone),
            mock.patch.object(QuerySet, "delete", delete),
        ]
        for patch in self.patches:
            patch.start()
        return self

    def __exit__(self, *exc):  # noqa: ANN002
        for patch in reversed(self.patches):
            patch.stop()


def test_a_form_cut_off_by_the_database_keeps_nothing_and_its_retry_records_it_once(leaders_pair):  # noqa: F811
    """A restart cut the request off before it could answer or free its key: the user gets a 503 that
    says so, nothing of the activity is kept, and sending the form again records it once — the claim
    the dead request left is taken over once nobody holds it (not while it might still be running)."""
    import datetime as dt

    from django.utils import timezone

    from chungtay.accounts.idempotency import LOST_WITHOUT_LOCKS
    from chungtay.accounts.models import IdempotencyKey

    client = Client(raise_request_exception=False)
    client.force_login(user("gv.hoangmai"))
    form = {**_form(leaders_pair), FIELD: "phieu-cat-ngang"}
    url = reverse("activities:activity-create")
    with _DatabaseGone():
        cut = client.post(url, form)
    assert cut.status_code == 503 and cut["Retry-After"]
    assert "Cơ sở dữ liệu tạm thời không trả lời" in cut.content.decode()
    assert not Activity.objects.filter(title=form["title"]).exists()
    claim = IdempotencyKey.objects.get(key="phieu-cat-ngang")
    assert claim.status_code is None  # left behind, unanswered
    assert client.post(url, form).status_code == 409  # claimed a moment ago: it may still be running
    IdempotencyKey.objects.filter(pk=claim.pk).update(
        created_at=timezone.now() - LOST_WITHOUT_LOCKS - dt.timedelta(seconds=1)
    )
    retried = client.post(url, form)
    assert retried.status_code == 302
    assert Activity.objects.filter(title=form["title"]).count() == 1
    again = client.post(url, form)
    assert again.status_code == 302 and again["Location"] == retried["Location"]
    assert Activity.objects.filter(title=form["title"]).count() == 1


def test_the_api_answers_a_database_that_is_away_with_a_503_in_json(leaders_pair):  # noqa: F811
    from unittest import mock

    from django.db import OperationalError

    client = Client(raise_request_exception=False)
    headers = {**_token("ht.unghoa"), "Idempotency-Key": "k-away"}
    body = json.dumps(_support(leaders_pair))
    count = SupportRecord.objects.count()
    gone = OperationalError("terminating connection due to administrator command")
    with mock.patch("chungtay.support.services.record_support", side_effect=gone):
        response = client.post("/api/v1/support", body, content_type="application/json", headers=headers)
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["code"] == "unavailable" and "Cơ sở dữ liệu" in response.json()["message"]
    assert SupportRecord.objects.count() == count
    retried = client.post("/api/v1/support", body, content_type="application/json", headers=headers)
    assert retried.status_code == 201 and SupportRecord.objects.count() == count + 1
