"""The impact estimate (issue 16): what the task worker spends on one indicator for the whole city, and
for a national-size department. Targets: the city in ≤ 10 s, 47,000 schools in ≤ 60 s.

- city: every indicator of the demo, end to end as the worker runs it (`ImpactForm.compute`: read the
  values of the administrator's scope, the cohorts, Callaway–Sant'Anna, the event study, the pre-trend
  test, the dose view with its two more fits, the two-way fixed-effects check), on the database of
  DATABASE_URL if it holds the demo, else on a temporary SQLite database with the demo loaded; beside it,
  the bare read of the same values in the same run;
- national: 47,000 schools × 7 school years of one indicator measured at every level (329,000 values),
  15 % of the schools supported in three cohorts, 15 % only supporting, the rest never supported; the
  same `estimate` on data made in memory (what the worker does after reading the rows), and a bare
  pandas group-by mean over the same rows as the baseline.

Prints seconds, the ratio to the baseline and the peak RSS. Run: `.venv/bin/python
benchmarks/impact_estimate.py` (or one part: `... city`, `... national`)."""

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
NATIONAL_SCHOOLS = 47_000
YEARS = tuple(range(2018, 2025))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def city() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from chungtay.accounts.models import User
    from chungtay.analytics.impact import ImpactForm
    from chungtay.directory.models import Indicator, IndicatorValue, School

    if not School.objects.exists():
        call_command("migrate", verbosity=0)
        call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    print("city (the demo, administrator's scope), end to end per indicator:")
    slowest = 0.0
    for indicator in Indicator.objects.order_by("code"):
        started = time.perf_counter()
        rows = list(
            IndicatorValue.objects.filter(indicator=indicator).values_list(
                "school_id", "school_year__start_year", "value"
            )
        )
        bare = time.perf_counter() - started
        form = ImpactForm({"indicator": indicator.code}, user=admin)
        assert form.is_valid(), form.errors
        started = time.perf_counter()
        result = form.compute(form.resolve())
        took = time.perf_counter() - started
        slowest = max(slowest, took)
        told = (
            f"{result.effect.att:+.3f} [{result.effect.low:+.3f}; {result.effect.high:+.3f}]"
            if result.estimable and result.effect
            else f"not estimable: {result.reason[:50]}…"
        )
        print(
            f"  {indicator.code:<18} {len(rows):>6,} values  {took:6.2f} s = {took / bare:6.1f}× the bare "
            f"read ({bare * 1000:.0f} ms)  {told}"
        )
    print(f"  slowest {slowest:.2f} s (target ≤ 10 s), peak RSS {_peak_mb():.0f} MB")


def national() -> None:
    import django

    django.setup()
    import numpy as np
    import pandas as pd

    from chungtay.analytics.impact import Sources, estimate
    from chungtay.directory.models import Indicator

    rng = np.random.default_rng(47)
    n = NATIONAL_SCHOOLS
    cohort = rng.choice([0, 2022, 2023, 2024, -1], size=n, p=[0.70, 0.06, 0.05, 0.04, 0.15])
    own = rng.normal(70, 7, n)
    shocks = {year: rng.normal(0, 1.0) for year in YEARS}
    rows: list[tuple[int, int, float]] = []
    for year in YEARS:
        effect = np.where((cohort > 0) & (year >= cohort), 2.0, 0.0)
        values = np.clip(own + 0.8 * (year - 2022) + shocks[year] + effect + rng.normal(0, 1.7, n), 0, 100)
        rows.extend(zip(range(n), [year] * n, values.round(2).tolist(), strict=True))
    joined = {school: int(c) for school, c in enumerate(cohort) if c > 0}
    supporting = {school for school, c in enumerate(cohort) if c == -1}
    activities = {school: int(a) for school, a in zip(joined, rng.poisson(6, len(joined)), strict=True)}
    sources = Sources(
        rows=rows,
        joined=lambda schools: {s: y for s, y in joined.items() if s in schools},
        supporting=lambda schools: supporting & schools,
        activities=lambda first: {s: activities[s] for s in first},
    )
    indicator = Indicator(code="TL_GV_TREN_CHUAN", name="national", value_type="percent")
    started = time.perf_counter()
    frame = pd.DataFrame(rows, columns=["school", "year", "value"])
    frame.groupby(["school"]).value.mean()
    bare = time.perf_counter() - started
    started = time.perf_counter()
    result = estimate(sources, indicator)
    took = time.perf_counter() - started
    print(
        f"national: {n:,} schools × {len(YEARS)} years ({len(rows):,} values), {result.treated:,} supported "
        f"in {sum(c.included for c in result.cohorts)} cohorts, {result.controls:,} comparison schools"
    )
    print(
        f"  estimate {took:.1f} s = {took / bare:.0f}× a bare group-by mean ({bare:.2f} s) "
        f"(target ≤ 60 s); planted +2.000, estimated {result.effect.att:+.3f} "
        f"[{result.effect.low:+.3f}; {result.effect.high:+.3f}], check {result.twfe.att:+.3f}; "
        f"peak RSS {_peak_mb():.0f} MB"
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chungtay.settings")
    parts = sys.argv[1:] or ["city", "national"]
    if "national" in parts:
        national()
    if "city" in parts:
        if os.environ.get("DATABASE_URL"):
            city()
            return
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            city()


if __name__ == "__main__":
    main()
