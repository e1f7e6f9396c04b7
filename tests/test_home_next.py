"""Each role's home page says what it does next (issue 19): counts read from the same records as the pages
they link to, nothing for the department's viewer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from chungtay.accounts.models import User
from chungtay.activities.attention import needs_attention
from chungtay.core.dates import today
from chungtay.pages.home import next_steps
from chungtay.partnerships.models import Agreement, AgreementStatus, PartnershipMember
from chungtay.reviews.models import Cycle, Stage, Submission, SubmissionStatus
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_the_leader_is_told_to_write_the_open_self_assessments(client: Client) -> None:
    leader = _user("ht.unghoa")
    steps = {s.text: s for s in next_steps(leader, today())}
    step = steps["Bản tự đánh giá cần viết và nộp"]
    current = Cycle.objects.get(stage=Stage.SELF_ASSESSMENT)
    school = leader.school_id
    expected = (
        Submission.objects.filter(cycle=current, status=SubmissionStatus.DRAFT)
        .filter(school_id=school)
        .count()
        + Submission.objects.filter(
            cycle=current, status=SubmissionStatus.DRAFT, partnership__members__school_id=school
        )
        .distinct()
        .count()
    )
    assert step.count == expected > 0
    login(client, "ht.unghoa")
    page = client.get("/").content.decode()
    assert 'data-testid="next-steps"' in page and "Bản tự đánh giá cần viết và nộp" in page
    assert step.url in page


def test_a_memorandum_waiting_for_the_schools_signature_is_a_step() -> None:
    leader = _user("ht.unghoa")
    membership = PartnershipMember.objects.filter(school_id=leader.school_id, valid_to__isnull=True).first()
    assert membership is not None
    before = {s.text: s.count for s in next_steps(leader, today())}.get(
        "Biên bản ghi nhớ chờ trường bạn ký", 0
    )
    agreement = Agreement.objects.filter(partnership=membership.partnership).order_by("-pk").first()
    assert agreement is not None
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.AWAITING_SIGNATURE)
    agreement.signatures.filter(school_id=leader.school_id).delete()
    after = {s.text: s.count for s in next_steps(leader, today())}["Biên bản ghi nhớ chờ trường bạn ký"]
    assert after == before + 1


def test_the_officer_sees_the_attention_counts_and_the_viewer_nothing(client: Client) -> None:
    officer = _user("pgd.unghoa")
    day = today()
    found = needs_attention(officer, day=day)
    steps = {s.text: s.count for s in next_steps(officer, day)}
    if found.quiet:
        assert steps["Nhóm im ắng cần nhắc"] == len(found.quiet)
    if found.unconfirmed:
        assert steps["Hoạt động đã qua ngày dự kiến: đã diễn ra, hoãn hay hủy?"] == len(found.unconfirmed)
    assert steps  # the demo office has something to do
    assert next_steps(_user("xem.hanoi"), day) == []
    login(client, "xem.hanoi")
    assert 'data-testid="next-steps"' not in client.get("/").content.decode()


def test_units_waiting_for_the_officers_scoring_are_a_step() -> None:
    officer = _user("pgd.unghoa")
    current = Cycle.objects.get(stage=Stage.SELF_ASSESSMENT)
    Cycle.objects.filter(pk=current.pk).update(stage=Stage.OFFICE_REVIEW)
    steps = {s.text: s for s in next_steps(officer, today())}
    step = steps["Đơn vị chờ bạn chấm điểm"]
    waiting = (
        Submission.objects.filter(
            cycle=current, status__in=[SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED]
        )
        .filter(partnership__twinning__supported_office_id=officer.office_id)
        .count()
    )
    assert step.count >= waiting > 0
    assert step.url.endswith(f"/reviews/{current.pk}/")
    # at the department review the department's administrator has them all
    Cycle.objects.filter(pk=current.pk).update(stage=Stage.DEPARTMENT_REVIEW)
    admin = {s.text: s.count for s in next_steps(_user("admin"), today() + dt.timedelta(days=0))}
    assert (
        admin["Đơn vị chờ bạn chấm điểm"]
        == current.submissions.exclude(status=SubmissionStatus.REVIEWED).count()
    )


def test_the_home_keeps_its_steps_until_a_write_and_follows_every_write(client: Client, monkeypatch) -> None:
    """The home page's next steps are kept in the figures' cache under the data's version: opened again
    with nothing written, they are not counted again; after a write they are, and show it."""
    import html
    import re

    from chungtay.pages import home

    counted = []
    original = home.next_steps
    monkeypatch.setattr(
        home, "next_steps", lambda user, day: counted.append(user.username) or original(user, day)
    )
    leader = login(client, "ht.unghoa")
    text = "Biên bản ghi nhớ chờ trường bạn ký"

    def shown() -> int:
        page = client.get("/").content.decode()
        found = re.search(r'(\d+)</span><a href="[^"]*">' + text, page)
        return int(found.group(1)) if found else 0

    before = shown()
    assert shown() == before and counted == ["ht.unghoa"]  # the second time from the cache
    membership = PartnershipMember.objects.filter(school_id=leader.school_id, valid_to__isnull=True).first()
    agreement = Agreement.objects.filter(partnership=membership.partnership).order_by("-pk").first()
    for signature in agreement.signatures.filter(school_id=leader.school_id):
        signature.delete()  # as the services write: with a history row
    agreement.status = AgreementStatus.AWAITING_SIGNATURE
    agreement.save()
    assert shown() == before + 1 and counted == ["ht.unghoa", "ht.unghoa"]
    login(client, "pgd.unghoa")  # another user: their own steps, not the leader's
    client.get("/")
    assert counted[-1] == "pgd.unghoa"
    from django.conf import settings

    login(client, "ht.unghoa")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language the menu bar's button sets
    assert "Memoranda waiting for your school's signature" in html.unescape(client.get("/").content.decode())
    assert counted[-1] == "ht.unghoa" and len(counted) == 4  # the texts in another language
