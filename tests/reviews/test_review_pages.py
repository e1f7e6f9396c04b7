"""The reviews' pages: what each role sees and may do, the self-assessment's autosave (htmx) and its
refusals that keep the typed text, judging with an evidence file, the forms' messages, the export."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.test import Client
from openpyxl import load_workbook

from chungtay.access.scopes import own_schools
from chungtay.reviews.models import CriteriaSet, Cycle, Score, Stage, Submission
from tests.conftest import login
from tests.reviews.conftest import evidence, led_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def current() -> Cycle:
    return Cycle.objects.get(stage=Stage.SELF_ASSESSMENT)


def test_the_leader_sees_the_scores_with_why_links_and_may_submit(client: Client, current: Cycle) -> None:
    login(client, "ht.unghoa")
    submission = led_submission(current)
    page = client.get(f"/reviews/units/{submission.pk}/").content.decode()
    assert "Vì sao có điểm này" in page
    assert 'data-testid="narrative-TC1"' in page
    assert "Nộp bản tự đánh giá" in page
    cycle_page = client.get(f"/reviews/{current.pk}/").content.decode()
    assert f"/reviews/units/{submission.pk}/" in cycle_page  # "your partnership's review"


def test_a_teacher_reads_but_does_not_write(client: Client, current: Cycle) -> None:
    login(client, "gv.unghoa")
    submission = led_submission(current)
    page = client.get(f"/reviews/units/{submission.pk}/").content.decode()
    assert 'data-testid="narrative-TC1"' not in page and "Nộp bản tự đánh giá" not in page
    criterion = current.criteria_set.criteria.get(code="TC1")
    response = client.post(
        f"/reviews/units/{submission.pk}/criteria/{criterion.pk}/",
        {f"c{criterion.pk}-narrative": "x", f"c{criterion.pk}-version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response["X-Chungtay-Status"] == "403"
    assert Score.objects.get(submission=submission, criterion=criterion).narrative == ""


def test_the_account_saves_as_it_is_typed_and_a_conflict_keeps_the_text(
    client: Client, current: Cycle
) -> None:
    login(client, "ht.unghoa")
    submission = led_submission(current)
    criterion = current.criteria_set.criteria.get(code="TC2")
    score = Score.objects.get(submission=submission, criterion=criterion)
    url = f"/reviews/units/{submission.pk}/criteria/{criterion.pk}/"
    prefix = f"c{criterion.pk}"
    saved = client.post(
        url,
        {f"{prefix}-narrative": "Hai chuyên đề Toán.", f"{prefix}-version": score.version},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and "Đã lưu nháp" in saved.content.decode()
    assert Score.objects.get(pk=score.pk).narrative == "Hai chuyên đề Toán."
    # a second tab still holds the old version: refused, nothing overwritten, the typed text kept
    stale = client.post(
        url,
        {f"{prefix}-narrative": "Bản của tab cũ", f"{prefix}-version": score.version},
        HTTP_HX_REQUEST="true",
    )
    body = stale.content.decode()
    assert stale["X-Chungtay-Status"] == "409"
    assert "Bản của tab cũ" in body and "tải lại trang" in body
    assert Score.objects.get(pk=score.pk).narrative == "Hai chuyên đề Toán."


def test_submitting_from_the_page(client: Client, current: Cycle) -> None:
    login(client, "ht.unghoa")
    submission = led_submission(current)
    response = client.post(
        f"/reviews/units/{submission.pk}/submit/", {"version": submission.version}, follow=True
    )
    assert "Đã nộp bản tự đánh giá" in response.content.decode()
    assert Submission.objects.get(pk=submission.pk).status == "submitted"
    again = client.post(
        f"/reviews/units/{submission.pk}/submit/", {"version": submission.version + 1}, follow=True
    )
    assert "không thể sửa nữa" in again.content.decode()


def test_the_office_judges_on_the_page_with_an_evidence_file(client: Client, current: Cycle) -> None:
    Cycle.objects.filter(pk=current.pk).update(stage=Stage.OFFICE_REVIEW)
    login(client, "pgd.unghoa")
    submission = led_submission(current)
    criterion = current.criteria_set.criteria.get(rule="judgement")
    score = Score.objects.get(submission=submission, criterion=criterion)
    url = f"/reviews/units/{submission.pk}/criteria/{criterion.pk}/judge/"
    prefix = f"j{criterion.pk}"
    missing = client.post(
        url,
        {
            f"{prefix}-points": "85,5",
            f"{prefix}-comment": "Chuyên đề có sản phẩm cụ thể.",
            f"{prefix}-version": score.version,
        },
    )
    assert missing.status_code == 400 and "đính kèm minh chứng" in missing.content.decode()
    done = client.post(
        url,
        {
            f"{prefix}-points": "85,5",
            f"{prefix}-comment": "Chuyên đề có sản phẩm cụ thể.",
            f"{prefix}-version": score.version,
            f"{prefix}-evidence": evidence(),
        },
    )
    assert done.status_code == 302
    score.refresh_from_db()
    assert score.points == D("85.5")
    assert client.get(f"/reviews/scores/{score.pk}/evidence").status_code == 200
    login(client, "pgd.bavi")
    assert client.get(f"/reviews/scores/{score.pk}/evidence").status_code == 404


def test_forms_say_what_is_wrong_in_vietnamese(client: Client) -> None:
    login(client, "admin")
    before = CriteriaSet.objects.count()
    response = client.post(
        "/reviews/criteria/new/",
        {
            "name": "Bộ thử",
            "basis_number": "1/HD",
            "basis_title": "Hướng dẫn",
            "basis_date": "01/08/2024",
            "effective_from": "01/08/2024",
            "criteria": "TC1; Hoạt động; activities_held; 60; 5;\nTC2; Chất lượng; judgement; 30;;",
        },
    )
    assert response.status_code == 400
    assert "Tổng trọng số của bộ tiêu chí phải bằng 100; tổng hiện là 90" in response.content.decode()
    bad_line = client.post(
        "/reviews/criteria/new/",
        {
            "name": "Bộ thử",
            "basis_number": "1/HD",
            "basis_title": "Hướng dẫn",
            "basis_date": "01/08/2024",
            "effective_from": "01/08/2024",
            "criteria": "TC1; Hoạt động; by_feel; 100;;",
        },
    )
    assert "Dòng 1" in bad_line.content.decode() and "by_feel" in bad_line.content.decode()
    assert CriteriaSet.objects.count() == before
    cycle = client.post(
        "/reviews/new/",
        {
            "kind": "interim",
            "name": "Thử",
            "criteria_set": CriteriaSet.objects.first().pk,
            "period_start": "01/08/2025",
            "period_end": "31/05/2026",
            "self_opens": "10/05/2026",
            "self_closes": "01/05/2026",
            "office_review_by": "20/05/2026",
            "department_review_by": "25/05/2026",
            "publish_by": "30/05/2026",
            "appeal_days": "10",
        },
    )
    assert cycle.status_code == 400 and "Các mốc thời gian phải theo thứ tự" in cycle.content.decode()


def test_the_published_results_and_their_export(client: Client) -> None:
    final = Cycle.objects.get(kind="final")
    login(client, "xem.hanoi")
    page = client.get(f"/reviews/{final.pk}/").content.decode()
    assert 'data-testid="results-mn"' in page and "Bằng khen của Chủ tịch UBND Thành phố" in page
    response = client.get(f"/reviews/{final.pk}/results.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Nhóm xếp hạng", "Hạng", "Nhóm", "Đơn vị được đánh giá")
    assert len(rows) == final.submissions.count() + 1
    first = final.submissions.order_by("category", "rank", "partnership__number").first()
    assert rows[1][2] == first.partnership.number and rows[1][-4] == float(first.total)
    # the why page of a published result stays with those who see the partnership
    score = Score.objects.filter(submission=led_submission(final), criterion__rule="activities_held").first()
    login(client, "ht.hoangmai")
    assert client.get(f"/reviews/units/{score.submission_id}/").status_code == 200
    assert client.get(f"/reviews/scores/{score.pk}/").status_code == 404
    login(client, "ht.unghoa")
    why = client.get(f"/reviews/scores/{score.pk}/").content.decode()
    assert "cùng số đo và cùng điểm" in why


def test_follow_up_actions_show_in_needs_attention_for_the_owner(client: Client, current: Cycle) -> None:
    import datetime as dt

    from chungtay.reviews import services
    from tests.reviews.conftest import user

    Cycle.objects.filter(pk=current.pk).update(stage=Stage.OFFICE_REVIEW)
    submission = led_submission(Cycle.objects.get(pk=current.pk))
    leader = user("ht.unghoa")
    services.add_follow_up(
        user("pgd.unghoa"),
        submission,
        description="Tổ chức chuyên đề do trường được hỗ trợ chủ trì.",
        owner_id=leader.school_id,
        due_on=dt.date.today() + dt.timedelta(days=20),
    )
    login(client, "ht.unghoa")
    action = "Tổ chức chuyên đề do trường được hỗ trợ chủ trì."
    assert action in client.get("/attention/").content.decode()
    login(client, "pgd.bavi")
    assert action not in client.get("/attention/").content.decode()


def test_a_nomination_shows_the_teachers_contributions_from_the_records(client: Client) -> None:
    from chungtay.reviews.models import Nomination

    nomination = Nomination.objects.select_related("cycle").first()
    assert nomination is not None
    login(client, "admin")
    cycle_page = client.get(f"/reviews/{nomination.cycle_id}/").content.decode()
    assert nomination.teacher.full_name in cycle_page
    detail = client.get(f"/reviews/nominations/{nomination.pk}/").content.decode()
    assert 'data-testid="nomination-activities"' in detail and "/activities/" in detail
    # an office sees the nominations of its own schools only
    officer = login(client, "pgd.bavi")
    theirs = own_schools(officer).filter(pk=nomination.school_id).exists()
    assert client.get(f"/reviews/nominations/{nomination.pk}/").status_code == (200 if theirs else 404)


def test_the_leader_nominates_from_the_cycle_page(client: Client, current: Cycle) -> None:
    from chungtay.directory.models import Teacher

    leader = login(client, "ht.unghoa")
    page = client.get(f"/reviews/{current.pk}/").content.decode()
    assert 'data-testid="nomination-form"' in page
    teacher = Teacher.objects.filter(school_id=leader.school_id, is_active=True).first()
    response = client.post(
        f"/reviews/{current.pk}/nominations/",
        {"teacher": teacher.pk, "statement": "Giáo viên cốt cán, chủ trì ba chuyên đề."},
        follow=True,
    )
    body = response.content.decode()
    assert "Đã đề cử giáo viên" in body and teacher.full_name in body


def test_a_leader_whose_membership_ended_since_still_finds_the_review(client: Client, current: Cycle) -> None:
    import datetime as dt

    from chungtay.partnerships.models import PartnershipMember

    leader = login(client, "ht.unghoa")
    submission = led_submission(current)
    PartnershipMember.objects.filter(school_id=leader.school_id, valid_to__isnull=True).update(
        valid_to=dt.date.today() - dt.timedelta(days=1)
    )
    page = client.get(f"/reviews/{current.pk}/").content.decode()
    assert f"/reviews/units/{submission.pk}/" in page  # a member during the period it reviews
    assert 'data-testid="narrative-TC1"' in client.get(f"/reviews/units/{submission.pk}/").content.decode()


def test_schools_and_offices_have_their_own_results_and_pages(client: Client, current: Cycle) -> None:
    final = Cycle.objects.get(kind="final")
    login(client, "xem.hanoi")
    page = client.get(f"/reviews/{final.pk}/").content.decode()
    assert 'data-testid="results-office"' in page and "Phòng GD&amp;ĐT (" in page
    assert 'data-testid="results-school:thcs"' in page and "Trường THCS (" in page
    found = client.get(f"/reviews/{final.pk}/?q=Bình Lưu Quang").content.decode()
    assert "Trường THCS Bình Lưu Quang A" in found
    # the leader finds their school's own review in the open cycle, with the partnerships it pools
    login(client, "ht.unghoa")
    cycle_page = client.get(f"/reviews/{current.pk}/").content.decode()
    mine = Submission.objects.get(cycle=current, school_id=own_schools_of("ht.unghoa"))
    assert f"/reviews/units/{mine.pk}/" in cycle_page
    assert client.get(f"/reviews/{current.pk}/?unit=school").status_code == 200
    unit_page = client.get(f"/reviews/units/{mine.pk}/").content.decode()
    assert 'data-testid="pooled"' in unit_page and "Chấm trên dữ liệu gộp của" in unit_page
    assert 'data-testid="narrative-TC1"' in unit_page and "Vì sao có điểm này" in unit_page
    login(client, "ht.hoangmai")
    assert client.get(f"/reviews/units/{mine.pk}/").status_code == 404


def own_schools_of(username: str) -> int:
    from chungtay.accounts.models import User

    school = User.objects.get(username=username).school_id
    assert school is not None
    return school
