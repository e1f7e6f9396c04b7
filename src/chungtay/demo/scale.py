"""A national-size dataset from the loaded demo (issue 14): the demo's departments (Hanoi, and the small
Lào Cai one) cloned again and again, each Hanoi copy named for another of the 34 provinces of the 2025
map, with everything it holds — offices,
schools with their locations, figures, teachers, indicators and their values, self-assessments, accounts,
twinnings, partnerships, agreements, activities with their schools and participations, the figures'
summaries, support, reviews — so that a national install's tables hold what 16 departments of Hanoi's
size would (47,088 schools, 4 M participations, 2.3 M indicator values).

The copy is made in the database (INSERT … SELECT per table and copy), not through the models: every id is
moved by the table's largest id times the copy's number, and every foreign key to a copied table by that
table's; unique texts (usernames, office codes, MOET ids, the map's unit codes) get the copy's number as
a suffix; rows that point outside (school years, content types) keep their targets. The administrative
map is copied with each department (a copy's schools lie in its own wards, which its officers' scopes
name), and each Hanoi copy's department is then placed in another real province. The history tables
(django-simple-history), files, tasks, tokens and caches are not copied.

Used by `manage.py generate_scale`; for benchmarks and trials, never on a live install."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

# the apps whose data a department holds
APPS = (
    "accounts",
    "directory",
    "partnerships",
    "matching",
    "activities",
    "support",
    "analytics",
    "reports",
    "reviews",
    "imports",
)
# texts unique together with columns a copy keeps (the map's edition): they get the copy's suffix too
SUFFIXED = {"directory.AdminUnit": {"code", "source_key"}}
# shared by every department, or files, tasks and secrets that a copy must not share
NOT_COPIED = {
    "accounts.ApiToken",
    "accounts.IdempotencyKey",
    "directory.SchoolYear",
    "activities.Evidence",
    "activities.DigestLog",
    "activities.Reminder",
    "analytics.Estimate",
    "matching.MatchingRun",
    "reports.Report",
    "reports.Generation",
    "reports.ReportTemplate",
    "imports.ImportBatch",
}


def copied_models() -> list[type[models.Model]]:
    """Every table a department's data lives in: the apps' concrete models but the shared and the
    history ones, and the many-to-many tables between them."""
    chosen: list[type[models.Model]] = []
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if model._meta.app_label not in APPS or model._meta.proxy or not model._meta.managed:
            continue
        if model.__name__.startswith("Historical") or label in NOT_COPIED:
            continue
        if model._meta.auto_created:
            owner: Any = model._meta.auto_created
            if owner._meta.label in NOT_COPIED or owner.__name__.startswith("Historical"):
                continue
            if owner._meta.app_label not in APPS:
                continue
        chosen.append(model)
    return chosen


def _max_id(model: type[models.Model]) -> int:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(MAX({quote(str(model._meta.pk.column))}), 0) FROM {quote(model._meta.db_table)}"  # noqa: S608
        )
        return int(cursor.fetchone()[0])


def _unique_texts(model: type[models.Model]) -> list[str]:
    """The columns of texts unique across the whole table (they get the copy's suffix)."""
    extra = SUFFIXED.get(model._meta.label, set())
    return [
        str(field.column)
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField)
        and ((field.unique and not field.primary_key) or field.name in extra)
    ]


def _select_list(model: type[models.Model], offsets: dict[str, int], copy: int) -> tuple[str, str]:
    """The column list and the SELECT expressions of one copy of a table."""
    quote = connection.ops.quote_name
    texts = set(_unique_texts(model))
    names, values = [], []
    for field in model._meta.concrete_fields:
        column = quote(str(field.column))
        names.append(column)
        if field.primary_key and not field.is_relation:
            values.append(f"{column} + {offsets[model._meta.db_table] * copy}")
        elif field.is_relation and field.related_model is not None:
            target = field.related_model._meta.db_table
            shift = offsets.get(target, 0) * copy
            values.append(f"{column} + {shift}" if shift else column)
        elif field.column in texts:
            values.append(f"{column} || '-{copy}'")
        else:
            values.append(column)
    return ", ".join(names), ", ".join(values)


def clone_department(
    copies: int, progress: Callable[[str], None] | None = None, department_code: str = "so-hanoi"
) -> dict[str, int]:
    """Make `copies` copies of the loaded department, in one transaction, then bring the id sequences and
    the planner's statistics up to date. Returns the row counts of the main tables after."""
    from chungtay.directory.models import AdminUnit, EducationOffice

    say = progress or (lambda _line: None)
    chosen = copied_models()
    offsets = {model._meta.db_table: _max_id(model) for model in chosen}
    department = EducationOffice.objects.get(code=department_code)
    provinces = list(
        AdminUnit.objects.filter(level="province", edition="2025")
        .exclude(pk=department.unit_id)
        .order_by("pk")
        .values_list("pk", "name")
    )
    quote = connection.ops.quote_name
    with transaction.atomic():
        for copy in range(1, copies + 1):
            for model in chosen:
                table = model._meta.db_table
                if not offsets[table]:
                    continue
                names, values = _select_list(model, offsets, copy)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {quote(table)} ({names}) SELECT {values} FROM {quote(table)} "  # noqa: S608
                        f"WHERE {quote(str(model._meta.pk.column))} <= {offsets[table]}"
                    )
            unit_id, name = provinces[(copy - 1) % len(provinces)]
            place = name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
            copied = department.pk + offsets[EducationOffice._meta.db_table] * copy
            EducationOffice.objects.filter(pk=copied).update(
                unit_id=unit_id,
                name=f"Sở Giáo dục và Đào tạo {place} (bản sao {copy})",
                short_name=f"Sở {place}",
            )
            say(f"copy {copy} of {copies}: {place}")
        _reset_sequences(model for model in chosen if not model._meta.pk.is_relation)
    analyze()
    return counts()


def _reset_sequences(chosen: Iterable[type[models.Model]]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite takes the next id from the table's largest
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in chosen:
            table, pk = model._meta.db_table, str(model._meta.pk.column)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), "  # noqa: S608
                f"(SELECT GREATEST(MAX({quote(pk)}), 1) FROM {quote(table)}))"
            )


def analyze() -> None:
    """Fresh planner statistics and visibility maps after the bulk write (what autovacuum would do);
    inside a transaction (a test's) PostgreSQL cannot vacuum, and the statistics alone are taken."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")


def counts() -> dict[str, int]:
    from chungtay.activities.models import Activity, Participation
    from chungtay.directory.models import EducationOffice, IndicatorValue, School, Teacher
    from chungtay.partnerships.models import Partnership
    from chungtay.support.models import SupportRecord

    return {
        "departments": EducationOffice.objects.filter(kind="department").count(),
        "schools": School.objects.count(),
        "teachers": Teacher.objects.count(),
        "partnerships": Partnership.objects.count(),
        "activities": Activity.objects.count(),
        "participations": Participation.objects.count(),
        "indicator_values": IndicatorValue.objects.count(),
        "support_records": SupportRecord.objects.count(),
    }
