"""The figures pages at the demo's volume and at 10 times it (five school years of activities,
participation and support), against a bare page measured in the same run.

On PostgreSQL (a throw-away database `chungtay_bench_figures` on the server of DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432): migrate, load the demo, measure; grow the activity tables to 10×
(`benchmarks/scale_data.py`), measure again. Per page: the number of queries, p50 and p95 of 20 requests
after 2 warm-ups, and p95 as a multiple of the bare page's (the profile page: the layout, the session and
one user); the figures pages twice: computed (the cache emptied before each request, as after a write) and
read from the figures cache (the same data, asked again). Also the first load's weight of the dashboard
and of the public page, gzip-compressed as the production server sends them (HTML, stylesheets, scripts
and the chart images). Run: `.venv/bin/python benchmarks/figures_dashboard.py` (about ten minutes).
Drop the database after: `psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE chungtay_bench_figures'`."""

from __future__ import annotations

import gzip
import io
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
NAME = "chungtay_bench_figures"
RUNS, WARM = 20, 2
# (label, url, whether the cache is emptied before each request: the figures computed from the data)
PAGES = (
    ("bare page (profile)", "/accounts/profile/", True),
    ("home", "/", True),
    ("figures, this school year", "/figures/", True),
    ("figures, the whole phase", "/figures/?period=phase", True),
    ("figures, THPT and centres, 2023-2024", "/figures/?year=2023-2024&level=thpt&level=gdnn_gdtx", True),
    ("API figures, the whole phase", "/api/v1/figures?period=phase", True),
    ("chart: activities by kind, phase", "/figures/activities/kind.svg?period=phase", True),
    ("public page (not cached)", "/cong-khai/", True),
    ("home, from the figures cache", "/", False),
    ("figures, this school year, from the cache", "/figures/", False),
    ("figures, the whole phase, from the cache", "/figures/?period=phase", False),
    ("API figures, the phase, from the cache", "/api/v1/figures?period=phase", False),
)


def _measure(client, label: str, url: str, clear: bool) -> tuple[int, float, float]:  # noqa: ANN001
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for index in range(WARM + RUNS):
        if clear:
            cache.clear()
        connection.queries_log.clear()  # the log keeps 9,000 queries: a full one would count none
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            took = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        if index >= WARM:
            times.append(took)
            queries = len(captured)
    times.sort()
    return queries, statistics.median(times), times[int(0.95 * (len(times) - 1) + 0.5)]


def _weight(client, url: str) -> int:  # noqa: ANN001
    """Bytes of the first load, gzip-compressed: the page and what it loads (lazy images included)."""
    html = client.get(url).content
    total = len(gzip.compress(html))
    for link in re.findall(rb'(?:href|src)="(/[^"]+\.(?:css|js|svg)[^"]*)"', html):
        response = client.get(link.decode().replace("&amp;", "&"))
        assert response.status_code == 200, link
        body = b"".join(response.streaming_content) if response.streaming else response.content
        total += len(gzip.compress(body))
    return total


def _report(client, size: str) -> None:  # noqa: ANN001
    print(f"\n{size}")
    bare = None
    for label, url, clear in PAGES:
        queries, p50, p95 = _measure(client, label, url, clear)
        bare = bare or p95
        timing = f"p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  {p95 / bare:5.1f}× bare"
        print(f"  {label:<40} {queries:3d} queries  {timing}")


def run() -> None:
    import django

    django.setup()
    from benchmarks import scale_data
    from django.core.management import call_command
    from django.test import Client

    from chungtay.accounts.models import User

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
    scale_data.analyze()
    print(f"demo loaded in {time.perf_counter() - started:.0f} s: {scale_data.counts()}")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="admin"))
    _report(client, "demo volume (×1)")
    print(
        f"\n  first load, gzip: dashboard {_weight(client, '/figures/') / 1024:.0f} KB, "
        f"public page {_weight(Client(HTTP_HOST='127.0.0.1'), '/cong-khai/') / 1024:.0f} KB"
    )
    started = time.perf_counter()
    grown = scale_data.multiply(10)
    print(f"\ngrown to ×10 in {time.perf_counter() - started:.0f} s: {grown}")
    _report(client, "10 × the demo's volume")


def main() -> None:
    from benchmarks import throwaway_db

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chungtay.settings")
    os.environ["DATABASE_URL"] = throwaway_db.fresh_database(NAME)
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    try:
        run()
    finally:
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    main()
