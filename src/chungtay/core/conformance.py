"""The conformance test of the administrative layout (Decree 30/2020/NĐ-CP, Appendix I): every
generated document and every uploaded template is read back and checked rule by rule, each rule by name
with what it found. `check_docx` reads the Word file (python-docx); `check_pdf` reads the PDF that
LibreOffice made of it (pdftotext): the lines that must not wrap, and page 1 without a page number.

The document is found by its landmarks, as a reader would: the heading table (national title, motto,
the issuers and "Số:"), the document kind and subject under it, the closing table ("Nơi nhận:" and the
signature block); the body is every other paragraph between them."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Emu, Mm
from docx.text.paragraph import Paragraph

from chungtay.core.documents import (
    CELL_PADDING,
    FONT,
    MOTTO,
    NATIONAL_TITLE,
    SYMBOL,
    text_width,
)

DATE_LINE = re.compile(r"^[^,]+, ngày (?P<day>\d{1,2}) tháng (?P<month>\d{1,2}) năm (?P<year>\d{4})$")
TOLERANCE_MM = 0.6


@dataclass
class Rule:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class _Line:
    """A paragraph as the reader sees it: text and its effective run properties."""

    paragraph: Any
    text: str
    sizes: set[float]
    bold: set[bool]
    italic: set[bool]
    fonts: set[str]
    colours: set[str]

    @property
    def size(self) -> float | None:
        return next(iter(self.sizes)) if len(self.sizes) == 1 else None


def _effective(run: Any, paragraph: Any, attribute: str, default: Any) -> Any:
    value = getattr(run.font, attribute)
    if value is not None:
        return value
    style = paragraph.style
    while style is not None:
        value = getattr(style.font, attribute)
        if value is not None:
            return value
        style = style.base_style
    return default


def _line(paragraph: Any, normal_size: float, normal_font: str) -> _Line:
    runs = [run for run in paragraph.runs if run.text.strip()]
    sizes, bold, italic, fonts, colours = set(), set(), set(), set(), set()
    for run in runs:
        size = _effective(run, paragraph, "size", None)
        sizes.add(round(size.pt, 1) if size is not None else normal_size)
        bold.add(bool(_effective(run, paragraph, "bold", False)))
        italic.add(bool(_effective(run, paragraph, "italic", False)))
        fonts.add(_effective(run, paragraph, "name", None) or normal_font)
        colour = run.font.color.rgb if run.font.color is not None and run.font.color.type else None
        colours.add(str(colour) if colour is not None else "000000")
    return _Line(paragraph, paragraph.text.strip(), sizes, bold, italic, fonts, colours)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.document: Any = Document(io.BytesIO(data))
        normal = self.document.styles["Normal"].font
        self.normal_size = normal.size.pt if normal.size is not None else 11.0
        self.normal_font = normal.name or ""
        self.tables = list(self.document.tables)
        self.heading_table = next((t for t in self.tables if NATIONAL_TITLE in _cell_text(t)), None)
        self.closing_tables = [t for t in self.tables if "Nơi nhận:" in _cell_text(t)]
        self.signature_tables = [t for t in self.tables if _is_signature_table(t)]
        # paragraphs outside tables, in order
        self.outside = [self.line(p) for p in self.document.paragraphs if p.text.strip()]
        self.heading_cells: list[list[_Line]] = []
        if self.heading_table is not None:
            self.heading_cells = [
                [self.line(p) for p in cell.paragraphs if p.text.strip()]
                for cell in self.heading_table.rows[0].cells
            ]

    def line(self, paragraph: Any) -> _Line:
        return _line(paragraph, self.normal_size, self.normal_font)

    @property
    def left(self) -> list[_Line]:
        return self.heading_cells[0] if self.heading_cells else []

    @property
    def right(self) -> list[_Line]:
        return self.heading_cells[-1] if self.heading_cells else []

    def find(self, lines: Iterable[_Line], test: Callable[[str], bool]) -> _Line | None:
        return next((line for line in lines if test(line.text)), None)


def _cell_text(table: Any) -> str:
    return "\n".join(cell.text for row in table.rows for cell in row.cells)


def _is_signature_table(table: Any) -> bool:
    text = _cell_text(table)
    return "Nơi nhận:" in text or any(
        word in text
        for word in ("HIỆU TRƯỞNG", "GIÁM ĐỐC", "TRƯỞNG PHÒNG", "CHỦ TỊCH", "ĐẠI DIỆN", "TM.", "KT.")
    )


def _within(value: float | None, low: float, high: float) -> bool:
    return value is not None and low <= value <= high


def _mm(length: Any) -> float:
    return round(Emu(int(length)).mm, 1) if length is not None else 0.0


def _border_bottom(paragraph: Any) -> bool:
    properties = paragraph._p.pPr
    if properties is None:
        return False
    borders = properties.find(qn("w:pBdr"))
    return borders is not None and borders.find(qn("w:bottom")) is not None


def _rule_length(paragraph: Any, column_width: int) -> int:
    fmt = paragraph.paragraph_format
    left = int(fmt.left_indent or 0)
    right = int(fmt.right_indent or 0)
    return column_width - 2 * int(CELL_PADDING) - left - right


def _column_widths(table: Any) -> list[int]:
    grid = table._tbl.tblGrid
    return [int(Emu(int(col.get(qn("w:w"))) * 635)) for col in grid.findall(qn("w:gridCol"))]


def check_docx(data: bytes, *, upward: bool = False) -> list[Rule]:
    """Every rule of the layout on a .docx, in order. `upward`: a report sent to a higher body, which
    must carry "Kính gửi:". A file that is not a Word document gives one failed rule saying so."""
    try:
        reader = _Reader(data)
    except Exception as error:  # noqa: BLE001 - any unreadable file is one failed rule
        return [Rule("readable", False, f"not a Word document: {type(error).__name__}")]
    rules: list[Rule] = [Rule("readable", True)]

    def rule(name: str, ok: bool, detail: str = "") -> None:
        rules.append(Rule(name, bool(ok), detail))

    section = reader.document.sections[0]
    width, height = _mm(section.page_width), _mm(section.page_height)
    rule(
        "page_a4",
        abs(width - 210) <= TOLERANCE_MM and abs(height - 297) <= TOLERANCE_MM,
        f"{width}×{height} mm",
    )
    for name, value, low, high in (
        ("margin_top", section.top_margin, 20, 25),
        ("margin_bottom", section.bottom_margin, 20, 25),
        ("margin_left", section.left_margin, 30, 35),
        ("margin_right", section.right_margin, 15, 20),
    ):
        mm = _mm(value)
        rule(name, low - TOLERANCE_MM <= mm <= high + TOLERANCE_MM, f"{mm} mm (allowed {low}–{high})")

    every = list(reader.outside)
    for table in reader.tables:
        for row in table.rows:
            for cell in row.cells:
                every += [reader.line(p) for p in cell.paragraphs if p.text.strip()]
    fonts = {font for line in every for font in line.fonts}
    rule("font_times_new_roman", fonts <= {FONT}, ", ".join(sorted(fonts)))
    colours = {colour for line in every for colour in line.colours} - {"000000", "None"}
    rule("text_black", not colours, ", ".join(sorted(colours)))

    rule("heading_table", reader.heading_table is not None, "a two-column heading with the national title")
    title = reader.find(reader.right, lambda t: t == NATIONAL_TITLE)
    rule("national_title", title is not None, NATIONAL_TITLE)
    rule(
        "national_title_style",
        title is not None and title.bold == {True} and _within(title.size, 12, 13),
        _describe(title),
    )
    motto = reader.find(reader.right, lambda t: t == MOTTO)
    rule("motto", motto is not None, MOTTO)
    rule(
        "motto_style",
        motto is not None and motto.bold == {True} and _within(motto.size, 13, 14),
        _describe(motto),
    )
    right_width = _column_widths(reader.heading_table)[-1] if reader.heading_table is not None else 0
    motto_rule = _following_rule(motto)
    if motto is not None and motto_rule is not None and motto.size:
        length = _rule_length(motto_rule, right_width)
        expected = text_width(MOTTO, motto.size, bold=True)
        rule(
            "motto_rule_as_long_as_line",
            abs(length - expected) <= 0.15 * expected,
            f"{_mm(length)} mm for a {_mm(expected)} mm line",
        )
    else:
        rule("motto_rule_as_long_as_line", False, "no line under the motto")

    number = reader.find(reader.left, lambda t: t.startswith("Số:"))
    issuers = [line for line in reader.left if line.bold == {True} and not line.text.startswith("Số:")]
    parents = [
        line
        for line in reader.left[: reader.left.index(number) if number in reader.left else None]
        if line.bold == {False}
    ]
    rule("issuer_present", bool(issuers), "; ".join(line.text for line in issuers))
    rule(
        "issuer_style",
        bool(issuers)
        and all(line.text == line.text.upper() and _within(line.size, 12, 13) for line in issuers),
        "; ".join(_describe(line) for line in issuers),
    )
    rule(
        "parent_body_style",
        all(line.text == line.text.upper() and _within(line.size, 12, 13) for line in parents),
        "; ".join(_describe(line) for line in parents) or "none",
    )
    parent_texts: list[str] = []  # a parent's name broken over lines is one name
    previous: _Line | None = None
    for line in reader.left:
        if line in parents and previous is not None and previous in parents and parent_texts:
            parent_texts[-1] = f"{parent_texts[-1]} {line.text}"
        elif line in parents:
            parent_texts.append(line.text)
        previous = line
    rule("parent_body_once", len(parent_texts) == len(set(parent_texts)), "; ".join(parent_texts))
    issuer_rule = _following_rule(issuers[-1] if issuers else None)
    left_width = _column_widths(reader.heading_table)[0] if reader.heading_table is not None else 0
    if issuers and issuer_rule is not None:
        widest = max(text_width(line.text, line.size or 12, bold=True) for line in issuers)
        length = _rule_length(issuer_rule, left_width)
        rule(
            "issuer_rule_third_to_half",
            widest / 3 - Mm(1) <= length <= widest / 2 + Mm(1),
            f"{_mm(length)} mm under a {_mm(widest)} mm line",
        )
    else:
        rule("issuer_rule_third_to_half", False, "no line under the issuing body")
    rule("number_line", number is not None, number.text if number else "no “Số:” line")
    symbol = SYMBOL.match(number.text[3:].strip()) if number else None
    rule("number_symbol_pattern", symbol is not None, number.text if number else "")
    digits = symbol["number"] if symbol else ""
    rule(
        "number_leading_zero",
        symbol is not None and (not digits or len(digits) >= 2),
        number.text if number else "",
    )
    rule("number_size", number is not None and _within(number.size, 13, 13), _describe(number))

    date = reader.find(reader.right, lambda t: DATE_LINE.match(t) is not None)
    rule("place_date", date is not None, date.text if date else "no place and date")
    rule("place_date_italic", date is not None and date.italic == {True}, _describe(date))
    zero_ok = False
    if date is not None:
        match = DATE_LINE.match(date.text)
        assert match is not None
        day, month = match["day"], match["month"]
        zero_ok = (
            (int(day) >= 10 or len(day) == 2)
            and (int(month) > 2 or len(month) == 2)
            and not (int(month) > 2 and month.startswith("0"))
        )
    rule("place_date_leading_zeros", zero_ok, date.text if date else "")

    after_heading = reader.outside
    kind = next((line for line in after_heading if line.text.isupper() and line.bold == {True}), None)
    rule("document_kind", kind is not None, kind.text if kind else "no document kind in bold capitals")
    rule(
        "document_kind_style",
        kind is not None
        and _within(kind.size, 13, 14)
        and kind.paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER,
        _describe(kind),
    )
    subject = (
        after_heading[after_heading.index(kind) + 1]
        if kind is not None and after_heading.index(kind) + 1 < len(after_heading)
        else None
    )
    rule(
        "subject_line",
        subject is not None
        and subject.bold == {True}
        and subject.paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER,
        _describe(subject),
    )
    addressed = any(line.text.startswith("Kính gửi") for line in after_heading[:8])
    rule("kinh_gui_for_reports_upward", addressed or not upward, "present" if addressed else "absent")

    body = [
        line
        for line in after_heading[(after_heading.index(subject) + 1) if subject in after_heading else 0 :]
        if not line.text.startswith("Kính gửi")
        and not _is_caption(line)
        and line.paragraph.alignment != WD_ALIGN_PARAGRAPH.CENTER
        and line.paragraph.paragraph_format.left_indent in (None, 0)
    ]
    rule("body_present", bool(body), f"{len(body)} paragraphs")
    off_size = [line.text[:40] for line in body if not _within(line.size, 13, 14)]
    rule("body_size_13_14", not off_size, "; ".join(off_size[:3]))
    unjustified = [line.text[:40] for line in body if line.paragraph.alignment != WD_ALIGN_PARAGRAPH.JUSTIFY]
    rule("body_justified", not unjustified, "; ".join(unjustified[:3]))
    indents = [_indent_cm(line.paragraph) for line in body]
    off_indent = [
        f"{line.text[:30]} ({cm} cm)"
        for line, cm in zip(body, indents, strict=True)
        if not 0.99 <= cm <= 1.28
    ]
    rule("body_first_line_indent", not off_indent, "; ".join(off_indent[:3]))
    cramped = [line.text[:40] for line in body if _space_after(line.paragraph) < 6]
    rule("body_space_after_6pt", not cramped, "; ".join(cramped[:3]))

    header = section.header
    field = _has_page_field(header)
    centred = any(p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in header.paragraphs)
    rule("page_number_centred_in_header", field and centred, "PAGE field" if field else "no PAGE field")
    first_page = section.different_first_page_header_footer
    first_empty = not _has_page_field(section.first_page_header)
    rule(
        "page_number_hidden_on_page_1", first_page and first_empty, "titlePg" if first_page else "no titlePg"
    )

    closing = reader.closing_tables[-1] if reader.closing_tables else None
    recipients: list[_Line] = []
    if closing is not None:
        for row in closing.rows:
            for cell in row.cells:
                lines = [reader.line(p) for p in cell.paragraphs if p.text.strip()]
                if lines and lines[0].text == "Nơi nhận:":
                    recipients = lines
    label = recipients[0] if recipients else None
    rule(
        "recipients_label",
        label is not None and label.bold == {True} and label.italic == {True} and _within(label.size, 12, 12),
        _describe(label),
    )
    entries = recipients[1:]
    rule(
        "recipients_lines",
        bool(entries)
        and all(line.text.startswith("-") and _within(line.size, 11, 11) for line in entries)
        and all(line.text.endswith(";") for line in entries[:-1]),
        "; ".join(line.text for line in entries[:4]),
    )
    rule(
        "recipients_end_with_archive",
        bool(entries) and entries[-1].text.startswith("- Lưu: VT") and entries[-1].text.endswith("."),
        entries[-1].text if entries else "",
    )
    signatures = _signature_blocks(reader)
    rule("signature_block", bool(signatures), f"{len(signatures)} blocks")
    styled = all(
        block[0].bold == {True}
        and block[0].text == block[0].text.upper()
        and _within(block[0].size, 13, 14)
        and block[-1].bold == {True}
        and _within(block[-1].size, 13, 14)
        for block in signatures
    )
    rule(
        "signature_style",
        bool(signatures) and styled,
        "; ".join(" / ".join(line.text for line in block) for block in signatures),
    )
    return rules


def _describe(line: _Line | None) -> str:
    if line is None:
        return "missing"
    size = "/".join(str(s) for s in sorted(line.sizes))
    weight = "bold" if line.bold == {True} else "regular" if line.bold == {False} else "mixed"
    slant = " italic" if line.italic == {True} else ""
    return f"“{line.text[:50]}”: {size} pt {weight}{slant}"


def _following_rule(anchor: _Line | None) -> Any:
    """The empty bordered paragraph that draws the rule under `anchor`, if one follows it."""
    if anchor is None:
        return None
    paragraph = anchor.paragraph
    following = paragraph._p.getnext()
    while following is not None and following.tag == qn("w:p"):
        candidate = Paragraph(following, paragraph._parent)
        if _border_bottom(candidate):
            return candidate
        if candidate.text.strip():
            return None
        following = following.getnext()
    return paragraph if _border_bottom(paragraph) else None


def _has_page_field(header: Any) -> bool:
    return any("PAGE" in (node.text or "") for node in header._element.iter(qn("w:instrText")))


def _is_caption(line: _Line) -> bool:
    return line.italic == {True} and line.paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER


def _indent_cm(paragraph: Any) -> float:
    indent = paragraph.paragraph_format.first_line_indent
    return round(Emu(int(indent)).cm, 2) if indent is not None else 0.0


def _space_after(paragraph: Any) -> float:
    after = paragraph.paragraph_format.space_after
    return after.pt if after is not None else 0.0


def _signature_blocks(reader: _Reader) -> list[list[_Line]]:
    blocks = []
    for table in reader.signature_tables:
        for row in table.rows:
            for cell in row.cells:
                lines = [reader.line(p) for p in cell.paragraphs if p.text.strip()]
                if lines and lines[0].text != "Nơi nhận:" and lines[0].text.isupper() and len(lines) >= 2:
                    blocks.append(lines)
    return blocks


# --- On the PDF -----------------------------------------------------------------------------------------


def check_pdf(pages: list[str], unbroken: Iterable[str]) -> list[Rule]:
    """Rules read off the PDF's text (`pages`: each page as `pdftotext -layout` prints it): every line of
    `unbroken` (the national title, the motto, the issuers' lines) stands whole on one line of page 1,
    and page 1 carries no page number while page 2, if any, starts with "2"."""
    rules = []
    first = pages[0] if pages else ""
    rows = [" ".join(row.split()) for row in first.splitlines()]
    for text in unbroken:
        whole = " ".join(text.split())
        rules.append(Rule(f"pdf_unwrapped: {whole}", any(whole in row for row in rows), whole))
    top = next((row for row in rows if row), "")
    rules.append(Rule("pdf_page_1_without_number", not re.fullmatch(r"\d+", top), top[:40]))
    if len(pages) > 1:
        second = next((" ".join(r.split()) for r in pages[1].splitlines() if r.strip()), "")
        rules.append(Rule("pdf_page_2_numbered", second == "2", second[:40]))
    return rules


# What each rule asks, in Vietnamese: the messages a department reads when its template is refused.
RULE_LABELS = {
    "readable": "tệp là văn bản Word",
    "page_a4": "khổ giấy A4 (210 × 297 mm)",
    "margin_top": "lề trên 20–25 mm",
    "margin_bottom": "lề dưới 20–25 mm",
    "margin_left": "lề trái 30–35 mm",
    "margin_right": "lề phải 15–20 mm",
    "font_times_new_roman": "phông chữ Times New Roman",
    "text_black": "chữ màu đen",
    "heading_table": "phần đầu hai cột có Quốc hiệu",
    "national_title": "Quốc hiệu “CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM”",
    "national_title_style": "Quốc hiệu in hoa, đậm, cỡ 12–13",
    "motto": "Tiêu ngữ “Độc lập - Tự do - Hạnh phúc”",
    "motto_style": "Tiêu ngữ đậm, cỡ 13–14",
    "motto_rule_as_long_as_line": "đường kẻ dưới Tiêu ngữ dài bằng dòng chữ",
    "issuer_present": "tên cơ quan ban hành (in hoa, đậm)",
    "issuer_style": "tên cơ quan ban hành in hoa, cỡ 12–13",
    "parent_body_style": "tên cơ quan chủ quản in hoa, cỡ 12–13",
    "parent_body_once": "mỗi cơ quan chủ quản ghi một lần",
    "issuer_rule_third_to_half": "đường kẻ dưới tên cơ quan dài 1/3–1/2 dòng chữ",
    "number_line": "dòng “Số:”",
    "number_symbol_pattern": "số và ký hiệu dạng 05/BC-SGDĐT",
    "number_leading_zero": "số nhỏ hơn 10 có số 0 phía trước",
    "number_size": "số, ký hiệu cỡ 13",
    "place_date": "địa danh và ngày tháng năm",
    "place_date_italic": "địa danh, ngày tháng in nghiêng",
    "place_date_leading_zeros": "ngày nhỏ hơn 10 và tháng 1, 2 có số 0 phía trước",
    "document_kind": "tên loại văn bản in hoa, đậm",
    "document_kind_style": "tên loại văn bản cỡ 13–14, căn giữa",
    "subject_line": "trích yếu đậm, căn giữa",
    "kinh_gui_for_reports_upward": "“Kính gửi” ở báo cáo gửi cấp trên",
    "body_present": "có nội dung",
    "body_size_13_14": "nội dung cỡ 13–14",
    "body_justified": "nội dung căn đều hai lề",
    "body_first_line_indent": "thụt đầu dòng 1–1,27 cm",
    "body_space_after_6pt": "cách đoạn tối thiểu 6 pt",
    "page_number_centred_in_header": "số trang căn giữa ở lề trên",
    "page_number_hidden_on_page_1": "không đánh số trang thứ nhất",
    "recipients_label": "“Nơi nhận:” đậm, nghiêng, cỡ 12",
    "recipients_lines": "mỗi nơi nhận một dòng, cỡ 11, bắt đầu bằng “-”, kết thúc bằng “;”",
    "recipients_end_with_archive": "dòng cuối “- Lưu: VT, …”",
    "signature_block": "khối chữ ký (thẩm quyền, chức vụ, họ tên)",
    "signature_style": "thẩm quyền, chức vụ in hoa đậm; họ tên đậm; cỡ 13–14",
    "pdf_page_1_without_number": "trang 1 không có số trang",
    "pdf_page_2_numbered": "trang 2 đánh số “2”",
}


def describe(rule: Rule) -> str:
    """ "lề trái 30–35 mm (25.0 mm (allowed 30–35))": what the rule asks and what was found."""
    name = rule.name.split(":", 1)[0]
    label = RULE_LABELS.get(name, rule.name)
    if name == "pdf_unwrapped":
        label = f"dòng “{rule.detail}” không bị ngắt"
        return label
    return f"{label} ({rule.detail})" if rule.detail else label


def failures(rules: Iterable[Rule]) -> list[Rule]:
    return [rule for rule in rules if not rule.ok]
