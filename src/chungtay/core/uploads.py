"""Refuse oversized requests before reading them: a 200 MB upload gets a clear 413 at once instead of
filling the disk and failing later."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_MB * 1024 * 1024
        if length > limit:
            message = _("The upload is too large: at most %(limit)d MB per request.") % {
                "limit": settings.MAX_REQUEST_MB
            }
            if request.path.startswith("/api/"):
                import json

                body = json.dumps({"code": "too_large", "message": message, "fields": {}}, ensure_ascii=False)
                return HttpResponse(body, status=413, content_type="application/json")
            html = render_to_string("413.html", {"message": message}, request=None)
            return HttpResponse(html, status=413)
        return self.get_response(request)
