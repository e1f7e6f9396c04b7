"""Templates a department uploads for the documents it issues: a Word file with placeholders (docxtpl,
Jinja in Word), checked on upload, rendered when the document is made. Each kind of document
(`DocumentKind`: the review reports, the emulation council's minutes, proposal and list, the partnerships'
memoranda and covenants) has its built-in layout offered as the starting template (its heading, closing
and page setup with the placeholders in place), so a department changes what it must — its parent body,
its recipients, a logo, a clause of its own — and keeps the decree's layout, which the check holds it to.

Every kind fills its template from the same `core.documents.Parts` the built-in layout lays out, so a
document reads the same whichever made it. Placeholders (Vietnamese names, as a department's staff will
read them):

| name | what it holds |
|---|---|
| `co_quan_chu_quan` | the governing body, in capitals (UBND THÀNH PHỐ HÀ NỘI) |
| `co_quan` | the issuing body, in capitals, broken into lines that fit the column |
| `khoi_ban_hanh` | a memorandum's issuing block, each office once, its schools under it (`{{r … }}`) |
| `so_ky_hieu` | "Số: 05/BC-SGDĐT" |
| `dia_danh_ngay` | "Hà Nội, ngày 05 tháng 01 năm 2026" |
| `ten_loai` | "BÁO CÁO", "BIÊN BẢN", "TỜ TRÌNH", "BIÊN BẢN GHI NHỚ" |
| `trich_yeu` | the subject line |
| `kinh_gui` | the addressees, "; " between them, ending "." |
| `noi_dung` | the whole body (with `{{p noi_dung }}`, a paragraph of its own) |
| `noi_nhan` | the recipients' lines, "- Lưu: VT, …." last (`{%p for dong in noi_nhan %}`) |
| `tham_quyen`, `chuc_vu`, `nguoi_ky` | one signature block: authority, position, name |
| `chu_ky` | several signature blocks side by side (`{{p chu_ky }}`: the parties, the chair and secretary) |
| `ky_bao_cao`, `pham_vi` | a report's period and scope |
| `ky_danh_gia`, `ngay_hop`, `chu_tri`, `thu_ky`, `hinh_thuc_khen_thuong` | the council's cycle and meeting |
| `so_nhom`, `hieu_luc` | a memorandum's partnership number and its validity sentence |
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

from chungtay.core import conformance
from chungtay.core.dates import administrative_date
from chungtay.core.documents import (
    FONT,
    ISSUER_SIZE,
    MOTTO,
    NATIONAL_TITLE,
    AdministrativeDocument,
    Body,
    Heading,
    Issuer,
    Parts,
    Signer,
    issuer_lines,
    issuer_rule_width,
    number_line,
    recipient_lines,
)
from chungtay.reports.models import DocumentKind

HEADING = {
    "co_quan_chu_quan": "cơ quan chủ quản",
    "co_quan": "cơ quan ban hành",
    "so_ky_hieu": "số, ký hiệu",
    "dia_danh_ngay": "địa danh, ngày tháng năm",
    "ten_loai": "tên loại văn bản",
    "trich_yeu": "trích yếu",
    "kinh_gui": "kính gửi",
    "noi_dung": "nội dung văn bản",
    "noi_nhan": "nơi nhận",
}
ONE_SIGNER = {"tham_quyen": "thẩm quyền ký", "chuc_vu": "chức vụ người ký", "nguoi_ky": "họ tên người ký"}
SIGNERS = {"chu_ky": "các khối chữ ký đặt cạnh nhau"}
COUNCIL = {
    "ky_danh_gia": "kỳ đánh giá",
    "ngay_hop": "ngày họp Hội đồng",
    "chu_tri": "chủ trì cuộc họp",
    "thu_ky": "thư ký cuộc họp",
    "hinh_thuc_khen_thuong": "hình thức khen thưởng",
}
BASE_REQUIRED = ("so_ky_hieu", "dia_danh_ngay", "trich_yeu", "noi_dung", "noi_nhan")


@dataclass(frozen=True)
class Spec:
    """What a kind's template may hold and must hold, and whether it signs once or side by side."""

    placeholders: dict[str, str]
    required: tuple[str, ...]
    several_signers: bool
    upward: bool  # "Kính gửi" in the built-in template (the layout rules then require it)
    filename: str


