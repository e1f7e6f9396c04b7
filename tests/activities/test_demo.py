"""The demo city's activities land near the seeds' orders of magnitude, and some partnerships go quiet."""

import datetime as dt

from django.db.models import Exists, OuterRef

from chungtay.activities.demo import load_demo_activities
from chungtay.activities.models import Activity, ActivityStatus
from chungtay.activities.selectors import activity_figures
from chungtay.core import schoolyears
from chungtay.core.dates import today
from chungtay.partnerships.models import Partnership, PartnershipStatus


def test_a_school_year_of_the_demo_has_the_seeds_orders_of_magnitude(db):
    first, last = schoolyears.bounds(2023)
    figures = activity_figures(Activity.objects.filter(planned_on__gte=first, planned_on__lte=last))
    # seeds: 160 + 628 topics in a year; ~150,000 teacher participations over the phase
    assert 600 <= figures.by_kind["topic"] <= 1_000
    assert 35_000 <= figures.participations <= 65_000
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
