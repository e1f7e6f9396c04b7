"""Two activities recorded at the same moment for the same school and month (the load test found it: one
of them answered 500 on the month summaries' unique key). Each write recounts the school's month; the
recounts must follow each other, so both writes succeed and the summaries count both activities.

On PostgreSQL the two writes run in two threads, each on its own connection, and meet inside the
recount (a barrier in front of the month summaries): without the lock both recount at once. SQLite lets
one writer in at a time, so there the two writes run one after the other through the same code."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection

from chungtay.access.scopes import partnerships_visible_to
from chungtay.accounts.models import User
from chungtay.activities import facts, services
from chungtay.activities.models import Activity
from chungtay.core.dates import today

pytestmark = pytest.mark.django_db


def _record(teacher: User, partnership, others, n: int) -> int:  # noqa: ANN001
    activity = services.record_activity(
        acting_user=teacher,
        details=services.ActivityDetails(
            kind="topic",
            title=f"Chuyên đề ghi đồng thời {n}",
            planned_on=today(),
            hosts=[teacher.school],
            participants=others,
            partnerships=[partnership],
        ),
        held_on=today(),
    )
    return activity.pk


def _in_a_thread(work) -> None:  # noqa: ANN001
    """Run on a connection of its own, committed (outside the test's transaction), then closed."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)


def test_two_activities_of_one_school_and_month_recorded_at_once_are_both_counted(monkeypatch):
    teacher = User.objects.get(username="gv.unghoa")
    partnership = partnerships_visible_to(teacher).exclude(status="cancelled").order_by("pk").first()
    others = [
        m.school for m in partnership.members.select_related("school") if m.school_id != teacher.school_id
    ]
    recorded: list[int] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            recorded.append(_record(teacher, partnership, others, n))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    if connection.vendor != "postgresql":
        write(1)
        write(2)
    else:
        meeting = threading.Barrier(2)
        recount = facts._month_facts

        def meet_then_recount(keys):  # noqa: ANN001, ANN202
            # both writers here at once, unless one waits for the other
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait(timeout=3)
            return recount(keys)

        monkeypatch.setattr(facts, "_month_facts", meet_then_recount)
        threads = [threading.Thread(target=lambda n=n: (write(n), connection.close())) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    try:
        assert errors == []
        assert len(recorded) == 2
        assert facts.drift(recorded) == {}  # the month summaries hold both activities
    finally:
        if connection.vendor == "postgresql":  # the threads committed: take their activities away again
            months = {
                (school, facts._month(today())) for school in [teacher.school_id, *(s.pk for s in others)]
            }

            def clean() -> None:
                Activity.objects.filter(pk__in=recorded).delete()
                facts.refresh(recorded, touched=months)

            _in_a_thread(clean)
