"""Schemathesis against the live OpenAPI schema, with an authenticated read-write token: whatever it
generates, no endpoint answers 500 and every answer has a status, content type and body the schema
documents. Writes happen inside the test's transaction and are rolled back."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from chungtay.api.api import api
from tests.api.test_partnerships_api import _token

APP = get_wsgi_application()


# The same document /api/v1/openapi.json serves (tested below), built without a request at import time.
schema = schemathesis.openapi.from_dict(dict(api.get_openapi_schema(path_prefix="/api/v1/")))


def test_the_fuzzed_schema_is_the_served_one(client):
    assert client.get("/api/v1/openapi.json").json()["paths"].keys() == schema.raw_schema["paths"].keys()


@pytest.fixture
def officer_token(db):
    """A read-write token; and, as Django's test client does, the WSGI app is kept from closing the test's
    database connection at the end of each request (on PostgreSQL that ended the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield _token("pgd.unghoa")
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
def test_no_server_error_and_answers_as_documented(case, officer_token):
    case.call_and_validate(
        app=APP,
        headers=officer_token,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
