"""Every list and dashboard page, for each role, at the demo's size and at national size (issue 14),
against a bare page measured in the same run.

On PostgreSQL (a throw-away database `chungtay_bench_national` on the server of DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432): migrate, load the demo, measure; grow it to national size with
`manage.py generate_scale` (the demo's departments cloned until the directory holds about 47,000
schools), measure again. For each of the five demo roles and each page it may open (the pages and API
lists whose query counts `tests/test_query_counts.py` pins): the number of queries, p50 and p95 of
RUNS requests after one warm-up, and p95 as a multiple of the role's bare page (the profile page: the
layout, the session and one user). The cache is left as in use (the figures are cached until a write);
`--computed` empties it before each request. The goal (issue 14): every page's p95 within 3× of the bare
page and under 300 ms at national size. Run: `.venv/bin/python benchmarks/national_pages.py` (about 30
minutes; `--runs N` for fewer requests; `--again` measures the national database an earlier run left,
after a change to the code, in about 6 minutes; `--slowest N` prints the N slowest queries of each page
over the goal). Drop the database after:
`psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE chungtay_bench_national'`."""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
NAME = "chungtay_bench_national"
ROLES = ("admin", "pgd.unghoa", "ht.unghoa", "gv.unghoa", "xem.hanoi")
PAGES = (  # (label, url name, query string)
    ("home", "home", ""),
    ("schools", "directory:school-list", ""),
    ("school search", "directory:school-list", "?q=nguyen+trai"),
    ("indicator values", "directory:indicator-list", ""),
    ("partnerships", "partnerships:partnership-list", ""),
    ("activities", "activities:activity-list", ""),
    ("calendar", "activities:activity-calendar", ""),
    ("support", "support:support-list", ""),
    ("needs attention", "attention", ""),
    ("attention: quiet", "attention", "?list=quiet"),  # one list on its own page
    ("attention: plans", "attention", "?list=unconfirmed"),
    ("figures", "analytics:dashboard", ""),
    ("reviews", "reviews:cycle-list", ""),
    ("reports", "reports:report-list", ""),
    ("matching runs", "matching:run-list", ""),
    ("imports", "imports:index", ""),
)
API = (
    ("API activities", "/api/v1/activities"),
    ("API partnerships", "/api/v1/partnerships"),
    ("API support", "/api/v1/support"),
    ("API reports", "/api/v1/reports"),
    ("API review cycles", "/api/v1/reviews/cycles"),
)
BARE = ("bare page (profile)", "/accounts/profile/")
GOAL_MS, GOAL_RATIO = 300, 3.0


def _measure(
    client,  # noqa: ANN001
    url: str,
    runs: int,
    computed: bool,
    headers: dict[str, str],
    slowest: list[tuple[float, str]] | None = None,
) -> tuple[int, int, float, float]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, status = [], 0, 0
    for index in range(1 + runs):
        if computed:
            cache.clear()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            took = time.perf_counter() - started
        status = response.status_code
        if status != 200:
            return status, 0, 0.0, 0.0  # a page this role may not open
        if index:
            times.append(took)
            queries = len(captured)
        if slowest is not None and index == runs:  # the last request's queries, slowest first
            found = ((float(query["time"]), query["sql"]) for query in captured.captured_queries)
            slowest[:] = sorted(found, reverse=True)
    times.sort()
    return status, queries, statistics.median(times), times[int(0.95 * (len(times) - 1) + 0.5)]


def _report(size: str, runs: int, computed: bool, slowest: int = 0) -> list[tuple[str, str, float, float]]:
    from django.test import Client
    from django.urls import reverse

    from chungtay.accounts.models import User
    from chungtay.accounts.services import issue_api_token

    print(f"\n{size}")
    misses = []
    for username in ROLES:
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        _, raw = issue_api_token(acting_user=user, name="bench", read_only=True, expires_at=None)
        token = {"Authorization": f"Bearer {raw}"}
        _, _, _, bare = _measure(client, BARE[1], runs, computed, {})
        print(f"  {username}: bare page p95 {bare * 1000:.0f} ms")
        pages = [(label, reverse(name) + query, {}) for label, name, query in PAGES]
        for label, url, headers in pages + [(label, url, token) for label, url in API]:
            found: list[tuple[float, str]] = []
            status, queries, p50, p95 = _measure(client, url, runs, computed, headers, found)
            if status != 200:
                print(f"    {label:<20} {status} (not open to this role)")
                continue
            ratio = p95 / bare
            over = p95 * 1000 > GOAL_MS or ratio > GOAL_RATIO
            mark = "  over" if over else ""
            print(
                f"    {label:<20} {queries:3d} queries  p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms"
                f"  {ratio:5.1f}× bare{mark}"
            )
            if over:
                misses.append((username, label, p95, ratio))
                for took, sql in found[:slowest]:
                    print(f"      {took * 1000:6.0f} ms  {sql[:300]}")
    return misses


def run(runs: int, computed: bool, schools: int, again: bool, slowest: int) -> None:
    import logging

    import django

    django.setup()
    from django.core.management import call_command

    from chungtay.core.runtime import settle_collector

    settle_collector()  # as wsgi.py does in every web worker

    from chungtay.demo import scale

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # a role's refused pages are expected
    if again:  # the national database of an earlier run, measured again after a change to the code
        misses = _report("national size (the database of an earlier run)", runs, computed, slowest)
        _summary(misses)
        return

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
    scale.analyze()
    print(f"demo loaded in {time.perf_counter() - started:.0f} s: {scale.counts()}")
    _report("demo size", runs, computed)
    started = time.perf_counter()
    out = io.StringIO()
    call_command("generate_scale", "--schools", str(schools), stdout=out)
    print(
        f"\ngenerate_scale --schools {schools:,} in {time.perf_counter() - started:.0f} s: {scale.counts()}"
    )
    misses = _report("national size", runs, computed, slowest)
    _summary(misses)


def _summary(misses: list[tuple[str, str, float, float]]) -> None:
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"pages over {GOAL_MS} ms or {GOAL_RATIO:.0f}× bare at national size: {len(misses)}")
    for username, label, p95, ratio in misses:
        print(f"  {username:<12} {label:<20} p95 {p95 * 1000:6.0f} ms  {ratio:5.1f}× bare")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="requests measured per page (after one warm-up)")
    parser.add_argument("--computed", action="store_true", help="empty the cache before each request")
    parser.add_argument("--schools", type=int, default=47_000)
    parser.add_argument(
        "--again", action="store_true", help="measure the national database an earlier run left, as it is"
    )
    parser.add_argument(
        "--slowest", type=int, default=0, help="print the N slowest queries of each page over the goal"
    )
    arguments = parser.parse_args()
    from benchmarks import throwaway_db

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chungtay.settings")
    if arguments.again:
        base = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
        os.environ["DATABASE_URL"] = urlunparse(base._replace(path=f"/{NAME}"))
    else:
        os.environ["DATABASE_URL"] = throwaway_db.fresh_database(NAME)
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    try:
        run(arguments.runs, arguments.computed, arguments.schools, arguments.again, arguments.slowest)
    finally:
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    main()
