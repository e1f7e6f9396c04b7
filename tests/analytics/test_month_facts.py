"""Participations, pupils and parents are summed from the month facts over a period's whole months and
from the activity facts over a partial first or last month: on the demo, every sum by school, kind, tier,
mode and month equals the activity facts summed whole, for the phase (it starts on 12/12/2022), a school
year, a range inside one month and one spanning three partial ends."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.http import QueryDict

from chungtay.accounts.models import User
from chungtay.activities import facts
from chungtay.activities.models import ActivityFact
from chungtay.analytics import figures as f
from chungtay.analytics.query import read_figure_request

pytestmark = pytest.mark.django_db

PERIODS = [
    "period=phase",
    "year=2023-2024",
    "date_from=05/03/2024&date_to=21/03/2024",
    "date_from=17/10/2023&date_to=09/01/2024",
]


def _raw(request, by: str, whole_years: bool = False) -> dict:  # noqa: ANN001
    """The same sums from every activity fact of the period, in Python."""
    first, last = f._bounds(request, whole_years)
    schools = set(request.scope.schools.values_list("pk", flat=True))
    sums: dict = defaultdict(lambda: dict.fromkeys(f.SUMMED, 0))
    for row in ActivityFact.objects.filter(
        held_on__gte=first, held_on__lte=last, department=request.scope.department
    ):
        if row.school_id not in schools:
            continue
        key = row.held_on.replace(day=1) if by == f.MONTH else getattr(row, by)
        for name in f.SUMMED:
            sums[key][name] += getattr(row, name)
    return dict(sums)


@pytest.mark.parametrize("period", PERIODS)
def test_sums_from_the_month_facts_equal_the_activity_facts(period: str) -> None:
    assert facts.drift() == {}  # the demo's summaries, month facts included, are exact
    request = read_figure_request(User.objects.get(username="admin"), QueryDict(period))
    for by in (f.SCHOOL, f.KIND, f.TIER, f.MODE, f.MONTH):
        assert f._fact_sums(request, by) == _raw(request, by), by
    assert f._fact_sums(request, f.MONTH, whole_years=True) == _raw(request, f.MONTH, whole_years=True)
    assert sum(sums["participations"] for sums in f._fact_sums(request, f.SCHOOL).values()) > 0


def test_an_office_scope_sums_only_its_schools() -> None:
    officer = User.objects.get(username="pgd.hoangmai")
    request = read_figure_request(officer, QueryDict("period=phase"))
    found = f._fact_sums(request, f.SCHOOL)
    assert found == _raw(request, f.SCHOOL)
    assert set(found) <= set(request.scope.schools.values_list("pk", flat=True))
    assert dt.date(2022, 12, 12) == request.period.start  # the partial first month is read day by day
