"""One layout for every document the platform writes: the Vietnamese administrative format of Decree
30/2020/NĐ-CP, Appendix I. Memoranda, covenants, review reports and council documents are built with
`AdministrativeDocument`, and `core.conformance` checks the result rule by rule.

The layout, as the decree asks and as this module sets it:
- A4 portrait; margins top 20, bottom 20, left 30, right 15 mm; Times New Roman, black.
- Top left, centred in its column: each parent body once (12 pt, not bold) with the issuing bodies it
  governs under it (12 pt, bold capitals), a rule under the last one a third to a half as long, then
  "Số: 05/BC-SGDĐT" (13 pt; a leading zero below 10). Top right: the national title (12 pt bold
  capitals), the motto (13 pt bold, a rule under it as long as the line), the place and date in italics.
  Each of these lines is measured and, if a name is too long for its column, broken at a word by us,
  never by the word processor (the national title and the motto always fit: the right column is sized
  for them).
- The document kind (14 pt bold capitals) and its subject line (14 pt bold), centred; "Kính gửi:" for a
  report sent upward.
- Body 14 pt, justified, first-line indent 1.27 cm, 6 pt after each paragraph.
- Page numbers centred in the top margin, 13 pt, not shown on the first page.
- At the end, "Nơi nhận:" (12 pt bold italic) with one recipient per line (11 pt), the last "- Lưu: VT,
  …."; the signature block (authority and position 13 pt bold capitals, the signer's name 14 pt bold),
  one per party side by side when several parties sign.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from chungtay.core.dates import administrative_date
from chungtay.core.text import vietnamese_number

FONT = "Times New Roman"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # 165 mm
RIGHT_COLUMN = Cm(9.4)  # the national title at 12 pt bold is 8.8 cm, with the cell padding 9.2 cm
LEFT_COLUMN = Emu(int(TEXT_WIDTH) - int(RIGHT_COLUMN))
CELL_PADDING = Cm(0.19)  # Word's and LibreOffice's default left and right cell margin
BODY_SIZE, BODY_INDENT, BODY_AFTER = 14, Cm(1.27), Pt(6)
ISSUER_SIZE, NUMBER_SIZE, TITLE_SIZE, MOTTO_SIZE, KIND_SIZE = 12, 13, 12, 13, 14
RECIPIENTS_LABEL_SIZE, RECIPIENT_SIZE, AUTHORITY_SIZE, SIGNER_SIZE, PAGE_NUMBER_SIZE = 12, 11, 13, 14, 13
TABLE_SIZE = 12

SYMBOL = re.compile(r"^(?P<number>\d*)\s*/\s*(?P<symbol>[A-ZĐƯa-zđư]+(?:-[A-ZĐƯa-zđư0-9]+)*)$")


@dataclass(frozen=True)
class Issuer:
    """An issuing body and the body above it (an office under the department, a school under its
    office; empty for the top)."""

    name: str
    parent: str = ""


@dataclass(frozen=True)
class Signer:
    """A signature block: the authority line ("TM. HỘI ĐỒNG", "KT. GIÁM ĐỐC", or the party a memorandum
    names), the position ("GIÁM ĐỐC", "HIỆU TRƯỞNG") and the signer's name (blank: written by hand)."""

    position: str
    name: str = ""
    authority: str = ""


@dataclass
class Heading:
    issuers: Sequence[Issuer]
    kind: str  # "BÁO CÁO"
    subject: str
    place: str
    day: dt.date
    number: str = ""  # "05/BC-SGDĐT", or "/BC-SGDĐT" before a number is given
    addressees: Sequence[str] = field(default_factory=list)  # "Kính gửi:" for a report sent upward
    # A template's heading: every text is written as given (placeholders such as "{{ co_quan }}"),
    # neither upper-cased, broken into lines nor punctuated; `rule_width` is the rule under the issuer.
    raw: bool = False
    date_line: str = ""
    rule_width: int = 0


