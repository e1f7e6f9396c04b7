"""The demo city's activities: a full school year with every tier, people who come back, some
partnerships going quiet. (The seeds' figures themselves are held in tests/demo/test_seeds.py.)"""

import datetime as dt

from django.db.models import Exists, OuterRef

from chungtay.activities.demo import load_demo_activities
from chungtay.activities.models import Activity, ActivityStatus
from chungtay.activities.selectors import activity_figures
from chungtay.core import schoolyears
from chungtay.core.dates import today
from chungtay.partnerships.models import Partnership, PartnershipStatus


def test_a_full_school_year_of_the_demo(db):
    first, last = schoolyears.bounds(2023)
    figures = activity_figures(Activity.objects.filter(planned_on__gte=first, planned_on__lte=last))
    # the year after the seeds' first one: more partnerships, more topics than its 160 + 628; a third of
    # the phase's ~150,000 teacher participations
    assert 788 <= figures.by_kind["topic"] <= 2_000
    assert 35_000 <= figures.participations <= 75_000
    assert figures.teachers < figures.participations / 2  # people come back: lượt ≫ distinct teachers
    tiers = set(
        Activity.objects.filter(planned_on__gte=first, planned_on__lte=last).values_list("tier", flat=True)
    )
    assert tiers == {"city", "office", "school"}


def test_some_partnerships_go_quiet_and_some_plans_are_never_confirmed(db):
    recent = today() - dt.timedelta(weeks=8)
    held_lately = Activity.objects.filter(
        partnerships=OuterRef("pk"), status=ActivityStatus.HELD, held_on__gte=recent
    )
    active = Partnership.objects.filter(status=PartnershipStatus.ACTIVE)
    quiet = active.exclude(Exists(held_lately)).count()
    assert 0 < quiet < active.count() / 2
    assert Activity.objects.filter(status=ActivityStatus.PLANNED, planned_on__lt=today()).exists()
    assert Activity.objects.filter(status=ActivityStatus.PLANNED, planned_on__gt=today()).exists()


def test_loading_the_demo_again_changes_nothing(db):
    before = Activity.objects.count()
    assert load_demo_activities(seed=2022)["created"] == 0
    assert Activity.objects.count() == before
