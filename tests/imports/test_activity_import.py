"""Activities and attendance from spreadsheets, through the activities services: export → import changes
nothing, new rows are created once, the services' rules reject rows, attendance names join the roster,
and an activities import can be undone."""

import csv
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.urls import reverse

from chungtay.access.scopes import own_schools
from chungtay.activities import facts
from chungtay.activities.models import Activity, ActivityFact, ActivitySchool, ActivityStatus, Participation
from chungtay.directory.models import Teacher
from chungtay.imports.activities import COLUMNS
from chungtay.imports.models import ImportBatch
from tests.partnerships.conftest import user

HEADER = [names[0] for names in COLUMNS.values()]


def _csv(rows, header=HEADER, name="hoat-dong.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"))


def _upload(client, kind, upload):
    response = client.post(reverse("imports:upload", args=[kind]), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def _row(**values):
    row = dict.fromkeys(COLUMNS, "")
    row.update(values)
    return [row[column] for column in COLUMNS]


def _pair_schools(leaders_pair):
    return [m.school for m in leaders_pair.members.order_by("side")]  # supported first, then supporting


def test_exported_activities_import_back_unchanged(client, as_user):
    as_user("pgd.unghoa")
    busiest = (
        ActivitySchool.objects.filter(school__in=own_schools(user("pgd.unghoa")), is_host=True)
        .values_list("school__moet_id", flat=True)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("activities:activity-export"), {"school": busiest, "format": fmt})
        assert response.status_code == 200
        batch = _upload(client, "activities", SimpleUploadedFile(f"hd.{fmt}", response.content))
        assert batch.summary["rows"] > 5
        assert batch.summary["rejected"] == 0, batch.summary["errors"][:3]
        assert (batch.summary["create"], batch.summary["update"]) == (0, 0)
        assert batch.summary["unchanged"] == batch.summary["rows"]


def test_an_activity_hosted_outside_the_importers_scope_imports_back_unchanged(client, as_user):
    """A city-tier topic hosted by a Ba Vì school (outside the Ứng Hòa officer's scope) that an Ứng Hòa
    school attended: in the officer's export, and back in unchanged, not refused for its host."""
    from chungtay.access.scopes import schools_visible_to
    from chungtay.activities.services import ActivityDetails, record_activity
    from chungtay.directory.models import School

    officer = as_user("pgd.unghoa")
    guest = own_schools(officer).filter(level="thcs").order_by("moet_id").first()
    host = (
        School.objects.filter(managements__office__code="pgd-bavi", level="thcs")
        .exclude(pk__in=schools_visible_to(officer).values("pk"))
        .order_by("moet_id")
        .first()
    )
    held = dt.date.today() - dt.timedelta(days=2)
    record_activity(
        acting_user=user("admin"),
        details=ActivityDetails(
            kind="topic", title="Chuyên đề cấp Sở: ôn thi tốt nghiệp", planned_on=held, hosts=[host],
            participants=[guest], partnerships=[], tier="city",
        ),
        held_on=held,
    )  # fmt: skip
    export = client.get(reverse("activities:activity-export"), {"school": guest.moet_id, "format": "csv"})
    assert host.moet_id in export.content.decode("utf-8-sig")
    batch = _upload(client, "activities", SimpleUploadedFile("hd.csv", export.content))
    assert batch.summary["rejected"] == 0, batch.summary["errors"][:3]
    assert batch.summary["unchanged"] == batch.summary["rows"]


def test_new_activities_are_created_once_updated_by_id_and_undone(client, as_user, leaders_pair):
    as_user("pgd.hoangmai")
    supported, supporting = _pair_schools(leaders_pair)
    held = (dt.date.today() - dt.timedelta(days=3)).strftime("%d/%m/%Y")
    rows = [
        _row(title="Chuyên đề Toán: phân số", kind="Chuyên đề", planned_on=held, held_on=held, status="held",
             hosts=supporting.moet_id, participants=supported.moet_id, partnerships=str(leaders_pair.number)),
        _row(title="Giao lưu văn nghệ mùa xuân", kind="arts_sports", mode="online", planned_on="2027-03-15",
             hosts=supporting.moet_id, participants=supported.moet_id, guests="4"),
    ]  # fmt: skip
    before = Activity.objects.count()
    batch = _upload(client, "activities", _csv(rows))
    assert (batch.summary["create"], batch.summary["rejected"]) == (2, 0), batch.summary["errors"]
    assert Activity.objects.count() == before
    assert client.post(reverse("imports:apply", args=[batch.pk])).status_code == 302
    topic = Activity.objects.get(title="Chuyên đề Toán: phân số")
    assert topic.status == ActivityStatus.HELD and list(topic.partnerships.all()) == [leaders_pair]
    assert ActivityFact.objects.filter(activity=topic).count() == 2 and facts.drift([topic.pk]) == {}
    assert {(r.school_id, r.is_host) for r in topic.schools.all()} == {
        (supporting.pk, True),
        (supported.pk, False),
    }
    assert _upload(client, "activities", _csv(rows)).summary["unchanged"] == 2

    edited = [_row(id=str(topic.pk), title="Chuyên đề Toán: phân số (lớp 4)", kind="topic", planned_on=held,
                   held_on=held, hosts=supporting.moet_id, participants=supported.moet_id,
                   partnerships=str(leaders_pair.number))]  # fmt: skip
    update = _upload(client, "activities", _csv(edited))
    assert update.summary["update"] == 1
    client.post(reverse("imports:apply", args=[update.pk]))
    topic.refresh_from_db()
    assert topic.title == "Chuyên đề Toán: phân số (lớp 4)" and topic.version == 2

    assert client.post(reverse("imports:undo", args=[batch.pk])).status_code == 409  # edited since
    undone = client.post(reverse("imports:undo", args=[update.pk]))
    assert undone.status_code == 302, undone.content.decode()[-3000:]
    assert client.post(reverse("imports:undo", args=[batch.pk])).status_code == 302
    assert Activity.objects.count() == before
    assert not ActivitySchool.objects.filter(activity_id=topic.pk).exists()
    # the undo took the figures' summaries of the activity with it
    assert not ActivityFact.objects.filter(activity_id=topic.pk).exists() and facts.drift([topic.pk]) == {}


def test_rows_breaking_the_activity_rules_are_rejected_with_reasons(client, as_user, leaders_pair):
    as_user("pgd.hoangmai")
    supported, supporting = _pair_schools(leaders_pair)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    rows = [
        _row(title="A", kind="không rõ", planned_on="01/03/2025", hosts=supporting.moet_id),  # 2: kind
        _row(title="B", kind="topic", planned_on="01/03/2025", hosts="0000000X"),  # 3: school
        _row(
            title="C", kind="topic", planned_on="01/03/2025", hosts=supporting.moet_id, partnerships="99999"
        ),
        _row(title="D", kind="topic", planned_on="31/02/2025", hosts=supporting.moet_id),  # 5: date
        _row(title="E", kind="topic", planned_on="01/03/2025", hosts=supporting.moet_id, status="cancelled"),
    ]
    batch = _upload(client, "activities", _csv(rows))
    assert {(e["row"], e["column"]) for e in batch.summary["errors"]} == {
        (2, "Loại"), (3, "Trường chủ trì (mã định danh)"), (4, "Nhóm kết nghĩa (số)"), (5, "Ngày dự kiến"),
        (6, "Trạng thái"),
    }  # fmt: skip
    future = [_row(title="F", kind="topic", planned_on=tomorrow, held_on=tomorrow, hosts=supporting.moet_id)]
    refused = _upload(client, "activities", _csv(future))
    assert refused.status == "rejected" and refused.summary["errors"][0]["row"] == 2  # the service's rule


def test_attendance_names_join_the_roster_and_a_second_import_changes_nothing(client, as_user, leaders_pair):
    as_user("pgd.hoangmai")
    supported, supporting = _pair_schools(leaders_pair)
    held = (dt.date.today() - dt.timedelta(days=2)).strftime("%d/%m/%Y")
    batch = _upload(client, "activities", _csv([
        _row(title="Dự giờ Tiếng Việt", kind="observation", planned_on=held, held_on=held,
             hosts=supporting.moet_id, participants=supported.moet_id),
    ]))  # fmt: skip
    client.post(reverse("imports:apply", args=[batch.pk]))
    activity = Activity.objects.get(title="Dự giờ Tiếng Việt")
    known = Teacher.objects.filter(school=supporting, is_active=True).order_by("pk").first()
    header = ["Mã hoạt động", "Mã định danh", "Giáo viên tham gia", "Học sinh", "Phụ huynh"]
    rows = [
        [str(activity.pk), supporting.moet_id, f"{known.full_name}; Phạm Thị Mới Nhập", "30", "2"],
        [str(activity.pk), supported.moet_id, "", "12", "0"],
    ]
    attendance = _upload(client, "attendance", _csv(rows, header, "diem-danh.csv"))
    assert attendance.summary["rejected"] == 0, attendance.summary["errors"]
    assert attendance.summary["create"] == 2
    client.post(reverse("imports:apply", args=[attendance.pk]))
    assert Participation.objects.filter(activity=activity).count() == 2
    assert Teacher.objects.filter(school=supporting, full_name="Phạm Thị Mới Nhập").exists()
    assert ActivitySchool.objects.get(activity=activity, school=supported).pupils == 12
    again = _upload(client, "attendance", _csv(rows, header, "diem-danh.csv"))
    assert again.summary["unchanged"] == 2

    wrong = [[str(activity.pk), user("gv.unghoa").school.moet_id, "Ai Đó", "1", "0"]]
    if user("gv.unghoa").school_id not in (supported.pk, supporting.pk):
        refused = _upload(client, "attendance", _csv(wrong, header, "sai.csv"))
        assert refused.status == "rejected"
