"""Memory of an indicator-value import by file size (issue 14: flat memory up to a million rows).

The demo is loaded once into a temporary SQLite file; then, for each size, a fresh process on a copy of
it writes a CSV of that many values (the demo's schools × school years × indicators defined for the
benchmark) to disk, checks it (the dry run) and applies it, as the import task does from the stored file.
Each process reports its resident memory before the import and its peak, and the times. Run:
`.venv/bin/python benchmarks/import_stream.py [rows ...]` (default 100000 300000 1000000)."""

from __future__ import annotations

import io
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
YEARS = ["2018-2019", "2019-2020", "2020-2021", "2021-2022", "2022-2023", "2023-2024", "2024-2025"]


def _setup(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chungtay.settings")
    # as the task worker runs in production (DEBUG keeps the last 9,000 queries' text in memory)
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def prepare(database: Path) -> None:
    _setup(database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())


def measure(database: Path, rows: int) -> None:
    _setup(database)
    from chungtay.accounts.models import User
    from chungtay.directory.models import Indicator, School
    from chungtay.imports import indicators

    admin = User.objects.get(username="admin")
    schools = list(School.objects.filter(is_demo=True).order_by("moet_id").values_list("moet_id", flat=True))
    per_indicator = len(schools) * len(YEARS)
    codes = [f"BENCH_{n}" for n in range(-(-rows // per_indicator))]
    for code in codes:
        Indicator.objects.create(department=admin.office.tenant, code=code, name=code, value_type="percent")
    path = database.with_suffix(".csv")
    with open(path, "w", encoding="utf-8-sig") as out:
        out.write("Mã định danh,Năm học,Mã chỉ số,Giá trị,Ghi chú\n")
        written = 0
        for code in codes:
            for school in schools:
                for year in YEARS:
                    if written == rows:
                        break
                    out.write(f"{school},{year},{code},{50 + written % 50},\n")
                    written += 1
    before = _rss_mb()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        plan = indicators.plan_import(admin, handle, "bench.csv")
        planned = time.perf_counter()
        indicators.apply_plan(admin, plan, reason="benchmark")
    applied = time.perf_counter()
    print(
        json.dumps(
            {
                "rows": rows,
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "errors": plan.summary()["error_count"],
                "created": plan.create,
                "check_s": round(planned - started, 1),
                "apply_s": round(applied - planned, 1),
                "rss_before_mb": round(before),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        measure(Path(sys.argv[2]), int(sys.argv[3]))
        return
    sizes = [int(arg) for arg in sys.argv[1:]] or [100_000, 300_000, 1_000_000]
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.sqlite3"
        subprocess.run([sys.executable, __file__, "--prepare", str(demo)], check=True)
        print(f"{'rows':>10}{'file MB':>9}{'check s':>9}{'apply s':>9}{'RSS before':>12}{'peak RSS':>10}")
        for rows in sizes:
            copy = Path(tmp) / f"run-{rows}.sqlite3"
            shutil.copy(demo, copy)
            done = subprocess.run(
                [sys.executable, __file__, "--measure", str(copy), str(rows)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            result = json.loads(done.stdout.strip().splitlines()[-1])
            assert result["errors"] == 0 and result["created"] == rows, result
            print(
                f"{rows:>10,}{result['file_mb']:>9}{result['check_s']:>9}{result['apply_s']:>9}"
                f"{result['rss_before_mb']:>9} MB{result['peak_rss_mb']:>7} MB",
                flush=True,
            )
            copy.unlink()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--prepare":
        prepare(Path(sys.argv[2]))
    else:
        main()
