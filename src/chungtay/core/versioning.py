"""Optimistic locking for models with `core.models.Versioned`."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from chungtay.core.errors import ConflictError

STALE_VERSION = _("Someone else changed this record after you opened it. Reload it and try again.")

M = TypeVar("M")


def save_versioned(obj: M, *, expected_version: int, update_fields: list[str]) -> M:
    """Save `update_fields` of `obj` only if its row still has `expected_version`, and bump the version.

    The version is claimed by a conditional UPDATE, so of two concurrent writers exactly one wins; the
    other gets ConflictError and nothing of its change is written."""
    model: Any = type(obj)
    with transaction.atomic():
        claimed = model._default_manager.filter(pk=obj.pk, version=expected_version).update(  # type: ignore[attr-defined]
            version=expected_version + 1
        )
        if claimed != 1:
            raise ConflictError(STALE_VERSION)
        obj.version = expected_version + 1  # type: ignore[attr-defined]
        obj.save(update_fields=[*update_fields, "version"])  # type: ignore[attr-defined]
    return obj
