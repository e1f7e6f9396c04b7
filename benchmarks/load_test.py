"""A bounded load test on loopback (issue 14): gunicorn + PostgreSQL + the task worker, as the README's
production section runs them, with the demo loaded; locust (`benchmarks/locustfile.py`) plays 100
concurrent users for 2 minutes — officers browsing the directory, searching, opening partnerships and
activities and recording activities, teachers recording, the department reading its dashboards.
Afterwards every activity the API answered 201 for is looked up in the database.

Prints requests/s, failures, p50/p95 per page kind and in all, and the writes checked. Run:
`.venv/bin/python benchmarks/load_test.py [--users 100] [--minutes 2] [--workers 3]`, with DATABASE_URL
a PostgreSQL database holding the demo (else `chungtay_load` on 127.0.0.1 is created and loaded).

`--baseline REV [--rounds N]` measures an earlier commit in the same run, with the same users: its code in
a git worktree, on a database of its own (`chungtay_load_<commit>`, its own demo loaded once), the
baseline and this checkout one after the other N times; prints each run and the ratio of the medians
(issue 14's goal: 5× the throughput of the code it was filed against, 09b80de).

`--pause MIN,MAX` sets each user's pause between requests (default 1–3 s, a person reading); `--pause 0,0`
sends requests back to back, so requests/s is the server's capacity: with pauses, 100 users can ask for at
most 100 / (2 s + response time) requests/s, which bounds any ratio between two servers. `--only Bare`
plays users who open only their profile page (session, user, base template): the ceiling of any mix of
pages on this machine."""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
GIT = shutil.which("git") or "git"
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


def _own_database(name: str) -> str:
    """A PostgreSQL database `name` on 127.0.0.1, created when missing."""
    import psycopg

    admin = "postgres://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(urlparse(admin)._replace(path=f"/{name}"))


def _database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else _own_database("chungtay_load")


