"""Rebuild the summaries the figures read (ActivityFact, MonthFact, TeacherMonth, LinkFact) from the
activities, and say whether they had drifted. The services keep them exact; run this after writing to the
activity tables outside them (a bulk load, a repair by hand) — it is safe at any time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from chungtay.activities import facts


class Command(BaseCommand):
    help = "Rebuild the figures' summaries of held activities and teacher participations."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="only report drift, change nothing")

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        drift = facts.drift()
        self.stdout.write("Summaries exact." if not drift else f"Summaries had drifted: {sorted(drift)}")
        if check:
            if drift:
                raise SystemExit(1)
            return
        with transaction.atomic():
            counts = facts.rebuild()
        self.stdout.write(
            f"Rebuilt: {counts['facts']} activity facts, {counts['month_facts']} month facts, "
            f"{counts['teacher_months']} teacher months, {counts['link_facts']} link facts."
        )
