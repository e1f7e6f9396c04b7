"""API authentication: the browser session (same cookies as the pages) or a personal token sent as
`Authorization: Bearer ct_…`. A read-only token may only read."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, SessionAuth

from chungtay.accounts.services import user_for_token
from chungtay.core.errors import DomainError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
READ_ONLY = _("This token is read-only.")
RATE_LIMITED = _("Too many requests with this token: at most %(limit)d a minute. Try again in %(wait)d s.")


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: object, *, retry_after: int) -> None:
        super().__init__(message)  # type: ignore[arg-type]
        self.retry_after = retry_after


def check_rate(token_pk: int) -> None:
    """A fixed one-minute window per token, counted in the shared cache (Redis when REDIS_URL is set, so
    every application server counts together; per process otherwise)."""
    limit = settings.API_RATE_PER_MINUTE
    now = time.time()
    window = int(now // 60)
    key = f"chungtay:api-rate:{token_pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this request as the first
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        wait = max(1, int((window + 1) * 60 - now))
        raise RateLimited(RATE_LIMITED % {"limit": limit, "wait": wait}, retry_after=wait)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = user_for_token(token)
        if found is None:
            return None
        user, api_token = found
        check_rate(api_token.pk)
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
