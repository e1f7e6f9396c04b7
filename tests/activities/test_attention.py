import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from chungtay.activities import digests, services
from chungtay.activities.attention import needs_attention
from chungtay.activities.models import Activity, ActivityStatus, DigestLog
from chungtay.core.dates import today
from chungtay.partnerships.models import PartnershipStatus
from chungtay.partnerships.services import add_commitment, draft_agreement, send_for_signature, sign_agreement
from tests.activities.conftest import HELD, details
from tests.partnerships.conftest import user


@pytest.fixture
def active_pair(pair):
    pair.status = PartnershipStatus.ACTIVE
    pair.save(update_fields=["status"])
    return pair


def _every(someone, name: str, day: dt.date | None = None) -> list:
    """Every entry of one of the user's lists, read page by page as its own page shows them."""
    from chungtay.activities.attention import attention_page

    day = day or today()
    page = attention_page(someone, name, day=day, number=1)
    found = list(page.object_list)
    while page.has_next():
        page = attention_page(someone, name, day=day, number=page.next_page_number())
        found += page.object_list
    return found


def test_a_quiet_partnership_needs_attention_until_something_is_held(active_pair):
    leader = user("ht.unghoa")
    assert active_pair in needs_attention(leader, day=today()).quiet
    services.record_activity(acting_user=user("gv.hoangmai"), details=details(active_pair), held_on=HELD)
    assert active_pair not in needs_attention(leader, day=today()).quiet
    # the window is configurable: seen from ten weeks on, three days ago is quiet again with one week
    later = today() + dt.timedelta(weeks=10)
    assert active_pair in needs_attention(leader, day=later, quiet_weeks=1).quiet


def test_an_unconfirmed_plan_needs_the_hosts_attention(active_pair):
    planned = services.record_activity(
        acting_user=user("gv.hoangmai"),
        details=details(active_pair, planned_on=today() - dt.timedelta(days=2)),
    )
    assert planned in needs_attention(user("ht.hoangmai"), day=today()).unconfirmed
    assert planned in _every(user("pgd.hoangmai"), "unconfirmed")  # an officer's list is longer
    assert planned not in needs_attention(user("ht.unghoa"), day=today()).unconfirmed
    assert needs_attention(user("xem.hanoi"), day=today()).count == 0


def _agreement_with_commitment(pair, due_on):
    agreement = draft_agreement(
        acting_user=user("ht.hoangmai"),
        partnership=pair,
        kind="memorandum",
        title="Biên bản",
        terms="Điều 1.",
    )
    commitment = add_commitment(
        acting_user=user("ht.hoangmai"),
        agreement=agreement,
        school=user("ht.hoangmai").school,
        area="subject_teaching",
        description="Tổ chức 2 chuyên đề Toán",
        due_on=due_on,
    )
    send_for_signature(acting_user=user("ht.hoangmai"), agreement=agreement)
    for name in ("ht.hoangmai", "ht.unghoa"):
        sign_agreement(acting_user=user(name), agreement=agreement, school=user(name).school)
    return commitment


def test_a_commitment_due_soon_needs_attention(active_pair):
    commitment = _agreement_with_commitment(active_pair, today() + dt.timedelta(days=5))
    assert commitment in needs_attention(user("ht.unghoa"), day=today()).commitments
    assert (
        commitment not in needs_attention(user("ht.unghoa"), day=today() - dt.timedelta(days=30)).commitments
    )


def test_the_page_lists_the_three_kinds(client, as_user, active_pair):
    as_user("ht.unghoa")
    response = client.get(reverse("attention"))
    assert response.status_code == 200
    assert active_pair.name in response.content.decode()


def test_one_digest_a_week_with_the_list_and_links(active_pair, mailoutbox):
    day = today()
    report = digests.send_weekly_digests(day=day)
    mine = [m for m in mailoutbox if m.to == ["ht.unghoa@example.invalid"]]
    assert len(mine) == 1
    assert active_pair.name in mine[0].body
    assert f"/partnerships/{active_pair.pk}/" in mine[0].body
    assert mine[0].subject.startswith("Chung Tay:")
    assert report.sent == len(mailoutbox) > 0
    # a second run in the same week sends nothing to anyone
    again = digests.send_weekly_digests(day=day)
    assert again.sent == 0 and again.already_sent == report.sent
    assert len(mailoutbox) == report.sent
    # the next week, again one
    digests.send_weekly_digests(day=day + dt.timedelta(days=7))
    assert len([m for m in mailoutbox if m.to == ["ht.unghoa@example.invalid"]]) == 2
    assert DigestLog.objects.filter(user=user("ht.unghoa")).count() == 2


