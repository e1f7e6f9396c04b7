from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from dbbackup.db.base import get_connector
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from chungtay.core import backups


class Command(BaseCommand):
    help = (
        "Back up the database and the private files into one folder with a manifest (row counts, "
        "checksums). Default folder: CHUNGTAY_BACKUP_DIR/<date-time>."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--to", default="", help="the folder to write (must not exist or be empty)")

    def default_folder(self) -> Path:
        """A new folder, named by the time, under the backups' location (CHUNGTAY_BACKUP_DIR)."""
        storages: dict[str, Any] = dict(settings.STORAGES)
        location = Path(storages["dbbackup"]["OPTIONS"]["location"])
        return location / dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")

    def handle(self, *args: Any, to: str, **options: Any) -> None:
        folder = Path(to) if to else self.default_folder()
        if folder.exists() and any(folder.iterdir()):
            raise CommandError(f"{folder} is not empty: choose a new folder.")
        folder.mkdir(parents=True, exist_ok=True)
        content = backups.manifest()  # counted first: a write during the backup shows as a difference
        extension = get_connector("default").extension  # django-dbbackup's, for this database's engine
        call_command(
            "dbbackup",
            "--database",
            "default",
            "--output-path",
            str(folder / f"{backups.DATABASE}.{extension}"),
            "--noinput",
            "--quiet",
        )
        call_command("mediabackup", "--output-path", str(folder / backups.FILES), "--noinput", "--quiet")
        content["database_file"] = f"{backups.DATABASE}.{extension}"
        backups.write_manifest(folder, content)
        rows = sum(content["tables"].values())
        self.stdout.write(
            f"Backed up {rows:,} rows in {len(content['tables'])} tables and {len(content['files'])} "
            f"files to {folder}"
        )
