"""Memory of an import by file size (issue 14: flat memory up to a million rows), for the two kinds whose
files are that large: indicator values and schools with their yearly figures.

The demo is loaded once into a temporary SQLite file; then, for each size, a fresh process on a copy of
it writes a CSV of that many rows to disk — indicator values: the demo's schools × school years ×
indicators defined for the benchmark; schools: new schools × 4 school years of figures — checks it (the
dry run) and applies it, as the import task does from the stored file. Each process reports its resident
memory before the import and its peak, and the times. Run:
`.venv/bin/python benchmarks/import_stream.py [--kind indicators|schools] [rows ...]`
(default: indicators, 100000 300000 1000000)."""

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


def _indicator_file(path: Path, rows: int) -> None:
    from chungtay.accounts.models import User
    from chungtay.directory.models import Indicator, School

    admin = User.objects.get(username="admin")
    schools = list(School.objects.filter(is_demo=True).order_by("moet_id").values_list("moet_id", flat=True))
    per_indicator = len(schools) * len(YEARS)
    codes = [f"BENCH_{n}" for n in range(-(-rows // per_indicator))]
    for code in codes:
        Indicator.objects.create(department=admin.office.tenant, code=code, name=code, value_type="percent")
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


def _school_file(path: Path, rows: int) -> None:
    from chungtay.directory.models import AdminUnit

    wards = list(
        AdminUnit.objects.filter(edition="2025", level="ward", province__code="01").values_list(
            "code", flat=True
        )
    )
    years = ["2022-2023", "2023-2024", "2024-2025", "2025-2026"]
    with open(path, "w", encoding="utf-8-sig") as out:
        out.write(
            "Mã định danh,Tên trường,Cấp học,Loại hình,Mã xã/phường,Năm học,Số học sinh,Số giáo viên,Số lớp\n"
        )
        for n in range(rows):
            school, year = divmod(n, len(years))
            ward = wards[school % len(wards)]
            name = f"Trường Tiểu học Nhập {school}"
            out.write(f"09{school:07d},{name},TH,Công lập,{ward},{years[year]},{500 + n % 300},30,15\n")


def measure(database: Path, rows: int, kind: str) -> None:
    _setup(database)
    from chungtay.accounts.models import User
    from chungtay.imports import indicators, schools

    admin = User.objects.get(username="admin")
    module = {"indicators": indicators, "schools": schools}[kind]
    path = database.with_suffix(".csv")
    (_indicator_file if kind == "indicators" else _school_file)(path, rows)
    before = _rss_mb()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        plan = module.plan_import(admin, handle, "bench.csv")
        planned = time.perf_counter()
        module.apply_plan(admin, plan, reason="benchmark")
    applied = time.perf_counter()
    print(
        json.dumps(
            {
                "rows": rows,
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "errors": plan.summary()["error_count"],
                "created": plan.create + getattr(plan, "figures_create", 0),
                "check_s": round(planned - started, 1),
                "apply_s": round(applied - planned, 1),
                "rss_before_mb": round(before),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        measure(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return
    arguments = sys.argv[1:]
    kind = "indicators"
    if arguments[:1] == ["--kind"]:
        kind, arguments = arguments[1], arguments[2:]
    sizes = [int(arg) for arg in arguments] or [100_000, 300_000, 1_000_000]
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.sqlite3"
        subprocess.run([sys.executable, __file__, "--prepare", str(demo)], check=True)
        print(f"{'rows':>10}{'file MB':>9}{'check s':>9}{'apply s':>9}{'RSS before':>12}{'peak RSS':>10}")
        for rows in sizes:
            copy = Path(tmp) / f"run-{rows}.sqlite3"
            shutil.copy(demo, copy)
            done = subprocess.run(
                [sys.executable, __file__, "--measure", str(copy), str(rows), kind],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            result = json.loads(done.stdout.strip().splitlines()[-1])
            expected = rows + rows // 4 if kind == "schools" else rows  # schools: a new school per 4 rows
            assert result["errors"] == 0 and result["created"] == expected, result
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
