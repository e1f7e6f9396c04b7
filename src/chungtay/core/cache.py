"""The database cache on a connection of its own ("cache", the same database): counts written there
(the API rate limit) are committed at once, whatever becomes of the request's transaction."""

from __future__ import annotations

from typing import Any


class CacheRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return "cache" if model._meta.app_label == "django_cache" else None  # type: ignore[attr-defined]

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "cache" if model._meta.app_label == "django_cache" else None  # type: ignore[attr-defined]

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == "cache":
            return app_label == "django_cache"
        return None