def test_a_failed_send_is_retried_next_run(active_pair, mailoutbox, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(digests, "send_mail", broken)
    report = digests.send_weekly_digests(day=today())
    assert report.sent == 0 and report.failed > 0
    assert not DigestLog.objects.filter(user=user("ht.unghoa")).exists()


def test_the_command_reports_and_refuses_a_bad_date(active_pair, mailoutbox):
    out = io.StringIO()
    call_command("send_attention_digests", stdout=out)
    assert "Digests sent:" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("send_attention_digests", "--date", "31/02/2025", stdout=io.StringIO())


def test_a_quiet_partnership_says_how_long_and_who_leads_it(active_pair):
    from chungtay.partnerships.models import PartnershipMember

    PartnershipMember.objects.filter(partnership=active_pair, school=user("ht.hoangmai").school).update(
        role="lead"
    )
    hoangmai = user("ht.hoangmai")
    hoangmai.email = "ht.hoangmai@example.invalid"
    hoangmai.save(update_fields=["email"])
    later = today() + dt.timedelta(weeks=20)
    # an officer's list is longer than the overview's 20 (and its ties ordered by the database): every entry
    every = _every(user("pgd.unghoa"), "quiet", later)
    quiet = next(p for p in every if p.pk == active_pair.pk)
    weeks = [p.weeks_quiet for p in every]
    assert weeks == sorted(weeks, reverse=True)  # the longest quiet first, nothing held or not
    assert quiet.weeks_quiet == (later - active_pair.starts_on).days // 7
    assert quiet.leads == [f"{hoangmai.display_name} <ht.hoangmai@example.invalid>"]


def test_a_reminder_is_mailed_to_the_leaders_once_a_week_and_logged(active_pair, client):
    from django.core import mail

    from chungtay.activities.models import Reminder

    for name in ("ht.hoangmai", "ht.unghoa"):
        leader = user(name)
        leader.email = f"{name}@example.invalid"
        leader.save(update_fields=["email"])
    client.force_login(user("pgd.unghoa"))
    url = reverse("attention-remind", args=[active_pair.pk])
    sent = client.post(url, follow=True)
    assert "Đã gửi lời nhắc tới 2 lãnh đạo trường" in sent.content.decode()
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["ht.hoangmai@example.invalid", "ht.unghoa@example.invalid"]
    assert f"/partnerships/{active_pair.pk}/" in mail.outbox[0].body
    again = client.post(url, follow=True)
    assert "mỗi tuần nhắc tối đa một lần" in again.content.decode()
    assert len(mail.outbox) == 1 and Reminder.objects.filter(partnership=active_pair).count() == 1
    client.force_login(user("pgd.bavi"))
    assert client.post(url).status_code == 404
    client.force_login(user("gv.unghoa"))
    client.post(url)
    assert len(mail.outbox) == 1  # a teacher does not send reminders


def test_an_agreement_awaiting_signature_for_over_a_month_is_listed(active_pair):
    from django.utils import timezone

    from chungtay.partnerships.models import Agreement

    agreement = draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=active_pair, kind="memorandum", title="BGN", terms="x"
    )
    send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    assert agreement not in needs_attention(user("ht.unghoa"), day=today()).awaiting
    Agreement.history.filter(id=agreement.pk).update(history_date=timezone.now() - dt.timedelta(days=40))
    awaiting = needs_attention(user("ht.unghoa"), day=today()).awaiting
    assert [a.pk for a in awaiting if a.pk == agreement.pk] == [agreement.pk]
    assert next(a for a in awaiting if a.pk == agreement.pk).waiting_days >= 40


def test_a_list_cut_at_its_limit_says_how_many_there_are_in_all(active_pair, client, as_user, monkeypatch):
    """Each list shows its first LIST_LIMIT entries, the longest waiting first; its count, the home page's
    next step and the digest's subject count every one (the page's count said 200 where the demo's
    administrator had 414 planned activities past their date)."""
    from chungtay.activities import attention
    from chungtay.pages.home import next_steps

    monkeypatch.setattr(attention, "LIST_LIMIT", 2)
    before = needs_attention(user("ht.hoangmai"), day=today()).total("unconfirmed")
    for days in (2, 9, 5):
        services.record_activity(
            acting_user=user("gv.hoangmai"),
            details=details(active_pair, planned_on=today() - dt.timedelta(days=days)),
        )
    found = needs_attention(user("ht.hoangmai"), day=today())
    total = before + 3
    assert found.total("unconfirmed") == total and found.sections["unconfirmed"] == (2, total)
    shown = [(a.planned_on, a.pk) for a in found.unconfirmed]
    every = sorted(
        Activity.objects.filter(
            attention._hosted_by_own(user("ht.hoangmai")),
            status__in=[ActivityStatus.PLANNED, ActivityStatus.POSTPONED],
            planned_on__lt=today(),
        ).values_list("planned_on", "pk")
    )
    assert len(every) == total and shown == every[:2]  # the two longest waiting
    assert found.count == sum(in_all for _, in_all in found.sections.values())
    as_user("ht.hoangmai")
    page = client.get(reverse("attention")).content.decode()
    assert f'data-testid="unconfirmed-count">{total}<' in page
    assert f"Đang hiện 2 mục đầu trong {total} mục, mục chờ lâu nhất trước." in page
    assert f'href="/attention/?list=unconfirmed" data-testid="attention-all">Xem cả {total} mục<' in page
    steps = [step for step in next_steps(user("ht.hoangmai"), today()) if step.url == reverse("attention")]
    assert total in [step.count for step in steps]


