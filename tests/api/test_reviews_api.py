"""Reviews through the API: the same services and scope as the pages — the open cycle's self-assessment
under version checks, "why" with the records, the judgement with its evidence file (multipart), a cycle
published, an appeal decided, awards proposed within the cap, and the refusals with their fields."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from chungtay.accounts.models import User
from chungtay.reviews.models import AwardKind, Cycle, Score, Stage
from tests.api.test_partnerships_api import _token
from tests.factories import pdf_bytes
from tests.reviews.conftest import led_submission


def test_why_of_a_judgement_says_it_is_not_computed(db, client: Client) -> None:  # noqa: ANN001
    """A reviewer's judgement has no records to rerun: 'why' says so (it answered a server error)."""
    headers = _token("ht.unghoa")
    cycles = client.get("/api/v1/reviews/cycles", headers=headers).json()
    current = next(c for c in cycles["results"] if c["stage"] == "self")
    submission = led_submission(Cycle.objects.get(pk=current["id"]))
    judged = Score.objects.filter(submission=submission, criterion__rule="judgement").first()
    assert judged is not None
    response = client.get(f"/api/v1/reviews/scores/{judged.pk}/why", headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "not_computed" and "người chấm" in response.json()["message"]
    client.force_login(User.objects.get(username="ht.unghoa"))
    page = client.get(f"/reviews/scores/{judged.pk}/")
    assert page.status_code == 302 and page["Location"] == f"/reviews/units/{submission.pk}/"


def test_self_assessment_and_why_through_the_api(db, client: Client) -> None:  # noqa: ANN001
    headers = _token("ht.unghoa")
    cycles = client.get("/api/v1/reviews/cycles", headers=headers).json()
    current = next(c for c in cycles["results"] if c["stage"] == "self")
    submission = led_submission(Cycle.objects.get(pk=current["id"]))
    detail = client.get(f"/api/v1/reviews/submissions/{submission.pk}", headers=headers).json()
    score = next(s for s in detail["scores"] if s["rule"] == "activities_held")
    why = client.get(score["why"], headers=headers).json()
    assert why["matches"] and len(why["records"]["activity"]) == score["records"]["activity"]
    criterion = Score.objects.get(pk=score["id"]).criterion_id
    url = f"/api/v1/reviews/submissions/{submission.pk}/criteria/{criterion}/narrative"
    missing = client.put(
        url, {"narrative": "Ba chuyên đề."}, content_type="application/json", headers=headers
    )
    assert missing.status_code == 428
    saved = client.put(
        url,
        {"narrative": "Ba chuyên đề.", "version": score["version"]},
        content_type="application/json",
        headers=headers,
    )
    assert saved.status_code == 200 and saved.json()["narrative"] == "Ba chuyên đề."
    stale = client.put(
        url,
        {"narrative": "Khác", "version": score["version"]},
        content_type="application/json",
        headers=headers,
    )
    assert stale.status_code == 409
    teacher = client.put(
        url,
        {"narrative": "x", "version": score["version"] + 1},
        content_type="application/json",
        headers=_token("gv.unghoa"),
    )
    assert teacher.status_code == 403
    submitted = client.post(
        f"/api/v1/reviews/submissions/{submission.pk}/submit",
        {"version": submission.version},
        content_type="application/json",
        headers=headers,
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    # outside the scope: not found
    assert (
        client.get(f"/api/v1/reviews/submissions/{submission.pk}", headers=_token("pgd.bavi")).status_code
        == 404
    )


def test_a_cycle_from_judgement_to_awards_through_the_api(db, client: Client) -> None:  # noqa: ANN001
    cycle = Cycle.objects.get(stage=Stage.SELF_ASSESSMENT)
    Cycle.objects.filter(pk=cycle.pk).update(stage=Stage.OFFICE_REVIEW)
    submission = led_submission(cycle)
    criterion = cycle.criteria_set.criteria.get(rule="judgement")
    score = Score.objects.get(submission=submission, criterion=criterion)
    url = f"/api/v1/reviews/submissions/{submission.pk}/criteria/{criterion.pk}/judgement"
    officer = _token("pgd.unghoa")
    no_file = client.post(
        url,
        {"points": "80", "comment": "Chuyên đề có sản phẩm cụ thể.", "version": score.version},
        headers=officer,
    )
    assert no_file.status_code == 400 and "evidence" in no_file.json()["fields"]
    judged = client.post(
        url,
        {
            "points": "80",
            "comment": "Chuyên đề có sản phẩm cụ thể.",
            "version": score.version,
            "evidence": _pdf(),
        },
        headers=officer,
    )
    assert judged.status_code == 200, judged.content
    assert float(judged.json()["points"]) == 80
    admin = _token("admin")
    version = client.get(f"/api/v1/reviews/cycles/{cycle.pk}", headers=admin).json()["version"]
    for _ in range(2):
        moved = client.post(
            f"/api/v1/reviews/cycles/{cycle.pk}/advance",
            {"version": version},
            content_type="application/json",
            headers=admin,
        )
        assert moved.status_code == 200, moved.content
        version = moved.json()["version"]
    assert moved.json()["stage"] == "published" and moved.json()["appeal_until"]
    appeal = client.post(
        f"/api/v1/reviews/submissions/{submission.pk}/appeals",
        {"criterion": criterion.pk, "reason": "Chưa tính buổi chuyên đề tháng 11."},
        content_type="application/json",
        headers=_token("ht.unghoa"),
    )
    assert appeal.status_code == 201
    decided = client.post(
        f"/api/v1/reviews/appeals/{appeal.json()['id']}/decision",
        {"upheld": False, "decision": "Buổi chuyên đề đã được tính trong điểm."},
        content_type="application/json",
        headers=admin,
    )
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"
    kind = AwardKind.objects.get(cap=2)
    proposed = client.post(
        f"/api/v1/reviews/cycles/{cycle.pk}/awards",
        {"kind": kind.pk},
        content_type="application/json",
        headers=admin,
    )
    assert proposed.status_code == 201
    categories = [a["snapshot"]["category"] for a in proposed.json()]
    assert categories and all(categories.count(c) <= 2 for c in categories)
    listed = client.get(f"/api/v1/reviews/cycles/{cycle.pk}/awards", headers=_token("xem.hanoi")).json()
    assert len(listed) == len(proposed.json())
    everyone = client.get(
        f"/api/v1/reviews/cycles/{cycle.pk}/submissions?page_size=5", headers=_token("pgd.bavi")
    ).json()
    assert everyone["count"] == cycle.submissions.count()  # published: every result


def test_refusals_name_the_field(db, client: Client) -> None:  # noqa: ANN001
    admin = _token("admin")
    bad_set = client.post(
        "/api/v1/reviews/criteria-sets",
        {
            "name": "Thử",
            "basis_number": "1/HD",
            "basis_title": "Hướng dẫn",
            "basis_date": "2024-08-01",
            "effective_from": "2024-08-01",
            "criteria": [{"code": "A", "label": "a", "rule": "reciprocity", "weight": "70"}],
        },
        content_type="application/json",
        headers=admin,
    )
    assert bad_set.status_code == 400 and "criteria" in bad_set.json()["fields"]
    current = Cycle.objects.get(stage=Stage.SELF_ASSESSMENT)
    bad_cycle = client.post(
        "/api/v1/reviews/cycles",
        {
            "kind": "interim",
            "name": "Thử",
            "criteria_set": current.criteria_set_id,
            "period_start": "2025-08-01",
            "period_end": "2026-05-31",
            "self_opens": "2026-05-10",
            "self_closes": "2026-05-01",
            "office_review_by": "2026-05-20",
            "department_review_by": "2026-05-25",
            "publish_by": "2026-05-30",
        },
        content_type="application/json",
        headers=admin,
    )
    assert bad_cycle.status_code == 400 and "self_closes" in bad_cycle.json()["fields"]
    assert client.post(
        "/api/v1/reviews/cycles", {}, content_type="application/json", headers=_token("gv.unghoa")
    ).status_code in (400, 403)


def _pdf():  # noqa: ANN202
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("bien-ban.pdf", pdf_bytes(), content_type="application/pdf")


def test_a_leader_nominates_through_the_api(db, client: Client) -> None:  # noqa: ANN001
    from chungtay.accounts.models import User
    from chungtay.directory.models import Teacher

    leader = User.objects.get(username="ht.unghoa")
    cycle = Cycle.objects.get(stage=Stage.SELF_ASSESSMENT)
    teacher = Teacher.objects.filter(school_id=leader.school_id, is_active=True).first()
    url = f"/api/v1/reviews/cycles/{cycle.pk}/nominations"
    made = client.post(
        url,
        {"teacher": teacher.pk, "statement": "Giáo viên cốt cán."},
        content_type="application/json",
        headers=_token("ht.unghoa"),
    )
    assert made.status_code == 201 and made.json()["teacher_name"] == teacher.full_name
    twice = client.post(
        url,
        {"teacher": teacher.pk, "statement": "Giáo viên cốt cán."},
        content_type="application/json",
        headers=_token("ht.unghoa"),
    )
    assert twice.status_code == 400 and "teacher" in twice.json()["fields"]
    listed = client.get(url, headers=_token("admin")).json()
    assert teacher.pk in [row["teacher"] for row in listed]


def test_schools_and_offices_as_units_through_the_api(db, client: Client) -> None:  # noqa: ANN001
    final = Cycle.objects.get(kind="final")
    headers = _token("xem.hanoi")
    units: dict[str, dict] = {}
    number, seen, size = 1, 0, settings.API_MAX_PAGE_SIZE
    while True:
        url = f"/api/v1/reviews/cycles/{final.pk}/submissions?page={number}&page_size={size}"
        page = client.get(url, headers=headers).json()
        for row in page["results"]:
            units.setdefault(row["unit"], row)
        seen += len(page["results"])
        if not page["results"] or seen >= page["count"]:
            break
        number += 1
    assert seen == final.submissions.count()
    assert set(units) == {"partnership", "school", "office"}
    assert units["school"]["school"] and units["school"]["partnership"] is None
    assert units["office"]["office"] and units["office"]["category"] == "office"
    assert client.get(f"/api/v1/reviews/cycles/{final.pk}", headers=headers).json()["review_offices"] is True
