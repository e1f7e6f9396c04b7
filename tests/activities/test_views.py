import datetime as dt
import html
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from chungtay.activities import exceptions as e
from chungtay.activities import services
from chungtay.activities.models import Activity, ActivityStatus, Evidence, Participation
from chungtay.core.dates import today
from chungtay.core.evidence import PHOTO_LIMIT_MB
from chungtay.core.versioning import STALE_VERSION
from tests.activities.conftest import HELD, details
from tests.factories import pdf_bytes
from tests.partnerships.conftest import public_school, user


def _png(size=(1200, 900)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def _form(pair, **overrides):
    data = {
        "partnership": pair.pk,
        "when": "held",
        "day": HELD.strftime("%d/%m/%Y"),
        "kind": "topic",
        "title": "Chuyên đề thử nghiệm Toán 9 (kiểm thử)",
        "mode": "in_person",
        "tier": "school",
        "subject": "Toán",
        "grade": "9",
        "hosts": [user("ht.hoangmai").school.moet_id],
        "participants": [user("ht.unghoa").school.moet_id],
        "guests": "0",
    }
    data.update(overrides)
    return data


def test_the_record_page_is_prefilled_from_the_partnership(client, as_user, pair):
    as_user("gv.hoangmai")
    response = client.get(reverse("activities:activity-create"), {"partnership": pair.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["hosts"] == [user("ht.hoangmai").school.moet_id]
    assert user("ht.unghoa").school.moet_id in form.initial["participants"]
    assert form.initial["day"] == today()


def test_a_teacher_records_an_activity_from_the_form(client, as_user, pair):
    as_user("gv.hoangmai")
    response = client.post(reverse("activities:activity-create"), _form(pair))
    activity = Activity.objects.get(title="Chuyên đề thử nghiệm Toán 9 (kiểm thử)")
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:activity-detail", args=[activity.pk])
    assert (activity.status, activity.held_on, activity.grade) == (ActivityStatus.HELD, HELD, 9)
    assert list(activity.partnerships.all()) == [pair]


def test_a_future_held_date_re_renders_the_form_and_saves_nothing(client, as_user, pair):
    as_user("gv.hoangmai")
    future = today() + dt.timedelta(days=2)
    response = client.post(
        reverse("activities:activity-create"), _form(pair, day=future.strftime("%d/%m/%Y"))
    )
    assert response.status_code == 400
    assert e.HELD_IN_FUTURE % {"day": future.strftime("%d/%m/%Y")} in response.content.decode()
    assert not Activity.objects.filter(title="Chuyên đề thử nghiệm Toán 9 (kiểm thử)").exists()


def test_a_forged_school_is_refused(client, as_user, pair):
    as_user("gv.hoangmai")
    response = client.post(
        reverse("activities:activity-create"), _form(pair, other_participants="99999999, 010000001")
    )
    assert response.status_code == 400
    assert "99999999" in response.content.decode()
    assert not Activity.objects.filter(title="Chuyên đề thử nghiệm Toán 9 (kiểm thử)").exists()


def test_a_partnership_outside_the_scope_answers_404(client, as_user, pair):
    as_user("pgd.bavi")
    assert client.get(reverse("activities:activity-create"), {"partnership": pair.pk}).status_code == 404


def test_attendance_sheet_ticks_colleagues_and_adds_missing_names(client, as_user, topic, roster):
    as_user("gv.hoangmai")
    school = user("ht.hoangmai").school
    url = reverse("activities:attendance", args=[topic.pk, school.moet_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "teachers": [roster["hm1"].pk, roster["hm2"].pk],
            "pupils": "35",
            "parents": "2",
            "new_teachers": "Vũ Hải Yến",
        },
    )
    assert response.status_code == 302
    names = set(Participation.objects.filter(activity=topic).values_list("teacher__full_name", flat=True))
    assert names == {"Nguyễn Thị Lan", "Trần Văn Minh", "Vũ Hải Yến"}
    assert topic.schools.get(school=school).pupils == 35


def test_attendance_refuses_a_teacher_of_another_school(client, as_user, topic, roster):
    as_user("gv.hoangmai")
    url = reverse("activities:attendance", args=[topic.pk, user("ht.hoangmai").school.moet_id])
    response = client.post(url, {"teachers": [roster["uh1"].pk], "pupils": "0", "parents": "0"})
    assert response.status_code == 400
    assert not Participation.objects.filter(activity=topic).exists()


def test_attendance_of_the_partner_school_is_theirs_to_record(client, as_user, topic):
    as_user("gv.hoangmai")
    url = reverse("activities:attendance", args=[topic.pk, user("ht.unghoa").school.moet_id])
    # the host's teacher may edit the whole activity, so may record for the partner as well
    assert client.get(url).status_code == 200
    as_user("gv.unghoa")
    url = reverse("activities:attendance", args=[topic.pk, user("ht.hoangmai").school.moet_id])
    assert client.get(url).status_code == 403


def test_a_photo_is_resized_with_a_thumbnail(client, as_user, topic):
    as_user("gv.unghoa")
    photo = SimpleUploadedFile("anh.png", _png((3000, 2000)), content_type="image/png")
    response = client.post(
        reverse("activities:evidence-add", args=[topic.pk]),
        {"kind": "photo", "title": "Tiết dạy", "file": photo},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(activity=topic)
    with Image.open(evidence.file) as image:
        assert max(image.size) == 1920
    with Image.open(evidence.thumbnail) as thumb:
        assert max(thumb.size) == 320
    assert evidence.history.first().history_user == user("gv.unghoa")
    served = client.get(reverse("activities:evidence-file", args=[evidence.pk]), {"size": "thumb"})
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_an_executable_renamed_jpg_is_refused(client, as_user, topic):
    as_user("gv.unghoa")
    fake = SimpleUploadedFile("anh.jpg", b"MZ\x90\x00\x03" + b"\x00" * 4000, content_type="image/jpeg")
    response = client.post(
        reverse("activities:evidence-add", args=[topic.pk]), {"kind": "photo", "file": fake}
    )
    assert response.status_code == 400
    assert str(e.PHOTO_NOT_IMAGE) in response.content.decode()
    fake.seek(0)
    response = client.post(
        reverse("activities:evidence-add", args=[topic.pk]), {"kind": "minutes", "file": fake}
    )
    assert response.status_code == 400
    assert not Evidence.objects.filter(activity=topic).exists()


def test_an_oversized_photo_is_refused(client, as_user, topic):
    as_user("gv.unghoa")
    big = SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (PHOTO_LIMIT_MB * 1024 * 1024 + 1))
    response = client.post(
        reverse("activities:evidence-add", args=[topic.pk]), {"kind": "photo", "file": big}
    )
    assert response.status_code == 400
    assert e.FILE_TOO_LARGE % {"limit": PHOTO_LIMIT_MB} in response.content.decode()
    assert not Evidence.objects.filter(activity=topic).exists()


def test_a_50_mb_photo_is_refused_before_it_is_read(client, as_user, topic):
    as_user("gv.unghoa")
    response = client.post(
        reverse("activities:evidence-add", args=[topic.pk]),
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert not Evidence.objects.filter(activity=topic).exists()


def test_private_evidence_stays_with_the_partners_shareable_goes_to_the_department(client, as_user, topic):
    pdf = SimpleUploadedFile("giao-an.pdf", pdf_bytes("lesson plan"), content_type="application/pdf")
    private = services.attach_evidence(
        acting_user=user("gv.hoangmai"), activity=topic, kind="lesson_plan", upload=pdf
    )
    outsider = public_school("pgd-bavi", "thcs")
    from tests.factories import UserFactory

    stranger = UserFactory(role="teacher", school=outsider)
    stranger.save()
    client.force_login(stranger)
    assert client.get(reverse("activities:activity-detail", args=[topic.pk])).status_code == 404
    assert client.get(reverse("activities:evidence-file", args=[private.pk])).status_code == 404
    slides = SimpleUploadedFile("slides.pdf", pdf_bytes("slides"), content_type="application/pdf")
    shared = services.attach_evidence(
        acting_user=user("gv.hoangmai"), activity=topic, kind="slides", upload=slides, shareable=True
    )
    page = client.get(reverse("activities:activity-detail", args=[topic.pk]))
    assert page.status_code == 200
    assert list(page.context["evidence"]) == [shared]
    assert client.get(reverse("activities:evidence-file", args=[shared.pk])).status_code == 200
    assert client.get(reverse("activities:evidence-file", args=[private.pk])).status_code == 404
    # a shareable document does not open the attendance sheets to outsiders
    url = reverse("activities:attendance", args=[topic.pk, user("ht.hoangmai").school.moet_id])
    assert client.get(url).status_code == 404


def test_search_ignores_accents_and_the_figures_count_people(client, as_user, topic, roster):
    services.record_attendance(
        acting_user=user("gv.hoangmai"),
        activity=topic,
        school=user("ht.hoangmai").school,
        teachers=[roster["hm1"], roster["hm2"]],
        pupils=12,
        parents=0,
    )
    as_user("gv.unghoa")
    response = client.get(
        reverse("activities:activity-list"),
        {"q": "chuyen de ngu van", "partnership": topic.partnerships.get().pk},
    )
    assert response.status_code == 200
    assert [a.pk for a in response.context["page"].object_list] == [topic.pk]
    figures = response.context["figures"]
    assert (figures.held, figures.participations, figures.teachers, figures.pupils) == (1, 2, 2, 12)


def test_the_list_page_runs_a_bounded_number_of_queries(client, as_user, django_assert_max_num_queries):
    as_user("admin")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("activities:activity-list")).status_code == 200


def test_export_has_the_filtered_rows_with_moet_ids(client, as_user, topic):
    as_user("gv.unghoa")
    response = client.get(reverse("activities:activity-export"), {"partnership": topic.partnerships.get().pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã hoạt động"
    mine = [r for r in rows[1:] if r[0] == topic.pk]
    assert len(mine) == 1
    assert mine[0][12] == user("ht.hoangmai").school.moet_id
    assert mine[0][13] == user("ht.unghoa").school.moet_id
    assert mine[0][9].date() == HELD


def test_calendar_shows_the_month(client, as_user, pair):
    planned = services.record_activity(
        acting_user=user("gv.hoangmai"),
        details=details(pair, planned_on=today() + dt.timedelta(days=1), title="Giao lưu văn nghệ"),
    )
    as_user("gv.unghoa")
    month = planned.planned_on.strftime("%Y-%m")
    response = client.get(reverse("activities:activity-calendar"), {"partnership": pair.pk, "month": month})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Giao lưu văn nghệ" in body
    # the day's line: status, title, kind and the schools, the host first
    line = re.search(r"<li class=\"mb-1\">(.*?)</li>", body, re.S).group(1)
    host, guest = user("ht.hoangmai").school.name, user("ht.unghoa").school.name
    assert f"{host}, {guest}" in html.unescape(line)
    assert planned.get_kind_display() in line and planned.get_status_display() in line


def test_confirm_with_a_stale_version_is_a_conflict(client, as_user, pair):
    planned = services.record_activity(
        acting_user=user("gv.hoangmai"), details=details(pair, planned_on=HELD - dt.timedelta(days=1))
    )
    as_user("ht.hoangmai")
    url = reverse("activities:activity-confirm", args=[planned.pk])
    assert client.post(url, {"held_on": HELD.strftime("%d/%m/%Y"), "version": "1"}).status_code == 302
    response = client.post(url, {"held_on": HELD.strftime("%d/%m/%Y"), "version": "1"})
    assert response.status_code in (400, 409)
    planned.refresh_from_db()
    assert planned.version == 2


def test_postponing_from_a_stale_page_is_refused(client, as_user, pair):
    planned = services.record_activity(
        acting_user=user("gv.hoangmai"), details=details(pair, planned_on=today() + dt.timedelta(days=3))
    )
    services.edit_activity(
        acting_user=user("gv.hoangmai"),
        activity=planned,
        details=details(pair, planned_on=planned.planned_on),
        expected_version=1,
    )
    as_user("ht.hoangmai")
    response = client.post(
        reverse("activities:activity-postpone", args=[planned.pk]),
        {"reason": "Trùng lịch thi", "version": "1"},
    )
    assert response.status_code == 409
    assert str(STALE_VERSION) in response.content.decode()


def test_partnership_page_shows_its_activities(client, as_user, topic, pair):
    as_user("gv.unghoa")
    response = client.get(reverse("partnerships:partnership-detail", args=[pair.pk]))
    assert topic.title in response.content.decode()
    assert response.context["activity_figures"].held == 1


def test_the_calendar_drops_no_activity_of_a_busy_day(client, as_user, monkeypatch):
    """Issue 14: the calendar showed the first 500 activities of a month and silently left the rest out.
    Each day now lists its first few and links the rest to the list of that day."""
    from django.db.models import Count

    from chungtay.activities import views
    from chungtay.activities.models import Activity

    monkeypatch.setattr(views, "CALENDAR_PER_DAY", 2)
    busiest = (
        Activity.objects.values("planned_on").annotate(n=Count("pk")).order_by("-n", "planned_on").first()
    )
    day, count = busiest["planned_on"], busiest["n"]
    assert count > 2
    month_total = Activity.objects.filter(planned_on__year=day.year, planned_on__month=day.month).count()
    as_user("admin")
    page = client.get(reverse("activities:activity-calendar"), {"month": day.strftime("%Y-%m")})
    body = page.content.decode()
    sections = re.findall(r'data-testid="calendar-day">(.*?)</section>', body, re.S)
    listed = sum(section.count("<li") for section in sections)
    more = sum(int(n) for n in re.findall(r'data-testid="calendar-more"[^>]*>\D*(\d+)', body))
    assert listed + more == month_total  # every activity of the month is listed or counted
    link = re.search(rf'href="([^"]*day={day:%d/%m/%Y})"', body.replace("&amp;", "&"))
    assert link, "the busy day links to its list"
    listing = client.get(link.group(1))
    assert listing.status_code == 200
    assert listing.context["page"].paginator.count == count


def test_the_same_activity_saved_twice_is_flagged_before_it_is_saved(client, as_user, pair):
    as_user("gv.hoangmai")
    url = reverse("activities:activity-create")
    assert client.post(url, _form(pair)).status_code == 302
    # the same partnership, day and title (written differently: case and accents ignored) is flagged
    again = client.post(url, _form(pair, title="CHUYEN DE THU NGHIEM TOAN 9 (KIEM THU)"))
    body = again.content.decode()
    assert again.status_code == 400
    assert 'data-testid="duplicates"' in body and "đã được ghi nhận" in body
    assert Activity.objects.filter(partnerships=pair, held_on=HELD, title_key__contains="toan 9").count() == 1
    # ticked as another activity: saved
    anyway = client.post(url, _form(pair, title="Chuyên đề thử nghiệm Toán 9 (kiểm thử)", save_anyway="on"))
    assert anyway.status_code == 302
    assert (
        Activity.objects.filter(partnerships=pair, title="Chuyên đề thử nghiệm Toán 9 (kiểm thử)").count()
        == 2
    )
    # another day is another activity
    other_day = (HELD - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    assert client.post(url, _form(pair, day=other_day)).status_code == 302
