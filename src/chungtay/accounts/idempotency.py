"""Retries never create twins: a write sent with an idempotency key is done once.

Every page form carries a fresh key in a hidden field (`{% idempotency_key %}`, a builtin tag); API
clients send `Idempotency-Key: <up to 100 characters>`. The first request with a key claims it (a row
committed before the view runs); a second one while the first runs is a 409; once the first succeeded, a
retry is answered with the first answer (the same redirect, or the same status and body) and changes
nothing; a key used for another request (another path or body) is a 422. A refused write (status 400 or
more) releases its key, so the corrected form can be sent again. Keys are kept for a day.

The view's writes and the answer kept under the key commit in one transaction, so a request cut off by
the database (a restart, a dropped connection) leaves neither. Its claim stays, unanswered: on
PostgreSQL the running request holds its claim's row locked, so a retry that finds the claim unlocked
knows the request is gone and takes the key over; on SQLite (no row locks) a retry takes over a claim
left unanswered for longer than any request may run."""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from chungtay.accounts.models import IdempotencyKey, User
from chungtay.core import tasks
from chungtay.core.errors import error_response

FIELD = "_idempotency_key"
HEADER = "HTTP_IDEMPOTENCY_KEY"
KEEP = timedelta(days=1)
MAX_STORED_BODY = 256 * 1024
# A claim just committed is not locked yet for an instant: an unlocked one is only taken over once older
# than this. Without row locks (SQLite), once older than any request may run (gunicorn's limit is 30 s).
UNLOCKED_GRACE = timedelta(seconds=10)
LOST_WITHOUT_LOCKS = timedelta(minutes=10)
IN_PROGRESS = _("This request is already being processed; wait a moment and reload the page.")
KEY_REUSED = _("This idempotency key was already used for a different request.")
BAD_KEY = _("An idempotency key has at most 100 characters.")


def new_key() -> str:
    return secrets.token_urlsafe(18)


def hidden_field() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, values in sorted(request.POST.lists()):
            if name not in (FIELD, "csrfmiddlewaretoken"):
                digest.update(json.dumps([name, values]).encode())
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(f"{name}:{upload.name}:{upload.size}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> HttpResponse:
    if row.location and row.status_code in (301, 302, 303, 307, 308):
        response: HttpResponse = HttpResponseRedirect(row.location)
    else:
        response = HttpResponse(bytes(row.body), status=row.status_code or 200, content_type=row.content_type)
        if row.location:
            response["Location"] = row.location
    response["Idempotent-Replay"] = "true"
    return response


def _user(request: HttpRequest) -> User | None:
    """The session's user, or the API token's (the API authenticates later, inside the view)."""
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        return user
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if request.path.startswith("/api/") and header.lower().startswith("bearer "):
        from chungtay.accounts.services import user_for_token

        found = user_for_token(header[7:].strip())
        if found is not None and not found[1].read_only:
            return found[0]
    return None


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self.get_response(request)
        key = request.META.get(HEADER) or ""
        if not key and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            key = request.POST.get(FIELD, "")
        key = key.strip()
        if not key:
            return self.get_response(request)
        if len(key) > 100:
            return error_response(request, 400, "invalid", BAD_KEY)
        user = _user(request)
        if user is None:
            return self.get_response(request)
        signature, fingerprint = f"POST {request.path}"[:300], _fingerprint(request)
        row = _claim(user, key, signature, fingerprint)
        if row is None:
            existing = IdempotencyKey.objects.filter(user=user, key=key).first()
            if existing is None:
                return error_response(request, 409, "conflict", IN_PROGRESS)
            if existing.request != signature or existing.fingerprint != fingerprint:
                return error_response(request, 422, "invalid", KEY_REUSED)
            if existing.status_code is not None:
                return _replay(existing)
            if not _take_over(existing):
                return error_response(request, 409, "conflict", IN_PROGRESS)
            row = _claim(user, key, signature, fingerprint)
            if row is None:  # another retry took it over first
                return error_response(request, 409, "conflict", IN_PROGRESS)
        try:
            with transaction.atomic():
                # held until the answer is kept: a retry sees the request is still running
                IdempotencyKey.objects.select_for_update().filter(pk=row.pk).exists()
                response = self.get_response(request)
                if response.status_code >= 400 or getattr(response, "streaming", False):
                    IdempotencyKey.objects.filter(pk=row.pk).delete()
                    return response
                body = response.content if len(response.content) <= MAX_STORED_BODY else b""
                IdempotencyKey.objects.filter(pk=row.pk).update(
                    status_code=response.status_code,
                    location=(response.get("Location") or "")[:500],
                    content_type=(response.get("Content-Type") or "")[:100],
                    body=body,
                )
                return response
        except BaseException:
            # the view's writes were rolled back: free the key, if the database still answers (if not,
            # a retry takes the claim over once nobody holds it)
            with contextlib.suppress(DatabaseError):
                IdempotencyKey.objects.filter(pk=row.pk).delete()
            raise


def _claim(user: User, key: str, signature: str, fingerprint: str) -> IdempotencyKey | None:
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, key=key, request=signature, fingerprint=fingerprint
            )
    except IntegrityError:
        return None


def _take_over(existing: IdempotencyKey) -> bool:
    """Delete an unanswered claim whose request is gone (see the module's text); whether it was."""
    now = timezone.now()
    if not connection.features.has_select_for_update_skip_locked:
        lost = IdempotencyKey.objects.filter(
            pk=existing.pk, status_code__isnull=True, created_at__lt=now - LOST_WITHOUT_LOCKS
        )
        return lost.delete()[0] > 0
    with transaction.atomic():
        unheld = (
            IdempotencyKey.objects.select_for_update(skip_locked=True)
            .filter(pk=existing.pk, status_code__isnull=True, created_at__lt=now - UNLOCKED_GRACE)
            .values_list("pk", flat=True)
        )
        if not list(unheld):
            return False
        return IdempotencyKey.objects.filter(pk=existing.pk).delete()[0] > 0


@tasks.recoverer
def forget_old_keys() -> int:
    """Keys older than a day are of no use any more (a claim older than that was lost with its request)."""
    IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return 0
