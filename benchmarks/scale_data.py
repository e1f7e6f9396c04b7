"""Growing the loaded demo to a multiple of its volume, for the benchmarks that measure pages at scale.

`multiply(factor)` copies every activity (with its schools, participations and partnership links) and
every support record `factor - 1` times, in the database itself (INSERT … SELECT, a few seconds per
million rows), keeping their dates: the same five school years and the same schools, `factor` times as
busy. Then it brings the id sequences and the planner's statistics up to date. PostgreSQL or SQLite."""

from __future__ import annotations

from django.db import connection, models, transaction

from chungtay.activities.models import (
    Activity,
    ActivityFact,
    ActivitySchool,
    LinkFact,
    MonthFact,
    Participation,
    TeacherMonth,
)
from chungtay.support.models import SupportRecord


def _columns(model: type[models.Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def _max_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our own table names
        return int(cursor.fetchone()[0])


def _copy(table: str, columns: list[str], shifts: dict[str, int], copies: int, upto: int) -> None:
    """Insert `copies` copies of the rows with id <= upto, each column in `shifts` moved by its offset
    times the copy's number."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        for k in range(1, copies + 1):
            values = ", ".join(
                f"{connection.ops.quote_name(c)} + {shifts[c] * k}"
                if c in shifts
                else connection.ops.quote_name(c)
                for c in columns
            )
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {values} FROM {table} WHERE id <= {upto}")  # noqa: S608


def multiply(factor: int) -> dict[str, int]:
    """The activities, their schools, participations and partnership links, and the support records,
    `factor` times over, with the figures' summaries that go with them, in one transaction; then the
    statistics. Returns the row counts after."""
    if factor - 1 < 1:
        return counts()
    with transaction.atomic():
        _multiply(factor)
    analyze()  # VACUUM runs outside a transaction
    return counts()


def _multiply(factor: int) -> None:
    copies = factor - 1
    activity_table = Activity._meta.db_table
    links = Activity.partnerships.through
    top = {
        model._meta.db_table: _max_id(model._meta.db_table)
        for model in (Activity, ActivitySchool, Participation, links, SupportRecord, ActivityFact, LinkFact)
    }
    step = top[activity_table]
    _copy(activity_table, _columns(Activity), {"id": step}, copies, step)
    for model in (ActivitySchool, Participation, links, ActivityFact, LinkFact):
        table = model._meta.db_table
        _copy(table, _columns(model), {"id": top[table], "activity_id": step}, copies, top[table])
    # the figures' summaries: the copied activities' facts as above; each teacher month now holds
    # `factor` times the participations (the same teachers, on the same days)
    months = TeacherMonth._meta.db_table
    sums = ", ".join(
        f"{name} = {name} * {factor}" for name in ("activities", "pupils", "parents", "participations")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {months} SET participations = participations * {factor}")  # noqa: S608
        # and each month fact sums `factor` times the activities, with their people
        cursor.execute(f"UPDATE {MonthFact._meta.db_table} SET {sums}")  # noqa: S608
    support = SupportRecord._meta.db_table
    _copy(support, _columns(SupportRecord), {"id": top[support]}, copies, top[support])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in top:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
                )


def analyze() -> None:
    """Fresh planner statistics and visibility maps after the bulk write (`chungtay.demo.scale.analyze`:
    what autovacuum does in production, done at once here, where the test server runs with it off)."""
    from chungtay.demo import scale

    scale.analyze()


def counts() -> dict[str, int]:
    return {
        "activities": Activity.objects.count(),
        "activity_schools": ActivitySchool.objects.count(),
        "participations": Participation.objects.count(),
        "support_records": SupportRecord.objects.count(),
    }
