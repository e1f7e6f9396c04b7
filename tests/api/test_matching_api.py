import json

from django.test import Client

from chungtay.accounts.models import User
from chungtay.accounts.services import issue_api_token
from chungtay.partnerships.models import OfficeTwinning, Partnership


def _token(username, read_only=False):
    _, raw = issue_api_token(
        acting_user=User.objects.get(username=username), name="t", read_only=read_only, expires_at=None
    )
    return {"Authorization": f"Bearer {raw}"}


def _twinning():
    return OfficeTwinning.objects.get(
        supporting_office__code="pgd-hoangmai", supported_office__code="pgd-unghoa"
    )


def _start(headers, **changes):
    body = {
        "twinning_id": _twinning().pk,
        "levels": ["thcs"],
        "school_year": 2024,
        "existing": "replace",  # the demo's schools are all grouped already
        **changes,
    }
    return Client().post(
        "/api/v1/matching/runs", json.dumps(body), content_type="application/json", headers=headers
    )


def test_create_follow_and_accept_a_run(db, django_capture_on_commit_callbacks):
    officer = _token("pgd.hoangmai")
    with django_capture_on_commit_callbacks(execute=True):
        created = _start(officer)
    assert created.status_code == 201
    pk = created.json()["id"]
    assert Client().get(f"/api/v1/matching/runs/{pk}", headers=officer).json()["status"] == "done"
    result = Client().get(f"/api/v1/matching/runs/{pk}/result", headers=_token("pgd.unghoa")).json()["result"]
    assert result["groups"] == 19 and result["covered"] == 29
    before = Partnership.objects.count()
    accepted = Client().post(f"/api/v1/matching/runs/{pk}/accept", headers=officer)
    assert accepted.status_code == 201
    assert len(accepted.json()["partnership_ids"]) == 19 == Partnership.objects.count() - before
    again = Client().post(f"/api/v1/matching/runs/{pk}/accept", headers=officer)
    assert again.status_code == 409


def test_runs_are_scoped_and_validated(db, django_capture_on_commit_callbacks):
    assert _start(_token("pgd.bavi")).status_code == 404  # a twinning outside its scope
    assert _start(_token("pgd.hoangmai"), levels=[]).status_code == 400
    assert _start(_token("pgd.hoangmai"), capacity=-1).status_code == 400
    assert _start(_token("pgd.hoangmai", read_only=True)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        pk = _start(_token("pgd.hoangmai")).json()["id"]
    assert Client().get(f"/api/v1/matching/runs/{pk}", headers=_token("pgd.bavi")).status_code == 404
    assert Client().get(f"/api/v1/matching/runs/{pk}", headers=_token("ht.hoangmai")).status_code == 404
