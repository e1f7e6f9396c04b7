from django.db.models import Count

from chungtay.partnerships.models import (
    Agreement,
    AgreementStatus,
    OfficeTwinning,
    Partnership,
    PartnershipMember,
)


def test_every_district_office_is_twinned(db):
    twinned = set(OfficeTwinning.objects.values_list("supporting_office__code", flat=True)) | set(
        OfficeTwinning.objects.values_list("supported_office__code", flat=True)
    )
    assert {
        f"pgd-{c}"
        for c in ("hoangmai", "unghoa", "badinh", "bavi", "dongda", "socson", "hoankiem", "quocoai")
    } <= twinned


def test_ba_vi_has_seven_partners_one_in_another_province(db):
    partners = OfficeTwinning.objects.filter(supported_office__code="pgd-bavi").values_list(
        "supporting_office__department__code", flat=True
    )
    also = OfficeTwinning.objects.filter(supporting_office__code="pgd-bavi").values_list(
        "supported_office__department__code", flat=True
    )
    assert len(partners) + len(also) == 7
    assert "so-laocai" in set(partners) | set(also)


def test_hoang_mai_and_ung_hoa_form_59_groups_covering_all_149_schools(db):
    twinning = OfficeTwinning.objects.get(
        supporting_office__code="pgd-hoangmai", supported_office__code="pgd-unghoa"
    )
    groups = Partnership.objects.filter(twinning=twinning, created_by__username="admin")
    assert groups.count() == 59
    members = PartnershipMember.objects.filter(partnership__in=groups)
    assert members.values("school").distinct().count() == 149
    assert members.count() == 149  # each school in exactly one group


def test_dong_da_soc_son_has_nine_pilot_pairs_three_per_level(db):
    twinning = OfficeTwinning.objects.get(
        supporting_office__code="pgd-dongda", supported_office__code="pgd-socson"
    )
    levels = dict(
        Partnership.objects.filter(twinning=twinning, is_pilot=True)
        .values_list("level")
        .annotate(n=Count("pk"))
    )
    assert levels == {"mn": 3, "th": 3, "thcs": 3}


def test_agreements_exist_in_every_state(db):
    states = set(Agreement.objects.values_list("status", flat=True))
    assert states == set(AgreementStatus.values)


def test_every_agreement_in_force_is_signed_by_every_member(db):
    for agreement in Agreement.objects.filter(status=AgreementStatus.ACTIVE).prefetch_related("signatures")[
        :100
    ]:
        members = set(agreement.partnership.members.values_list("school_id", flat=True))
        assert members == {s.school_id for s in agreement.signatures.all()}
