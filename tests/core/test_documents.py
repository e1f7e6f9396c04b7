"""The administrative layout (`core.documents`) and its conformance test (`core.conformance`): a
document built with the layout passes every rule, each rule fails on a document that breaks it, and the
PDF LibreOffice makes of it keeps the heading's lines whole and page 1 unnumbered."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Mm, Pt

from chungtay.core import conformance, conversion
from chungtay.core.documents import (
    AdministrativeDocument,
    Heading,
    Issuer,
    Signer,
    issuer_lines,
    number_line,
    text_width,
)


def _report(*, long_issuer: bool = False, pages: int = 1) -> AdministrativeDocument:
    issuer = (
        "Trường Trung học cơ sở Nguyễn Trường Tộ và Trường Tiểu học Khánh Thượng"
        if long_issuer
        else ("Sở Giáo dục và Đào tạo")
    )
    document = AdministrativeDocument(
        Heading(
            issuers=[Issuer(issuer, "UBND thành phố Hà Nội")],
            kind="Báo cáo",
            subject="Sơ kết phong trào năm học 2022-2023",
            place="Hà Nội",
            day=dt.date(2026, 1, 5),
            number="7/BC-SGDĐT",
            addressees=["Ủy ban nhân dân thành phố Hà Nội"],
        )
    )
    document.section("I. KẾT QUẢ")
    for _ in range(12 * pages):
        document.paragraph(
            "Các trường nội thành và ngoại thành cùng tổ chức chuyên đề, dự giờ và trao đổi. " * 3
        )
    document.table(["Cấp học", "Số trường"], [["Mầm non", 1234], ["Tiểu học", 56]])
    document.closing(["Bộ Giáo dục và Đào tạo"], [Signer("Giám đốc", "Trần Thế Cương", "KT. Giám đốc")])
    return document


def _failed(data: bytes, **kwargs: bool) -> set[str]:
    return {rule.name for rule in conformance.failures(conformance.check_docx(data, **kwargs))}


def test_a_document_in_the_layout_passes_every_rule_and_there_are_at_least_25():
    rules = conformance.check_docx(_report().bytes(), upward=True)
    assert len(rules) >= 25
    assert conformance.failures(rules) == []


def test_numbers_take_a_leading_zero_below_ten_and_keep_their_symbol():
    assert number_line("7/BC-SGDĐT") == "Số: 07/BC-SGDĐT"
    assert number_line("61/BGN-KN") == "Số: 61/BGN-KN"
    assert number_line(" 123 / KH-PGDĐT ") == "Số: 123/KH-PGDĐT"
    assert number_line("/BC-SGDĐT").startswith("Số: ") and number_line("/BC-SGDĐT").endswith("/BC-SGDĐT")


def test_issuers_under_one_parent_name_it_once_and_long_names_are_broken_by_us():
    lines = issuer_lines(
        [
            Issuer("Trường THCS A", "Phòng GD&ĐT quận Hoàng Mai"),
            Issuer("Trường THCS B", "Phòng GD&ĐT quận Hoàng Mai"),
            Issuer("Trường THCS C", "Phòng GD&ĐT huyện Ứng Hòa"),
        ]
    )
    blocks: list[tuple[str, bool]] = []  # consecutive lines of one kind joined: a name broken in two
    for text, bold in lines:
        if blocks and blocks[-1][1] == bold and not bold:
            blocks[-1] = (f"{blocks[-1][0]} {text}", bold)
        else:
            blocks.append((text, bold))
    assert blocks == [
        ("PHÒNG GD&ĐT QUẬN HOÀNG MAI", False),
        ("TRƯỜNG THCS A", True),
        ("TRƯỜNG THCS B", True),
        ("PHÒNG GD&ĐT HUYỆN ỨNG HÒA", False),
        ("TRƯỜNG THCS C", True),
    ]
    long = issuer_lines([Issuer("Trường Trung học cơ sở Nguyễn Trường Tộ và Trường Tiểu học Khánh Thượng")])
    assert len(long) >= 2
    assert " ".join(text for text, _bold in long) == (
        "TRƯỜNG TRUNG HỌC CƠ SỞ NGUYỄN TRƯỜNG TỘ VÀ TRƯỜNG TIỂU HỌC KHÁNH THƯỢNG"
    )
    assert max(text_width(text, 12, bold=True) for text, _bold in long) < Cm(7.1)


def _mutate(data: bytes, change) -> bytes:  # noqa: ANN001
    document = docx.Document(io.BytesIO(data))
    change(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _heading_paragraph(document, text: str):  # noqa: ANN001, ANN202
    for cell in document.tables[0]._cells:
        for paragraph in cell.paragraphs:
            if paragraph.text.strip().startswith(text):
                return paragraph
    raise AssertionError(text)


def _body(document):  # noqa: ANN001, ANN202
    return next(p for p in document.paragraphs if p.text.startswith("Các trường"))


def _margin(document):  # noqa: ANN001
    document.sections[0].left_margin = Mm(25)


def _letter(document):  # noqa: ANN001
    document.sections[0].page_height = Mm(279)


def _arial(document):  # noqa: ANN001
    _body(document).runs[0].font.name = "Arial"


def _motto_regular(document):  # noqa: ANN001
    _heading_paragraph(document, "Độc lập").runs[0].font.bold = False


def _title_big(document):  # noqa: ANN001
    _heading_paragraph(document, "CỘNG HÒA").runs[0].font.size = Pt(15)


def _number_without_zero(document):  # noqa: ANN001
    _heading_paragraph(document, "Số:").runs[0].text = "Số: 7/BC-SGDĐT"


def _date_upright(document):  # noqa: ANN001
    _heading_paragraph(document, "Hà Nội").runs[0].font.italic = False


def _date_without_zero(document):  # noqa: ANN001
    _heading_paragraph(document, "Hà Nội").runs[0].text = "Hà Nội, ngày 5 tháng 1 năm 2026"


def _month_padded(document):  # noqa: ANN001
    _heading_paragraph(document, "Hà Nội").runs[0].text = "Hà Nội, ngày 05 tháng 03 năm 2026"


def _body_small(document):  # noqa: ANN001
    _body(document).runs[0].font.size = Pt(11)


def _body_left(document):  # noqa: ANN001
    _body(document).alignment = WD_ALIGN_PARAGRAPH.LEFT


def _body_no_indent(document):  # noqa: ANN001
    _body(document).paragraph_format.first_line_indent = Cm(0)


def _body_cramped(document):  # noqa: ANN001
    _body(document).paragraph_format.space_after = Pt(0)


def _numbered_page_1(document):  # noqa: ANN001
    document.sections[0].different_first_page_header_footer = False


def _no_archive(document):  # noqa: ANN001
    cell = document.tables[-1].rows[0].cells[0]
    cell.paragraphs[-1].runs[0].text = "- Bộ Giáo dục;"


def _red(document):  # noqa: ANN001
    from docx.shared import RGBColor

    _body(document).runs[0].font.color.rgb = RGBColor(0xFF, 0, 0)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (_margin, "margin_left"),
        (_letter, "page_a4"),
        (_arial, "font_times_new_roman"),
        (_red, "text_black"),
        (_motto_regular, "motto_style"),
        (_title_big, "national_title_style"),
        (_number_without_zero, "number_leading_zero"),
        (_date_upright, "place_date_italic"),
        (_date_without_zero, "place_date_leading_zeros"),
        (_month_padded, "place_date_leading_zeros"),
        (_body_small, "body_size_13_14"),
        (_body_left, "body_justified"),
        (_body_no_indent, "body_first_line_indent"),
        (_body_cramped, "body_space_after_6pt"),
        (_numbered_page_1, "page_number_hidden_on_page_1"),
        (_no_archive, "recipients_end_with_archive"),
    ],
)
def test_each_rule_fails_on_a_document_that_breaks_it(change, rule):  # noqa: ANN001
    data = _mutate(_report().bytes(), change)
    assert rule in _failed(data, upward=True)


def test_a_report_upward_without_kinh_gui_fails_and_a_file_that_is_not_word_fails_once():
    document = AdministrativeDocument(
        Heading(
            issuers=[Issuer("Sở Giáo dục và Đào tạo")],
            kind="Báo cáo",
            subject="S",
            place="Hà Nội",
            day=dt.date(2026, 3, 2),
            number="12/BC-SGDĐT",
        )
    )
    document.paragraph("Nội dung.")
    document.closing([], [Signer("Giám đốc", "A")])
    assert _failed(document.bytes(), upward=True) == {"kinh_gui_for_reports_upward"}
    assert _failed(document.bytes(), upward=False) == set()
    rules = conformance.check_docx(b"PK\x03\x04 not really")
    assert [(r.name, r.ok) for r in rules] == [("readable", False)]


def test_the_pdf_keeps_the_heading_lines_whole_and_numbers_pages_from_2():
    document = _report(long_issuer=True, pages=2)
    pdf = conversion.to_pdf(document.bytes())
    pages = conversion.pdf_pages(pdf)
    assert len(pages) >= 2
    rules = conformance.check_pdf(pages, document.lines)
    assert conformance.failures(rules) == []
    assert {r.name for r in rules} >= {
        "pdf_unwrapped: CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "pdf_unwrapped: Độc lập - Tự do - Hạnh phúc",
        "pdf_page_1_without_number",
        "pdf_page_2_numbered",
    }
    # and the check catches a wrapped line: a heading line the PDF does not hold whole fails
    assert conformance.failures(conformance.check_pdf(pages, ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM NAM"]))


def test_every_rule_has_a_vietnamese_description():
    rules = conformance.check_docx(_report().bytes(), upward=True)
    rules += conformance.check_pdf(["x\n", "2\n"], ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    for rule in rules:
        name = rule.name.split(":", 1)[0]
        assert name == "pdf_unwrapped" or name in conformance.RULE_LABELS, name
    assert (
        conformance.describe(conformance.Rule("margin_left", False, "25.0 mm"))
        == "lề trái 30–35 mm (25.0 mm)"
    )
