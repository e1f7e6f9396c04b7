"""Query counts stay constant (issue 14): every list and dashboard page, for each role, runs the same
number of queries whatever the amount of data behind it. 30 held activities with attendance are recorded
today in a partnership every role sees (so no list starts empty: an empty list skips its follow-up
queries), each page is counted (opened twice, the second count kept: the first may fill a cache), 30
more are recorded, and each page is counted again. A page that reads rows one by one (N + 1) fails here
with the counts before and after (the activity list and API filtered to the activities recorded here:
30 rows, then a full page of 50)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chungtay.access.scopes import partnerships_visible_to
from chungtay.accounts.models import User
from chungtay.activities import services
from chungtay.core.dates import today
from chungtay.directory.models import Teacher
from tests.api.test_partnerships_api import _token
from tests.conftest import login

PAGES: list[str | tuple[str, str]] = [
    "home",
    "directory:school-list",
    "directory:indicator-list",
    "partnerships:partnership-list",
    "activities:activity-list",
    # the activities just recorded alone: 30 rows, then 50 (a full page), so a query per row shows
    ("activities:activity-list", "?q=truy+v%E1%BA%A5n"),
    "activities:activity-calendar",
    "support:support-list",
    "attention",
    ("attention", "?list=quiet"),  # each list on a page of its own
    ("attention", "?list=unconfirmed"),
    ("attention", "?list=commitments"),
    "analytics:dashboard",
    "reviews:cycle-list",
    "reports:report-list",
    "matching:run-list",
    "imports:index",
]
API = [
    "/api/v1/activities",
    "/api/v1/activities?search=truy+v%E1%BA%A5n",
    "/api/v1/partnerships",
    "/api/v1/support",
    "/api/v1/reports",
    "/api/v1/reviews/cycles",
]
ROLES = ["admin", "pgd.unghoa", "ht.unghoa", "gv.unghoa", "xem.hanoi"]
MORE = 30


def _count(client: Client, url: str, headers: dict[str, str] | None = None) -> tuple[int, int]:
    client.get(url, headers=headers or {})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers or {})
    return response.status_code, len(queries)


def _grow(batch: int) -> None:
    """30 held activities, each with three teachers present, in the Ứng Hòa leader's partnership."""
    teacher = User.objects.get(username="gv.unghoa")
    partnership = partnerships_visible_to(teacher).exclude(status="cancelled").order_by("pk").first()
    others = [
        m.school for m in partnership.members.select_related("school") if m.school_id != teacher.school_id
    ]
    roster = list(Teacher.objects.filter(school=teacher.school, is_active=True).order_by("pk")[:3])
    for n in range(MORE):
        activity = services.record_activity(
            acting_user=teacher,
            details=services.ActivityDetails(
                kind="topic",
                title=f"Chuyên đề đếm truy vấn {batch}.{n}",
                planned_on=today(),
                hosts=[teacher.school],
                participants=others,
                partnerships=[partnership],
            ),
            held_on=today(),
        )
        services.record_attendance(
            acting_user=teacher,
            activity=activity,
            school=teacher.school,
            teachers=roster,
            pupils=10,
            parents=0,
        )


@pytest.mark.parametrize("username", ROLES)
def test_each_list_and_dashboard_page_runs_a_constant_number_of_queries(db, username: str) -> None:
    client = Client()
    login(client, username)
    headers = _token(username)
    pages = [reverse(p) if isinstance(p, str) else reverse(p[0]) + p[1] for p in PAGES]
    _grow(1)
    before = {url: _count(client, url) for url in pages}
    before |= {url: _count(client, url, headers) for url in API}
    _grow(2)
    after = {url: _count(client, url) for url in pages}
    after |= {url: _count(client, url, headers) for url in API}
    filtered = client.get("/api/v1/activities?search=truy+v%E1%BA%A5n", headers=headers).json()
    assert (filtered["count"], len(filtered["results"])) == (2 * MORE, min(2 * MORE, filtered["page_size"]))
    opened = {url for url, (status, _) in before.items() if status == 200}
    assert "/" in opened and "/api/v1/activities" in opened  # the pages this role may open were counted
    changed = {url: (before[url][1], after[url][1]) for url in opened if before[url][1] != after[url][1]}
    assert changed == {}, f"{username}: queries before and after {MORE} more activities: {changed}"
