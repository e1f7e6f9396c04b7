"""Benchmark: load the demo city into an empty SQLite database, as `make run` does on a new machine.

Prints the wall time of `migrate` + `load_demo` and the peak resident memory of this process.
Target (issue 3): under 60 s on a 2-core machine.
Run: `make bench` or `.venv/bin/python benchmarks/demo_load.py`.
"""

from __future__ import annotations

import io
import os
import resource
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
        import django

        django.setup()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter()
        call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
        loaded = time.perf_counter()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"migrate: {migrated - started:.1f} s")
        print(f"load_demo: {loaded - migrated:.1f} s")
        print(f"total: {loaded - started:.1f} s (target < 60 s)")
        print(f"peak RSS: {peak_mb:.0f} MB")
        sys.exit(0 if loaded - started < 60 else 1)


if __name__ == "__main__":
    main()
