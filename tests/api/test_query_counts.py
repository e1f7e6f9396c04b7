"""The activity list of the API reads a page in a fixed number of queries, whatever its size (issue 14:
each activity's participations were read in a query of their own, 59 queries for 50 rows)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def _queries(client, size: int) -> tuple[int, int]:  # noqa: ANN001
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/activities", {"page_size": size})
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def test_a_page_of_activities_costs_the_same_queries_at_any_size(client, as_user):
    as_user("pgd.unghoa")
    small, shown_small = _queries(client, 5)
    large, shown_large = _queries(client, 50)
    assert (shown_small, shown_large) == (5, 50)
    assert large == small, f"{small} queries for 5 rows, {large} for 50"


def test_the_teachers_per_school_are_still_counted(client, as_user):
    from chungtay.activities.models import Participation

    as_user("pgd.unghoa")
    item = client.get("/api/v1/activities", {"page_size": 1}).json()["results"][0]
    counted = {row["moet_id"]: row["teachers"] for row in item["schools"]}
    expected: dict[str, int] = {}
    for moet_id in Participation.objects.filter(activity_id=item["id"]).values_list(
        "school__moet_id", flat=True
    ):
        expected[moet_id] = expected.get(moet_id, 0) + 1
    assert {k: v for k, v in counted.items() if v} == expected
    assert item["participations"] == sum(expected.values())
