"""The demo reads like the seeds: each headline figure of the source articles, computed by the figures
layer on the demo, lands within ±25 % of the seeds' value (a floor for "N+", the order of magnitude for
"hundreds" and "thousands"). The table is printed side by side (`pytest -s` shows it)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chungtay.accounts.models import User
from chungtay.demo.seeds import SEEDS, about, at_least, compare, order_of


def test_the_demo_lands_within_the_seeds_bounds(db):
    out = io.StringIO()
    try:
        call_command("demo_figures", stdout=out)
    except CommandError as error:
        pytest.fail(f"{error}\n{out.getvalue()}")
    table = out.getvalue()
    print(table)  # noqa: T201 - the side-by-side table is the test's report
    rows = compare(User.objects.get(username="admin"))
    assert [row.seed.label for row in rows] == [seed.label for seed in SEEDS]
    assert all(row.within for row in rows), table
    for row in rows:  # every figure is printed with the seeds' value and the demo's
        assert f"{row.seed.value:,}" in table and f"{row.demo:,}" in table


def test_the_bounds_of_each_kind_of_seed():
    assert about(672) == (672, 504, 840)
    assert at_least(1200) == (1200, 1200, None)
    assert order_of(100) == (100, 100, 999)


def test_a_figure_off_the_seeds_fails_the_command(db):
    from chungtay.partnerships.models import Signature

    Signature.objects.all().delete()  # no school has signed anything: memoranda and covenants drop to 0
    out = io.StringIO()
    with pytest.raises(CommandError, match="MN/TH/THCS schools that signed memoranda"):
        call_command("demo_figures", stdout=out)
    assert "OFF" in out.getvalue()


def test_the_demo_leaves_statistics_for_the_query_planner(db):
    """A fresh database without them plans the figures' queries blind (24 s for the first public page on
    PostgreSQL instead of 1.7 s)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL AND relname IN "
                "('activities_activityfact', 'activities_participation', 'directory_school')"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl FROM sqlite_stat1 WHERE tbl IN "
                "('activities_activityfact', 'activities_participation', 'directory_school')"
            )
        analysed = {name for (name,) in cursor.fetchall()}
    assert analysed == {"activities_activityfact", "activities_participation", "directory_school"}
