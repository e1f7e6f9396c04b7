"""PostgreSQL restarted under load (issue 14's fault tests).

The test runs a PostgreSQL server of its own (initdb in a temporary folder, on a free port: the suite's
server is shared and must not go away), the application on it under gunicorn with the task worker, as in
production, and a small city on it (the demo's map, schools, accounts and partnerships). Writers record
activities through the API with idempotency keys, readers list activities and partnerships, and imports
wait for the worker, while the server is killed (an immediate shutdown: a crash) and started again a few
seconds later. Then: no request hung, every answer was a success, a 503 with its message or a 409 for a
key still held (never a 500), every write a client retried was recorded exactly once, the summaries show
no drift, every import left "being checked", and the worker and the web server still serve."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
OFFICERS = ["pgd.unghoa", "pgd.hoangmai"]
LOAD_SECONDS = 14
CRASH_AT = 4  # seconds into the load
DOWN_FOR = 3  # seconds the server stays away
TIMEOUT = (5, 40)  # connect, read: a request taking longer hung (gunicorn kills a worker at 30 s)

SETUP = """
import json, os
from chungtay.access.scopes import own_schools
from chungtay.accounts.models import User
from chungtay.accounts.services import issue_api_token
from chungtay.demo.accounts import create_demo_accounts
from chungtay.directory.adminmap import seed_admin_map
from chungtay.directory.demo import DEMO_INDICATORS, DEPARTMENT_CODE, load_demo_directory
from chungtay.directory.models import EducationOffice, Indicator
from chungtay.partnerships.demo import load_demo_partnerships
seed_admin_map()
load_demo_directory(seed=2022)
create_demo_accounts("fault-test-pass-2026")
load_demo_partnerships(seed=2022)
department = EducationOffice.objects.get(code=DEPARTMENT_CODE)
Indicator.objects.bulk_create(  # the catalogue, without the demo's years of values
    Indicator(department=department, code=code, name=name, value_type=kind, unit=unit, levels=levels)
    for code, name, kind, unit, levels, _ in DEMO_INDICATORS
)
tokens = {}
for username in os.environ["FAULT_USERNAMES"].split():
    user = User.objects.get(username=username)
    made = issue_api_token(acting_user=user, name="fault test", read_only=False, expires_at=None)
    tokens[username] = made[1]
