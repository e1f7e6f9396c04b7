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
