"""A record sent from a device's offline queue (issue 19): the same form view, checks and history as
online; its own id as the idempotency key, so a retry whose first answer was lost never makes a second
activity; JSON answers the queue can read (made, refused with the reason, looks already recorded)."""

import json

from django.urls import reverse

from chungtay.activities.models import Activity
from chungtay.directory.models import Teacher
from tests.activities.conftest import HELD
from tests.activities.test_record_one_screen import TITLE, _form, _own_partnership
from tests.partnerships.conftest import user

URL = "/activities/new/"


def _headers(key: str, **extra: str) -> dict[str, str]:
    return {
        "Idempotency-Key": key,
        "Accept": "application/json",
        "X-Chungtay-Queue": "2026-12-05T03:15:00.000Z",
        "X-Chungtay-Device": "Android Chrome",
        **extra,
    }


def test_a_queued_record_is_made_once_however_often_it_is_sent(client, as_user):
    as_user("gv.unghoa")
    teacher = user("gv.unghoa")
    data = _form(_own_partnership("gv.unghoa"), teacher, teachers=[Teacher.objects.get(user=teacher).pk])
    first = client.post(URL, data, headers=_headers("a3c1-device-made-id"))
    assert first.status_code == 201
    made = first.json()
    activity = Activity.objects.get(title=TITLE)
    assert made == {
        "id": activity.pk,
        "url": reverse("activities:activity-detail", args=[activity.pk]),
        "title": TITLE,
    }
    # the answer was lost on the way: the device sends the same record again, twice
    for _ in range(2):
        again = client.post(URL, data, headers=_headers("a3c1-device-made-id"))
        assert again.status_code == 201 and again.json() == made
        assert again["Idempotent-Replay"] == "true"
    assert Activity.objects.filter(title=TITLE).count() == 1
    assert activity.participations.count() == 1
    # the history row says where it came from: the queue, when it was made on the device, on what
    origin = activity.history.earliest().history_change_reason
    assert origin == "Hàng đợi ngoại tuyến · ghi lúc 05/12/2026 10:15 · Android Chrome"
    page = client.get(reverse("activities:activity-detail", args=[activity.pk])).content.decode()
    assert 'data-testid="origin">Hàng đợi ngoại tuyến' in page


def test_a_refused_record_answers_why_and_makes_nothing(client, as_user):
    as_user("gv.unghoa")
    data = _form(_own_partnership("gv.unghoa"), user("gv.unghoa"), day="31/02/2026")
    response = client.post(URL, data, headers=_headers("b7-refused"))
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid" and "day" in answer["fields"]
    assert answer["message"].startswith("Bản ghi bị từ chối: Ngày:")
    assert not Activity.objects.filter(title=TITLE).exists()


def test_a_record_that_looks_already_made_is_flagged_and_may_be_sent_anyway(client, as_user):
    as_user("gv.unghoa")
    data = _form(_own_partnership("gv.unghoa"), user("gv.unghoa"))
    assert client.post(URL, data).status_code == 302  # recorded online first
    queued = client.post(URL, data, headers=_headers("c9-same-again"))
    assert queued.status_code == 400
    answer = queued.json()
    existing = Activity.objects.get(title=TITLE, held_on=HELD)
    assert answer["code"] == "duplicate"
    assert answer["duplicates"] == [reverse("activities:activity-detail", args=[existing.pk])]
    # the refusal released the key: the same record, marked as another activity, goes through
    anyway = client.post(URL, {**data, "save_anyway": "on"}, headers=_headers("c9-same-again"))
    assert anyway.status_code == 201
    assert Activity.objects.filter(title=TITLE).count() == 2


def test_device_headers_are_cut_and_cleaned(client, as_user):
    as_user("gv.unghoa")
    data = _form(_own_partnership("gv.unghoa"), user("gv.unghoa"))
    headers = _headers(
        "d1-odd-device", **{"X-Chungtay-Queue": "hôm qua", "X-Chungtay-Device": "A\tB" + "x" * 80}
    )
    assert client.post(URL, data, headers=headers).status_code == 201
    origin = Activity.objects.get(title=TITLE).history.earliest().history_change_reason
    assert origin == "Hàng đợi ngoại tuyến · ghi lúc ? · AB" + "x" * 38


def test_a_signed_out_device_is_sent_to_sign_in_and_nothing_is_made(db, client):
    response = client.post(URL, {"title": TITLE}, headers=_headers("e2-signed-out"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Activity.objects.filter(title=TITLE).exists()


def test_a_key_used_for_another_record_is_refused_in_json(client, as_user):
    as_user("gv.unghoa")
    data = _form(_own_partnership("gv.unghoa"), user("gv.unghoa"))
    assert client.post(URL, data, headers=_headers("f3-reused")).status_code == 201
    other = client.post(URL, {**data, "title": "Một hoạt động khác"}, headers=_headers("f3-reused"))
    assert other.status_code == 422
    assert json.loads(other.content)["code"] == "invalid"


def test_the_installable_app_is_served_from_the_root(client, as_user):
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    body = manifest.json()
    assert body["start_url"] == "/" and {i["sizes"] for i in body["icons"]} == {"192x192", "512x512"}
    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript") and worker["Cache-Control"] == "no-cache"
    text = worker.content.decode()
    assert "/static/core/offline.js" in text.replace("\\u002D", "-") and "chungtay-static-" in text
    assert client.get("/offline/queue/").status_code == 302  # the queue page is for a signed-in user
    as_user("gv.unghoa")
    page = client.get("/offline/queue/").content.decode()
    assert 'data-testid="queue-list"' in page and 'rel="manifest"' in page