schools = list(
    own_schools(User.objects.get(username="pgd.unghoa"))
    .filter(level="thcs")
    .values_list("moet_id", flat=True)
)
print(json.dumps({"tokens": tokens, "thcs": schools}))
"""

CHECK = """
import json, os
from django.db.models import Count
from chungtay.activities import facts
from chungtay.activities.models import Activity
titles = dict(
    Activity.objects.filter(title__startswith="Khởi động lại ").values_list("title").annotate(n=Count("id"))
)
print(json.dumps({"titles": titles, "drift": bool(facts.drift())}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A PostgreSQL server of the test's own."""

    folder: Path
    port: int = field(default_factory=_free_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        bin_dir = PG_BINS[-1].parent
        argv = [str(bin_dir / command[0]), *command[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=60"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def crash(self) -> None:
        """An immediate shutdown: every backend killed, no checkpoint; the next start recovers from
        the write-ahead log, as after a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="module")
def server():
    assert PG_BINS, "PostgreSQL's server programs are missing (Debian: postgresql)"
    folder = Path(tempfile.mkdtemp(prefix="chungtay-restart-"))
    server = Server(folder)
    server.init()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture(scope="module")
def app(server):
    """The application on the test's server: migrated, a small city loaded, gunicorn and the worker."""
    with psycopg.connect(server.url("postgres"), autocommit=True) as connection:
        connection.execute('CREATE DATABASE "chungtay"')
    home = server.folder / "home"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_URL", "CHUNGTAY_", "DJANGO_"))
    }
    env.update(
        {
            "DATABASE_URL": server.url("chungtay"),
            "DJANGO_SETTINGS_MODULE": "chungtay.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "CHUNGTAY_HOME": str(home),
            "CHUNGTAY_FILES_DIR": str(home / "files"),
            "CHUNGTAY_API_RATE_PER_MINUTE": "100000",
            "CHUNGTAY_IMPORT_BACKGROUND_BYTES": "0",  # every import is checked by the worker
            "DJANGO_CONN_MAX_AGE": "60",  # kept connections, as in production: dead ones must be replaced
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    _manage(env, "migrate", "--noinput", "-v0")
    made = json.loads(_manage({**env, "FAULT_USERNAMES": " ".join(OFFICERS)}, "shell", "-c", SETUP))
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=env["PATH"])
    assert gunicorn
    logs = server.folder / "app.log"
    with open(logs, "w") as log:
        web = subprocess.Popen(
            [
                gunicorn,
                "chungtay.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "30",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "run_worker", "--interval", "0.2"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # gunicorn starts; on a busy machine that takes a while
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/health/", timeout=30).status_code in (200, 503):
                    break
            except requests.RequestException:
                time.sleep(0.5)
        yield {
            "base": base,
            "tokens": made["tokens"],
            "thcs": made["thcs"],
            "env": env,
            "web": web,
            "worker": worker,
            "logs": logs,
        }
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class Seen:
    """What the clients saw: every answer's status, the requests that hung or lost their connection."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: list[int] = field(default_factory=list)
    unavailable_messages: set[str] = field(default_factory=set)
    hung: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    recorded: dict[str, list[int]] = field(default_factory=dict)  # title → ids answered 201
    written_after_restart: set[str] = field(default_factory=set)

    def answer(self, response: requests.Response) -> None:
        with self.lock:
            self.statuses.append(response.status_code)
            if response.status_code == 503:
                self.unavailable_messages.add(response.json()["message"])


def _partnerships(app, username: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {app['tokens'][username]}"}
    listed = requests.get(
        f"{app['base']}/api/v1/partnerships?status=active&page_size=50", headers=headers, timeout=TIMEOUT
    )
    assert listed.status_code == 200, listed.text[:500]
    return [p for p in listed.json()["results"] if len(p["members"]) >= 2]


def _call(seen: Seen, method: str, url: str, **kwargs) -> requests.Response | None:
    try:
        response = requests.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.Timeout:
        with seen.lock:
            seen.hung.append(f"{method} {url}")
        return None
    except requests.ConnectionError as error:
        with seen.lock:
            seen.broken.append(f"{method} {url}: {error}")
        return None
    seen.answer(response)
    return response


def _writer(
    app,
    seen: Seen,
    username: str,
    partnerships: list[dict],
    stop_at: float,
    restarted: threading.Event,
    number: int,
) -> None:
    """Records activities one after another; a write that was not answered 201 is sent again with the
    same key and body until it is (a client that retries, as the phones' offline queue does)."""
    headers = {"Authorization": f"Bearer {app['tokens'][username]}"}
    count = 0
    while time.monotonic() < stop_at:
        count += 1
        chosen = partnerships[(number + count) % len(partnerships)]
        schools = [member["moet_id"] for member in chosen["members"]]
        title = f"Khởi động lại {username} {number}-{count} {uuid.uuid4().hex[:6]}"
        payload = {
            "kind": "topic",
            "title": title,
            "planned_on": "2024-03-12",
            "held_on": "2024-03-12",
            "host_moet_ids": schools[:1],
            "participant_moet_ids": schools[1:],
            "partnership_ids": [chosen["id"]],
        }
        key = {"Idempotency-Key": f"restart-{uuid.uuid4().hex}"}
        give_up = max(stop_at, time.monotonic()) + 90
        while time.monotonic() < give_up:
            after_restart = restarted.is_set()
            response = _call(
                seen, "POST", f"{app['base']}/api/v1/activities", json=payload, headers={**headers, **key}
            )
            if response is not None and response.status_code == 201:
                with seen.lock:
                    seen.recorded.setdefault(title, []).append(response.json()["id"])
                    if after_restart:
                        seen.written_after_restart.add(username)
                break
            time.sleep(0.5)  # 503 (the database away), 409 (the cut-off request's key still held)
        else:
            with seen.lock:
                seen.recorded.setdefault(title, [])


def _reader(app, seen: Seen, username: str, stop_at: float) -> None:
    headers = {"Authorization": f"Bearer {app['tokens'][username]}"}
    paths = ["/api/v1/activities?page_size=20", "/api/v1/partnerships?page_size=20", "/api/v1/schools?q=ung"]
    turn = 0
    while time.monotonic() < stop_at:
        _call(seen, "GET", f"{app['base']}{paths[turn % len(paths)]}", headers=headers)
        turn += 1
        time.sleep(0.05)


def _import(app, seen: Seen, username: str, schools: list[str]) -> int | None:
    """An indicator file for the worker to check: a value per school and school year."""
    rows = ["Mã định danh,Năm học,Mã chỉ số,Giá trị,Ghi chú"]
    for start in range(2018, 2025):  # every school and school year once
        rows += [f"{school},{start}-{start + 1},DIEM_VAO10_TOAN,{start % 10},Nhập thử" for school in schools]
    body = ("\ufeff" + "\n".join(rows) + "\n").encode("utf-8")
    headers = {
        "Authorization": f"Bearer {app['tokens'][username]}",
        "Idempotency-Key": f"import-{uuid.uuid4().hex}",
    }
    for _attempt in range(60):
        response = _call(
            seen,
            "POST",
            f"{app['base']}/api/v1/imports/kinds/indicators",
            files={"file": ("chi-so.csv", body, "text/csv")},
            headers=headers,
        )
        if response is not None and response.status_code == 201:
            return int(response.json()["id"])
        time.sleep(0.5)
    return None


def test_postgresql_restarted_under_load_loses_nothing_and_nothing_hangs(server, app):
    seen = Seen()
    partnerships = {username: _partnerships(app, username) for username in OFFICERS}
    assert all(partnerships.values())
    schools = app["thcs"]  # the Ứng Hòa officer's lower secondary schools: his indicator files are theirs
    assert schools
    restarted = threading.Event()
    started = time.monotonic()
    stop_at = started + LOAD_SECONDS
    threads = [
        threading.Thread(
            target=_writer, args=(app, seen, username, partnerships[username], stop_at, restarted, number)
        )
        for number, username in enumerate(OFFICERS * 3)
    ] + [threading.Thread(target=_reader, args=(app, seen, username, stop_at)) for username in OFFICERS]
    for thread in threads:
        thread.start()
    imports = [_import(app, seen, "pgd.unghoa", schools) for _ in range(3)]  # queued before the crash
    time.sleep(max(0.0, started + CRASH_AT - time.monotonic()))
    server.crash()
    time.sleep(DOWN_FOR)
    server.start()
    restarted.set()
    imports.append(_import(app, seen, "pgd.unghoa", schools))  # queued after it
    for thread in threads:
        thread.join(timeout=200)
    assert not any(thread.is_alive() for thread in threads), "a client thread never finished"

    print(  # the run's shape, with -s
        f"{len(seen.statuses)} answers: "
        + ", ".join(f"{seen.statuses.count(code)}× {code}" for code in sorted(set(seen.statuses)))
        + f"; {len(seen.recorded)} activities written; imports {imports}"
    )
    # nothing hung, nothing broke, nothing answered 500
    assert seen.hung == [], seen.hung
    assert seen.broken == [], seen.broken[:5]
    assert set(seen.statuses) <= {200, 201, 409, 503}, sorted(set(seen.statuses))
    assert 503 in seen.statuses  # the crash did meet requests
    assert seen.unavailable_messages == {
        "Cơ sở dữ liệu tạm thời không trả lời (có thể đang khởi động lại). Vui lòng thử lại sau ít phút: "
        "gửi lại cùng biểu mẫu hoặc yêu cầu sẽ không ghi nhận trùng lần nào."
    }
    # the service came back for every writer
    assert seen.written_after_restart == set(OFFICERS)

    # every write was recorded exactly once, once its client had its 201; the summaries agree
    checked = json.loads(_manage(app["env"], "shell", "-c", CHECK))
    assert seen.recorded and all(len(ids) == 1 for ids in seen.recorded.values()), {
        title: ids for title, ids in seen.recorded.items() if len(ids) != 1
    }
    assert checked["titles"] == dict.fromkeys(seen.recorded, 1)
    assert checked["drift"] is False

    # every import was checked, or failed with the interruption's message; none is left "being checked"
    assert all(imports)
    headers = {"Authorization": f"Bearer {app['tokens']['pgd.unghoa']}"}
    deadline = time.monotonic() + 120
    batches = {}
    while time.monotonic() < deadline:
        batches = {
            pk: requests.get(f"{app['base']}/api/v1/imports/{pk}", headers=headers, timeout=TIMEOUT).json()
            for pk in imports
        }
        if all(batch["status"] not in ("checking", "applying") for batch in batches.values()):
            break
        time.sleep(1)
    for batch in batches.values():
        assert batch["status"] in ("previewed", "rejected"), batch
        if batch["status"] == "rejected":
            assert batch["refused"] or batch["errors"], batch
    last = batches[imports[-1]]
    assert last["status"] == "previewed", (last["refused"], last["errors"][:3])  # the worker works after it

    # the web server and the worker are still running, and the node reports healthy
    assert app["web"].poll() is None and app["worker"].poll() is None
    health = requests.get(f"{app['base']}/health/", timeout=TIMEOUT)
    assert health.status_code == 200 and health.json()["checks"]["database"]["ok"] is True
