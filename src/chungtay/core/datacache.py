"""The data's version, and a cache whose entries are never older than the data.

A computed figure is kept under a key that holds the data's version, which moves with every write the
application makes (each one leaves a history row, and the summaries' and the map's rows are new rows), so
a cached figure is computed again only when something it may read has changed. A write made outside the
application (by hand in the database) is followed by `manage.py refresh_figures`, which rewrites the
summaries and so moves the version. The figures layer (`analytics.figures`), the activity lists' totals
(`activities.selectors.activity_figures`), the support ledger's (`support.selectors.support_figures`)
and the home page's next steps (`pages.home.kept_steps`) keep their results here, in the `figures` cache
(each web process's own memory, or Redis where it is configured: see settings.CACHES).

In the core layer so that every app may keep its figures here: the tables written without history that a
figure may read (the figures' summaries, the map, the school years) say so themselves with
`IN_DATA_VERSION = True` on their model, and are found among the installed models like the history
tables."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

T = TypeVar("T")


@functools.cache
def _versioned_tables() -> list[tuple[str, str]]:
    # The accounts' history is left out: a login saves the user (last_login) and so writes a history
    # row, which moved the version and emptied every cached figure at each login. No figure counts
    # users; who sees what is in the key through the scope's queries.
    history = [
        model
        for model in apps.get_models()
        if model.__module__.startswith("chungtay.")
        and model.__name__.startswith("Historical")
        and model._meta.app_label != "accounts"
    ]
    derived: list[Any] = [model for model in apps.get_models() if getattr(model, "IN_DATA_VERSION", False)]
    return [(model._meta.db_table, model._meta.pk.column) for model in [*history, *derived]]


def data_version() -> str:
    """The newest row of every history table of the project and of the tables written without history
    (the figures' summaries, the map, the school years), in one query: a stamp that changes with any
    write."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"(SELECT MAX({quote(column)}) FROM {quote(table)})"  # noqa: S608 - names from the models
        for table, column in _versioned_tables()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")  # noqa: S608 - table and column names from the models
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:20]


def query_text(rows: QuerySet[Any]) -> str:
    """A queryset's SQL with its parameters, for a cache key (who sees what is in the scope's query)."""
    try:
        return str(rows.query)
    except EmptyResultSet:  # a scope that selects nothing (Django does not even write its SQL)
        return "empty"


_MISSING = object()


def cached(key: str, compute: Callable[[], T]) -> T:
    """The value under `key` in the cache, or `compute()` stored there. The key must hold the data's
    version (`data_version()`); `CHUNGTAY_FIGURES_CACHE_SECONDS` only bounds how long an entry is kept."""
    figures = caches["figures"]
    found = figures.get(key, _MISSING)
    if found is not _MISSING:
        return found
    value = compute()
    figures.set(key, value, settings.FIGURES_CACHE_SECONDS)
    return value


def cached_over(name: str, rows: QuerySet[Any], compute: Callable[[], T], *more: object) -> T:
    """`compute()`, a total over the set `rows`, kept under the data's version, the set's query and `more`
    (what else decides it). A set that selects nothing has no SQL to key it by, so it is computed."""
    text = query_text(rows.order_by())
    if text == "empty":
        return compute()
    key = f"{name}:" + hashlib.sha256(repr((data_version(), text, *more)).encode()).hexdigest()
    return cached(key, compute)
