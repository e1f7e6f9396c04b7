import datetime as dt
import json

from django.test import Client

from chungtay.activities.models import Activity, Participation
from chungtay.core.dates import today
from tests.activities.conftest import HELD
from tests.api.test_partnerships_api import _token
from tests.partnerships.conftest import user


def _send(method, url, body, headers):
    return getattr(Client(), method)(url, json.dumps(body), content_type="application/json", headers=headers)


def _body(pair, **overrides):
    body = {
        "kind": "exchange",
        "title": "Giao lưu trực tuyến tổ Tiếng Anh",
        "planned_on": HELD.isoformat(),
        "held_on": HELD.isoformat(),
        "mode": "online",
        "host_moet_ids": [user("ht.hoangmai").school.moet_id],
        "participant_moet_ids": [user("ht.unghoa").school.moet_id],
        "partnership_ids": [pair.pk],
        "subject": "Tiếng Anh",
    }
    body.update(overrides)
    return body


def test_record_attend_and_count_through_the_api(pair, roster):
    teacher = _token("gv.hoangmai")
    created = _send("post", "/api/v1/activities", _body(pair), teacher)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "held"
    hm = user("ht.hoangmai").school.moet_id
    put = _send(
        "put",
        f"/api/v1/activities/{pk}/attendance/{hm}",
        {"teacher_ids": [roster["hm1"].pk, roster["hm2"].pk], "pupils": 40},
        teacher,
    )
    assert put.status_code == 200, put.content
    assert {t["full_name"] for t in put.json()["teachers"]} == {"Nguyễn Thị Lan", "Trần Văn Minh"}
    got = Client().get(f"/api/v1/activities/{pk}", headers=_token("gv.unghoa")).json()
    assert got["participations"] == 2
    assert [s["teachers"] for s in got["schools"]] == [2, 0]
    figures = (
        Client()
        .get("/api/v1/activities/figures", {"partnership": pair.pk, "mode": "online"}, headers=teacher)
        .json()
    )
    assert (figures["held"], figures["participations"], figures["teachers"], figures["pupils"]) == (
        1,
        2,
        2,
        40,
    )
    listed = Client().get(
        "/api/v1/activities", {"search": "giao luu truc tuyen", "partnership": pair.pk}, headers=teacher
    )
    assert [a["id"] for a in listed.json()["results"]] == [pk]


def test_a_future_held_date_is_a_clear_400(pair):
    future = (today() + dt.timedelta(days=1)).isoformat()
    response = _send("post", "/api/v1/activities", _body(pair, held_on=future), _token("gv.hoangmai"))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Activity.objects.filter(title="Giao lưu trực tuyến tổ Tiếng Anh").exists()


def test_negative_pupils_are_refused_by_the_schema(topic):
    hm = user("ht.hoangmai").school.moet_id
    response = _send(
        "put", f"/api/v1/activities/{topic.pk}/attendance/{hm}", {"pupils": -1}, _token("gv.hoangmai")
    )
    assert response.status_code == 400
    assert "payload.pupils" in response.json()["fields"]


def test_a_teacher_of_another_school_is_refused(topic, roster):
    hm = user("ht.hoangmai").school.moet_id
    response = _send(
        "put",
        f"/api/v1/activities/{topic.pk}/attendance/{hm}",
        {"teacher_ids": [roster["uh1"].pk]},
        _token("admin"),
    )
    assert response.status_code == 400
    assert not Participation.objects.filter(activity=topic).exists()


def test_stale_version_is_409_and_read_only_token_is_403(pair):
    planned = _send(
        "post",
        "/api/v1/activities",
        _body(pair, held_on=None, planned_on=today().isoformat()),
        _token("gv.hoangmai"),
    ).json()
    url = f"/api/v1/activities/{planned['id']}/confirm"
    assert (
        _send("post", url, {"held_on": today().isoformat(), "version": 1}, _token("gv.hoangmai")).status_code
        == 200
    )
    stale = _send("post", url, {"held_on": today().isoformat(), "version": 1}, _token("gv.hoangmai"))
    assert stale.status_code in (409,)
    read_only = _send("post", "/api/v1/activities", _body(pair), _token("gv.hoangmai", read_only=True))
    assert read_only.status_code == 403


def test_outsiders_get_404(topic):
    outsider = _token("pgd.bavi")
    assert Client().get(f"/api/v1/activities/{topic.pk}", headers=outsider).status_code == 404
    assert Client().get(f"/api/v1/activities/{topic.pk}/evidence", headers=outsider).status_code == 404


def test_roster_through_the_api(pair):
    uh = user("ht.unghoa").school.moet_id
    added = _send("post", f"/api/v1/schools/{uh}/teachers", {"full_name": "Đỗ Thị Mai"}, _token("ht.unghoa"))
    assert added.status_code == 201
    names = [
        t["full_name"]
        for t in Client().get(f"/api/v1/schools/{uh}/teachers", headers=_token("gv.unghoa")).json()
    ]
    assert "Đỗ Thị Mai" in names
    refused = _send("post", f"/api/v1/schools/{uh}/teachers", {"full_name": "Ai Đó"}, _token("gv.hoangmai"))
    assert refused.status_code == 403
