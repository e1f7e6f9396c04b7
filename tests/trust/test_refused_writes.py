"""A refused API write changes nothing: every table has the same rows after the refusal as before."""

import json

import pytest
from django.apps import apps
from django.test import Client

from tests.api.test_partnerships_api import _token
from tests.partnerships.conftest import hm_uh, leaders_pair, user  # noqa: F401
from tests.support.conftest import GIVEN


def _counts() -> dict[str, int]:
    # every table (a model without one, such as django-rq's admin entry, holds nothing to change)
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed
    }


def _send(method, url, body, headers):
    client = Client()
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", headers=headers)


def _support(pair, **overrides):
    return {
        "kind": "scholarship",
        "quantity": "2",
        "unit": "suất",
        "value_vnd": 4_000_000,
        "given_on": GIVEN.isoformat(),
        "donor": {"kind": "business", "name": "Công ty mới chưa có trong sổ"},
        "receiving_moet_id": user("ht.unghoa").school.moet_id,
        "partnership_id": pair.pk,
        **overrides,
    }


def _support_naming_pupils(pair):
    """The giver's leader names pupils of the receiving school: only that school's leader may (403)."""
    from chungtay.support.services import register_beneficiary

    pupil = register_beneficiary(
        acting_user=user("ht.unghoa"), school=user("ht.unghoa").school, grade=9, circumstance="poor"
    )
    return _support(pair, pupil_codes=[pupil.code])


def _support_to_a_non_member(pair):
    """The Ứng Hòa officer records support for one of their schools that is not in the pair (400)."""
    from chungtay.directory.models import School

    other = (
        School.objects.filter(managements__office__code="pgd-unghoa")
        .exclude(pk=user("ht.unghoa").school.pk)
        .first()
    )
    return _support(pair, receiving_moet_id=other.moet_id)


REFUSED = [
    ("post", "/api/v1/support", _support_naming_pupils, "ht.hoangmai", 403),
    ("post", "/api/v1/support", _support_to_a_non_member, "pgd.unghoa", 400),
    # the department's viewer writes nothing
    ("post", "/api/v1/support", lambda pair: _support(pair), "xem.hanoi", 403),
    # a pupil code of another school, after the donor would have been registered
    ("post", "/api/v1/support", lambda pair: _support(pair, pupil_codes=["HS-9999"]), "ht.unghoa", 400),
    # an officer of an office twinned with neither school
    ("post", "/api/v1/support", lambda pair: _support(pair), "pgd.bavi", 404),
    (
        "post",
        "/api/v1/activities",
        lambda pair: {
            "kind": "topic",
            "title": "Chuyên đề",
            "planned_on": "2024-03-01",
            "host_moet_ids": [user("ht.unghoa").school.moet_id],
            "partnership_ids": [pair.pk],
        },
        "xem.hanoi",
        403,
    ),
    (
        "post",
        "/api/v1/partnerships",
        lambda pair: {
            "twinning_id": pair.twinning_id,
            "members": [
                {"moet_id": user("ht.hoangmai").school.moet_id, "side": "supporting"},
                {"moet_id": user("ht.unghoa").school.moet_id, "side": "supported"},
            ],
            "starts_on": "2024-01-01",
        },
        "gv.unghoa",
        403,
    ),
]


@pytest.mark.parametrize(("method", "url", "body", "username", "status"), REFUSED)
def test_a_refused_api_write_changes_nothing(leaders_pair, method, url, body, username, status):  # noqa: F811
    payload, headers = body(leaders_pair), _token(username)
    before = _counts()
    response = _send(method, url, payload, headers)
    assert response.status_code == status, response.content
    assert response.json()["message"]
    assert _counts() == before


def _write_operations():
    from chungtay.api.api import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method in operations:
            if method in ("post", "put", "patch", "delete"):
                yield method, path


@pytest.mark.parametrize(("method", "path"), sorted(_write_operations()))
def test_every_write_operation_refused_to_the_viewer_changes_nothing(db, method, path):
    """The department's viewer (a read-write token, so the refusal is the services' and not the token's)
    sends every write operation of the API, with ids of real demo objects and a plausible body."""
    import re

    from chungtay.activities.models import Activity
    from chungtay.partnerships.models import Agreement

    values = {
        "moet_id": user("ht.unghoa").school.moet_id,
        "code": "DIEM_VAO10_TOAN",
        "start_year": "2024",
        "kind": "schools",
    }
    default_id = {
        "activities": Activity.objects.order_by("pk").values_list("pk", flat=True).first(),
        "agreements": Agreement.objects.order_by("pk").values_list("pk", flat=True).first(),
    }

    def fill(match):
        name = match.group(1)
        if name in values:
            return values[name]
        family = path.split("/")[3] if len(path.split("/")) > 3 else ""
        return str(default_id.get(family) or 1)

    url = re.sub(r"\{(\w+)\}", fill, path)
    headers = _token("xem.hanoi")
    before = _counts()
    response = _send(method, url, {"version": 1, "title": "x", "quantity": "1"}, headers)
    assert response.status_code >= 400, (method, url, response.status_code)
    assert _counts() == before