def _manage(env: dict[str, str], *args: str, check: bool = True, root: Path = ROOT) -> str:
    done = subprocess.run(
        [sys.executable, str(root / "manage.py"), *args], env=env, cwd=root, capture_output=True, text=True
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


def _prepare(root: Path, database: str, tmp: Path) -> tuple[dict[str, str], dict[str, object]]:
    """Migrate `database`, load the demo into it once (with `root`'s own code), collect the static files
    and give the load test's accounts a password and an API token. Returns the environment the server
    runs in and the accounts locust reads."""
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DJANGO_SETTINGS_MODULE": "chungtay.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "CHUNGTAY_HOME": str(tmp),
        "CHUNGTAY_FILES_DIR": str(tmp / "files"),
        "CHUNGTAY_API_RATE_PER_MINUTE": "100000",
        # the code under `root`, not the checkout the virtual environment was installed from
        "PYTHONPATH": str(root / "src"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    _manage(env, "compile_translations", check=False, root=root)
    _manage(env, "migrate", "--noinput", "-v0", root=root)
    users = "from chungtay.accounts.models import User; print(User.objects.filter(username='admin').count())"
    if _manage(env, "shell", "-c", users, root=root).strip().splitlines()[-1] != "1":
        print(f"loading the demo into {urlparse(database).path[1:]}…", flush=True)
        _manage(env, "load_demo", "--quiet-accounts", root=root)
    _manage(env, "collectstatic", "--noinput", "-v0", root=root)
    setup = SETUP.replace("PASSWORD", repr(PASSWORD))
    names = {**env, "LOAD_USERNAMES": " ".join([*OFFICERS, *TEACHERS, *DEPARTMENT])}
    tokens = json.loads(_manage(names, "shell", "-c", setup, root=root).strip().splitlines()[-1])
    accounts = {
        "password": PASSWORD,
        "tokens": tokens,
        "officers": [u for u in OFFICERS if u in tokens],
        "teachers": [u for u in TEACHERS if u in tokens],
        "department": [u for u in DEPARTMENT if u in tokens],
    }
    return env, accounts


@dataclass
class _Target:
    """Code to load-test, prepared once (`_prepare`) for all its runs."""

    label: str
    root: Path
    tmp: Path
    env: dict[str, str]
    accounts: dict[str, object]

    @classmethod
    def prepare(cls, label: str, root: Path, database: str) -> _Target:
        tmp = Path(tempfile.mkdtemp(prefix="chungtay-load-"))
        return cls(label, root, tmp, *_prepare(root, database, tmp))


def _run(target: _Target, options: argparse.Namespace) -> dict[str, float]:
    """One load test of a prepared target; prints its table, returns its totals."""
    root, env, accounts = target.root, target.env, target.accounts
    descriptor, name = tempfile.mkstemp(suffix=".jsonl", dir=target.tmp)  # this run's writes only
    os.close(descriptor)
    writes = Path(name)
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=env["PATH"])
    assert gunicorn
    server = subprocess.Popen(
        [gunicorn, "chungtay.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(options.workers)],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [sys.executable, str(root / "manage.py"), "run_worker"],
        env=env,
        cwd=root,
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
                str(ROOT / "benchmarks" / "locustfile.py"),  # the same users for the baseline
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
                str(target.tmp / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
                *options.only,
            ],
            env={
                **env,
                "LOAD_ACCOUNTS": json.dumps(accounts),
                "LOAD_WRITES": str(writes),
                "LOAD_PAUSE": options.pause,
                "LOAD_BARE": "1" if "Bare" in options.only else "",
            },
            cwd=ROOT,
            check=False,
            timeout=seconds + 120,
        )
        took = time.monotonic() - started
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=20)
    checked = json.loads(
        _manage({**env, "LOAD_WRITES": str(writes)}, "shell", "-c", CHECK, root=root).strip().splitlines()[-1]
    )
    with open(target.tmp / "load_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"\n{target.label}: {options.users} {' and '.join(options.only) or 'users'} "
        f"for {options.minutes:g} min ({took:.0f} s with ramp-up), "
        f"gunicorn --workers {options.workers}, PostgreSQL, pauses {options.pause.replace(',', '–')} s"
    )
    print(f"{'request':<22}{'count':>8}{'fail':>6}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>8}")
    for row in rows:
        print(
            f"{row['Name'][:22]:<22}{int(row['Request Count']):>8}{int(row['Failure Count']):>6}"
            f"{row['50%']:>8}{row['95%']:>8}{float(row['Requests/s']):>8.1f}"
        )
    print(f"writes answered 201: {checked['written']}, found in the database afterwards: {checked['found']}")
    total = next(row for row in rows if row["Name"] == "Aggregated")
    count = int(total["Request Count"])
    return {
        # answered requests only: a failing baseline must not look fast
        "rate": float(total["Requests/s"]) * (count - int(total["Failure Count"])) / max(count, 1),
        "failures": int(total["Failure Count"]),
        "p95": float(total["95%"]),
        "lost": checked["written"] - checked["found"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--baseline",
        default="",
        help="a commit to measure in the same run with the same users (on its own database, its own demo)",
    )
    parser.add_argument(
        "--only",
        nargs="*",
        default=[],
        choices=["Officer", "Teacher", "Department", "Bare"],
        help="play only these users (issue 14's first measurement: 50 officers; Bare: the profile page "
        "alone, the ceiling of any mix of pages)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="runs of each, alternating (with --baseline)")
    parser.add_argument(
        "--pause",
        default="1,3",
        help="each user's pause between requests, 'MIN,MAX' seconds; '0,0' sends them back to back, so "
        "requests/s is the server's capacity rather than what the users' pauses let them ask for",
    )
    options = parser.parse_args()
    if not options.baseline:
        target = _Target.prepare("this checkout", ROOT, _database())
        try:
            _run(target, options)
        finally:
            shutil.rmtree(target.tmp, ignore_errors=True)
        return
    revision = subprocess.run(
        [GIT, "rev-parse", options.baseline], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = Path(tempfile.mkdtemp(prefix="chungtay-baseline-")) / "tree"
    subprocess.run([GIT, "worktree", "add", "--detach", str(tree), revision], cwd=ROOT, check=True)
    targets: list[_Target] = []
    results: dict[str, list[dict[str, float]]] = {"baseline": [], "this checkout": []}
    try:
        # a database of the baseline's own: its schema and demo are its own
        targets.append(
            _Target.prepare(f"baseline {revision[:9]}", tree, _own_database(f"chungtay_load_{revision[:12]}"))
        )
        targets.append(_Target.prepare("this checkout", ROOT, _database()))
        for _ in range(options.rounds):
            for key, target in zip(results, targets, strict=True):
                results[key].append(_run(target, options))
    finally:
        subprocess.run([GIT, "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        for target in targets:
            shutil.rmtree(target.tmp, ignore_errors=True)
    print(f"\nanswered requests/s, one run after the other (baseline {revision[:9]} first in each round):")
    for label, runs in results.items():
        described = ", ".join(
            f"{run['rate']:.1f} (p95 {run['p95'] / 1000:.1f} s, {run['failures']:.0f} failures, "
            f"{run['lost']:.0f} writes lost)"
            for run in runs
        )
        print(f"  {label}: {described}")
    base = statistics.median(run["rate"] for run in results["baseline"])
    mine = statistics.median(run["rate"] for run in results["this checkout"])
    print(
        f"ratio of the medians: {mine / base:.1f}× the baseline's throughput"
        if base
        else "baseline: 0 requests/s"
    )


if __name__ == "__main__":
    main()
