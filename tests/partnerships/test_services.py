import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max

from chungtay.core import files
from chungtay.core.dates import today
from chungtay.core.errors import ConflictError
from chungtay.partnerships import exceptions as e
from chungtay.partnerships import services
from chungtay.partnerships.models import (
    Agreement,
    AgreementStatus,
    Commitment,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    Side,
)
from chungtay.partnerships.selectors import members_on
from tests.factories import DepartmentFactory, DistrictOfficeFactory, pdf_bytes
from tests.partnerships.conftest import office, public_school, user

END = today() + dt.timedelta(days=365)


def _message(excinfo) -> str:
    return str(excinfo.value.message)


# --- twinning --------------------------------------------------------------------------------------------


def test_only_the_city_admin_twins_offices(db):
    with pytest.raises(e.NotAllowed):
        services.twin_offices(
            acting_user=user("pgd.bavi"),
            supporting_office=office("pgd-badinh"),
            supported_office=office("pgd-bavi"),
            starts_on=dt.date(2023, 1, 1),
        )


def test_an_office_cannot_twin_with_itself(db):
    with pytest.raises(e.PartnershipError) as excinfo:
        services.twin_offices(
            acting_user=user("admin"),
            supporting_office=office("pgd-bavi"),
            supported_office=office("pgd-bavi"),
            starts_on=dt.date(2023, 1, 1),
        )
    assert _message(excinfo) == str(e.SAME_OFFICE)


def test_twinning_across_provinces_is_allowed_and_audited(db):
    lao_cai = DistrictOfficeFactory(department=DepartmentFactory(), name="Phòng GD&ĐT thành phố Lào Cai")
    twinning = services.twin_offices(
        acting_user=user("admin"),
        supporting_office=office("pgd-caugiay"),
        supported_office=lao_cai,
        starts_on=dt.date(2023, 5, 1),
    )
    assert twinning.department.code == "so-hanoi"
    assert twinning.history.latest().history_user == user("admin")


def test_twinning_the_same_offices_twice_is_refused(hm_uh):
    with pytest.raises(e.PartnershipError) as excinfo:
        services.twin_offices(
            acting_user=user("admin"),
            supporting_office=office("pgd-unghoa"),
            supported_office=office("pgd-hoangmai"),
            starts_on=dt.date(2024, 1, 1),
        )
    assert _message(excinfo) == str(e.TWINNING_EXISTS)


# --- partnerships ------------------------------------------------------------------------------------------


def test_officer_creates_a_group_with_dated_members(hm_uh):
    supporting = public_school("pgd-hoangmai", "th")
    supported = [public_school("pgd-unghoa", "th", i) for i in (0, 1)]
    before = Partnership.objects.filter(department__code="so-hanoi").aggregate(n=Max("number"))["n"] or 0
    group = services.create_partnership(
        acting_user=user("pgd.unghoa"),
        twinning=hm_uh,
        members=[(supporting, Side.SUPPORTING), *((s, Side.SUPPORTED) for s in supported)],
        starts_on=dt.date(2023, 4, 1),
        is_pilot=True,
        pilot_wave=1,
    )
    assert group.number == before + 1
    assert group.level == "th"
    assert group.status == PartnershipStatus.PENDING
    assert members_on(group, dt.date(2023, 4, 1)).count() == 3
    assert members_on(group, dt.date(2023, 3, 31)).count() == 0
    lead = group.members.get(role=PartnershipMember.Role.LEAD)
    assert lead.school == supporting
    assert group.history.latest().history_user == user("pgd.unghoa")


def test_a_school_twice_in_a_group_is_refused(hm_uh):
    school = public_school("pgd-hoangmai", "th")
    with pytest.raises(e.PartnershipError) as excinfo:
        services.create_partnership(
            acting_user=user("pgd.hoangmai"),
            twinning=hm_uh,
            members=[(school, Side.SUPPORTING), (school, Side.SUPPORTED)],
            starts_on=dt.date(2023, 4, 2),
        )
    assert school.name in _message(excinfo)
    assert not Partnership.objects.filter(members__school=school, starts_on=dt.date(2023, 4, 2)).exists()


def test_a_partnership_with_one_school_is_refused(hm_uh):
    with pytest.raises(e.PartnershipError) as excinfo:
        services.create_partnership(
            acting_user=user("pgd.hoangmai"),
            twinning=hm_uh,
            members=[(public_school("pgd-hoangmai", "th"), Side.SUPPORTING)],
            starts_on=dt.date(2023, 4, 1),
        )
    assert _message(excinfo) == str(e.TOO_FEW_SCHOOLS)


