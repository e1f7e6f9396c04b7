"""The figures cache: a figure computed since the data last changed is read back instead of being
counted again; any write the application makes (it leaves a history row) moves the data's version, and
so does `refresh_figures` after a write made by hand in the database. Scopes and languages never share
an entry."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from chungtay.activities.models import Activity, ActivityStatus
from chungtay.analytics import figures as f
from tests.analytics.test_figures import YEAR, ask


def _held(world):  # noqa: ANN001, ANN202
    return Activity.objects.filter(department=world.department, status=ActivityStatus.HELD).order_by("pk")


def test_a_figure_is_read_back_until_the_data_changes(world):
    assert f.figure(ask(world.admin, **YEAR), "activities", f.KIND).value == 3
    request = ask(world.admin, **YEAR)
    with CaptureQueriesContext(connection) as queries:
        again = f.figure(request, "activities", f.KIND)
    # the data's version, and the cache itself where it is a database table: nothing is counted
    assert len(queries) <= 2, [q["sql"][:80] for q in queries]
    assert again.value == 3
    # a write through the application (a history row): counted again
    first = _held(world).first()
    first.status = ActivityStatus.CANCELLED
    first.save()
    assert f.figure(ask(world.admin, **YEAR), "activities", f.KIND).value == 2


def test_a_write_by_hand_is_seen_after_refresh_figures(world):
    assert f.figure(ask(world.admin, **YEAR), "activities").value == 3
    _held(world).filter(pk=_held(world).first().pk).update(status=ActivityStatus.CANCELLED)  # no history
    assert f.figure(ask(world.admin, **YEAR), "activities").value == 3  # not seen: nothing recorded it
    call_command("refresh_figures", stdout=io.StringIO())
    assert f.figure(ask(world.admin, **YEAR), "activities").value == 2


def test_scopes_and_languages_keep_their_own_entries(world):
    whole = f.figure(ask(world.admin, **YEAR), "activities")
    office = f.figure(ask(world.admin, office=str(world.office_a.pk), **YEAR), "activities")
    assert (whole.value, office.value) == (3, 2)
    with translation.override("en"):
        english = f.figure(ask(world.admin, **YEAR), "activities").label
    with translation.override("vi"):
        vietnamese = f.figure(ask(world.admin, **YEAR), "activities").label
    assert english == "Activities held" and vietnamese != english
