"""Domain errors: an exception whose message can be shown to the user (Vietnamese first, English by the
active language). Views turn it into a message and a 400/409; the API into a JSON error body."""

from __future__ import annotations

import json
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.defaults import server_error as default_server_error


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, code: str | None = None, field: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        # The input the error is about, when one is ("held_on"): forms and imports show it there.
        self.field = field
        if code:
            self.code = code


class ConflictError(DomainError):
    """Someone else changed the object since it was read."""

    status_code = 409
    code = "conflict"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    """The user may see this but not do it."""

    status_code = 403
    code = "forbidden"


def error_response(request: HttpRequest, status: int, code: str, message: str | Promise) -> HttpResponse:
    """A refusal answered before any view runs (a guard in the middleware): the API's error body under
    /api/ or to a client asking for JSON (a device's offline queue), else a small page with the message."""
    if request.path.startswith("/api/") or request.headers.get("Accept", "").startswith("application/json"):
        body = json.dumps({"code": code, "message": str(message), "fields": {}}, ensure_ascii=False)
        return HttpResponse(body, status=status, content_type="application/json")
    page = render_to_string("error.html", {"status": status, "message": message}, request=None)
    return HttpResponse(page, status=status)


# The database did not answer (PostgreSQL restarting, the connection dropped, a lock wait given up): a
# passing condition, so a 503 the client may retry — a page's form and the API's writes are idempotent.
DATABASE_UNAVAILABLE = _(
    "The database is not answering at the moment (it may be restarting). Try again in a moment: sending "
    "the same form or request again will not record anything twice."
)
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: an error the user can do something about gets its message (the database away:
    503 with Retry-After); any other is the logged server error of `500.html`."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = error_response(request, 503, "unavailable", DATABASE_UNAVAILABLE)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return default_server_error(request)