def test_mixed_levels_need_a_reason(hm_uh):
    members = [
        (public_school("pgd-hoangmai", "mn"), Side.SUPPORTING),
        (public_school("pgd-unghoa", "thcs"), Side.SUPPORTED),
    ]
    with pytest.raises(e.PartnershipError) as excinfo:
        services.create_partnership(
            acting_user=user("pgd.hoangmai"), twinning=hm_uh, members=members, starts_on=dt.date(2023, 4, 1)
        )
    assert _message(excinfo) == str(e.LEVELS_DIFFER)
    group = services.create_partnership(
        acting_user=user("pgd.hoangmai"),
        twinning=hm_uh,
        members=members,
        starts_on=dt.date(2023, 4, 1),
        level_override_reason="Liên thông MN–THCS trong cùng cụm trường",
    )
    assert group.level == "mixed"


def test_a_school_on_the_wrong_side_is_refused(hm_uh):
    members = [
        (public_school("pgd-unghoa", "th"), Side.SUPPORTING),
        (public_school("pgd-hoangmai", "th"), Side.SUPPORTED),
    ]
    with pytest.raises(e.PartnershipError):
        services.create_partnership(
            acting_user=user("pgd.hoangmai"), twinning=hm_uh, members=members, starts_on=dt.date(2023, 4, 1)
        )


def test_an_officer_outside_the_twinning_cannot_create_under_it(hm_uh):
    members = [
        (public_school("pgd-hoangmai", "th"), Side.SUPPORTING),
        (public_school("pgd-unghoa", "th"), Side.SUPPORTED),
    ]
    with pytest.raises(e.NotAllowed):
        services.create_partnership(
            acting_user=user("pgd.bavi"), twinning=hm_uh, members=members, starts_on=dt.date(2023, 4, 1)
        )


def test_only_the_admin_creates_partnerships_directly_under_the_department(db):
    members = [
        (public_school("pgd-hoangmai", "th"), Side.MUTUAL),
        (public_school("pgd-unghoa", "th"), Side.MUTUAL),
    ]
    with pytest.raises(e.NotAllowed):
        services.create_partnership(
            acting_user=user("pgd.hoangmai"), twinning=None, members=members, starts_on=dt.date(2023, 4, 1)
        )


def test_adding_a_member_twice_on_overlapping_dates_is_refused(leaders_pair):
    school = user("ht.unghoa").school
    with pytest.raises(e.PartnershipError) as excinfo:
        services.add_member(
            acting_user=user("pgd.hoangmai"),
            partnership=leaders_pair,
            school=school,
            side=Side.SUPPORTED,
            joined_on=dt.date(2024, 1, 1),
        )
    assert school.name in _message(excinfo)


def test_membership_history_answers_who_was_in_the_group_on_a_date(leaders_pair):
    school = public_school("pgd-unghoa", "thcs", 3)
    services.add_member(
        acting_user=user("pgd.unghoa"),
        partnership=leaders_pair,
        school=school,
        side=Side.SUPPORTED,
        joined_on=dt.date(2024, 1, 1),
    )
    services.remove_member(
        acting_user=user("pgd.unghoa"), partnership=leaders_pair, school=school, left_on=dt.date(2024, 6, 30)
    )
    assert school in [m.school for m in members_on(leaders_pair, dt.date(2024, 3, 1))]
    assert school not in [m.school for m in members_on(leaders_pair, dt.date(2024, 7, 1))]
    assert school not in [m.school for m in members_on(leaders_pair, dt.date(2023, 12, 31))]
    # rejoining later is a new row, not an overwrite
    services.add_member(
        acting_user=user("pgd.unghoa"),
        partnership=leaders_pair,
        school=school,
        side=Side.SUPPORTED,
        joined_on=dt.date(2025, 1, 1),
    )
    assert leaders_pair.members.filter(school=school).count() == 2


def test_a_school_cannot_leave_before_it_joined(leaders_pair):
    with pytest.raises(e.PartnershipError):
        services.remove_member(
            acting_user=user("pgd.hoangmai"),
            partnership=leaders_pair,
            school=user("ht.unghoa").school,
            left_on=dt.date(2020, 1, 1),
        )


