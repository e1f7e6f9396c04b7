"""Concurrent API writes: every versioned resource answers with `ETag: "<version>"` (so `If-None-Match`
gets a 304 from Django's conditional GET), and a write states the version it read either in the body's
`version` field or as `If-Match: "<version>"`. A stale `If-Match` answers 412, a stale body version 409;
nothing is written in either case (the services' version-checked save)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from chungtay.core.errors import DomainError
from chungtay.core.models import MAX_ID

BAD_IF_MATCH = _('If-Match must be one version tag, e.g. "3".')
DIFFERENT_VERSIONS = _("If-Match and the body's version differ.")
VERSION_REQUIRED = _('State the version you read: the body\'s "version" or an If-Match header.')


class PreconditionRequired(DomainError):
    status_code = 428
    code = "precondition_required"


def expected_version(request: HttpRequest, body_version: int | None) -> int:
    header = request.headers.get("If-Match", "").strip()
    if header:
        tag = header[2:] if header.startswith("W/") else header
        tag = tag.strip('"')
        if not tag.isdigit() or not 1 <= int(tag) <= MAX_ID:
            raise DomainError(BAD_IF_MATCH, code="if_match")
        if body_version is not None and body_version != int(tag):
            raise DomainError(DIFFERENT_VERSIONS, code="if_match")
        request.if_match = True  # type: ignore[attr-defined]
        return int(tag)
    if body_version is None:
        raise PreconditionRequired(VERSION_REQUIRED)
    return body_version


class VersionETagMiddleware:
    """Add an ETag (the version) to API answers that carry one resource with a `version`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/v1/")
            and response.status_code in (200, 201)
            and response.get("Content-Type", "").startswith("application/json")
            and not response.streaming
            and b'"version"' in response.content
        ):
            body = json.loads(response.content)
            if isinstance(body, dict) and isinstance(body.get("version"), int):
                response["ETag"] = f'"{body["version"]}"'
        return response
