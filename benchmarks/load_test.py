"""A bounded load test on loopback (issue 14): gunicorn + PostgreSQL + the task worker, as the README's
production section runs them, with the demo loaded; locust (`benchmarks/locustfile.py`) plays 100
concurrent users for 2 minutes — officers browsing the directory, searching, opening partnerships and
activities and recording activities, teachers recording, the department reading its dashboards.
Afterwards every activity the API answered 201 for is looked up in the database.

Prints requests/s, failures, p50/p95 per page kind and in all, and the writes checked. Run:
`.venv/bin/python benchmarks/load_test.py [--users 100] [--minutes 2] [--workers 3]`, with DATABASE_URL
a PostgreSQL database holding the demo (else `chungtay_load` on 127.0.0.1 is created and loaded)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Tai-thu-2026"  # noqa: S105 - set on the load test's own demo accounts
OFFICERS = ["pgd.unghoa", "pgd.hoangmai", "pgd.badinh", "pgd.bavi", "pgd.dongda", "pgd.socson", "pgd.myduc"]
TEACHERS = ["gv.unghoa", "gv.hoangmai"]
DEPARTMENT = ["admin", "xem.hanoi"]

SETUP = """
import json, os
from chungtay.accounts.models import User
from chungtay.accounts.services import issue_api_token
tokens = {}
for username in os.environ["LOAD_USERNAMES"].split():
    user = User.objects.filter(username=username).first()
    if user is None:
        continue
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    _, raw = issue_api_token(acting_user=user, name="load test", read_only=False, expires_at=None)
    tokens[username] = raw
print(json.dumps(tokens))
"""

CHECK = """
import json, os
from chungtay.activities.models import Activity
lines = open(os.environ["LOAD_WRITES"], encoding="utf-8").read().splitlines()
writes = [json.loads(line) for line in lines if line.strip()]
found = dict(Activity.objects.filter(pk__in=[w["id"] for w in writes]).values_list("pk", "title"))
present = sum(1 for w in writes if found.get(w["id"]) == w["title"])
print(json.dumps({"written": len(writes), "found": present}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    import psycopg

    admin = "postgres://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = 'chungtay_load'").fetchone()
        if not exists:
            connection.execute('CREATE DATABASE "chungtay_load"')
    parsed = urlparse(admin)
    return urlunparse(parsed._replace(path="/chungtay_load"))


def _manage(env: dict[str, str], *args: str, check: bool = True) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if check and done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout


def _wait(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--workers", type=int, default=3)
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="chungtay-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": _database(),
        "DJANGO_SETTINGS_MODULE": "chungtay.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "CHUNGTAY_HOME": str(tmp),
        "CHUNGTAY_FILES_DIR": str(tmp / "files"),
        "CHUNGTAY_API_RATE_PER_MINUTE": "100000",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    _manage(env, "migrate", "--noinput", "-v0")
    users = "from chungtay.accounts.models import User; print(User.objects.filter(username='admin').count())"
    if _manage(env, "shell", "-c", users).strip().splitlines()[-1] != "1":
        print("loading the demo into the load test's database…", flush=True)
        _manage(env, "load_demo", "--quiet-accounts")
    _manage(env, "collectstatic", "--noinput", "-v0")
    setup = SETUP.replace("PASSWORD", repr(PASSWORD))
    names = {**env, "LOAD_USERNAMES": " ".join([*OFFICERS, *TEACHERS, *DEPARTMENT])}
    tokens = json.loads(_manage(names, "shell", "-c", setup).strip().splitlines()[-1])
    writes = tmp / "writes.jsonl"
    accounts = {
        "password": PASSWORD,
        "tokens": tokens,
        "officers": [u for u in OFFICERS if u in tokens],
        "teachers": [u for u in TEACHERS if u in tokens],
        "department": [u for u in DEPARTMENT if u in tokens],
    }
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=env["PATH"])
    assert gunicorn
    server = subprocess.Popen(
        [gunicorn, "chungtay.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(options.workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run_worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port)
        locust = shutil.which("locust", path=env["PATH"])
        assert locust
        seconds = int(options.minutes * 60)
        started = time.monotonic()
        subprocess.run(
            [
                locust,
                "-f",
                str(ROOT / "benchmarks" / "locustfile.py"),
                "--headless",
                "--users",
                str(options.users),
                "--spawn-rate",
                "10",
                "--run-time",
                f"{seconds}s",
                "--stop-timeout",
                "10",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(tmp / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={**env, "LOAD_ACCOUNTS": json.dumps(accounts), "LOAD_WRITES": str(writes)},
            cwd=ROOT,
            check=False,
            timeout=seconds + 120,
        )
        took = time.monotonic() - started
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=20)
    writes.touch()
    checked = json.loads(
        _manage({**env, "LOAD_WRITES": str(writes)}, "shell", "-c", CHECK).strip().splitlines()[-1]
    )
    with open(tmp / "load_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"\n{options.users} users for {options.minutes:g} min ({took:.0f} s with ramp-up), "
        f"gunicorn --workers {options.workers}, PostgreSQL"
    )
    print(f"{'request':<22}{'count':>8}{'fail':>6}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>8}")
    for row in rows:
        print(
            f"{row['Name'][:22]:<22}{int(row['Request Count']):>8}{int(row['Failure Count']):>6}"
            f"{row['50%']:>8}{row['95%']:>8}{float(row['Requests/s']):>8.1f}"
        )
    print(f"writes answered 201: {checked['written']}, found in the database afterwards: {checked['found']}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
