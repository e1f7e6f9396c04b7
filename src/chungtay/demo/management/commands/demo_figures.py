from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chungtay.accounts.models import User
from chungtay.demo.seeds import TOLERANCE, compare


class Command(BaseCommand):
    help = (
        "Print the seeds' headline figures beside the demo's, computed by the figures layer; "
        "fail when one is off by more than the tolerance (a seed given as N+ is a floor)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            raise CommandError("No demo: run `manage.py load_demo` first.")
        rows = compare(admin)
        self.stdout.write(f"{'figure':<48} {'when':<30} {'seeds':>9} {'demo':>9}  range")
        for row in rows:
            seed = row.seed
            span = f"≥ {seed.low:,}" if seed.high is None else f"{seed.low:,}–{seed.high:,}"
            mark = "ok" if row.within else "OFF"
            self.stdout.write(
                f"{seed.label:<48} {seed.when:<30} {seed.value:>9,} {row.demo:>9,}  {span} {mark}"
            )
        off = [row.seed.label for row in rows if not row.within]
        if off:
            raise CommandError(
                f"{len(off)} figure(s) outside ±{TOLERANCE:.0%} of the seeds: {', '.join(off)}"
            )
