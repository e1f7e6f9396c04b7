import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chungtay.partnerships import exceptions as e
from chungtay.partnerships.models import Agreement, AgreementStatus, Partnership, PartnershipStatus
from chungtay.partnerships.services import draft_agreement, send_for_signature
from tests.factories import pdf_bytes
from tests.partnerships.conftest import public_school, user

SIGN = {"signer_name": "Lãnh đạo nhà trường", "position": "Hiệu trưởng", "confirm": "on"}


def test_officer_creates_a_group_from_the_form(client, as_user, hm_uh):
    as_user("pgd.hoangmai")
    lead = public_school("pgd-hoangmai", "thcs", 2)
    partners = [public_school("pgd-unghoa", "thcs", i) for i in (4, 5)]
    response = client.post(
        reverse("partnerships:partnership-create"),
        {
            "twinning": hm_uh.pk,
            "supporting": [lead.pk],
            "supported": [p.pk for p in partners],
            "starts_on": "15/09/2024",
            "is_pilot": "on",
            "pilot_wave": "2",
        },
    )
    assert response.status_code == 302
    group = Partnership.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert group.starts_on == dt.date(2024, 9, 15)
    assert group.members.count() == 3
    assert (group.is_pilot, group.pilot_wave) == (True, 2)


def test_the_form_shows_the_rule_a_group_breaks(client, as_user, hm_uh):
    as_user("pgd.hoangmai")
    response = client.post(
        reverse("partnerships:partnership-create"),
        {
            "twinning": hm_uh.pk,
            "supporting": [public_school("pgd-hoangmai", "mn").pk],
            "supported": [public_school("pgd-unghoa", "thcs").pk],
            "starts_on": "15/09/2024",
        },
    )
    assert response.status_code == 400
    assert str(e.LEVELS_DIFFER) in response.content.decode()


def test_a_forged_school_id_in_the_form_is_refused(client, as_user, hm_uh):
    as_user("pgd.hoangmai")
    ba_vi = public_school("pgd-bavi", "thcs")
    before = Partnership.objects.count()
    response = client.post(
        reverse("partnerships:partnership-create"),
        {
            "twinning": hm_uh.pk,
            "supporting": [public_school("pgd-hoangmai", "thcs").pk],
            "supported": [ba_vi.pk],
            "starts_on": "15/09/2024",
        },
    )
    assert response.status_code == 400
    assert Partnership.objects.count() == before


def test_a_forged_twinning_is_404(client, as_user):
    as_user("pgd.bavi")
    from chungtay.partnerships.models import OfficeTwinning

    other = OfficeTwinning.objects.get(
        supporting_office__code="pgd-hoangmai", supported_office__code="pgd-unghoa"
    )
    assert client.get(reverse("partnerships:partnership-create"), {"twinning": other.pk}).status_code == 404
    assert client.get(reverse("partnerships:partnership-create"), {"twinning": "x"}).status_code == 404


def test_list_filters(client, as_user):
    as_user("admin")
    url = reverse("partnerships:partnership-list")
    everything = client.get(url).context["page"].paginator.count
    pilots = client.get(url, {"pilot": "yes"}).context["page"]
    assert 0 < pilots.paginator.count < everything
    assert all(p.is_pilot for p in pilots.object_list)
    without = client.get(url, {"agreement": "none"}).context["page"]
    assert all(not p.has_active_agreement for p in without.object_list)
    thpt = client.get(url, {"level": "thpt"}).context["page"]
    assert thpt.paginator.count == Partnership.objects.filter(level="thpt").count() > 0
    assert client.get(url, {"status": "nonsense"}).status_code == 400


def test_expiring_filter_finds_agreements_ending_within_30_days(client, as_user, leaders_pair):
    agreement = draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=leaders_pair, kind="memorandum", title="x", terms="y"
    )
    Agreement.objects.filter(pk=agreement.pk).update(
        status=AgreementStatus.ACTIVE,
        activated_on=dt.date(2024, 1, 1),
        valid_to=dt.date.today() + dt.timedelta(days=10),
    )
    as_user("pgd.hoangmai")
    page = client.get(reverse("partnerships:partnership-list"), {"agreement": "expiring"}).context["page"]
    assert leaders_pair in page.object_list


