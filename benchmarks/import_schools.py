"""Benchmark 100,000-row imports on the demo city in a temporary SQLite file, each checked in full (the
dry run) and then applied, then undone:
- schools: 25,000 new schools × 4 school years of figures, as a UTF-8 CSV;
- indicator values: 2,943 demo schools × 5 school years × 7 indicators (defined for the benchmark).
Target (issue #7): well within a minute, bounded memory. Run:
`.venv/bin/python benchmarks/import_schools.py [rows]`."""

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
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chungtay.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from chungtay.accounts.models import User
        from chungtay.directory.models import AdminUnit
        from chungtay.imports.schools import apply_plan, plan_import

        call_command("migrate", verbosity=0)
        call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
        wards = list(
            AdminUnit.objects.filter(edition="2025", level="ward", province__code="01").values_list(
                "code", flat=True
            )
        )
        lines = [
            "Mã định danh,Tên trường,Cấp học,Loại hình,Mã xã/phường,Năm học,Số học sinh,Số giáo viên,Số lớp"
        ]
        years = ["2022-2023", "2023-2024", "2024-2025", "2025-2026"]
        for n in range(rows):
            school, year = divmod(n, len(years))
            ward = wards[school % len(wards)]
            name = f"Trường Tiểu học Nhập {school}"
            lines.append(f"09{school:07d},{name},TH,Công lập,{ward},{years[year]},{500 + n % 300},30,15")
        data = ("\n".join(lines)).encode("utf-8")
        admin = User.objects.get(username="admin")
        started = time.perf_counter()
        plan = plan_import(admin, io.BytesIO(data), "bench.csv")
        planned = time.perf_counter()
        apply_plan(admin, plan, reason="benchmark")
        applied = time.perf_counter()
        print(f"rows: {rows:,} ({len(data) / 1e6:.1f} MB); errors: {len(plan.errors)}")
        print(f"schools created: {plan.create:,}; yearly figures created: {plan.figures_create:,}")
        print(f"dry run: {planned - started:.1f} s; apply: {applied - planned:.1f} s")
        print(f"total {applied - started:.1f} s (target < 60 s)")
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        indicator_values(admin, rows)


def indicator_values(admin, rows: int) -> None:  # noqa: ANN001
    from chungtay.directory.models import Indicator, School
    from chungtay.imports import indicators
    from chungtay.imports.models import ImportBatch
    from chungtay.imports.undo import undo

    codes = [f"BENCH_{n}" for n in range(7)]
    for code in codes:
        Indicator.objects.create(department=admin.office.tenant, code=code, name=code, value_type="percent")
    schools = list(School.objects.filter(is_demo=True).order_by("moet_id").values_list("moet_id", flat=True))
    years = ["2022-2023", "2023-2024", "2024-2025", "2025-2026", "2026-2027"]
    lines = ["Mã định danh,Năm học,Mã chỉ số,Giá trị"]
    for n in range(rows):
        school, rest = divmod(n, len(years) * len(codes))
        year, code = divmod(rest, len(codes))
        if school >= len(schools):
            break
        lines.append(f"{schools[school]},{years[year]},{codes[code]},{50 + n % 50},{n % 10}")
    lines[0] += ",Ghi chú"
    data = ("\n".join(lines)).encode("utf-8")
    batch = ImportBatch.objects.create(
        kind="indicators", department=admin.office.tenant, uploaded_by=admin, file_name="bench.csv",
        checksum="0" * 64, status="applied",
    )  # fmt: skip
    started = time.perf_counter()
    plan = indicators.plan_import(admin, io.BytesIO(data), "bench.csv")
    planned = time.perf_counter()
    indicators.apply_plan(admin, plan, reason=batch.reason)
    applied = time.perf_counter()
    undone = undo(admin, batch)
    finished = time.perf_counter()
    print(f"indicator values: {len(lines) - 1:,} rows ({len(data) / 1e6:.1f} MB); errors: {len(plan.errors)}")
    dry, apply = planned - started, applied - planned
    print(f"dry run: {dry:.1f} s; apply: {apply:.1f} s; total {dry + apply:.1f} s")
    print(f"undo ({undone:,} rows deleted): {finished - applied:.1f} s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
