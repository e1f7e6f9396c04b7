"""Writes on accounts: personal API tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chungtay.accounts.models import ApiToken, User, hash_token
from chungtay.core.errors import DomainError, NotFound

TOKEN_PREFIX = "ct_"  # noqa: S105 - a public prefix, not a secret
TOO_MANY_TOKENS = _("You already have 20 active tokens. Revoke one before creating another.")
TOKEN_NOT_FOUND = _("That token does not exist.")
MAX_ACTIVE_TOKENS = 20


@transaction.atomic
def issue_api_token(
    *, acting_user: User, name: str, read_only: bool, expires_at: dt.datetime | None
) -> tuple[ApiToken, str]:
    """Create a personal token for the acting user; return it with the raw key, which is never stored."""
    active = ApiToken.objects.filter(user=acting_user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise DomainError(TOO_MANY_TOKENS)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=acting_user,
        name=name,
        prefix=raw[:10],
        key_hash=hash_token(raw),
        read_only=read_only,
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, acting_user: User, token_id: int) -> ApiToken:
    """Revoke one of the acting user's own tokens. Someone else's token answers as if it did not exist."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=acting_user).first()
    if token is None:
        raise NotFound(TOKEN_NOT_FOUND)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_for_token(raw: str) -> tuple[User, ApiToken] | None:
    """The active user behind a raw token, or None. Records when the token was last used."""
    if not raw or len(raw) > 100 or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
