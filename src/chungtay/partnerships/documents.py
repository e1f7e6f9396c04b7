"""Agreements printed as Word documents in the Vietnamese administrative layout of Decree 30/2020/NĐ-CP
(Appendix I): A4 portrait, margins 20/20/30/15 mm, Times New Roman; issuing bodies top left with the
number, the national motto top right with place and date in italics under it; the document kind in bold
capitals; body 14 pt with a first-line indent and 6 pt between paragraphs; "Nơi nhận" bottom left and one
signature block per party side by side."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from chungtay.core.dates import administrative_date, today
from chungtay.directory.models import DevelopmentArea
from chungtay.partnerships.models import Agreement, AgreementKind

FONT = "Times New Roman"
KIND_TITLES: dict[str, str] = {
    AgreementKind.MEMORANDUM: "BIÊN BẢN GHI NHỚ",
    AgreementKind.COVENANT: "GIAO ƯỚC THI ĐUA",
}
SIDE_WORDS: dict[str, str] = {"supporting": "bên hỗ trợ", "supported": "bên được hỗ trợ"}
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_LINE = "Độc lập - Tự do - Hạnh phúc"


def _run(
    paragraph: Paragraph, text: str, *, size: float = 14, bold: bool = False, italic: bool = False
) -> None:
    run = paragraph.add_run(text)
    run.font.name = FONT
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # type: ignore[union-attr]
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic


def _centered(cell: _Cell | None, document: object, text: str, **style: object) -> Paragraph:
    paragraph = cell.add_paragraph() if cell is not None else document.add_paragraph()  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, text, **style)  # type: ignore[arg-type]
    return paragraph


def _rule_under(paragraph: Paragraph, indent_cm: float) -> None:
    """A line under a heading, about as long as the text (the decree's rule under the motto)."""
    paragraph.paragraph_format.left_indent = Cm(indent_cm)
    paragraph.paragraph_format.right_indent = Cm(indent_cm)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _body(document: object, text: str, *, bold: bool = False, indent: bool = True) -> Paragraph:
    paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1.27) if indent else None
    paragraph.paragraph_format.space_after = Pt(6)
    _run(paragraph, text, size=14, bold=bold)
    return paragraph


def agreement_document(agreement: Agreement) -> bytes:
    """The agreement as a .docx file, with the parties, terms, commitments and signature blocks."""
    partnership = agreement.partnership
    members = list(
        partnership.members.filter(valid_to__isnull=True)
        .select_related("school")
        .order_by("side", "school__sort_key")
    )
    signatures = {s.school_id: s for s in agreement.signatures.all()}
    offices = {m.school_id: m.office for m in _managements(partnership)}
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)

    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.width, right.width = Cm(7), Cm(9)
    left.paragraphs[0].text = ""
    for member in members[:2]:
        office = offices.get(member.school_id)
        if office is not None:
            _centered(left, document, office.name.upper(), size=12)
        _centered(left, document, member.school.name.upper(), size=12, bold=True)
    if agreement.number:
        _centered(left, document, f"Số: {agreement.number}", size=13)
    right.paragraphs[0].text = ""
    _centered(right, document, MOTTO, size=12, bold=True)
    _rule_under(_centered(right, document, MOTTO_LINE, size=13, bold=True), indent_cm=1.6)
    day = agreement.activated_on or today()
    _centered(right, document, administrative_date(agreement.place, day), size=14, italic=True)

    document.add_paragraph()
    _centered(None, document, KIND_TITLES.get(agreement.kind, "VĂN BẢN"), size=14, bold=True)
    _centered(None, document, agreement.title, size=14, bold=True)
    if agreement.amendment_no:
        _centered(None, document, f"(Sửa đổi lần {agreement.amendment_no})", size=14, italic=True)
    document.add_paragraph()

    _body(
        document,
        "Căn cứ Kế hoạch thực hiện phong trào “Nhà trường cùng chung tay phát triển – Thầy cô cùng sẻ "
        "chia trách nhiệm”; căn cứ nhu cầu và thế mạnh của mỗi bên, các bên gồm:",
    )
    for letter, member in zip("ABCDEFGHIK", members, strict=False):
        role = SIDE_WORDS.get(member.side, "bên cùng hỗ trợ")
        _body(document, f"Bên {letter} ({role}): {member.school.name}, mã định danh {member.school.moet_id}.")
    _body(document, "thống nhất ký kết với các nội dung sau:")
    for line in filter(None, (t.strip() for t in agreement.terms.splitlines())):
        _body(document, line)
    commitments = list(agreement.commitments.select_related("school").order_by("school__sort_key", "due_on"))
    if commitments:
        _body(document, "Cam kết của các bên:", bold=True, indent=False)
        for number, commitment in enumerate(commitments, start=1):
            target = ""
            if commitment.target_value is not None:
                value = f"{commitment.target_value.normalize():f}".replace(".", ",")
                target = f"; chỉ tiêu {value} {commitment.target_unit}".rstrip()
            due = f"; hạn {commitment.due_on:%d/%m/%Y}" if commitment.due_on else ""
            area = DevelopmentArea(commitment.area).label
            _body(
                document,
                f"{number}. {commitment.school.name} ({area}): {commitment.description}{target}{due}.",
            )
    if agreement.valid_from or agreement.valid_to:
        start = f"{agreement.valid_from:%d/%m/%Y}" if agreement.valid_from else "ngày ký"
        end = f" đến ngày {agreement.valid_to:%d/%m/%Y}" if agreement.valid_to else ""
        _body(document, f"Văn bản có hiệu lực từ {start}{end}.")

    document.add_paragraph()
    signatures_table = document.add_table(rows=1, cols=max(1, len(members)))
    for cell, member in zip(signatures_table.rows[0].cells, members, strict=False):
        cell.paragraphs[0].text = ""
        _centered(cell, document, f"ĐẠI DIỆN {member.school.name.upper()}", size=12, bold=True)
        signature = signatures.get(member.school_id)
        _centered(
            cell, document, (signature.position if signature else "HIỆU TRƯỞNG").upper(), size=13, bold=True
        )
        for _ in range(3):
            _centered(cell, document, "")
        _centered(cell, document, signature.signer_name if signature else "", size=14, bold=True)

    document.add_paragraph()
    recipients = document.add_paragraph()
    _run(recipients, "Nơi nhận:", size=12, bold=True, italic=True)
    for line in [
        "- Các bên ký kết;",
        *[f"- {o.name};" for o in _distinct_offices(offices.values())],
        "- Lưu: VT.",
    ]:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, line, size=11)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _managements(partnership: object) -> list:
    from chungtay.directory.models import SchoolManagement

    schools = partnership.members.values("school_id")  # type: ignore[attr-defined]
    # the office that managed each school when the partnership started (district offices before 7/2025)
    start = partnership.starts_on  # type: ignore[attr-defined]
    rows = (
        SchoolManagement.objects.filter(school_id__in=schools).select_related("office").order_by("valid_from")
    )
    chosen = {}
    for row in rows:
        if row.is_valid_on(start) or row.school_id not in chosen:
            chosen[row.school_id] = row
    return list(chosen.values())


def _distinct_offices(offices: object) -> list:
    seen: dict[int, object] = {}
    for office in offices:  # type: ignore[attr-defined]
        seen.setdefault(office.pk, office)
    return list(seen.values())