def test_a_leader_cannot_change_membership(leaders_pair):
    with pytest.raises(e.NotAllowed):
        services.remove_member(
            acting_user=user("ht.hoangmai"),
            partnership=leaders_pair,
            school=user("ht.unghoa").school,
            left_on=dt.date(2024, 1, 1),
        )


# --- agreements ------------------------------------------------------------------------------------------


def _draft(pair, actor="pgd.hoangmai"):
    return services.draft_agreement(
        acting_user=user(actor),
        partnership=pair,
        kind="memorandum",
        title="Biên bản ghi nhớ hợp tác",
        terms="Hai trường cùng tổ chức chuyên đề, dự giờ và sinh hoạt chuyên môn liên trường.",
        valid_to=END,
    )


def test_both_leaders_sign_and_the_agreement_comes_into_force(leaders_pair):
    agreement = _draft(leaders_pair)
    services.add_commitment(
        acting_user=user("ht.hoangmai"),
        agreement=agreement,
        school=user("ht.hoangmai").school,
        area="subject_teaching",
        description="Tổ chức 2 chuyên đề Toán mỗi năm học",
        target_value=Decimal(2),
        target_unit="chuyên đề",
        due_on=dt.date(2024, 5, 31),
    )
    services.send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    services.sign_agreement(
        acting_user=user("ht.hoangmai"), agreement=agreement, school=user("ht.hoangmai").school
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURE  # one signature is not enough
    services.sign_agreement(
        acting_user=user("ht.unghoa"), agreement=agreement, school=user("ht.unghoa").school
    )
    agreement.refresh_from_db()
    leaders_pair.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.activated_on == today()
    assert leaders_pair.status == PartnershipStatus.ACTIVE
    assert [s.signed_by.username for s in agreement.signatures.all()] == ["ht.hoangmai", "ht.unghoa"]


def test_signing_out_of_role_is_refused(leaders_pair):
    agreement = _draft(leaders_pair)
    services.send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    school = user("ht.hoangmai").school
    for actor in ("gv.hoangmai", "pgd.hoangmai", "ht.unghoa", "admin"):
        with pytest.raises(e.NotAllowed) as excinfo:
            services.sign_agreement(acting_user=user(actor), agreement=agreement, school=school)
        assert school.name in _message(excinfo)
    assert not agreement.signatures.exists()


def test_signing_twice_is_refused(leaders_pair):
    agreement = _draft(leaders_pair)
    services.send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    school = user("ht.hoangmai").school
    services.sign_agreement(acting_user=user("ht.hoangmai"), agreement=agreement, school=school)
    with pytest.raises(e.WrongState):
        services.sign_agreement(acting_user=user("ht.hoangmai"), agreement=agreement, school=school)
    assert agreement.signatures.count() == 1


def test_a_draft_cannot_be_signed(leaders_pair):
    agreement = _draft(leaders_pair)
    with pytest.raises(e.WrongState):
        services.sign_agreement(
            acting_user=user("ht.hoangmai"), agreement=agreement, school=user("ht.hoangmai").school
        )


def test_terms_are_frozen_once_sent_and_a_stale_edit_is_refused(leaders_pair):
    agreement = _draft(leaders_pair)
    kwargs = {
        "title": "Mới",
        "terms": "Điều khoản mới",
        "number": "01/BGN",
        "valid_from": None,
        "valid_to": None,
    }
    with pytest.raises(ConflictError):
        services.edit_agreement(
            acting_user=user("pgd.hoangmai"), agreement=agreement, expected_version=99, **kwargs
        )
    services.edit_agreement(
        acting_user=user("pgd.hoangmai"), agreement=agreement, expected_version=1, **kwargs
    )
    services.send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    with pytest.raises(e.WrongState):
        services.edit_agreement(
            acting_user=user("pgd.hoangmai"),
            agreement=agreement,
            expected_version=agreement.version,
            **kwargs,
        )
    with pytest.raises(e.WrongState):
        services.add_commitment(
            acting_user=user("pgd.hoangmai"),
            agreement=agreement,
            school=user("ht.hoangmai").school,
            area="digital",
            description="x",
        )


def test_an_agreement_without_terms_cannot_be_sent(leaders_pair):
    agreement = services.draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=leaders_pair, kind="memorandum", title="Trống"
    )
    with pytest.raises(e.PartnershipError):
        services.send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)


