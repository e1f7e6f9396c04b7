"""Vietnamese first: pages speak Vietnamese unless the user chose English with the language switch.

Browsers in Vietnam often send `Accept-Language: en-US` (an English operating system), so pages ignore
that header and follow only the language cookie; API clients, which have no cookie, may ask for English
with Accept-Language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from chungtay.core.errors import error_response


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            supported = {code for code, _ in settings.LANGUAGES}
            language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# C0 control characters and DEL. Text fields may hold tabs and line breaks; nothing else of these is text,
# and a NUL byte makes PostgreSQL refuse the query (a 500 where the user deserves a 400).
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_URL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_CHARACTER = _(
    "The request contains a control character (such as a NUL byte) that no text may hold: "
    "remove it and try again."
)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def has_control_characters(request: HttpRequest) -> bool:
    """Whether the path, the query, a form field or a JSON string of the request holds a control
    character (files are checked by their own rules)."""
    if _CONTROL_IN_URL.search(request.path):
        return True
    for key, values in request.GET.lists():
        if _CONTROL_IN_URL.search(key) or any(_CONTROL_IN_TEXT.search(v) for v in values):
            return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            fields = request.POST.lists()
        except Exception:  # noqa: BLE001 - a malformed body is the view's to refuse
            return False
        return any(
            _CONTROL_IN_TEXT.search(key) or any(_CONTROL_IN_TEXT.search(v) for v in values)
            for key, values in fields
        )
    if content_type.endswith("json"):
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return False  # the API answers an unparsable body itself
        return any(_CONTROL_IN_TEXT.search(text) for text in _strings(body))
    return False


class RefuseControlCharactersMiddleware:
    """A 400 with a clear message for any request carrying a control character, before any view (and any
    query) sees it: on pages an error page, on the API its error body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_characters(request):
            return error_response(request, 400, "control_character", CONTROL_CHARACTER)
        return self.get_response(request)
