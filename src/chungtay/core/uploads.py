"""Refuse oversized requests before reading them: a 200 MB upload gets a clear 413 at once instead of
filling the disk and failing later."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from chungtay.core.errors import error_response


def _is_import(path: str) -> bool:
    """An import's upload: a spreadsheet of up to Excel's million rows (the import reads it streamed)."""
    return path.startswith(("/imports/", "/api/v1/imports/"))


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        megabytes = settings.MAX_IMPORT_MB if _is_import(request.path) else settings.MAX_REQUEST_MB
        if length > megabytes * 1024 * 1024:
            message = _("The upload is too large: at most %(limit)d MB per request.") % {"limit": megabytes}
            return error_response(request, 413, "too_large", message)
        return self.get_response(request)