def test_a_second_open_agreement_is_refused(leaders_pair):
    _draft(leaders_pair)
    with pytest.raises(e.WrongState):
        _draft(leaders_pair)


def test_a_negative_target_is_refused(leaders_pair):
    agreement = _draft(leaders_pair)
    with pytest.raises(e.PartnershipError):
        services.add_commitment(
            acting_user=user("pgd.hoangmai"),
            agreement=agreement,
            school=user("ht.hoangmai").school,
            area="digital",
            description="x",
            target_value=Decimal(-1),
        )
    assert not Commitment.objects.filter(agreement=agreement).exists()


def _activate(pair):
    agreement = _draft(pair)
    services.send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    for leader in ("ht.hoangmai", "ht.unghoa"):
        services.sign_agreement(acting_user=user(leader), agreement=agreement, school=user(leader).school)
    agreement.refresh_from_db()
    return agreement


def test_an_amendment_replaces_the_old_version_only_when_signed(leaders_pair):
    old = _activate(leaders_pair)
    new = services.amend_agreement(acting_user=user("pgd.unghoa"), agreement=old)
    assert (new.amendment_no, new.status, new.previous) == (1, AgreementStatus.DRAFT, old)
    services.send_for_signature(acting_user=user("pgd.unghoa"), agreement=new)
    old.refresh_from_db()
    assert old.status == AgreementStatus.ACTIVE
    for leader in ("ht.hoangmai", "ht.unghoa"):
        services.sign_agreement(acting_user=user(leader), agreement=new, school=user(leader).school)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (AgreementStatus.RENEWED, AgreementStatus.ACTIVE)


def test_termination_needs_a_reason_and_a_manager(leaders_pair):
    agreement = _activate(leaders_pair)
    with pytest.raises(e.NotAllowed):
        services.terminate_agreement(acting_user=user("ht.hoangmai"), agreement=agreement, reason="x")
    with pytest.raises(e.PartnershipError):
        services.terminate_agreement(acting_user=user("pgd.hoangmai"), agreement=agreement, reason=" ")
    services.terminate_agreement(
        acting_user=user("pgd.hoangmai"), agreement=agreement, reason="Trường sáp nhập"
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED


def test_agreements_past_their_term_expire(leaders_pair):
    agreement = _activate(leaders_pair)
    services.expire_agreements(acting_user=user("admin"), on=END)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert services.expire_agreements(acting_user=user("admin"), on=END + dt.timedelta(days=1)) >= 1
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.EXPIRED
    assert agreement.ended_on == END


def test_an_agreement_whose_term_is_over_cannot_be_sent(leaders_pair):
    agreement = _draft(leaders_pair)
    Agreement.objects.filter(pk=agreement.pk).update(valid_to=today() - dt.timedelta(days=1))
    agreement.refresh_from_db()
    with pytest.raises(e.PartnershipError) as excinfo:
        services.send_for_signature(acting_user=user("pgd.hoangmai"), agreement=agreement)
    assert _message(excinfo) == str(e.TERM_OVER)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 an executable", "scan.pdf", e.FILE_NOT_SCAN),
        (b"<html>not a scan</html>", "scan.png", e.FILE_NOT_SCAN),
        (b"", "empty.pdf", files.EMPTY),
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "scan.pdf", files.DAMAGED),
    ],
)
def test_a_scan_that_is_not_a_pdf_or_image_is_refused(leaders_pair, content, name, message):
    agreement = _draft(leaders_pair)
    with pytest.raises(e.PartnershipError) as excinfo:
        services.attach_signed_scan(
            acting_user=user("pgd.hoangmai"), agreement=agreement, upload=SimpleUploadedFile(name, content)
        )
    assert _message(excinfo) == str(message)
    agreement.refresh_from_db()
    assert not agreement.signed_scan


def test_an_oversized_scan_is_refused(leaders_pair):
    agreement = _draft(leaders_pair)
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(e.PartnershipError):
        services.attach_signed_scan(acting_user=user("pgd.hoangmai"), agreement=agreement, upload=upload)


def test_a_pdf_scan_is_stored(leaders_pair):
    agreement = _draft(leaders_pair)
    services.attach_signed_scan(
        acting_user=user("ht.unghoa"),
        agreement=agreement,
        upload=SimpleUploadedFile("bbgn.pdf", pdf_bytes()),
    )
    assert Agreement.objects.get(pk=agreement.pk).signed_scan.name.endswith(".pdf")