def _spec(
    extra: dict[str, str],
    *,
    filename: str,
    several: bool = False,
    upward: bool = False,
    addressed: bool = False,
    block: bool = False,
) -> Spec:
    """A kind's spec: `several` signers side by side; `upward` puts "Kính gửi" in the built-in template
    (a report has it when its writer names addressees) and `addressed` requires it (a proposal always goes
    up); `block` is a memorandum's issuing block of several schools under their offices."""
    heading = dict(HEADING)
    issuer = "co_quan"
    if block:
        issuer = "khoi_ban_hanh"
        del heading["co_quan_chu_quan"], heading["co_quan"], heading["kinh_gui"]
        heading = {issuer: "khối cơ quan ban hành (mỗi phòng một lần, các trường dưới)", **heading}
    required = (
        issuer,
        *BASE_REQUIRED,
        *(["kinh_gui"] if addressed else []),
        *(["ten_loai"] if block else []),  # a memorandum or a covenant, read from the agreement
        *(["chu_ky"] if several else ["chuc_vu", "nguoi_ky"]),
    )
    signing = SIGNERS if several else ONE_SIGNER
    return Spec({**heading, **signing, **extra}, required, several, upward, filename)


SPECS: dict[str, Spec] = {
    DocumentKind.REPORT: _spec(
        {"ky_bao_cao": "kỳ báo cáo", "pham_vi": "phạm vi"}, upward=True, filename="mau-bao-cao"
    ),
    DocumentKind.MINUTES: _spec(COUNCIL, several=True, filename="mau-bien-ban-hoi-dong"),
    DocumentKind.PROPOSAL: _spec(COUNCIL, upward=True, addressed=True, filename="mau-to-trinh"),
    DocumentKind.AWARD_LIST: _spec(COUNCIL, filename="mau-danh-sach-khen-thuong"),
    DocumentKind.MEMORANDUM: _spec(
        {"so_nhom": "số hiệu nhóm kết nghĩa", "hieu_luc": "thời hạn hiệu lực"},
        several=True,
        block=True,
        filename="mau-van-ban-ghi-nho",
    ),
}
PLACEHOLDERS = SPECS[DocumentKind.REPORT].placeholders
REQUIRED = SPECS[DocumentKind.REPORT].required
LOOP_NAMES = {"dong"}  # the loop variable of the recipients
TAG = re.compile(r"\{[{%#].*?[}%#]\}")


@dataclass(frozen=True)
class Problem:
    """Why a template is refused, in Vietnamese (documents and their templates are Vietnamese)."""

    message: str


def default_template(kind: str, sample: Parts) -> bytes:
    """The built-in layout of `kind` as a template: the heading, the body placeholder, the recipients' loop
    and the signature block(s), with the rule under the issuer sized for `sample`'s issuing body."""
    spec = SPECS[kind]
    names = issuer_lines(sample.heading.issuers)
    if "khoi_ban_hanh" in spec.placeholders:
        issuers = [Issuer("{{r khoi_ban_hanh }}")]
    else:
        issuers = [Issuer("{{ co_quan }}", "{{ co_quan_chu_quan }}")]
    document = AdministrativeDocument(
        Heading(
            issuers=issuers,
            kind="{{ ten_loai }}",
            subject="{{ trich_yeu }}",
            place="",
            day=dt.date(2000, 1, 1),
            number="{{ so_ky_hieu }}",
            addressees=["{{ kinh_gui }}"] if spec.upward else [],
            raw=True,
            date_line="{{ dia_danh_ngay }}",
            rule_width=issuer_rule_width(names),
        )
    )
    document.paragraph("{{p noi_dung }}")
    recipients = ["{%p for dong in noi_nhan %}", "{{ dong }}", "{%p endfor %}"]
    if spec.several_signers:
        document.paragraph("{{p chu_ky }}")
        document.closing(recipients, [])
    else:
        document.closing(recipients, [Signer("{{ chuc_vu }}", "{{ nguoi_ky }}", "{{ tham_quyen }}")])
    return document.bytes()


