"""Reports (issue 18): what the task worker spends generating a review report on the demo, end to end
(the figures read again with the cache emptied, the tables, the charts, the gap, the impact estimates of
every indicator, the Word file, its conformance test, the PDF by LibreOffice and its check, the annex).
Targets: the department's interim report ≤ 30 s, one office's ≤ 5 s.

The baseline, measured in the same run: LibreOffice converting a one-page document in the same layout
(the floor of any generation that makes a PDF). Prints seconds, the ratio to the baseline, the files'
sizes and the peak RSS. Run: `.venv/bin/python benchmarks/report_generation.py` (on the database of
DATABASE_URL if it holds the demo, else on a temporary SQLite database with the demo loaded)."""

from __future__ import annotations

import datetime as dt
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run() -> None:
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    from chungtay.accounts.models import User
    from chungtay.core import conversion
    from chungtay.core.documents import AdministrativeDocument, Heading, Issuer, Signer
    from chungtay.directory.models import School
    from chungtay.reports import services

    if not School.objects.exists():
        call_command("migrate", verbosity=0)
        call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())

    page = AdministrativeDocument(
        Heading(
            [Issuer("Sở Giáo dục và Đào tạo", "UBND thành phố Hà Nội")],
            "Báo cáo",
            "Một trang",
            "Hà Nội",
            dt.date(2026, 1, 5),
            "01/BC-SGDĐT",
        )
    )
    page.paragraph("Một đoạn.")
    page.closing(["Lưu trữ"], [Signer("Giám đốc", "Nguyễn Văn A")])
    conversion.to_pdf(page.bytes())  # the first start of LibreOffice sets up its profile
    started = time.perf_counter()
    conversion.to_pdf(page.bytes())
    baseline = time.perf_counter() - started
    print(f"baseline: LibreOffice converts a one-page document in {baseline:.2f} s")

    cases = [
        ("department, interim 2022-2023", "admin", "interim", {"year": ["2022-2023"]}, 30),
        ("department, final (the phase)", "admin", "final", {}, 30),
        ("one office (Hoàng Mai), interim 2022-2023", "pgd.hoangmai", "interim", {"year": ["2022-2023"]}, 5),
        ("one school leader, interim 2022-2023", "ht.hoangmai", "interim", {"year": ["2022-2023"]}, 5),
    ]
    for label, username, kind, params, target in cases:
        user = User.objects.get(username=username)
        report = services.start_report(acting_user=user, kind=kind, params=params)
        cache.clear()
        started = time.perf_counter()
        generation = services.generate(report, user)
        took = time.perf_counter() - started
        sizes = (
            f"docx {len(generation.docx) // 1024} KB, pdf {len(generation.pdf or b'') // 1024} KB, "
            f"xlsx {len(generation.annex) // 1024} KB"
        )
        rules = (
            "every layout rule met"
            if not generation.conformance
            else f"{len(generation.conformance)} rules not met"
        )
        print(
            f"  {label:<44} {took:6.1f} s = {took / baseline:5.1f}× the baseline (target ≤ {target} s); "
            f"{sizes}; {rules}"
        )
    print(f"peak RSS {_peak_mb():.0f} MB")


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
