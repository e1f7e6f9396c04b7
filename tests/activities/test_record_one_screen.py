"""Recording in one screen (issue 19): the partnership taken when the school has one, the recorder ticked
present, attendance and photos saved with the activity, all or nothing."""

import datetime as dt
import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from chungtay.access.scopes import partnerships_visible_to
from chungtay.activities import exceptions as e
from chungtay.activities import services
from chungtay.activities.models import Activity, ActivityStatus, Evidence, Participation
from chungtay.directory.models import Teacher
from tests.activities.conftest import HELD
from tests.partnerships.conftest import user

TITLE = "Chuyên đề một màn hình (kiểm thử)"


def _photo(name="anh.png", size=(2400, 1600)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 110, 70)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _stored_files() -> set[str]:
    root = settings.PRIVATE_FILES_ROOT
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _own_partnership(username):
    partnerships = list(partnerships_visible_to(user(username)).exclude(status="cancelled"))
    assert len(partnerships) == 1, "the demo's teacher accounts have one partnership each"
    return partnerships[0]


def _form(partnership, teacher_user, **overrides):
    school = teacher_user.school
    others = [
        m.school.moet_id for m in partnership.members.select_related("school") if m.school_id != school.pk
    ]
    data = {
        "partnership": partnership.pk,
        "when": "held",
        "day": HELD.strftime("%d/%m/%Y"),
        "kind": "topic",
        "title": TITLE,
        "mode": "in_person",
        "tier": "school",
        "hosts": [school.moet_id],
        "participants": others,
        "guests": "0",
        "pupils": "0",
        "parents": "0",
    }
    data.update(overrides)
    return data


def test_a_teacher_with_one_partnership_goes_straight_to_the_form_ticked_present(client, as_user):
    as_user("gv.unghoa")
    teacher = user("gv.unghoa")
    partnership = _own_partnership("gv.unghoa")
    response = client.get(reverse("activities:activity-create"))
    assert response.status_code == 200
    assert response.context["partnership"] == partnership  # no "which partnership?" page
    body = response.content.decode()
    assert f'name="partnership" value="{partnership.pk}"' in body
    # the recorder is on the roster (the demo links the account to its row) and ticked from the start
    own = Teacher.objects.get(user=teacher)
    assert response.context["form"].initial["teachers"] == [str(own.pk)]
    assert f'value="{own.pk}"' in body and 'data-testid="roster"' in body
    assert (
        response.context["roster_size"]
        == Teacher.objects.filter(school=teacher.school, is_active=True).count()
    )


def test_the_recorder_is_found_by_name_when_the_account_is_not_linked(client, as_user):
    leader = user("ht.unghoa")
    namesake = Teacher.objects.filter(school=leader.school, user__isnull=True).order_by("pk").first()
    leader.full_name = namesake.full_name.upper()  # case and accents do not matter
    leader.save(update_fields=["full_name"])
    as_user("ht.unghoa")
    response = client.get(reverse("activities:activity-create"))
    assert response.context["form"].initial["teachers"] == [str(namesake.pk)]


def test_an_officer_still_chooses_the_partnership(client, as_user):
    as_user("pgd.unghoa")
    response = client.get(reverse("activities:activity-create"))
    assert response.status_code == 200
    assert 'data-testid="choose-partnership"' in response.content.decode()


def test_activity_attendance_and_photos_are_saved_together(client, as_user):
    as_user("gv.unghoa")
    teacher = user("gv.unghoa")
    partnership = _own_partnership("gv.unghoa")
    roster = list(Teacher.objects.filter(school=teacher.school, is_active=True).order_by("pk")[:5])
    response = client.post(
        reverse("activities:activity-create"),
        _form(
            partnership,
            teacher,
            teachers=[t.pk for t in roster],
            new_teachers="Vũ Thị Mới Đến\n",
            pupils="42",
            parents="3",
            photos=[_photo("a.png"), _photo("b.png", (800, 600))],
        ),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title=TITLE)
    assert (activity.status, activity.held_on) == (ActivityStatus.HELD, HELD)
    present = set(
        Participation.objects.filter(activity=activity).values_list("teacher__full_name", flat=True)
    )
    assert present == {t.full_name for t in roster} | {"Vũ Thị Mới Đến"}
    assert Teacher.objects.filter(school=teacher.school, full_name="Vũ Thị Mới Đến").count() == 1
    row = activity.schools.get(school=teacher.school)
    assert (row.pupils, row.parents) == (42, 3)
    photos = list(Evidence.objects.filter(activity=activity, kind="photo"))
    assert len(photos) == 2 and all(p.thumbnail for p in photos)
    with Image.open(photos[0].file) as image:  # re-checked and resized on the server whatever the phone sent
        assert max(image.size) <= 1920


def test_a_refused_photo_leaves_nothing_behind(client, as_user):
    as_user("gv.unghoa")
    teacher = user("gv.unghoa")
    partnership = _own_partnership("gv.unghoa")
    before_teachers = Teacher.objects.count()
    before_files = _stored_files()
    fake = SimpleUploadedFile("c.jpg", b"MZ\x90\x00\x03" + b"\x00" * 4000, content_type="image/jpeg")
    response = client.post(
        reverse("activities:activity-create"),
        _form(
            partnership,
            teacher,
            teachers=[Teacher.objects.get(user=teacher).pk],
            new_teachers="Người Sẽ Không Được Thêm",
            photos=[_photo("a.png"), fake],
        ),
    )
    assert response.status_code == 400
    assert escape(str(e.PHOTO_NOT_IMAGE)) in response.content.decode()
    assert not Activity.objects.filter(title=TITLE).exists()
    assert Teacher.objects.count() == before_teachers
    assert _stored_files() == before_files  # the first photo's files were removed with the rollback


def test_more_photos_than_allowed_are_refused(client, as_user):
    as_user("gv.unghoa")
    teacher = user("gv.unghoa")
    photos = [_photo(f"{i}.png", (40, 30)) for i in range(services.MAX_PHOTOS + 1)]
    response = client.post(
        reverse("activities:activity-create"), _form(_own_partnership("gv.unghoa"), teacher, photos=photos)
    )
    assert response.status_code == 400
    assert escape(e.TOO_MANY_PHOTOS % {"limit": services.MAX_PHOTOS}) in response.content.decode()
    assert not Activity.objects.filter(title=TITLE).exists()


def test_a_teacher_of_another_school_cannot_be_ticked(client, as_user):
    as_user("gv.unghoa")
    teacher = user("gv.unghoa")
    stranger = Teacher.objects.exclude(school=teacher.school).order_by("pk").first()
    response = client.post(
        reverse("activities:activity-create"),
        _form(_own_partnership("gv.unghoa"), teacher, teachers=[stranger.pk]),
    )
    assert response.status_code == 400
    assert not Activity.objects.filter(title=TITLE).exists()


def test_a_planned_activity_takes_no_attendance(client, as_user):
    as_user("gv.unghoa")
    teacher = user("gv.unghoa")
    later = (HELD + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    response = client.post(
        reverse("activities:activity-create"),
        _form(
            _own_partnership("gv.unghoa"),
            teacher,
            when="planned",
            day=later,
            teachers=[Teacher.objects.get(user=teacher).pk],
        ),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title=TITLE)
    assert activity.status == ActivityStatus.PLANNED
    assert not Participation.objects.filter(activity=activity).exists()
