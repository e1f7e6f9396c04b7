"""Domain errors: an exception whose message can be shown to the user (Vietnamese first, English by the
active language). Views turn it into a message and a 400/409; the API into a JSON error body."""

from __future__ import annotations

from django.utils.functional import Promise


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
