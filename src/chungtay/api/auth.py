"""API authentication: the browser session (same cookies as the pages) or a personal token sent as
`Authorization: Bearer ct_…`. A read-only token may only read."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle

from chungtay.accounts.services import user_for_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
READ_ONLY = _("This token is read-only.")
RATE_LIMITED = _("Too many requests with this token: at most %(limit)d a minute. Try again in %(wait)d s.")


class TokenRateThrottle(SimpleRateThrottle):
    """django-ninja's throttle, keyed by the personal token (not the user: one person's scripts each get
    their own budget, and revoking a token ends its budget). Counted in the shared cache (Redis when
    REDIS_URL is set, so every application server counts together). Browser sessions are not throttled
    here; their logins are (django-axes)."""

    scope = "token"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "api_token", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = user_for_token(token)
        if found is None:
            return None
        user, api_token = found
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise PermissionDenied(READ_ONLY)
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


auth = [TokenAuth(), ActiveSessionAuth()]
