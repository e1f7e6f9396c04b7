from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chungtay.activities.digests import send_weekly_digests
from chungtay.core.dates import parse_date, today


class Command(BaseCommand):
    help = (
        "Send the weekly 'needs attention' digest to school leaders and office officers (at most one per "
        "person per week; run it weekly from cron, e.g. `0 7 * * 1`)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="the day to report on (dd/mm/yyyy or ISO); today by default")
        parser.add_argument(
            "--quiet-weeks", type=int, help="weeks without a held activity that count as quiet"
        )

    def handle(self, *args: Any, date: str | None, quiet_weeks: int | None, **options: Any) -> None:
        day = parse_date(date) if date else today()
        if day is None:
            raise CommandError(f"Not a date: {date}")
        if quiet_weeks is not None and quiet_weeks < 1:
            raise CommandError("--quiet-weeks must be at least 1")
        report = send_weekly_digests(day=day, quiet_weeks=quiet_weeks)
        self.stdout.write(
            f"Digests sent: {report.sent}; nothing to report: {report.nothing_to_say}; "
            f"already sent this week: {report.already_sent}; without e-mail: {report.no_email}; "
            f"failed: {report.failed}"
        )
