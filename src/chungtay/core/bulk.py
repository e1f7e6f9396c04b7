"""Keyed bulk writes with history: the write primitive of the apps' bulk services (an import of 100,000
rows cannot go through a save per row). Like `core.versioning`, it is called only from services, and
from the writers that derive or load rows in bulk (the figures' summaries, the demo)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history


def differs(row: Any, values: dict[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in values.items())


def keep_baseline(model: Any, rows: list[Any], *, reason: str) -> None:
    """Before `rows` (still unchanged) are changed in bulk, give those without any history row one holding
    their present values (rows loaded in bulk, e.g. before history was kept), so the change can be undone."""
    history = model.history.model
    ids = [row.pk for row in rows]
    recorded: set[int] = set()
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        recorded.update(history.objects.filter(id__in=chunk).values_list("id", flat=True).distinct())
    missing = [row for row in rows if row.pk not in recorded]
    if missing:
        model.history.bulk_history_create(
            missing, update=True, default_change_reason=f"before {reason}"[:100]
        )


def upsert(
    model: Any,
    wanted: dict[Any, dict[str, Any]],
    existing: dict[Any, Any],
    new_row: Callable[[Any, dict[str, Any]], Any],
    *,
    user: Any,
    reason: str,
    on_change: dict[str, Any] | None = None,
) -> None:
    """Create the rows `existing` lacks (`new_row(key, values)`) and update those whose values differ (with
    `on_change` set too), in bulk, each with a history row naming the user and the reason; rows changed
    without earlier history get a baseline first, so the change can be undone."""
    changed = [
        (row, values) for key, values in wanted.items() if (row := existing.get(key)) and differs(row, values)
    ]
    keep_baseline(model, [row for row, _values in changed], reason=reason)
    extra = dict(on_change or {})
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        extra["updated_at"] = timezone.now()  # auto_now is skipped by bulk updates
    for row, values in changed:
        for name, value in {**values, **extra}.items():
            setattr(row, name, value)
    new = [new_row(key, values) for key, values in wanted.items() if key not in existing]
    create_with_history(model, new, user=user, reason=reason)
    fields = sorted({name for _row, values in changed for name in values} | set(extra))
    update_with_history(model, [row for row, _values in changed], fields, user=user, reason=reason)


def create_with_history(model: Any, rows: list[Any], *, user: Any, reason: str) -> list[Any]:
    """Insert `rows` in bulk, each with a history row naming the user and the reason."""
    return bulk_create_with_history(
        rows, model, default_user=user, default_change_reason=reason, batch_size=2000
    )


def update_with_history(model: Any, rows: list[Any], fields: list[str], *, user: Any, reason: str) -> None:
    """Update `fields` of `rows` in bulk, each with a history row naming the user and the reason."""
    bulk_update_with_history(
        rows, model, fields, default_user=user, default_change_reason=reason, batch_size=2000
    )


def insert_rows(
    model: Any, fields: Sequence[str], rows: Iterable[Sequence[Any]], *, batch: int = 5000
) -> int:
    """Plain INSERTs of rows of plain values (numbers, text, booleans, dates, datetimes, None) into the
    model's table, `fields` naming its columns in order: the path of bulk loads that write rows by the
    hundred thousand (the demo), where building a model instance per row costs more than the write. No
    history, no signals, no defaults: every column without a database default must be given."""
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    # only the model's own table and column names, quoted, enter the statement; values are parameters
    names = ", ".join(quote(c.column) for c in columns)
    sql = f"INSERT INTO {quote(opts.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    adapters: list[Callable[[Any], Any] | None] = [
        connection.ops.adapt_datetimefield_value
        if isinstance(c, models.DateTimeField)
        else connection.ops.adapt_datefield_value
        if isinstance(c, models.DateField)
        else None
        for c in columns
    ]
    convert = any(adapters)
    written = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, batch):
            if convert:
                chunk = [
                    tuple(v if a is None or v is None else a(v) for v, a in zip(row, adapters, strict=True))
                    for row in chunk
                ]
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


def update_rows(model: Any, rows: Sequence[Any], fields: Sequence[str], *, batch: int = 2000) -> int:
    """One plain UPDATE per row of `fields` by primary key, sent as a batch (`executemany`): Django's
    `bulk_update` builds a CASE expression per row and field, which took 2.4 s of Python for 4,400 rows
    of a review's scores. Values go through each field's own preparation (JSON, decimals, dates). No
    history, no signals: for tables without history (derived rows, the reviews' scores)."""
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(c.column)} = %s" for c in columns)
    # only the model's own table and column names, quoted, enter the statement; values are parameters
    sql = f"UPDATE {quote(opts.db_table)} SET {sets} WHERE {quote(opts.pk.column)} = %s"  # noqa: S608
    written = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(
            (
                [*(c.get_db_prep_save(getattr(row, c.attname), connection) for c in columns), row.pk]
                for row in rows
            ),
            batch,
        ):
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


def insert_select(model: Any, queryset: QuerySet[Any], *, prefix: str) -> int:
    """INSERT INTO the model's table the rows a queryset selects, computed by the database without a row
    reaching Python: the queryset's `values()` are named `prefix` + the model's field name (an alias may
    not repeat a field of the queried model)."""
    names = [*queryset.query.values_select, *queryset.query.annotation_select]
    fields = [name.removeprefix(prefix) for name in names if name.startswith(prefix)]
    opts = model._meta
    quote = connection.ops.quote_name
    select, params = queryset.query.sql_with_params()
    # the model's names quoted, and the SELECT Django compiled (its values are parameters)
    columns = ", ".join(quote(opts.get_field(f).column) for f in fields)
    aliases = ", ".join(quote(prefix + f) for f in fields)
    sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) SELECT {aliases} FROM ({select}) AS chosen"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
