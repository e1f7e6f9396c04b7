"""Benchmark the activity and support pages on the demo city, as each role opens them: the list with its
figures, the figures endpoint, the calendar, the exports, the partnership page and the attention list.

The demo (about 6,700 activities, 156,000 teacher participations, 2,300 support records) is loaded into a
temporary SQLite database (not timed). Each page is fetched once to warm up, then timed as the median of
five requests; the number of SQL queries is counted too. Target: every page a user opens renders in well
under a second (exports excepted: they stream the whole filtered set).
Run: `.venv/bin/python benchmarks/activity_pages.py`.
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chungtay.settings")
        os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from chungtay.accounts.models import User
        from chungtay.activities.models import Activity, Participation
        from chungtay.partnerships.models import Partnership
        from chungtay.support.models import SupportRecord

        call_command("migrate", verbosity=0)
        call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
        print(
            f"demo: {Activity.objects.count():,} activities, "
            f"{Participation.objects.count():,} participations, "
            f"{SupportRecord.objects.count():,} support records"
        )
        partnership = Partnership.objects.filter(members__school__staff__username="gv.unghoa").first()
        pages = [
            "/activities/",
            "/api/v1/activities/figures",
            "/activities/calendar/",
            "/support/",
            f"/partnerships/{partnership.pk}/",
            "/attention/",
            "/activities/export.xlsx",
        ]
        print(f"{'user':<12} {'page':<32} {'median s':>9} {'queries':>8}")
        for username in ("admin", "pgd.unghoa", "ht.unghoa", "gv.unghoa"):
            client = Client()
            client.force_login(User.objects.get(username=username))
            for url in pages:
                response = client.get(url)
                assert response.status_code == 200, (username, url, response.status_code)
                timings = []
                for _ in range(5):
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        client.get(url)
                        timings.append(time.perf_counter() - started)
                print(f"{username:<12} {url[:32]:<32} {statistics.median(timings):>9.3f} {len(queries):>8}")
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