def number_line(number: str) -> str:
    """ "Số: 05/BC-SGDĐT": the registry number with a leading zero below 10, the symbol as given; a
    document not yet numbered keeps the space for the number."""
    number = " ".join(number.split())
    match = SYMBOL.match(number)
    if match is None:
        return f"Số: {number}" if number else "Số:       /"
    digits = match["number"]
    digits = f"{int(digits):02d}" if digits else "      "
    return f"Số: {digits}/{match['symbol']}"


# --- Measuring text ------------------------------------------------------------------------------------

_FONT_FILES = {
    (False, False): "LiberationSerif-Regular.ttf",
    (True, False): "LiberationSerif-Bold.ttf",
    (False, True): "LiberationSerif-Italic.ttf",
    (True, True): "LiberationSerif-BoldItalic.ttf",
}
_FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation")


@functools.cache
def _font(bold: bool, italic: bool, size: float) -> Any:
    """Liberation Serif, metric-compatible with Times New Roman (Debian's fonts-liberation2, which
    LibreOffice uses in its place); None when it is not installed."""
    try:
        from PIL import ImageFont
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return None
    for directory in _FONT_DIRS:
        path = Path(directory, _FONT_FILES[(bold, italic)])
        if path.exists():
            return ImageFont.truetype(str(path), size=int(size * 20))  # twentieths of a point
    return None


def text_width(text: str, size: float, *, bold: bool = False, italic: bool = False) -> int:
    """The width of `text` set in Times New Roman at `size` points, in EMU. Without the font's metrics, a
    generous estimate (so a line is broken too early rather than wrapped by the word processor)."""
    font = _font(bold, italic, size)
    if font is not None:
        points = font.getlength(text) / 20
    else:
        em = 0.74 if bold else 0.68
        points = sum(em if ch.isupper() else 0.3 if ch == " " else 0.52 for ch in text) * size
    return int(Pt(points))


def fit_lines(text: str, width: int, size: float, *, bold: bool = False) -> list[str]:
    """`text` broken at words into lines no wider than `width` (EMU); a single word too long stays whole."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate, size, bold=bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    # never a lone short word on the last line ("… ĐẠI HÙNG / B"): the word before it goes down too
    if len(lines) >= 2 and " " not in lines[-1] and len(lines[-1]) < 4 and " " in lines[-2]:
        head, moved = lines[-2].rsplit(" ", 1)
        lines[-2:] = [head, f"{moved} {lines[-1]}"]
    return lines


# --- Building ---------------------------------------------------------------------------------------


def _set_run(run: Any, *, size: float, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = RGBColor(0, 0, 0)


def _tight(paragraph: Paragraph, align: Any = WD_ALIGN_PARAGRAPH.CENTER) -> Paragraph:
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(0)
    return paragraph


def _text(paragraph: Paragraph, text: str, *, size: float, bold: bool = False, italic: bool = False) -> None:
    _set_run(paragraph.add_run(text), size=size, bold=bold, italic=italic)


def _border(paragraph: Paragraph, edge: str = "bottom") -> None:
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{edge}")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        line.set(qn(key), value)
    borders.append(line)
    paragraph._p.get_or_add_pPr().append(borders)


def _rule(cell: _Cell, column: int, length: int) -> None:
    """A centred line `length` long (EMU): an empty paragraph with a bottom border, indented from both
    sides of its column."""
    paragraph = _tight(cell.add_paragraph())
    side = max(0, (column - 2 * int(CELL_PADDING) - length) // 2)
    paragraph.paragraph_format.left_indent = Emu(side)
    paragraph.paragraph_format.right_indent = Emu(side)
    _set_run(paragraph.add_run(""), size=2)
    _border(paragraph)
    paragraph.paragraph_format.line_spacing = Pt(3)


def _fixed_table(table: Table, widths: Sequence[int]) -> None:
    """Column widths that both Word and LibreOffice keep: a fixed layout, the grid and every cell."""
    table.autofit = False
    properties = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        column.set(qn("w:w"), str(int(Emu(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Emu(width)


def _grid_lines(table: Table) -> None:
    """Single black lines around and between every cell."""
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "000000")):
            line.set(qn(key), value)
        borders.append(line)
    table._tbl.tblPr.append(borders)


def _keep_rows_whole(table: Table) -> None:
    """A signature block is never split across two pages (its row moves whole to the next page)."""
    for row in table.rows:
        element = OxmlElement("w:cantSplit")
        element.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(element)


def _page_number_header(section: Any) -> None:
    """A PAGE field centred in the header; the first page has its own empty header (titlePg)."""
    section.different_first_page_header_footer = True
    section.header_distance = Mm(10)
    paragraph = _tight(section.header.paragraphs[0])
    run = paragraph.add_run()
    _set_run(run, size=PAGE_NUMBER_SIZE)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    section.first_page_header.paragraphs[0].text = ""


def recipient_lines(recipients: Iterable[str], archive: str = "") -> list[str]:
    """ "- Bộ Giáo dục và Đào tạo;" one per line, the last "- Lưu: VT, <archive>."."""
    lines = [f"- {name.rstrip(';.')};" for name in recipients]
    lines.append(f"- Lưu: VT{', ' + archive if archive else ''}.")
    return lines


def issuer_lines(issuers: Iterable[Issuer], width: int = int(LEFT_COLUMN)) -> list[tuple[str, bool]]:
    """The issuing block's lines, (text, is the issuer): each parent body once, followed by the
    issuers under it, each broken to the column's width."""
    usable = width - 2 * int(CELL_PADDING)
    lines: list[tuple[str, bool]] = []
    parents: dict[str, list[str]] = {}
    for issuer in issuers:
        names = parents.setdefault(issuer.parent.upper(), [])
        if issuer.name.upper() not in names:
            names.append(issuer.name.upper())
    for parent, names in parents.items():
        if parent:
            lines += [(line, False) for line in fit_lines(parent, usable, ISSUER_SIZE)]
        for name in names:
            lines += [(line, True) for line in fit_lines(name, usable, ISSUER_SIZE, bold=True)]
    return lines


