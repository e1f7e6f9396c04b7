import datetime as dt
import io

import docx
from django.urls import reverse

from chungtay.core.dates import administrative_date
from chungtay.partnerships.models import Agreement, AgreementStatus


def test_administrative_dates_follow_the_decree():
    assert administrative_date("Hà Nội", dt.date(2023, 3, 5)) == "Hà Nội, ngày 05 tháng 3 năm 2023"
    assert administrative_date("Hà Nội", dt.date(2023, 2, 15)) == "Hà Nội, ngày 15 tháng 02 năm 2023"
    assert administrative_date("Ba Vì", dt.date(2024, 12, 1)) == "Ba Vì, ngày 01 tháng 12 năm 2024"


def _signed_agreement():
    return Agreement.objects.filter(
        status=AgreementStatus.ACTIVE, amendment_no=0, partnership__twinning__isnull=False
    ).first()


def _text(document):
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for cell in table._cells:
            parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def test_an_agreement_prints_in_the_decree_30_layout(client, as_user):
    agreement = _signed_agreement()
    as_user("admin")
    response = client.get(reverse("partnerships:agreement-document", args=[agreement.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    document = docx.Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    text = _text(document)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert administrative_date("Hà Nội", agreement.activated_on) in text
    assert "BIÊN BẢN GHI NHỚ" in text
    assert "Nơi nhận:" in text
    for signature in agreement.signatures.all():
        assert signature.signer_name in text
    for member in agreement.partnership.members.all():
        assert f"ĐẠI DIỆN {member.school.name.upper()}" in text
    fonts = {run.font.name for p in document.paragraphs for run in p.runs if run.text.strip()}
    assert fonts == {"Times New Roman"}


def test_the_document_of_an_agreement_outside_scope_is_404(client, as_user):
    agreement = Agreement.objects.filter(partnership__twinning__supported_office__code="pgd-unghoa").first()
    as_user("pgd.bavi")
    assert client.get(reverse("partnerships:agreement-document", args=[agreement.pk])).status_code == 404


# --- The memorandum on the layout engine (issue 18: each defect found is a rule here) ----------------------

import pytest  # noqa: E402
from django.db.models import Count, Q  # noqa: E402

from chungtay.core import conformance, conversion  # noqa: E402
from chungtay.partnerships import exceptions as e  # noqa: E402
from chungtay.partnerships import services  # noqa: E402
from chungtay.partnerships.documents import _managements, agreement_layout  # noqa: E402
from chungtay.partnerships.models import AgreementKind  # noqa: E402
from tests.partnerships.conftest import user  # noqa: E402


def _group_agreement():
    """A memorandum of a group of three or more schools from the demo."""
    return (
        Agreement.objects.filter(kind=AgreementKind.MEMORANDUM, status=AgreementStatus.ACTIVE)
        .annotate(n=Count("partnership__members", filter=Q(partnership__members__valid_to__isnull=True)))
        .filter(n__gte=3)
        .select_related("partnership")
        .first()
    )


def test_every_agreement_document_passes_the_conformance_test(db):
    for agreement in [_signed_agreement(), _group_agreement()]:
        rules = conformance.check_docx(agreement_layout(agreement).bytes())
        assert conformance.failures(rules) == [], agreement.pk


def test_a_group_memorandum_names_every_school_and_each_office_once(db):
    agreement = _group_agreement()
    assert agreement is not None, "the demo has memoranda of groups of three schools"
    document = docx.Document(io.BytesIO(agreement_layout(agreement).bytes()))
    heading = "\n".join(p.text for p in document.tables[0].rows[0].cells[0].paragraphs)
    joined = " ".join(heading.split())
    members = agreement.partnership.members.filter(valid_to__isnull=True).select_related("school")
    assert members.count() >= 3
    for member in members:
        assert member.school.name.upper() in joined
    offices = {m.office.name.upper() for m in _managements(agreement.partnership)}
    for office in offices:
        assert joined.count(office) == 1, office


def test_the_memorandum_symbol_is_bgn_and_a_biên_bản_symbol_is_refused(leaders_pair):
    numbers = (
        Agreement.objects.filter(kind=AgreementKind.MEMORANDUM)
        .exclude(number="")
        .values_list("number", flat=True)
    )
    assert numbers and all("/BGN-" in n for n in numbers)
    with pytest.raises(e.InvalidInput) as raised:
        services.draft_agreement(
            acting_user=user("pgd.hoangmai"),
            partnership=leaders_pair,
            kind=AgreementKind.MEMORANDUM,
            title="Ghi nhớ",
            number="61/BBGN-KN",
        )
    assert "BGN" in str(raised.value.message) and raised.value.field == "number"
    assert not leaders_pair.agreements.exists()


def test_the_memorandum_has_a_page_number_field_hidden_on_page_1(db):
    document = docx.Document(io.BytesIO(agreement_layout(_signed_agreement()).bytes()))
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml
    assert "PAGE" not in section.first_page_header._element.xml


def test_the_memorandum_pdf_keeps_the_national_title_motto_and_issuers_on_one_line_each(db):
    layout = agreement_layout(_group_agreement())
    pages = conversion.pdf_pages(conversion.to_pdf(layout.bytes()))
    assert conformance.failures(conformance.check_pdf(pages, layout.lines)) == []
