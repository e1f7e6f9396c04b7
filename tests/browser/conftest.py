"""Browser tests: a real server process on its own database with the demo loaded, driven by Playwright
in Debian's Chromium. All browser tests share one xdist group, so one worker starts one server.

Every page a browser test visits is checked against WCAG 2.1 A and AA by axe-core (from npm, in
node_modules, never served by the app): after the test, each address visited is opened again as the
same user in a context that lets axe's script in past the CSP, and the test fails on any violation."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-pass-123"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => (await axe.run(document, {
  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
})).violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
  v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""


class Visits:
    """The addresses each page of a test visited, with the user signed in on it at the time."""

    def __init__(self) -> None:
        self.users: dict[int, str | None] = {}
        self.seen: dict[str | None, list[str]] = {}

    def watch(self, page: Any, username: str | None) -> None:
        key = id(page)
        fresh = key not in self.users
        self.users[key] = username
        if not fresh:
            return

        def visited(frame: Any) -> None:
            if frame is page.main_frame and frame.url.startswith("http"):
                self.seen.setdefault(self.users.get(key), []).append(frame.url.split("#")[0])

        page.on("framenavigated", visited)


VISITS = Visits()


def sign_in(page: Any, app_url: str, username: str) -> None:
    page.goto(f"{app_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{app_url}/")


def accessibility_problems(browser: Any, app_url: str, seen: dict[str | None, list[str]]) -> list[str]:
    """axe's WCAG 2.1 A/AA violations on each address, opened again as the user who visited it."""
    found = []
    for username, addresses in seen.items():
        context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
        try:
            page = context.new_page()
            if username is not None:
                sign_in(page, app_url, username)
            for address in dict.fromkeys(addresses):
                if not address.startswith(app_url):
                    continue
                try:
                    response = page.goto(address)
                except PlaywrightError:  # an address only a form's POST answers (its GET: 405, no page)
                    continue
                if response is None or "html" not in (response.headers.get("content-type") or ""):
                    continue
                page.add_script_tag(path=str(AXE))
                found += [f"{address} ({username}): {v}" for v in page.evaluate(AXE_RUN)]
        finally:
            context.close()
    return found


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(tmp: Path) -> str:
    """A database of the browser server's own: a throwaway PostgreSQL database when the suite runs on
    PostgreSQL, a SQLite file otherwise."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'browser.sqlite3'}"
    import psycopg

    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'chungtay'}_browser_{os.getpid()}"
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parsed._replace(path=f"/{name}"))


def _drop_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of a database of its own with the demo loaded (dropped at the end)."""
    tmp = tmp_path_factory.mktemp("browser-app")
    database_url = _database_url(tmp)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "chungtay.settings",
        "DJANGO_DEBUG": "1",
        "CHUNGTAY_HOME": str(tmp),
        "AXES_FAILURE_LIMIT": "50",
        "CHUNGTAY_IMPORT_BACKGROUND_BYTES": "0",  # imports go through the task worker, as large ones do
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], check=True, env=env, cwd=ROOT)
    subprocess.run(
        [*manage, "load_demo", "--quiet-accounts", "--password", PASSWORD],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield env
    finally:
        _drop_database(database_url)


QUIET_TEACHER = "gv.motnhom"
# a teacher account made for the recording tests: the demo's gv.hoangmai and gv.unghoa gain partnerships
# as other browser tests run (the matching path accepts a run), and one-partnership is what they test
QUIET_TEACHER_SCRIPT = """
from django.db.models import Count
from chungtay.access.scopes import partnerships_visible_to
from chungtay.accounts.models import Role, User
from chungtay.directory.models import School, Teacher
from chungtay.partnerships.models import PartnershipMember

busy = ["pgd-hoangmai", "pgd-unghoa", "pgd-badinh", "pgd-bavi"]
single = (
    PartnershipMember.objects.values("school").annotate(n=Count("partnership", distinct=True)).filter(n=1)
    .values_list("school", flat=True)
)
candidates = (
    School.objects.filter(pk__in=single).exclude(managements__office__code__in=busy)
    .annotate(roster=Count("teachers")).filter(roster__gte=12).order_by("pk")
)
for school in candidates:
    user = User(username="{username}", role=Role.TEACHER, school=school, position="Giáo viên")
    user.set_password("{password}")
    user.save()
    if partnerships_visible_to(user).exclude(status="cancelled").count() == 1:
        teacher = Teacher.objects.filter(school=school, is_active=True).order_by("sort_key", "pk").first()
        teacher.user = user
        teacher.save(update_fields=["user"])
        user.full_name = teacher.full_name
        user.save(update_fields=["full_name"])
        break
    user.delete()
else:
    raise SystemExit("no school with a single partnership outside the busy districts")
"""


@pytest.fixture(scope="session")
def quiet_teacher(demo_env: dict[str, str]) -> str:
    """A teacher whose school has one partnership, in a district no other browser test works in."""
    script = QUIET_TEACHER_SCRIPT.replace("{username}", QUIET_TEACHER).replace("{password}", PASSWORD)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script],
        check=True,
        env=demo_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return QUIET_TEACHER


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("the test server stopped during start-up") from None
            time.sleep(0.2)
    raise RuntimeError("the test server did not start")


@pytest.fixture(scope="session")
def app_url(demo_env: dict[str, str]) -> Iterator[str]:
    env = demo_env
    manage = [sys.executable, str(ROOT / "manage.py")]
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [*manage, "run_worker", "--interval", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, server)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def accessible(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a browser test: every page it visited meets WCAG 2.1 A/AA (axe-core), or the test fails."""
    uses_browser = {"page", "browser"} & set(request.fixturenames)
    if not uses_browser or "tests/browser/" not in str(request.node.fspath):
        yield
        return
    VISITS.users.clear()
    VISITS.seen.clear()
    if "page" in request.fixturenames:
        VISITS.watch(request.getfixturevalue("page"), None)
    yield
    if not VISITS.seen:
        return
    app_url = request.getfixturevalue("app_url")
    problems = accessibility_problems(request.getfixturevalue("browser"), app_url, dict(VISITS.seen))
    assert not problems, "WCAG 2.1 A/AA (axe-core):\n" + "\n".join(problems)


@pytest.fixture
def log_in(page, app_url):  # noqa: ANN001 - pytest-playwright's page
    def _log_in(username: str) -> None:
        VISITS.watch(page, username)
        sign_in(page, app_url, username)

    return _log_in
