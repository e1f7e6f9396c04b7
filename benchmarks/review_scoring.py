"""Reviews (issue 17): computing every score of a city-scale cycle from the records. Target: recomputing
every score of a cycle of 600 partnerships (3,000 schools) in under 2 s.

On the demo city (738 partnerships, 2,858 schools): a cycle over the whole phase (the final review's
criteria: 634 partnerships active, 135,000 participations counted) is opened in a transaction that is
rolled back, once reviewing its partnerships and once also each of their schools and district offices
(their records pooled). Measured, median of 3 each: opening it (submissions and every score computed and
written); computing again when nothing changed (every rule run, nothing written); computing again when
every score changed (every rule run, every score written); reproducing every score from the records it
links ("why this score"). The baseline, in the same run: reading the ids of the participations the cycle
counts (`values_list` over the period's held activities), the floor of any computation that names them.
Run: `.venv/bin/python benchmarks/review_scoring.py` (on the database of DATABASE_URL if it holds the
demo, else on a temporary SQLite database with the demo loaded)."""

from __future__ import annotations

import io
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median(action, times: int = 3) -> float:  # noqa: ANN001
    took = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        took.append(time.perf_counter() - started)
    return statistics.median(took)


class Rollback(Exception):
    pass


def run() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from chungtay.accounts.models import User
    from chungtay.activities.models import Participation
    from chungtay.directory.models import School
    from chungtay.reviews.models import CriteriaSet, Cycle

    if not School.objects.exists():
        call_command("migrate", verbosity=0)
        call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    final = Cycle.objects.get(kind="final")
    criteria_set = CriteriaSet.objects.get(pk=final.criteria_set_id)
    values = {
        "kind": "final",
        "name": "Benchmark",
        "period_start": final.period_start,
        "period_end": final.period_end,
        "criteria_set": criteria_set,
        "self_opens": final.self_opens,
        "self_closes": final.self_closes,
        "office_review_by": final.office_review_by,
        "department_review_by": final.department_review_by,
        "publish_by": final.publish_by,
        "appeal_days": 10,
    }

    def baseline() -> None:
        list(
            Participation.objects.filter(
                activity__status="held",
                activity__held_on__gte=final.period_start,
                activity__held_on__lte=final.period_end,
                activity__partnerships__isnull=False,
            ).values_list("pk", flat=True)
        )

    floor = _median(baseline)
    print(f"baseline: reading the ids of the participations counted  {floor:6.2f} s")
    for label, extra in (
        ("partnerships", {}),
        ("partnerships, schools and offices", {"review_schools": True, "review_offices": True}),
    ):
        _measure(admin, {**values, **extra}, label, floor)
    print(f"peak RSS {_peak_mb():.0f} MB")


def _measure(admin, values, label: str, floor: float) -> None:  # noqa: ANN001
    from django.db import transaction
    from django.db.models import Count

    from chungtay.reviews import scoring, services
    from chungtay.reviews.models import Score

    opened: list[float] = []
    unchanged: list[float] = []
    changed: list[float] = []
    reproduced: list[float] = []
    size = {}
    for _ in range(3):
        try:
            with transaction.atomic():
                started = time.perf_counter()
                cycle = services.open_cycle(admin, **values)
                opened.append(time.perf_counter() - started)
                started = time.perf_counter()
                written = scoring.compute(cycle)
                unchanged.append(time.perf_counter() - started)
                assert written == 0
                Score.objects.filter(submission__cycle=cycle).exclude(criterion__rule="judgement").update(
                    links={}, points=None, value=None
                )
                started = time.perf_counter()
                written = scoring.compute(cycle)
                changed.append(time.perf_counter() - started)
                scores = list(
                    Score.objects.filter(submission__cycle=cycle)
                    .exclude(criterion__rule="judgement")
                    .select_related("criterion", "submission")
                )
                started = time.perf_counter()
                again = scoring.reproduce_many(scores)
                reproduced.append(time.perf_counter() - started)
                assert all((again[s.pk].value, again[s.pk].points) == (s.value, s.points) for s in scores)
                units = dict(cycle.submissions.values_list("unit").annotate(n=Count("id")).order_by())
                size = {
                    "units": ", ".join(f"{n} {unit}" for unit, n in sorted(units.items())),
                    "schools": len({x for m in services.members_of_cycle(cycle).values() for x in m}),
                    "scores": written,
                    "participations": sum(len(s.links.get("participation", [])) for s in scores),
                }
                raise Rollback
        except Rollback:
            pass
    print(
        f"Review cycle over the phase, {label}: {size['units']} (of {size['schools']} schools), "
        f"{size['scores']} computed scores, {size['participations']:,} participations linked"
    )
    for step, took in (
        ("open the cycle (create, compute, write every score)", opened),
        ("compute again, nothing changed", unchanged),
        ("compute again, every score changed (target < 2 s)", changed),
        ("reproduce every score from its links", reproduced),
    ):
        value = statistics.median(took)
        print(f"  {step:<54} {value:6.2f} s = {value / floor:5.1f}× the baseline")


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
