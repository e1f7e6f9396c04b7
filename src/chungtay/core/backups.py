"""Backups of an installation: the database (django-dbbackup: `pg_dump`/`pg_restore` on PostgreSQL, the
SQLite backup API on SQLite) and the private files folder (a tar of it), in one folder with a manifest
of every table's row count and every file's SHA-256, so a restore can prove it brought everything back.
`manage.py backup` and `manage.py restore` are the commands."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection

DATABASE = "database"  # the database dump's file name, before django-dbbackup's extension
FILES = "files.tar"
MANIFEST = "manifest.json"


def table_counts() -> dict[str, int]:
    """Every model table of the installation (history tables included) with its number of rows."""
    tables = sorted(
        {model._meta.db_table for model in apps.get_models() if model._meta.managed and not model._meta.proxy}
    )
    existing = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            if table in existing:
                cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - names from the models
                counts[table] = int(cursor.fetchone()[0])
    return counts


def file_checksums(root: Path | None = None) -> dict[str, str]:
    """Every private file (path relative to the folder) with its SHA-256."""
    root = Path(root or settings.PRIVATE_FILES_ROOT)
    sums = {}
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            sums[path.relative_to(root).as_posix()] = digest.hexdigest()
    return sums


def manifest() -> dict[str, Any]:
    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": connection.vendor,
        "tables": table_counts(),
        "files": file_checksums(),
    }


def write_manifest(folder: Path, content: dict[str, Any]) -> None:
    (folder / MANIFEST).write_text(json.dumps(content, indent=1, sort_keys=True), encoding="utf-8")


def read_manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return data


def differences(expected: dict[str, Any]) -> list[str]:
    """What the installation as it is now lacks against a manifest: tables whose rows differ, files
    missing or changed."""
    found = []
    now_tables = table_counts()
    for table, count in expected["tables"].items():
        if now_tables.get(table) != count:
            found.append(f"{table}: {now_tables.get(table)} rows, {count} in the backup")
    now_files = file_checksums()
    for name, digest in expected["files"].items():
        if now_files.get(name) != digest:
            found.append(f"{name}: {'changed' if name in now_files else 'missing'}")
    return found


def is_empty() -> bool:
    """Whether the database holds none of the installation's data (no table, or only empty ones, apart
    from what `migrate` itself writes)."""
    written_by_migrate = {"django_migrations", "django_content_type", "auth_permission"}
    return not any(count for table, count in table_counts().items() if table not in written_by_migrate)
