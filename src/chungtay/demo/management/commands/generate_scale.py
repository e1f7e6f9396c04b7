from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chungtay.demo import scale


class Command(BaseCommand):
    help = (
        "Grow the loaded demo to a national-size dataset: the Hanoi department cloned into further "
        "departments (one per province of the 2025 map) until the directory holds about --schools "
        "schools, with all their data. For benchmarks and trials only; needs `load_demo` first."
    )

    def add_arguments(self, parser: Any) -> None:
        size = parser.add_mutually_exclusive_group()
        size.add_argument("--schools", type=int, default=47_000, help="Schools wanted (default 47,000).")
        size.add_argument("--copies", type=int, help="Copies of the department to add (instead).")

    def handle(self, *args: Any, schools: int, copies: int | None, **options: Any) -> None:
        from chungtay.directory.models import EducationOffice, School

        if not EducationOffice.objects.filter(code="so-hanoi").exists():
            raise CommandError("No demo: run `manage.py load_demo` first.")
        if EducationOffice.objects.filter(code="so-hanoi-1").exists():
            raise CommandError("This database already holds copies: load the demo into an empty one.")
        have = School.objects.count()
        if copies is None:
            copies = max(0, round(schools / have) - 1)
        if copies < 1:
            raise CommandError(f"The demo already holds {have:,} schools: nothing to add.")
        started = time.perf_counter()
        counts = scale.clone_department(copies, progress=self.stdout.write)
        self.stdout.write(f"{copies} copies in {time.perf_counter() - started:.0f} s:")
        for name, count in counts.items():
            self.stdout.write(f"  {name:<18} {count:>12,}")