def issuer_rule_width(lines: Iterable[tuple[str, bool]]) -> int:
    """The rule under the issuing body (EMU): 40 % of its widest line, within the decree's third to half."""
    widest = max(
        (text_width(text, ISSUER_SIZE, bold=True) for text, is_issuer in lines if is_issuer), default=0
    )
    return int(widest * 0.4)


class Body:
    """The body of a document in the decree's layout: paragraphs, section headings, captioned tables and
    pictures, written into `document` (a python-docx Document, or a template's sub-document)."""

    raw = False  # a template's texts are written as given (see Heading.raw)

    def __init__(self, document: Any) -> None:
        self.document = document

    # the body
    def paragraph(self, text: str, *, bold: bool = False, italic: bool = False) -> Paragraph:
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt = paragraph.paragraph_format
        fmt.first_line_indent = BODY_INDENT
        fmt.space_before = Pt(0)
        fmt.space_after = BODY_AFTER
        _text(paragraph, text, size=BODY_SIZE, bold=bold, italic=italic)
        return paragraph

    def section(self, text: str) -> Paragraph:
        """A section heading ("I. KẾT QUẢ ĐẠT ĐƯỢC"): a body paragraph in bold."""
        return self.paragraph(text, bold=True)

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[Any]], *, widths: Sequence[float] | None = None
    ) -> Table:
        """A table of figures (12 pt, a bold header row repeated on every page, numbers right-aligned,
        Vietnamese separators)."""
        columns = len(header)
        table = self.document.add_table(rows=1 + len(rows), cols=columns)
        _grid_lines(table)  # drawn on the table itself: a template may have no "Table Grid" style
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        share = widths or [2.0] + [1.0] * (columns - 1)
        total = sum(share)
        _fixed_table(table, [int(int(TEXT_WIDTH) * w / total) for w in share])
        header_row = table.rows[0]
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header_row._tr.get_or_add_trPr().append(repeat)
        for cell, text in zip(header_row.cells, header, strict=True):
            _text(_tight(cell.paragraphs[0]), str(text), size=TABLE_SIZE, bold=True)
        for row, given in zip(table.rows[1:], rows, strict=True):
            values = [*given, *[""] * (columns - len(given))]  # a short row (a total) is padded
            for index, (cell, value) in enumerate(zip(row.cells, values, strict=False)):
                numeric = isinstance(value, int | float) and not isinstance(value, bool)
                align = WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
                if index > 0 and not numeric:
                    align = WD_ALIGN_PARAGRAPH.CENTER
                text = vietnamese_number(value) if numeric else ("—" if value is None else str(value))
                _text(_tight(cell.paragraphs[0], align), text, size=TABLE_SIZE)
        after = _tight(self.document.add_paragraph())
        after.paragraph_format.space_after = Pt(6)
        return table

    def caption(self, text: str) -> Paragraph:
        """A table's caption ("Bảng 1. …"), kept on the page of the table it names."""
        paragraph = self.paragraph(text, italic=True)
        paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def picture(self, png: bytes, caption: str, *, width_cm: float = 15.5, max_height_cm: float = 12) -> None:
        """A chart, as wide as `width_cm` unless that makes it taller than `max_height_cm`, with its
        caption under it."""
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:
            ratio = image.height / image.width
        width = min(width_cm, max_height_cm / ratio) if ratio else width_cm
        paragraph = _tight(self.document.add_paragraph())
        paragraph.paragraph_format.keep_with_next = True
        paragraph.add_run().add_picture(io.BytesIO(png), width=Cm(width))
        label = _tight(self.document.add_paragraph())
        label.paragraph_format.space_after = Pt(6)
        _text(label, caption, size=TABLE_SIZE, italic=True)

    def signatures(self, signers: Sequence[Signer]) -> None:
        """Several signature blocks side by side on a row of their own (the parties of a memorandum, the
        chair and the secretary of a meeting's minutes)."""
        table = self.document.add_table(rows=1, cols=len(signers))
        width = int(TEXT_WIDTH) // len(signers)
        _fixed_table(table, [width] * len(signers))
        for cell, signer in zip(table.rows[0].cells, signers, strict=True):
            self._signature(cell, signer)
        _keep_rows_whole(table)

    def _signature(self, cell: _Cell, signer: Signer) -> None:
        first = True
        for text in (signer.authority, signer.position):
            if not text:
                continue
            paragraph = _tight(cell.paragraphs[0] if first else cell.add_paragraph())
            first = False
            _text(paragraph, text if self.raw else text.upper(), size=AUTHORITY_SIZE, bold=True)
        for _ in range(4):
            _tight(cell.add_paragraph())
        _text(_tight(cell.add_paragraph()), signer.name, size=SIGNER_SIZE, bold=True)


