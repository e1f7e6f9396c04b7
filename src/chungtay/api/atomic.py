"""Every API write is one transaction that a refusal rolls back: whatever a handler wrote before it was
refused (a donor registered before the 403, a row before the 409) is undone with it, so a refused write
changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from chungtay.api.auth import SAFE_METHODS


class AtomicApiWritesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 400:
                transaction.set_rollback(True)
        return response
