"""The figures' summaries (ActivityFact, MonthFact, TeacherMonth, LinkFact) stay exact through every kind
of write the services make, and `refresh_figures` rebuilds them; a summary left behind shows as drift."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from chungtay.activities import facts, services
from chungtay.activities.models import Activity, ActivityFact, LinkFact, MonthFact, TeacherMonth
from chungtay.core.dates import today
from tests.activities.conftest import HELD, details
from tests.partnerships.conftest import user


def _attend(activity, school_user, teachers, pupils=0, parents=0):  # noqa: ANN001
    return services.record_attendance(
        acting_user=user(school_user),
        activity=activity,
        school=user(school_user).school,
        teachers=teachers,
        pupils=pupils,
        parents=parents,
    )


def test_the_summaries_follow_every_write(pair, roster):
    activity = services.record_activity(acting_user=user("gv.hoangmai"), details=details(pair), held_on=HELD)
    assert facts.drift([activity.pk]) == {}
    assert ActivityFact.objects.filter(activity=activity).count() == 2
    # one link fact: the partnership, its host school, the day and kind
    host_school = activity.schools.get(is_host=True).school_id
    assert list(
        LinkFact.objects.filter(activity=activity).values_list("partnership_id", "host_school_id")
    ) == [(pair.pk, host_school)]
    _attend(activity, "ht.hoangmai", [roster["hm1"], roster["hm2"]], pupils=12)
    _attend(activity, "ht.unghoa", [roster["uh1"]], pupils=30, parents=4)
    assert facts.drift([activity.pk]) == {}
    host = ActivityFact.objects.get(activity=activity, is_host=True)
    assert (host.participations, host.pupils) == (2, 12)
    month = HELD.replace(day=1)
    assert TeacherMonth.objects.filter(teacher=roster["hm1"], month=month).exists()
    # the host school's month: one activity, its two participations and twelve pupils
    host_month = MonthFact.objects.get(school_id=host.school_id, month=month)
    assert (host_month.activities, host_month.participations, host_month.pupils) == (1, 2, 12)
    # a teacher taken off the list: the fact and the teacher month lose them
    _attend(activity, "ht.hoangmai", [roster["hm2"]], pupils=12)
    assert facts.drift([activity.pk]) == {}
    assert ActivityFact.objects.get(activity=activity, is_host=True).participations == 1
    # an edit that changes the kind and adds a school
    edited = services.edit_activity(
        acting_user=user("gv.hoangmai"),
        activity=activity,
        details=details(pair, kind="exchange", mode="online"),
        expected_version=activity.version,
    )
    assert facts.drift([edited.pk]) == {}
    assert set(ActivityFact.objects.filter(activity=edited).values_list("kind", "mode")) == {
        ("exchange", "online")
    }
    assert set(LinkFact.objects.filter(activity=edited).values_list("kind", flat=True)) == {"exchange"}
    assert set(
        MonthFact.objects.filter(school_id=host.school_id, month=month).values_list("kind", "mode")
    ) == {("exchange", "online")}
    # its date corrected into the month before (then refreshed, as a repair does): the month it left
    # holds nothing of it any more, the new one holds it
    Activity.objects.filter(pk=edited.pk).update(held_on=month - dt.timedelta(days=3))
    facts.refresh([edited.pk])
    assert facts.drift([edited.pk]) == {}
    assert not MonthFact.objects.filter(school_id=host.school_id, month=month).exists()
    earlier = MonthFact.objects.get(
        school_id=host.school_id, month=(month - dt.timedelta(days=3)).replace(day=1)
    )
    assert (earlier.activities, earlier.participations) == (1, 1)


def test_planned_confirmed_and_cancelled_activities(pair):
    planned = services.record_activity(
        acting_user=user("gv.hoangmai"), details=details(pair, planned_on=HELD - dt.timedelta(days=2))
    )
    assert not ActivityFact.objects.filter(activity=planned).exists()  # only held activities count
    confirmed = services.confirm_held(
        acting_user=user("gv.hoangmai"), activity=planned, held_on=HELD, expected_version=planned.version
    )
    assert facts.drift([confirmed.pk]) == {}
    assert ActivityFact.objects.filter(activity=confirmed, held_on=HELD).count() == 2
    later = services.record_activity(
        acting_user=user("gv.hoangmai"), details=details(pair, planned_on=today() + dt.timedelta(days=5))
    )
    services.cancel_activity(
        acting_user=user("gv.hoangmai"), activity=later, reason="Trời mưa", expected_version=1
    )
    assert not ActivityFact.objects.filter(activity=later).exists()
    assert not LinkFact.objects.filter(activity=later).exists()
    assert LinkFact.objects.filter(activity=confirmed, held_on=HELD).count() == 1


def test_drift_shows_a_summary_left_behind_and_the_command_repairs_it(pair, roster):
    activity = services.record_activity(acting_user=user("gv.hoangmai"), details=details(pair), held_on=HELD)
    _attend(activity, "ht.hoangmai", [roster["hm1"]])
    ActivityFact.objects.filter(activity=activity).update(participations=99)  # a write outside the services
    LinkFact.objects.filter(activity=activity).delete()
    MonthFact.objects.filter(school_id__in=activity.schools.values("school_id")).update(pupils=7)
    assert {"facts", "link_facts", "month_facts"} <= set(facts.drift([activity.pk]))
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("refresh_figures", "--check", stdout=out)
    call_command("refresh_figures", stdout=out)
    assert facts.drift([activity.pk]) == {}
    assert "Rebuilt" in out.getvalue()