class AdministrativeDocument(Body):
    """A document in the decree's layout: the heading on construction, then the body (`Body`), then the
    closing (recipients and signatures); `bytes()` gives the .docx."""

    def __init__(self, heading: Heading) -> None:
        super().__init__(Document())
        self.heading = heading
        self.raw = heading.raw
        self.lines: list[str] = []  # lines that must not wrap (the PDF check reads them back)
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
        section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
        normal = self.document.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_SIZE)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        _page_number_header(section)
        self._heading_block()

    # the top of the first page
    def _heading_block(self) -> None:
        heading = self.heading
        table = self.document.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _fixed_table(table, [int(LEFT_COLUMN), int(RIGHT_COLUMN)])
        left, right = table.rows[0].cells
        first = True
        if heading.raw:
            lines = [(i.parent, False) for i in heading.issuers if i.parent] + [
                (i.name, True) for i in heading.issuers
            ]
        else:
            lines = issuer_lines(heading.issuers)
        for text, is_issuer in lines:
            paragraph = _tight(left.paragraphs[0] if first else left.add_paragraph())
            first = False
            _text(paragraph, text, size=ISSUER_SIZE, bold=is_issuer)
            self.lines.append(text)
        _rule(left, int(LEFT_COLUMN), heading.rule_width or issuer_rule_width(lines))
        number = _tight(left.add_paragraph())
        number.paragraph_format.space_before = Pt(6)
        _text(number, heading.number if heading.raw else number_line(heading.number), size=NUMBER_SIZE)

        title = _tight(right.paragraphs[0])
        _text(title, NATIONAL_TITLE, size=TITLE_SIZE, bold=True)
        motto = _tight(right.add_paragraph())
        _text(motto, MOTTO, size=MOTTO_SIZE, bold=True)
        _rule(right, int(RIGHT_COLUMN), text_width(MOTTO, MOTTO_SIZE, bold=True))
        self.lines += [NATIONAL_TITLE, MOTTO]
        date = _tight(right.add_paragraph())
        date.paragraph_format.space_before = Pt(6)
        _text(
            date,
            heading.date_line or administrative_date(heading.place, heading.day),
            size=BODY_SIZE,
            italic=True,
        )

        spacer = _tight(self.document.add_paragraph())
        spacer.paragraph_format.space_after = Pt(6)
        kind = _tight(self.document.add_paragraph())
        kind.paragraph_format.space_before = Pt(12)
        _text(kind, heading.kind if heading.raw else heading.kind.upper(), size=KIND_SIZE, bold=True)
        subject = _tight(self.document.add_paragraph())
        _text(subject, heading.subject, size=KIND_SIZE, bold=True)
        subject.paragraph_format.space_after = Pt(12)
        if heading.addressees:
            names = list(heading.addressees)
            for index, name in enumerate(names):
                paragraph = _tight(self.document.add_paragraph())
                label = "Kính gửi: " if index == 0 else ""
                paragraph.paragraph_format.left_indent = Cm(0 if index == 0 else 3.0)
                end = "" if heading.raw else "." if index == len(names) - 1 else ";"
                _text(paragraph, f"{label}{name}{end}", size=BODY_SIZE)
            self.document.paragraphs[-1].paragraph_format.space_after = Pt(12)

    # the end
    def closing(self, recipients: Sequence[str], signers: Sequence[Signer], *, archive: str = "") -> None:
        """Recipients on the left and one signature block on the right; several signers (the parties of
        a memorandum) side by side on their own row above the recipients."""
        spacer = _tight(self.document.add_paragraph())
        spacer.paragraph_format.space_after = Pt(6)
        if len(signers) == 1:
            table = self.document.add_table(rows=1, cols=2)
            _fixed_table(table, [int(LEFT_COLUMN), int(RIGHT_COLUMN)])
            left, right = table.rows[0].cells
            self._recipients(left, recipients, archive)
            self._signature(right, signers[0])
            _keep_rows_whole(table)
            return
        if signers:  # a template's blocks come as one placeholder ({{p chu_ky }}) above
            self.signatures(signers)
        below = self.document.add_table(rows=1, cols=2)
        _fixed_table(below, [int(TEXT_WIDTH) // 2, int(TEXT_WIDTH) - int(TEXT_WIDTH) // 2])
        _keep_rows_whole(below)
        self._recipients(below.rows[0].cells[0], recipients, archive)

    def _recipients(self, cell: _Cell, recipients: Sequence[str], archive: str) -> None:
        label = _tight(cell.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
        _text(label, "Nơi nhận:", size=RECIPIENTS_LABEL_SIZE, bold=True, italic=True)
        # a template's lines are written as given (a loop over the recipients)
        lines = list(recipients) if self.heading.raw else recipient_lines(recipients, archive)
        for line in lines:
            _text(_tight(cell.add_paragraph(), WD_ALIGN_PARAGRAPH.LEFT), line, size=RECIPIENT_SIZE)

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


@dataclass
class Parts:
    """A document as its parts, laid out by the built-in layout (`build`) or poured into a department's
    own template (`reports.templating`): the heading, what stands between the heading and the closing, the
    recipients and the signers. `extras` are the document kind's own placeholders (the period, the award)
    for the sentences a template writes itself."""

    heading: Heading
    body: Callable[[Body], None]
    recipients: Sequence[str]
    signers: Sequence[Signer]
    archive: str = ""
    extras: dict[str, str] = field(default_factory=dict)

    def build(self) -> AdministrativeDocument:
        document = AdministrativeDocument(self.heading)
        self.body(document)
        document.closing(self.recipients, self.signers, archive=self.archive)
        return document

    @property
    def upward(self) -> bool:
        """Sent to a body above ("Kính gửi"), which the layout rules then require."""
        return bool(self.heading.addressees)
