"""Trigram indexes for the school search on PostgreSQL.

The search matches every word of the query anywhere in a school's name or places (`name_key`,
`place_key`: accent-free, lower-case, padded with spaces), which is `LIKE '%word%'`: a B-tree cannot
serve it, so at national size (47,000 schools) every search read every school. A GIN index of the
columns' trigrams (pg_trgm, a trusted extension: the database's owner may create it) serves such a
match directly. SQLite, the development database, has no such index and keeps scanning (3,000 schools)."""

from django.db import migrations

INDEXES = (
    ("directory_school_name_trgm", "directory_school", "name_key"),
    ("directory_school_place_trgm", "directory_school", "place_key"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_office_emblem"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
