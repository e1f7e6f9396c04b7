"""The access rules' queries per role, against the bare count of every school measured in the same run.
On a temporary SQLite database with the demo, or on the database of DATABASE_URL if one is given and
already holds the demo (e.g. PostgreSQL). Prints, per role, the median of 7 runs of counting the own
scope, the visible schools and the visible partnerships, and its ratio to the bare count. Run:
`.venv/bin/python benchmarks/scope_queries.py`."""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
ROLES = ("admin", "pgd.unghoa", "pgd.hoangmai", "xem.hanoi", "ht.unghoa", "gv.hoangmai")


def _median(call: Callable[[], object]) -> float:
    runs = []
    for _ in range(7):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def run() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from chungtay.access.scopes import own_schools, partnerships_visible_to, schools_visible_to
    from chungtay.accounts.models import User
    from chungtay.directory.models import School

    if not School.objects.exists():
        call_command("migrate", verbosity=0)
        call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
    bare = _median(lambda: School.objects.count())
    print(f"bare count of {School.objects.count():,} schools: {bare * 1000:.1f} ms")
    for name in ROLES:
        user = User.objects.get(username=name)

        def scope(user: User = user) -> None:
            own_schools(user).count()
            schools_visible_to(user).count()
            partnerships_visible_to(user).count()

        took = _median(scope)
        ratio = took / bare
        print(f"{name:<14} own+visible+partnerships: {took * 1000:6.1f} ms = {ratio:5.1f}× the bare count")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chungtay.settings")
    if os.environ.get("DATABASE_URL"):
        run()
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        run()


if __name__ == "__main__":
    main()