def context(parts: Parts, template: Any) -> dict[str, Any]:
    """The placeholders' values for a document's parts, into `template` (a DocxTemplate)."""
    from docxtpl import RichText

    heading = parts.heading
    lines = issuer_lines(heading.issuers)  # broken to the column's width
    block = RichText()
    for index, (text, is_issuer) in enumerate(lines):
        block.add(("\a" if index else "") + text, bold=is_issuer, size=ISSUER_SIZE * 2, font=FONT)
    body = template.new_subdoc()
    parts.body(Body(body.subdocx))
    signatures = template.new_subdoc()
    Body(signatures.subdocx).signatures(parts.signers)
    addressees = list(heading.addressees)
    one = parts.signers[0] if len(parts.signers) == 1 else Signer("", "", "")
    return {
        "co_quan_chu_quan": "\a".join(text for text, is_issuer in lines if not is_issuer),
        "co_quan": "\a".join(text for text, is_issuer in lines if is_issuer),
        "khoi_ban_hanh": block,
        "so_ky_hieu": number_line(heading.number),
        "dia_danh_ngay": heading.date_line or administrative_date(heading.place, heading.day),
        "ten_loai": heading.kind.upper(),
        "trich_yeu": heading.subject,
        "kinh_gui": "; ".join(addressees) + "." if addressees else "",
        "noi_dung": body,
        "noi_nhan": recipient_lines(parts.recipients, parts.archive),
        "tham_quyen": one.authority.upper(),
        "chuc_vu": one.position.upper(),
        "nguoi_ky": one.name,
        "chu_ky": signatures,
        **parts.extras,
    }


def unbroken_lines(parts: Parts) -> list[str]:
    """The heading's lines a rendered template must keep whole (the PDF check)."""
    return [NATIONAL_TITLE, MOTTO, *(text for text, _bold in issuer_lines(parts.heading.issuers))]


def render(data: bytes, parts: Parts, version: str = "") -> bytes:
    """The template filled with the document's parts; `version` is written in the file's properties."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(data))
    template.render(context(parts, template), autoescape=True)
    if version:
        template.docx.core_properties.comments = f"Chung Tay · {version}"
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def check(data: bytes, kind: str, sample: Parts) -> list[Problem]:
    """Everything wrong with an uploaded template of `kind`, each with a message; empty when it may be
    used. The template is rendered with `sample` (the department's heading, a sample body) and the layout
    rules are run on it."""
    from docx import Document
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    try:
        document = Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - anything that is not a Word file
        return [Problem("Tệp không phải văn bản Word (.docx). Hãy lưu mẫu bằng Word dưới dạng .docx.")]
    spec = SPECS[kind]
    problems: list[Problem] = []
    for number, paragraph in enumerate(_paragraphs(document), start=1):
        runs = [run.text for run in paragraph.runs]
        whole = "".join(runs)
        for tag in TAG.findall(whole):
            if not any(tag in run for run in runs):
                problems.append(
                    Problem(
                        f"Đoạn {number}: thẻ {tag} bị Word tách thành nhiều phần (do đổi định dạng "
                        "giữa chừng); hãy xóa và gõ lại thẻ một lần, cùng một định dạng."
                    )
                )
    if problems:
        return problems
    try:
        used = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables()
    except TemplateError as error:
        return [Problem(f"Cú pháp thẻ không đúng: {error}.")]
    unknown = sorted(set(used) - set(spec.placeholders) - LOOP_NAMES)
    if unknown:
        problems.append(
            Problem(
                "Thẻ không có trong danh sách: "
                + ", ".join(f"{{{{ {name} }}}}" for name in unknown)
                + ". Các thẻ dùng được: "
                + ", ".join(spec.placeholders)
                + "."
            )
        )
    missing = [name for name in spec.required if name not in used]
    if missing:
        problems.append(
            Problem(
                "Mẫu thiếu phần bắt buộc: "
                + ", ".join(f"{{{{ {name} }}}} ({spec.placeholders[name]})" for name in missing)
                + "."
            )
        )
    if problems:
        return problems
    try:
        rendered = render(data, sample)
    except (TemplateError, ValueError, KeyError) as error:
        return [Problem(f"Không điền được mẫu: {error}.")]
    for rule in conformance.failures(conformance.check_docx(rendered, upward=sample.upward)):
        problems.append(Problem(f"Thể thức chưa đúng — {conformance.describe(rule)}"))
    return problems


def _paragraphs(document: Any) -> list[Any]:
    found = list(document.paragraphs)
    for table in document.tables:
        for cell in table._cells:
            found.extend(cell.paragraphs)
    for section in document.sections:
        found.extend(section.header.paragraphs)
    return found