def _listed(page: str, name: str) -> list[int]:
    """The activity ids a list of the attention page shows, in order."""
    block = page.split(f'data-testid="{name}">', 1)[1].split("</ul>", 1)[0]
    return [int(pk) for pk in re.findall(r'href="/activities/(\d+)/"', block)]


def test_every_entry_of_a_long_list_is_reachable_page_by_page(active_pair, client, as_user, monkeypatch):
    """A list longer than the overview shows has a page of its own, every entry on one of its pages in
    order (the overview showed the first 200 and the rest could not be reached); the digest says how many
    more there are, with that page's link."""
    from chungtay.activities import attention

    monkeypatch.setattr(attention, "LIST_LIMIT", 2)
    monkeypatch.setattr(attention, "PAGE_SIZE", 2)
    for days in (2, 9, 5, 30):
        services.record_activity(
            acting_user=user("gv.hoangmai"),
            details=details(active_pair, planned_on=today() - dt.timedelta(days=days)),
        )
    every = [
        pk
        for _, pk in sorted(
            Activity.objects.filter(
                attention._hosted_by_own(user("ht.hoangmai")),
                status__in=[ActivityStatus.PLANNED, ActivityStatus.POSTPONED],
                planned_on__lt=today(),
            ).values_list("planned_on", "pk")
        )
    ]
    assert len(every) >= 4
    as_user("ht.hoangmai")
    overview = client.get(reverse("attention")).content.decode()
    assert _listed(overview, "unconfirmed") == every[:2]
    seen: list[int] = []
    pages = (len(every) + 1) // 2
    for number in range(1, pages + 1):
        page = client.get(reverse("attention"), {"list": "unconfirmed", "page": number}).content.decode()
        assert f'data-testid="unconfirmed-count">{len(every)}<' in page
        first = 2 * number - 1
        last = min(2 * number, len(every))
        assert f"Mục {first}–{last} trong {len(every)} mục, mục chờ lâu nhất trước." in page
        assert pages == 1 or f"Trang {number} / {pages}" in page
        assert 'data-testid="quiet"' not in page  # one list only
        seen += _listed(page, "unconfirmed")
    assert seen == every
    beyond = client.get(reverse("attention"), {"list": "unconfirmed", "page": 999}).content.decode()
    assert _listed(beyond, "unconfirmed") == every[2 * (pages - 1) :]  # past the end: the last page
    assert client.get(reverse("attention"), {"list": "secrets"}).status_code == 404

    leader = user("ht.hoangmai")
    leader.email = "ht.hoangmai@example.invalid"
    leader.save(update_fields=["email"])
    from django.core import mail

    digests.send_weekly_digests(day=today())
    body = next(m.body for m in mail.outbox if m.to == ["ht.hoangmai@example.invalid"])
    assert f"… và {len(every) - 2} mục nữa: " in body
    assert "/attention/?list=unconfirmed\n" in body


def test_a_reminder_sent_from_a_list_page_returns_to_that_page(active_pair, client):
    client.force_login(user("pgd.unghoa"))
    page = client.get(reverse("attention"), {"list": "quiet"}).content.decode()
    assert f'action="/attention/remind/{active_pair.pk}/"' in page
    assert (
        '<input type="hidden" name="list" value="quiet"><input type="hidden" name="page" value="1">' in page
    )
    url = reverse("attention-remind", args=[active_pair.pk])
    sent = client.post(url, {"list": "quiet", "page": "1"})
    assert sent.status_code == 302 and sent["Location"] == "/attention/?list=quiet&page=1"
    # a forged list or page goes back to the overview, or to the list's first page
    assert client.post(url, {"list": "https://evil.example"})["Location"] == "/attention/"
    assert (
        client.post(url, {"list": "quiet", "page": "1&next=//evil"})["Location"] == "/attention/?list=quiet"
    )
    assert client.post(url)["Location"] == "/attention/"
