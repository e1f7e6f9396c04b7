from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from chungtay.core import backups


class Command(BaseCommand):
    help = (
        "Restore a folder written by `manage.py backup` into an empty database and files folder, then "
        "check every table's row count and every file's checksum against its manifest."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("folder", help="the backup's folder")
        parser.add_argument(
            "--replace", action="store_true", help="restore over a database that already holds data"
        )

    def handle(self, *args: Any, folder: str, replace: bool, **options: Any) -> None:
        source = Path(folder)
        if not (source / backups.MANIFEST).is_file():
            raise CommandError(f"{source} holds no backup ({backups.MANIFEST} is missing).")
        expected = backups.read_manifest(source)
        database = source / expected["database_file"]
        if not database.is_file() or not (source / backups.FILES).is_file():
            raise CommandError(f"{source} is incomplete: {database.name} or {backups.FILES} is missing.")
        if not replace and not backups.is_empty():
            raise CommandError(
                "The database already holds data: restore into an empty one, or add --replace."
            )
        call_command("dbrestore", "--database", "default", "--input-path", str(database), "--noinput")
        call_command("mediarestore", "--input-path", str(source / backups.FILES), "--noinput", "--replace")
        missing = backups.differences(expected)
        if missing:
            raise CommandError("The restore differs from the backup:\n" + "\n".join(missing[:50]))
        rows = sum(expected["tables"].values())
        self.stdout.write(
            f"Restored {rows:,} rows in {len(expected['tables'])} tables and {len(expected['files'])} files "
            "from the backup; every count and checksum matches."
        )
