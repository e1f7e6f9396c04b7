"""Partnerships and membership from a spreadsheet, through the partnerships services: new groups by label,
new members of numbered groups; idempotent; the dry run is the apply's verdict; export → import; undo."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chungtay.imports.models import ImportBatch
from chungtay.partnerships.models import Partnership, PartnershipMember
from tests.partnerships.conftest import public_school

HEADER = ["Số nhóm", "Nhóm mới", "Mã định danh", "Bên", "Ngày bắt đầu", "Thí điểm", "Lý do khác cấp học"]


def _csv(rows, header=HEADER):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return SimpleUploadedFile("nhom.csv", buffer.getvalue().encode("utf-8"))


def _upload(client, upload):
    response = client.post(reverse("imports:upload", args=["partnerships"]), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def test_new_groups_are_created_through_the_services_once(client, as_user, hm_uh):
    as_user("pgd.unghoa")
    hm1, hm2 = public_school("pgd-hoangmai", "th", 5), public_school("pgd-hoangmai", "thcs", 5)
    uh1, uh2, uh3 = (public_school("pgd-unghoa", "th", 7), public_school("pgd-unghoa", "th", 8),
                     public_school("pgd-unghoa", "thcs", 7))  # fmt: skip
    rows = [
        ["", "A", hm1.moet_id, "Hỗ trợ", "05/09/2025", "Có", ""],
        ["", "A", uh1.moet_id, "Được hỗ trợ", "05/09/2025", "", ""],
        ["", "A", uh2.moet_id, "supported", "05/09/2025", "", ""],
        ["", "B", hm2.moet_id, "hỗ trợ", "2025-09-05", "", ""],
        ["", "B", uh3.moet_id, "được hỗ trợ", "2025-09-05", "", ""],
    ]
    before = Partnership.objects.count()
    last = Partnership.objects.order_by("-pk").values_list("pk", flat=True).first()
    batch = _upload(client, _csv(rows))
    assert batch.status == "previewed", batch.summary
    assert (batch.summary["create"], batch.summary["unchanged"]) == (2, 0)
    assert Partnership.objects.count() == before  # the dry run rolled back
    assert client.post(reverse("imports:apply", args=[batch.pk])).status_code == 302
    assert Partnership.objects.count() == before + 2
    group = Partnership.objects.filter(pk__gt=last).get(members__school=uh2)
    assert group.twinning == hm_uh
    assert group.is_pilot and set(group.members.values_list("school_id", flat=True)) == {
        hm1.pk,
        uh1.pk,
        uh2.pk,
    }
    assert group.history.earliest().history_change_reason.startswith(f"import #{batch.pk}")

    again = _upload(client, _csv(rows))
    assert (again.summary["create"], again.summary["unchanged"]) == (0, 2)

    undo = client.post(reverse("imports:undo", args=[batch.pk]))
    assert undo.status_code == 302 and Partnership.objects.count() == before
    assert (
        not PartnershipMember.objects.filter(school=uh2, partnership__twinning=hm_uh, valid_to=None)
        .exclude(partnership__number__lt=group.number)
        .exists()
    )


def test_members_join_a_numbered_group_and_the_services_rules_reject_rows(client, as_user, leaders_pair):
    as_user("pgd.hoangmai")
    newcomer = public_school("pgd-unghoa", leaders_pair.level, 9)
    other_level = public_school("pgd-unghoa", "mn", 0)
    wrong_side = public_school("pgd-hoangmai", leaders_pair.level, 9)
    rows = [
        [str(leaders_pair.number), "", newcomer.moet_id, "Được hỗ trợ", "01/10/2025", "", ""],
    ]
    batch = _upload(client, _csv(rows))
    assert (batch.summary["update"], batch.summary["rejected"]) == (1, 0)
    client.post(reverse("imports:apply", args=[batch.pk]))
    assert leaders_pair.members.filter(school=newcomer, valid_to=None).exists()
    assert _upload(client, _csv(rows)).summary["unchanged"] == 1  # already a member

    bad = [
        ["", "C", wrong_side.moet_id, "Được hỗ trợ", "01/10/2025", "", ""],  # a Hoàng Mai school supported
        ["", "C", other_level.moet_id, "Hỗ trợ", "01/10/2025", "", ""],
        ["99999", "", newcomer.moet_id, "Hỗ trợ", "01/10/2025", "", ""],  # no such group
        ["", "", newcomer.moet_id, "Hỗ trợ", "01/10/2025", "", ""],  # neither number nor label
        ["", "D", newcomer.moet_id, "bên thứ ba", "32/13/2025", "", ""],
    ]
    rejected = _upload(client, _csv(bad))
    cells = {(e["row"], e["column"]) for e in rejected.summary["errors"]}
    assert {(4, "Số nhóm"), (5, "Nhóm mới"), (6, "Bên"), (6, "Ngày bắt đầu")} <= cells
    assert rejected.status == "rejected"
    only_groups = _upload(client, _csv(bad[:2]))
    assert (
        only_groups.status == "rejected" and only_groups.summary["errors"][0]["row"] == 2
    )  # a service refusal


def test_the_partnership_list_exports_in_the_import_columns_and_reimports_unchanged(
    client, as_user, leaders_pair
):
    as_user("pgd.hoangmai")
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("partnerships:partnership-export"), {"format": fmt})
        assert response.status_code == 200
        batch = _upload(client, SimpleUploadedFile(f"nhom.{fmt}", response.content))
        assert batch.summary["rejected"] == 0, batch.summary["errors"][:3]
        assert batch.summary["create"] == batch.summary["update"] == 0 and batch.summary["unchanged"] > 0
