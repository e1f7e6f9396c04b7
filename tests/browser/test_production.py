"""The README's production command works as written: `gunicorn chungtay.wsgi` from the repository root
with DJANGO_DEBUG=0 serves the pages, an evidence file and a signed scan through their scoped views, and
no URL serves the stored files directly."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, ROOT, _free_port, wait_for_port

ATTACH = """
from django.core.files.uploadedfile import SimpleUploadedFile
from chungtay.accounts.models import User
from chungtay.activities.models import Activity
from chungtay.activities.services import attach_evidence
from chungtay.partnerships.models import Agreement
from chungtay.partnerships.services import attach_signed_scan
from tests.factories import pdf_bytes
admin = User.objects.get(username="admin")
agreement = Agreement.objects.filter(status="active").order_by("pk").first()
scan = SimpleUploadedFile("s.pdf", pdf_bytes("scan"))
attach_signed_scan(acting_user=admin, agreement=agreement, upload=scan)
activity = Activity.objects.filter(status="held").order_by("pk").first()
ev = attach_evidence(acting_user=admin, activity=activity, kind="minutes",
                     upload=SimpleUploadedFile("m.pdf", pdf_bytes("minutes")))
agreement.refresh_from_db()
print(agreement.pk, ev.pk, agreement.signed_scan.name)
"""


class Session:
    """A tiny HTTP client that keeps cookies (Secure ones too: TLS ends at the proxy, which says so)."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, SimpleCookie()

    def request(self, method: str, path: str, body: str = "", headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return response, data


@pytest.fixture(scope="session")
def production_port(demo_env: dict[str, str]) -> Iterator[int]:
    env = {
        **demo_env,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], check=True, env=env, cwd=ROOT)
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=env["PATH"])
    assert gunicorn, "gunicorn is installed from the lock file"
    server = subprocess.Popen(
        [gunicorn, "chungtay.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, server)
    try:
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_as_the_readme_says_serves_pages_and_private_files(demo_env, production_port):
    attached = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", ATTACH],
        env={**demo_env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    agreement_id, evidence_id, stored_name = attached[-3:]
    anonymous = Session(production_port)
    response, _ = anonymous.request("GET", f"/media/{stored_name}")
    assert response.status == 404
    response, _ = anonymous.request("GET", f"/agreements/{agreement_id}/scan/file/")
    assert response.status == 302 and "/accounts/login/" in response.headers["Location"]

    session = Session(production_port)
    response, page = session.request("GET", "/accounts/login/")
    assert response.status == 200 and "Đăng nhập".encode() in page
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    response, _ = session.request(
        "POST",
        "/accounts/login/",
        body=f"csrfmiddlewaretoken={token}&username=admin&password={PASSWORD}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": "https://127.0.0.1/accounts/login/",
        },
    )
    assert response.status == 302, "login"
    response, home = session.request("GET", "/")
    assert response.status == 200 and b"/static/" in home
    for path in (f"/agreements/{agreement_id}/scan/file/", f"/evidence/{evidence_id}/"):
        response, body = session.request("GET", path)
        assert response.status == 200, path
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert body.startswith(b"%PDF-")