def test_a_school_sees_my_partnerships(client, as_user):
    leader = as_user("ht.unghoa")
    page = client.get(reverse("partnerships:partnership-list")).context["page"]
    assert page.paginator.count >= 1
    for partnership in page.object_list:
        assert partnership.members.filter(school=leader.school).exists()


def test_list_query_count_is_bounded(client, as_user, django_assert_max_num_queries):
    as_user("admin")
    with django_assert_max_num_queries(15):
        client.get(reverse("partnerships:partnership-list"))


def test_overview_shows_the_seed_kind_of_figures(client, as_user):
    as_user("admin")
    body = client.get(reverse("partnerships:overview")).content.decode()
    assert "30 / 30" in body
    assert "100,0%" in body


def test_overview_lists_partnerships_and_agreements_by_status_with_their_counts(client, as_user):
    """The two status cards were empty: the template looped over `.items` of lists."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    from chungtay.directory.models import SchoolLevel

    as_user("admin")
    body = client.get(reverse("partnerships:overview")).content.decode()
    department = user("admin").office.tenant
    for status, label in PartnershipStatus.choices:
        n = Partnership.objects.filter(department=department, status=status).count()
        if n:
            assert f"{label}: <strong>{intcomma(n)}</strong>" in body, label
    for status, label in AgreementStatus.choices:
        n = Agreement.objects.filter(partnership__department=department, status=status).count()
        if n:
            assert f"{label}: <strong>{intcomma(n)}</strong>" in body, label
    assert str(SchoolLevel.LOWER_SECONDARY.label) in body  # levels by name, not by code


def test_leader_signs_on_the_page_and_the_last_signature_brings_it_into_force(client, as_user, leaders_pair):
    agreement = draft_agreement(
        acting_user=user("pgd.hoangmai"),
        partnership=leaders_pair,
        kind="memorandum",
        title="BBGN",
        terms="Nội dung",
    )
    send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    url = reverse("partnerships:agreement-sign", args=[agreement.pk])
    as_user("ht.hoangmai")
    # signing asks the signer's name and position and a confirmation: without it nothing is signed
    unconfirmed = client.post(url, {"signer_name": "Nguyễn Thị Hoa", "position": "Hiệu trưởng"})
    assert unconfirmed.status_code == 400 and "Hãy đánh dấu xác nhận để ký" in unconfirmed.content.decode()
    assert agreement.signatures.count() == 0
    assert client.post(url, {**SIGN, "signer_name": "Nguyễn Thị Hoa"}).status_code == 302
    assert agreement.signatures.get().signer_name == "Nguyễn Thị Hoa"
    as_user("gv.unghoa")
    response = client.post(url, SIGN)
    assert response.status_code == 403
    assert str(e.ONLY_LEADER_SIGNS % {"school": user("gv.unghoa").school.name}) in response.content.decode()
    as_user("ht.unghoa")
    assert client.post(url, SIGN).status_code == 302
    agreement.refresh_from_db()
    leaders_pair.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert leaders_pair.status == PartnershipStatus.ACTIVE


def test_signing_twice_on_the_page_is_a_conflict(client, as_user, leaders_pair):
    agreement = draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=leaders_pair, kind="memorandum", title="x", terms="y"
    )
    send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    as_user("ht.hoangmai")
    url = reverse("partnerships:agreement-sign", args=[agreement.pk])
    client.post(url, SIGN)
    response = client.post(url, SIGN)
    assert response.status_code == 409
    assert agreement.signatures.count() == 1


def test_an_executable_renamed_pdf_is_refused_on_the_page(client, as_user, leaders_pair):
    agreement = draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=leaders_pair, kind="memorandum", title="x", terms="y"
    )
    as_user("pgd.hoangmai")
    response = client.post(
        reverse("partnerships:agreement-scan", args=[agreement.pk]),
        {"scan": SimpleUploadedFile("scan.pdf", b"MZ\x90\x00\x03 this is a program")},
    )
    assert response.status_code == 400
    assert str(e.FILE_NOT_SCAN) in response.content.decode()
    agreement.refresh_from_db()
    assert not agreement.signed_scan


def test_an_outsider_gets_404_for_an_agreement(client, as_user, leaders_pair):
    agreement = draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=leaders_pair, kind="memorandum", title="x", terms="y"
    )
    as_user("pgd.bavi")
    assert client.get(reverse("partnerships:agreement-detail", args=[agreement.pk])).status_code == 404
    assert client.post(reverse("partnerships:agreement-send", args=[agreement.pk])).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_editing_a_draft_with_a_stale_version_is_refused(client, as_user, leaders_pair):
    agreement = draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=leaders_pair, kind="memorandum", title="x", terms="y"
    )
    as_user("ht.hoangmai")
    data = {
        "kind": "memorandum",
        "title": "Tiêu đề mới",
        "terms": "z",
        "number": "",
        "valid_from": "",
        "valid_to": "",
        "version": 7,
    }
    response = client.post(reverse("partnerships:agreement-edit", args=[agreement.pk]), data)
    assert response.status_code == 409
    agreement.refresh_from_db()
    assert agreement.title == "x"


def test_an_end_before_the_start_is_refused(client, as_user, leaders_pair):
    as_user("pgd.hoangmai")
    response = client.post(
        reverse("partnerships:agreement-create", args=[leaders_pair.pk]),
        {
            "kind": "memorandum",
            "title": "x",
            "terms": "y",
            "valid_from": "01/09/2025",
            "valid_to": "01/09/2024",
        },
    )
    assert response.status_code == 400
    assert not leaders_pair.agreements.exists()


def test_a_200_mb_upload_is_refused_before_it_is_read(client, as_user, leaders_pair):
    agreement = draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=leaders_pair, kind="memorandum", title="x", terms="y"
    )
    as_user("pgd.hoangmai")
    response = client.post(
        reverse("partnerships:agreement-scan", args=[agreement.pk]),
        {"scan": SimpleUploadedFile("scan.pdf", pdf_bytes())},
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "25 MB" in response.content.decode()
    agreement.refresh_from_db()
    assert not agreement.signed_scan


def test_commitments_are_followed_up_once_in_force(client, as_user, leaders_pair):
    from decimal import Decimal

    from chungtay.partnerships.models import CommitmentStatus
    from chungtay.partnerships.services import add_commitment, sign_agreement

    agreement = draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=leaders_pair, kind="memorandum", title="x", terms="y"
    )
    commitment = add_commitment(
        acting_user=user("pgd.hoangmai"),
        agreement=agreement,
        school=user("ht.hoangmai").school,
        area="digital",
        description="Chia sẻ học liệu số",
        target_value=Decimal(3),
    )
    url = reverse("partnerships:commitment-status", args=[agreement.pk, commitment.pk])
    as_user("ht.unghoa")
    assert client.post(url, {"status": "done", "version": 1}).status_code == 409  # still a draft
    send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    for leader in ("ht.hoangmai", "ht.unghoa"):
        sign_agreement(acting_user=user(leader), agreement=agreement, school=user(leader).school)
    assert client.post(url, {"status": "done", "version": 1}).status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DONE
    assert client.post(url, {"status": "missed", "version": 1}).status_code == 409  # stale version
    assert client.post(url, {"status": "nonsense", "version": 2}).status_code == 400
    as_user("gv.unghoa")
    assert client.post(url, {"status": "missed", "version": 2}).status_code == 403
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DONE


def test_adding_an_unknown_school_on_the_page_says_so_and_changes_nothing(client, as_user, leaders_pair):
    as_user("pgd.hoangmai")
    before = leaders_pair.members.count()
    response = client.post(
        reverse("partnerships:member-add", args=[leaders_pair.pk]),
        {"school": "0000000000", "side": "supported", "joined_on": "01/01/2025"},
    )
    assert response.status_code == 400
    assert "Không có trường mang mã định danh này" in response.content.decode()
    assert leaders_pair.members.count() == before


def test_a_member_leaving_with_a_malformed_date_is_refused(client, as_user, leaders_pair):
    as_user("pgd.hoangmai")
    member = leaders_pair.members.first()
    response = client.post(
        reverse("partnerships:member-leave", args=[leaders_pair.pk, member.pk]), {"left_on": "32/13/2025"}
    )
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.valid_to is None


def test_a_teacher_cannot_add_members(client, as_user, leaders_pair):
    as_user("gv.hoangmai")
    response = client.post(
        reverse("partnerships:member-add", args=[leaders_pair.pk]),
        {"school": user("ht.unghoa").school.moet_id, "side": "supported", "joined_on": "01/01/2025"},
    )
    assert response.status_code == 403
