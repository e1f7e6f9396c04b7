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


def _summed(sides: list[tuple[int, str, str, int]]) -> Counter:
    """The counts by (partnership, kind, host): one may come from both parts of the count."""
    counted: Counter = Counter()
    for partnership, kind, host, n in sides:
        counted[(partnership, kind, host)] += n
    return counted


def test_reciprocity_of_activities_with_several_hosts_equals_the_raw_tables() -> None:
    """Links with one host are counted by their side directly, those with several are folded per link:
    activities made to have every school of theirs host (both sides: "both"), two schools of one side
    host (that side), or no host at all, count as the raw tables say."""
    request = read_figure_request(User.objects.get(username="admin"), QueryDict("period=phase"))
    held = list(
        Activity.objects.filter(
            status=ActivityStatus.HELD,
            held_on__gte=request.period.start,
            held_on__lte=request.period.end,
            partnerships__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:90]
    )
    everyone, nobody = held[:30], held[30:60]
    ActivitySchool.objects.filter(activity_id__in=everyone).update(is_host=True)
    ActivitySchool.objects.filter(activity_id__in=nobody).update(is_host=False)
    for activity in held[60:]:  # a second host school on the first host's side, where the demo has one
        host = ActivitySchool.objects.filter(activity_id=activity, is_host=True).first()
        partnership = Activity.objects.get(pk=activity).partnerships.first()
        side = partnership.members.get(school_id=host.school_id).side if host else None
        mate = (
            partnership.members.filter(side=side).exclude(school_id=host.school_id).first() if host else None
        )
        if mate is not None:
            ActivitySchool.objects.update_or_create(
                activity_id=activity, school_id=mate.school_id, defaults={"is_host": True}
            )
    facts.refresh(held)
    assert facts.drift(held) == {}
    several = Counter(
        ActivitySchool.objects.filter(activity_id__in=held, is_host=True).values_list(
            "activity_id", flat=True
        )
    )
    assert sum(1 for n in several.values() if n > 1) >= 30  # the several-hosts part is exercised
    sides = f._host_sides(request, request.scope.partnerships)
    assert _summed(sides) == _raw_host_sides(request)
    assert any(host == "both" for _p, _k, host, _n in sides)


@pytest.mark.parametrize("period", ["period=phase", ""])  # the phase, and this school year (running)
def test_reciprocity_and_quiet_partnerships_equal_the_raw_tables(period: str) -> None:
    assert facts.drift() == {}  # the demo's link summary is exact
    request = read_figure_request(User.objects.get(username="admin"), QueryDict(period))
    sides = f._host_sides(request, request.scope.partnerships)
    assert _summed(sides) == _raw_host_sides(request)
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
