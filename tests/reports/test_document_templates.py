"""A department's own templates for every kind of document it issues (issue 18): besides the review
reports, the emulation council's minutes, proposal and list, and the partnerships' memoranda and
covenants. Each kind's built-in template is accepted and renders into a document that meets every layout
rule (Word and PDF); a department's template is what the council page and the agreement's download then
use, the version that made a file is in its properties; a template missing what its kind needs (the
signature blocks side by side, "Kính gửi", the issuing block) is refused with the reason and changes
nothing; the page manages each kind apart."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Q
from django.test import Client
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from chungtay.accounts.models import User
from chungtay.core import conformance, conversion
from chungtay.partnerships.documents import _managements
from chungtay.partnerships.models import Agreement, AgreementKind, AgreementStatus
from chungtay.reports import services, templating
from chungtay.reports.models import DocumentKind, ReportTemplate
from chungtay.reviews.models import AwardKind, Cycle
from tests.conftest import login

pytestmark = pytest.mark.django_db

MARK = "Mẫu riêng của Sở: đoạn thêm vào mẫu."
MEETING = {
    "day": "25/06/2025",
    "place": "Sở GD&ĐT Hà Nội",
    "chair": "Nguyễn Văn An",
    "chair_position": "Giám đốc Sở",
    "secretary": "Trần Thị Bình",
    "members_total": "11",
    "members_present": "10",
    "votes_for": "10",
    "attendees": "",
    "minutes_number": "12/BB-HĐTĐKT",
    "proposal_number": "13/TTr-HĐTĐKT",
}


def _admin() -> User:
    return User.objects.get(username="admin")


def _default(kind: str) -> bytes:
    return templating.default_template(kind, services.sample_parts(_admin(), kind))


def _edited(data: bytes, change) -> bytes:  # noqa: ANN001
    document = docx.Document(io.BytesIO(data))
    change(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _marked(kind: str, *, formatted: bool = True) -> bytes:
    """The built-in template of `kind` with a paragraph of the department's own after the body, set as
    a body paragraph of the decree (justified, 14 pt, indented) or (`formatted` False) left as typed."""

    def add(document) -> None:  # noqa: ANN001
        body = next(p for p in document.paragraphs if "noi_dung" in p.text)
        extra = body.insert_paragraph_before(MARK)
        body._p.addnext(extra._p)  # after the body placeholder
        if formatted:
            extra.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            extra.paragraph_format.first_line_indent = Cm(1.27)
            extra.paragraph_format.space_after = Pt(6)
            extra.runs[0].font.size = Pt(14)

    return _edited(_default(kind), add)


def _all_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _group_agreement() -> Agreement:
    agreement = (
        Agreement.objects.filter(kind=AgreementKind.MEMORANDUM, status=AgreementStatus.ACTIVE)
        .annotate(n=Count("partnership__members", filter=Q(partnership__members__valid_to__isnull=True)))
        .filter(n__gte=3)
        .select_related("partnership")
        .first()
    )
    assert agreement is not None, "the demo has memoranda of groups of three schools"
    return agreement


@pytest.mark.parametrize("kind", [k.value for k in DocumentKind])
def test_each_kind_s_built_in_template_is_accepted_and_renders_into_a_conforming_document(kind: str) -> None:
    sample = services.sample_parts(_admin(), kind)
    data = _default(kind)
    assert templating.check(data, kind, sample) == []
    rendered = templating.render(data, sample, "mẫu của Sở, phiên bản 1")
    assert conformance.failures(conformance.check_docx(rendered, upward=sample.upward)) == []
    assert "{{" not in _all_text(rendered) and "{%" not in _all_text(rendered)
    pages = conversion.pdf_pages(conversion.to_pdf(rendered))
    assert conformance.failures(conformance.check_pdf(pages, templating.unbroken_lines(sample))) == []
    assert docx.Document(io.BytesIO(rendered)).core_properties.comments.endswith("phiên bản 1")


def test_the_council_page_uses_the_department_s_minutes_template(client: Client) -> None:
    template = services.upload_template(
        acting_user=_admin(), data=_marked(DocumentKind.MINUTES), name="bien-ban.docx", kind="minutes"
    )
    final = Cycle.objects.get(kind="final")
    login(client, "admin")
    minutes = client.post(f"/reports/council/{final.pk}/", {**MEETING, "doc": "minutes-.docx"}).content
    text = _all_text(minutes)
    assert MARK in text and "Số: 12/BB-HĐTĐKT" in text and "Phúc khảo:" in text
    # the chair and the secretary sign side by side, as in the built-in layout
    assert "Nguyễn Văn An" in text and "Trần Thị Bình" in text
    assert conformance.failures(conformance.check_docx(minutes)) == []
    assert docx.Document(io.BytesIO(minutes)).core_properties.comments == f"Chung Tay · {template.label}"
    # the proposal has no template of its own yet: the built-in layout, said so in its properties
    kind = AwardKind.objects.get(cap=5)
    proposal = client.post(f"/reports/council/{final.pk}/", {**MEETING, "doc": f"proposal-{kind.pk}.docx"})
    assert MARK not in _all_text(proposal.content)
    assert docx.Document(io.BytesIO(proposal.content)).core_properties.comments == "Chung Tay · mặc định 1"


def test_a_group_memorandum_in_the_department_s_template_names_every_school_and_signature(
    client: Client,
) -> None:
    services.upload_template(
        acting_user=_admin(), data=_marked(DocumentKind.MEMORANDUM), name="ghi-nho.docx", kind="memorandum"
    )
    agreement = _group_agreement()
    login(client, "admin")
    response = client.get(f"/agreements/{agreement.pk}/document.docx")
    assert response.status_code == 200
    data = response.content
    assert MARK in _all_text(data)
    assert conformance.failures(conformance.check_docx(data)) == []
    document = docx.Document(io.BytesIO(data))
    heading = " ".join(" ".join(p.text for p in document.tables[0].rows[0].cells[0].paragraphs).split())
    members = list(agreement.partnership.members.filter(valid_to__isnull=True).select_related("school"))
    for member in members:
        assert member.school.name.upper() in heading
    for office in {m.office.name.upper() for m in _managements(agreement.partnership)}:
        assert heading.count(office) == 1, office
    # schools bold, their offices not, as the decree's issuing block
    lines = [p for p in document.tables[0].rows[0].cells[0].paragraphs if p.text.strip()]
    assert {bool(run.bold) for p in lines for run in p.runs if run.text.strip()} == {True, False}
    signatures = [t for t in document.tables if "ĐẠI DIỆN" in "".join(c.text for c in t.rows[0].cells)]
    assert len(signatures) == 1 and len(signatures[0].rows[0].cells) == len(members)
    pages = conversion.pdf_pages(conversion.to_pdf(data))
    from chungtay.partnerships.documents import agreement_parts

    unbroken = templating.unbroken_lines(agreement_parts(agreement))
    assert conformance.failures(conformance.check_pdf(pages, unbroken)) == []


def _refused(kind: str, data: bytes) -> list[str]:
    before = ReportTemplate.objects.count()
    with pytest.raises(services.TemplateRefused) as refused:
        services.upload_template(acting_user=_admin(), data=data, name="mau.docx", kind=kind)
    assert ReportTemplate.objects.count() == before
    return refused.value.problems


def _without(tag: str):  # noqa: ANN202
    def drop(document) -> None:  # noqa: ANN001
        for paragraph in document.paragraphs:
            if tag in paragraph.text:
                paragraph._p.getparent().remove(paragraph._p)

    return drop


def test_a_template_missing_what_its_kind_needs_is_refused_with_the_reason() -> None:
    minutes = _refused("minutes", _edited(_default("minutes"), _without("chu_ky")))
    assert any("thiếu" in p and "chu_ky" in p for p in minutes)
    proposal = _refused("proposal", _edited(_default("proposal"), _without("kinh_gui")))
    assert any("thiếu" in p and "kinh_gui" in p for p in proposal)
    # a memorandum template is not a report template: its issuing block is unknown there
    # a paragraph of the department's own, left as typed, breaks the body's layout rule
    typed = _refused("memorandum", _marked("memorandum", formatted=False))
    assert "Thể thức chưa đúng — nội dung căn đều hai lề (Mẫu riêng của Sở: đoạn thêm vào mẫu.)" in typed
    assert all(p.startswith("Thể thức chưa đúng — ") for p in typed)
    crossed = _refused("report", _default("memorandum"))
    assert any("Thẻ không có trong danh sách" in p and "khoi_ban_hanh" in p for p in crossed)
    with pytest.raises(Exception) as unknown_kind:
        services.upload_template(
            acting_user=_admin(), data=_default("report"), name="x.docx", kind="decision"
        )
    assert type(unknown_kind.value).__name__ == "Http404"


def test_the_templates_page_keeps_each_kind_apart(client: Client) -> None:
    login(client, "admin")
    page = client.get("/reports/templates/?kind=memorandum")
    assert page.status_code == 200
    html = page.content.decode()
    assert "khoi_ban_hanh" in html and "chu_ky" in html and 'data-kind="minutes"' in html
    default = client.get("/reports/templates/default.docx?kind=memorandum")
    assert default.status_code == 200 and "mau-van-ban-ghi-nho" in default["Content-Disposition"]
    uploaded = client.post(
        "/reports/templates/?kind=memorandum",
        {"kind": "memorandum", "file": SimpleUploadedFile("ghi-nho.docx", default.content)},
    )
    assert uploaded.status_code == 302 and uploaded["Location"].endswith("?kind=memorandum")
    kept = ReportTemplate.objects.get(kind="memorandum")
    assert kept.active and not ReportTemplate.objects.filter(kind="report").exists()
    # the memorandum's template refused as a report's: the reasons shown, nothing kept
    refused = client.post(
        "/reports/templates/", {"kind": "report", "file": SimpleUploadedFile("x.docx", default.content)}
    )
    assert refused.status_code == 400 and "khoi_ban_hanh" in refused.content.decode()
    assert ReportTemplate.objects.count() == 1
    # the built-in layout back for memoranda only
    assert client.post("/reports/templates/use/", {"kind": "memorandum", "template": ""}).status_code == 302
    assert not ReportTemplate.objects.filter(active=True).exists()
    assert client.get("/reports/templates/?kind=decision").status_code == 404
    login(client, "pgd.unghoa")
    assert client.get("/reports/templates/?kind=memorandum").status_code == 403
    assert client.get("/reports/templates/default.docx?kind=minutes").status_code == 403
