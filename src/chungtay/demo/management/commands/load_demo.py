from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from chungtay.activities.demo import load_demo_activities
from chungtay.demo.accounts import create_demo_accounts, link_demo_teachers
from chungtay.directory.adminmap import seed_admin_map
from chungtay.directory.demo import load_demo_assessments, load_demo_directory, load_demo_indicators
from chungtay.partnerships.demo import load_demo_partnerships
from chungtay.reviews.demo import load_demo_reviews
from chungtay.support.demo import load_demo_support

DEFAULT_PASSWORD = "ChungTay@2025"  # noqa: S105 - the demo's documented password


class Command(BaseCommand):
    help = "Load the demo Hanoi (administrative map, offices, schools, accounts). Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of every demo account")
        parser.add_argument("--seed", type=int, default=2022, help="random seed (same seed, same city)")
        parser.add_argument("--quiet-accounts", action="store_true", help="do not print the accounts")

    def handle(self, *args: Any, password: str, seed: int, quiet_accounts: bool, **options: Any) -> None:
        started = time.perf_counter()
        units = seed_admin_map()
        self.stdout.write(
            f"Administrative map: {units['units_pre2025']} units before 1/7/2025, "
            f"{units['units_2025']} after, "
            f"{units['lineage']} lineage links, {units['area_classes']} area classes"
        )
        schools = load_demo_directory(seed=seed)
        self.stdout.write(
            f"Schools: {schools['schools']} in the demo department ({schools['schools_created']} new)"
        )
        assessed = load_demo_assessments(seed=seed)
        self.stdout.write(f"Self-assessments: {assessed} new scores")
        accounts = create_demo_accounts(password)
        partnerships = load_demo_partnerships(seed=seed)
        self.stdout.write(
            f"Partnerships: {partnerships['partnerships']} ({partnerships['partnerships_created']} new)"
        )
        # after the partnerships: a supported school's values carry the effect planted from when it joined
        indicator_values = load_demo_indicators(seed=seed)
        self.stdout.write(f"Indicator values: {indicator_values} new")
        activities = load_demo_activities(seed=seed)
        self.stdout.write(
            f"Activities: {activities['activities']} ({activities['created']} new), "
            f"{activities.get('participations', 0)} new teacher participations"
        )
        link_demo_teachers()  # the teacher accounts are people on their schools' rosters
        support = load_demo_support(seed=seed)
        self.stdout.write(
            f"Support: {support['records']} records ({support['created']} new), "
            f"{support.get('pupils', 0)} new pupils (codes only)"
        )
        reviews = load_demo_reviews(seed=seed)
        self.stdout.write(f"Review cycles: {reviews['cycles']} ({reviews['created']} new)")
        # statistics for the query planner now, not when autovacuum gets round to it: on a fresh
        # PostgreSQL database without them the first public page took 24 s instead of 1.7 s
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"Demo loaded in {time.perf_counter() - started:.1f} s")
        if not quiet_accounts:
            self.stdout.write(self.style.SUCCESS(f"\nDemo accounts (password: {password})"))
            for account in accounts:
                self.stdout.write(f"  {account.username:<18} {account.role:<24} {account.scope}")
