"""`manage.py backup` and `manage.py restore` (issue 14): a backup of a database and its private files
restores into an empty database and an empty files folder with every row count and file checksum equal,
on the engine the suite runs on (a SQLite file, or a throwaway PostgreSQL database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from chungtay.core import backups

ROOT = Path(__file__).resolve().parents[2]
MAKE_DATA = """
import datetime as dt
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from chungtay.accounts.models import User
from chungtay.directory.models import SchoolYear
User.objects.create_user(username="nguoi.thu", password="Mat-khau-thu-123", first_name="Người thử")
SchoolYear.objects.create(start_year=2030, starts_on=dt.date(2030, 8, 1), ends_on=dt.date(2031, 7, 31))
default_storage.save("evidence/bien-ban.pdf", ContentFile(b"%PDF-1.4 bien ban " * 100))
default_storage.save("scans/hop-dong.png", ContentFile(bytes(range(256)) * 40))
"""


def _databases(tmp: Path) -> tuple[str, str, list[str]]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'source.sqlite3'}", f"sqlite:///{tmp / 'restored.sqlite3'}", []
    import psycopg

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    names = [f"chungtay_backup_{side}_{os.getpid()}" for side in ("source", "restored")]
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    source, restored = (urlunparse(parsed._replace(path=f"/{name}")) for name in names)
    return source, restored, names


def _drop(names: list[str]) -> None:
    if not names:
        return
    import psycopg

    parsed = urlparse(os.environ["DATABASE_URL"])
    with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(tmp_path):
    source, restored, names = _databases(tmp_path)
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "chungtay.settings", "CHUNGTAY_HOME": str(tmp_path)}
    first = {**base, "DATABASE_URL": source, "CHUNGTAY_FILES_DIR": str(tmp_path / "files")}
    second = {**base, "DATABASE_URL": restored, "CHUNGTAY_FILES_DIR": str(tmp_path / "files-restored")}
    try:
        assert _manage(first, "migrate", "--noinput", "-v0").returncode == 0
        made = _manage(first, "shell", "-c", MAKE_DATA)
        assert made.returncode == 0, made.stderr
        folder = tmp_path / "backup"
        done = _manage(first, "backup", "--to", str(folder))
        assert done.returncode == 0, done.stderr
        manifest = json.loads((folder / backups.MANIFEST).read_text())
        assert manifest["tables"]["accounts_user"] == 1 and manifest["tables"]["directory_schoolyear"] == 1
        assert set(manifest["files"]) == {"evidence/bien-ban.pdf", "scans/hop-dong.png"}

        back = _manage(second, "restore", str(folder))
        assert back.returncode == 0, back.stderr + back.stdout
        assert "every count and checksum matches" in back.stdout
        # checked again from outside the command: the same rows and the same bytes
        counted = _manage(
            second,
            "shell",
            "-c",
            "import json; from chungtay.core import backups; print(json.dumps(backups.table_counts()))",
        )
        assert json.loads(counted.stdout.strip().splitlines()[-1]) == manifest["tables"]
        assert backups.file_checksums(tmp_path / "files-restored") == manifest["files"]
        assert backups.file_checksums(tmp_path / "files") == manifest["files"]

        # a second restore over the data it brought back is refused, and changes nothing
        again = _manage(second, "restore", str(folder))
        assert again.returncode != 0 and "already holds data" in again.stderr
    finally:
        _drop(names)


def test_a_backup_folder_that_is_not_a_backup_is_refused(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "chungtay.settings", "CHUNGTAY_HOME": str(tmp_path)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    refused = _manage(env, "restore", str(tmp_path))
    assert refused.returncode != 0 and "manifest.json" in refused.stderr


@pytest.mark.django_db
def test_the_manifest_tells_a_difference():
    expected = backups.manifest()
    assert backups.differences(expected) == []
    expected["tables"]["accounts_user"] += 1
    expected["files"]["nowhere/missing.pdf"] = "0" * 64
    found = backups.differences(expected)
    assert any(line.startswith("accounts_user:") for line in found)
    assert "nowhere/missing.pdf: missing" in found


def test_a_backup_into_a_folder_that_holds_files_is_refused(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    (tmp_path / "kept.txt").write_text("không được ghi đè")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", to=str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]
