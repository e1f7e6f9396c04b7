"""Benchmark a city-scale matching run end to end, as an officer experiences it: load the schools and
their assessments from the database, solve, store the proposal, and render the proposal page.

The demo city is loaded into a temporary SQLite database (not timed); every public MN/TH/THCS school of
the 12 inner districts is put under one office and every one of the 18 outer districts under another,
twinned, and the whole city is matched in one run (capacity 4, 2024–2025 assessments, no distance limit).
Target (issue #6): < 5 s end to end. Run: `.venv/bin/python benchmarks/matching_end_to_end.py`.
"""

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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chungtay.settings")
        os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from chungtay.accounts.models import User
        from chungtay.directory.models import AdminUnit, EducationOffice, School, SchoolManagement
        from chungtay.matching.services import execute_run, start_run
        from chungtay.partnerships.models import OfficeTwinning

        call_command("migrate", verbosity=0)
        call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
        department = EducationOffice.objects.get(code="so-hanoi")
        admin = User.objects.get(username="admin")
        hanoi = AdminUnit.objects.get(edition="pre2025", level="province", code="01")
        offices = {}
        for side, unit_types in (("inner", ["quan"]), ("outer", ["huyen", "thi_xa"])):
            office = EducationOffice.objects.create(
                kind=EducationOffice.Kind.DISTRICT_OFFICE,
                code=f"bench-{side}",
                name=f"Cụm {side} (benchmark)",
                short_name=f"Cụm {side}",
                department=department,
                unit=hanoi.children.filter(unit_type=unit_types[0]).first(),
            )
            schools = School.objects.filter(
                department=department,
                ownership="public",
                level__in=["mn", "th", "thcs"],
                locations__valid_to=dt.date(2025, 6, 30),
                locations__unit__parent__unit_type__in=unit_types,
            ).distinct()
            SchoolManagement.objects.bulk_create(SchoolManagement(school=s, office=office) for s in schools)
            offices[side] = (office, schools.count())
        twinning = OfficeTwinning.objects.create(
            department=department,
            supporting_office=offices["inner"][0],
            supported_office=offices["outer"][0],
            starts_on=dt.date(2025, 9, 1),
        )
        parameters = {
            "levels": ["mn", "th", "thcs"],
            "capacity": 4,
            "min_load": 0,
            "max_distance_km": None,
            "school_year": 2024,
        }
        started = time.perf_counter()
        run = start_run(acting_user=admin, twinning=twinning, parameters=parameters)
        run = execute_run(run.pk)
        solved = time.perf_counter()
        client = Client()
        client.force_login(admin)
        response = client.get(f"/matching/{run.pk}/")
        rendered = time.perf_counter()
        assert response.status_code == 200, response.status_code
        print(f"supporting schools: {offices['inner'][1]}, supported schools: {offices['outer'][1]}")
        print(f"status: {run.status}; groups {run.result.get('groups')}; covered {run.result.get('covered')}")
        print(f"load + solve + store: {solved - started:.2f} s")
        print(f"render the proposal page: {rendered - solved:.2f} s ({len(response.content) // 1024} KB)")
        print(f"end to end: {rendered - started:.2f} s (target < 5 s)")
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
