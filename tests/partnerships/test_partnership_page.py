"""The partnership page helps (issue 19): the members' strengths and needs side by side with the areas
where one side's strength meets the other's need, and one timeline of activities (with the photos the
reader may see), support, signatures and membership changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from chungtay.activities.models import Evidence, EvidenceKind
from chungtay.core import schoolyears
from chungtay.core.dates import today
from chungtay.directory.models import SchoolYear, SelfAssessment
from chungtay.partnerships.models import Partnership, Side, Signature
from chungtay.partnerships.selectors import members_on, strengths_and_needs
from chungtay.partnerships.views.timeline import timeline
from tests.conftest import login
from tests.partnerships.conftest import user

pytestmark = pytest.mark.django_db


def _mine() -> Partnership:
    """A partnership of ht.unghoa's school with members on two sides."""
    school = user("ht.unghoa").school_id
    found = (
        Partnership.objects.filter(members__school_id=school, members__valid_to__isnull=True)
        .filter(members__side=Side.SUPPORTING)
        .distinct()
        .first()
    )
    assert found is not None
    return found


def test_a_strength_meeting_a_need_on_the_other_side_is_highlighted() -> None:
    partnership = _mine()
    members = list(members_on(partnership, today()))
    giver = next(m for m in members if m.side == Side.SUPPORTING)
    taker = next(m for m in members if m.side == Side.SUPPORTED)
    latest = SchoolYear.objects.order_by("-start_year").first()
    assert latest is not None
    start = latest.start_year + 1
    first, last = schoolyears.bounds(start)
    year = SchoolYear.objects.create(start_year=start, starts_on=first, ends_on=last)
    for member, scores in (
        (giver, {"digital": 5, "facilities": 3}),
        (taker, {"digital": 1, "facilities": 1}),
    ):
        for area, score in scores.items():
            SelfAssessment.objects.create(school=member.school, school_year=year, area=area, score=score)
    found = strengths_and_needs(members)
    rows = {row.area: row for row in found.rows}
    column = {m.pk: i for i, m in enumerate(found.members)}
    assert rows["digital"].scores[column[giver.pk]] == 5 and rows["digital"].scores[column[taker.pk]] == 1
    assert (giver.school.name, taker.school.name) in rows["digital"].helps
    assert rows["facilities"].helps == [] or all(g != giver.school.name for g, _ in rows["facilities"].helps)
    # the newer year is the one shown for both: an area they did not assess then shows as not assessed
    assert rows["governance"].scores[column[giver.pk]] is None
    assert found.years[column[giver.pk]] == year.label


def test_the_timeline_merges_every_kind_newest_first_and_hides_private_photos(client: Client) -> None:
    partnership = _mine()
    leader = user("ht.unghoa")
    events = timeline(leader, partnership, today())
    kinds = {e.kind for e in events}
    assert "activity" in kinds
    assert [e.day for e in events] == sorted((e.day for e in events), reverse=True)
    if Signature.objects.filter(agreement__partnership=partnership).exists():
        assert "signature" in kinds
    # with more activities than are read, nothing older than the oldest read is shown (no gap)
    if partnership.activities.count() > 15:
        oldest = min(e.day for e in events if e.kind == "activity")
        assert all(e.day >= oldest for e in events)
        joined = partnership.members.order_by("valid_from").first()
        assert joined is not None and joined.valid_from < oldest  # the group's start is older: left out
    # a private photo: its thumbnail for the partnership's own leader, not for the department's viewer
    activity = partnership.activities.exclude(held_on__isnull=True).order_by("-planned_on", "-pk").first()
    assert activity is not None
    photo = Evidence.objects.create(
        activity=activity,
        kind=EvidenceKind.PHOTO,
        title="Ảnh",
        file="evidence/2025/01/x.jpg",
        thumbnail="evidence/2025/01/thumbs/x.jpg",
        uploaded_by=leader,
        shareable=False,
    )
    mine = next(e for e in timeline(leader, partnership, today()) if e.url.endswith(f"/{activity.pk}/"))
    assert mine.photo == photo.pk
    theirs = next(
        e for e in timeline(user("xem.hanoi"), partnership, today()) if e.url.endswith(f"/{activity.pk}/")
    )
    assert theirs.photo is None
    login(client, "ht.unghoa")
    page = client.get(f"/partnerships/{partnership.pk}/").content.decode()
    assert 'data-testid="timeline"' in page and 'data-kind="activity"' in page
    assert f"/evidence/{photo.pk}/?size=thumb" in page


def test_the_page_shows_the_strengths_table(client: Client) -> None:
    partnership = _mine()
    login(client, "ht.unghoa")
    page = client.get(f"/partnerships/{partnership.pk}/").content.decode()
    assert 'data-testid="strengths"' in page and "<meter" in page
    assert "Thế mạnh và nhu cầu" in page


def test_a_member_who_left_shows_in_the_timeline() -> None:
    partnership = _mine()
    member = partnership.members.filter(valid_to__isnull=True, side=Side.SUPPORTED).first()
    assert member is not None
    member.valid_to = today() - dt.timedelta(days=1)
    member.save(update_fields=["valid_to"])
    events = timeline(user("admin"), partnership, today())
    assert any(e.kind == "left" and member.school.name in e.title for e in events)
