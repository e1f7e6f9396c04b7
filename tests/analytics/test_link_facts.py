"""Reciprocity and quiet partnerships read the link summary (`activities.LinkFact`) instead of joining
the activities, their links and their schools: on the demo, both equal what the raw tables say, counted
here in Python, for the whole phase and for this school year."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from django.http import QueryDict

from chungtay.accounts.models import User
from chungtay.activities import facts
from chungtay.activities.models import Activity, ActivitySchool, ActivityStatus
from chungtay.analytics import figures as f
from chungtay.analytics.query import read_figure_request
from chungtay.partnerships.models import PartnershipMember

pytestmark = pytest.mark.django_db


def _raw_host_sides(request) -> Counter:  # noqa: ANN001
    """(partnership, kind, host) → held activities, from the activities, links, hosts and members."""
    chosen = set(request.scope.partnerships.values_list("pk", flat=True))
    sides: dict[tuple[int, int], set[str]] = defaultdict(set)
    for partnership, school, side in PartnershipMember.objects.values_list(
        "partnership_id", "school_id", "side"
    ):
        sides[(partnership, school)].add(side)
    hosts: dict[int, list[int]] = defaultdict(list)
    for activity, school in ActivitySchool.objects.filter(is_host=True).values_list(
        "activity_id", "school_id"
    ):
        hosts[activity].append(school)
    held = Activity.objects.filter(
        status=ActivityStatus.HELD,
        held_on__gte=request.period.start,
        held_on__lte=request.period.end,
        department=request.scope.department,
    )
    counted: Counter = Counter()
    for activity, kind, partnership in held.values_list("pk", "kind", "partnerships"):
        if partnership is None or partnership not in chosen:
            continue
        found: set[str] = set()
        for school in hosts[activity]:
            found |= sides[(partnership, school)]
        if not found:
            host = "none"
        elif len(found) > 1 or "mutual" in found:
            host = "both"
        else:
            host = found.pop()
        counted[(partnership, kind, host)] += 1
    return counted


@pytest.mark.parametrize("period", ["period=phase", ""])  # the phase, and this school year (running)
def test_reciprocity_and_quiet_partnerships_equal_the_raw_tables(period: str) -> None:
    assert facts.drift() == {}  # the demo's link summary is exact
    request = read_figure_request(User.objects.get(username="admin"), QueryDict(period))
    sides = f._host_sides(request, request.scope.partnerships)
    assert Counter({(p, k, h): n for p, k, h, n in sides}) == _raw_host_sides(request)
    assert sum(n for *_, n in sides) > 1000
    quiet = f.quiet_figure(request, "partnership")
    last: dict[int, object] = {}
    held = Activity.objects.filter(status=ActivityStatus.HELD, held_on__lte=request.period.day)
    for partnership, day in held.values_list("partnerships", "held_on"):
        if partnership is not None and (partnership not in last or day > last[partnership]):
            last[partnership] = day
    if not period:  # a running period: partnerships quiet for weeks (a past one: none held in it at all)
        assert quiet.rows, "the demo has quiet partnerships"
    for row in quiet.rows:
        expected = last.get(int(row.key))
        assert row.extra["last_held"] == (expected.isoformat() if expected else None)
