"""Report templates a department uploads: a Word file with placeholders (docxtpl, Jinja in Word), checked
on upload, rendered at generation. The built-in layout is offered as the starting template (its heading,
closing and page setup with the placeholders in place), so a department changes what it must — its
parent body, its recipients, a logo — and keeps the decree's layout, which the check holds it to.

Placeholders (Vietnamese names, as a department's staff will read them):

| name | what it holds |
|---|---|
| `co_quan_chu_quan` | the governing body, in capitals (UBND THÀNH PHỐ HÀ NỘI) |
| `co_quan` | the issuing body, in capitals, broken into lines that fit the column |
| `so_ky_hieu` | "Số: 05/BC-SGDĐT" |
| `dia_danh_ngay` | "Hà Nội, ngày 05 tháng 01 năm 2026" |
| `ten_loai` | "BÁO CÁO" |
| `trich_yeu` | the subject line |
| `kinh_gui` | the addressees, "; " between them, ending "." |
| `noi_dung` | the whole body (with `{{p noi_dung }}`, a paragraph of its own) |
| `noi_nhan` | the recipients' lines, "- Lưu: VT, …." last (`{%p for dong in noi_nhan %}`) |
| `tham_quyen`, `chuc_vu`, `nguoi_ky` | the signature block: authority, position, name |
| `ky_bao_cao`, `pham_vi` | the period and the scope, for a template's own sentences |
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from chungtay.core import conformance
from chungtay.core.dates import administrative_date
from chungtay.core.documents import (
    MOTTO,
    NATIONAL_TITLE,
    AdministrativeDocument,
    Body,
    Heading,
    Issuer,
    Signer,
    issuer_lines,
    issuer_rule_width,
    number_line,
    recipient_lines,
)
from chungtay.reports.content import Content
from chungtay.reports.documents import lines, recipients_of, write_body
from chungtay.reports.models import Report

PLACEHOLDERS = {
    "co_quan_chu_quan": "cơ quan chủ quản",
    "co_quan": "cơ quan ban hành",
    "so_ky_hieu": "số, ký hiệu",
    "dia_danh_ngay": "địa danh, ngày tháng năm",
    "ten_loai": "tên loại văn bản",
    "trich_yeu": "trích yếu",
    "kinh_gui": "kính gửi",
    "noi_dung": "nội dung báo cáo",
    "noi_nhan": "nơi nhận",
    "tham_quyen": "thẩm quyền ký",
    "chuc_vu": "chức vụ người ký",
    "nguoi_ky": "họ tên người ký",
    "ky_bao_cao": "kỳ báo cáo",
    "pham_vi": "phạm vi",
}
REQUIRED = (
    "co_quan",
    "so_ky_hieu",
    "dia_danh_ngay",
    "trich_yeu",
    "noi_dung",
    "noi_nhan",
    "chuc_vu",
    "nguoi_ky",
)
LOOP_NAMES = {"dong"}  # the loop variable of the recipients
TAG = re.compile(r"\{[{%#].*?[}%#]\}")


@dataclass(frozen=True)
class Problem:
    """Why a template is refused, in Vietnamese (documents and their templates are Vietnamese)."""

    message: str


def default_template(report: Report) -> bytes:
    """The built-in layout as a template: the heading, the body placeholder, the recipients' loop and the
    signature block, with the rule under the issuer sized for this report's issuing body."""
    names = issuer_lines([Issuer(report.issuer, report.issuer_parent)])
    document = AdministrativeDocument(
        Heading(
            issuers=[Issuer("{{ co_quan }}", "{{ co_quan_chu_quan }}")],
            kind="{{ ten_loai }}",
            subject="{{ trich_yeu }}",
            place="",
            day=dt.date(2000, 1, 1),
            number="{{ so_ky_hieu }}",
            addressees=["{{ kinh_gui }}"],
            raw=True,
            date_line="{{ dia_danh_ngay }}",
            rule_width=issuer_rule_width(names),
        )
    )
    document.paragraph("{{p noi_dung }}")
    document.closing(
        ["{%p for dong in noi_nhan %}", "{{ dong }}", "{%p endfor %}"],
        [Signer("{{ chuc_vu }}", "{{ nguoi_ky }}", "{{ tham_quyen }}")],
    )
    return document.bytes()


def context(report: Report, template: Any, content: Content | None) -> dict[str, Any]:
    """The placeholders' values for this report (`content` None: a sample body, to check a template)."""
    body = template.new_subdoc()
    if content is not None:
        write_body(Body(body.subdocx), report, content)
    else:
        Body(body.subdocx).paragraph("Nội dung báo cáo (mẫu để kiểm tra thể thức).")
    addressees = lines(report.addressees)
    heading = issuer_lines([Issuer(report.issuer, report.issuer_parent)])  # broken to the column's width
    return {
        "co_quan_chu_quan": "\a".join(text for text, is_issuer in heading if not is_issuer),
        "co_quan": "\a".join(text for text, is_issuer in heading if is_issuer),
        "so_ky_hieu": number_line(report.number),
        "dia_danh_ngay": administrative_date(report.place, timezone.localdate()),
        "ten_loai": "BÁO CÁO",
        "trich_yeu": report.subject,
        "kinh_gui": "; ".join(addressees) + "." if addressees else "",
        "noi_dung": body,
        "noi_nhan": recipient_lines(recipients_of(report), report.archive),
        "tham_quyen": report.authority.upper(),
        "chuc_vu": report.signer_position.upper(),
        "nguoi_ky": report.signer_name,
        "ky_bao_cao": report.period_label,
        "pham_vi": report.scope_label,
    }


def unbroken_lines(report: Report) -> list[str]:
    """The heading's lines a rendered template must keep whole (the PDF check)."""
    names = issuer_lines([Issuer(report.issuer, report.issuer_parent)])
    return [NATIONAL_TITLE, MOTTO, *(text for text, _bold in names)]


def render(data: bytes, report: Report, content: Content | None) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(data))
    template.render(context(report, template, content), autoescape=True)
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def check(data: bytes, report: Report) -> list[Problem]:
    """Everything wrong with an uploaded template, each with a message; empty when it may be used. The
    template is rendered with `report`'s heading and a sample body and the layout rules are run on it."""
    from docx import Document
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    try:
        document = Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - anything that is not a Word file
        return [Problem("Tệp không phải văn bản Word (.docx). Hãy lưu mẫu bằng Word dưới dạng .docx.")]
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
    unknown = sorted(set(used) - set(PLACEHOLDERS) - LOOP_NAMES)
    if unknown:
        problems.append(
            Problem(
                "Thẻ không có trong danh sách: "
                + ", ".join(f"{{{{ {name} }}}}" for name in unknown)
                + ". Các thẻ dùng được: "
                + ", ".join(PLACEHOLDERS)
                + "."
            )
        )
    missing = [name for name in REQUIRED if name not in used]
    if missing:
        problems.append(
            Problem(
                "Mẫu thiếu phần bắt buộc: "
                + ", ".join(f"{{{{ {name} }}}} ({PLACEHOLDERS[name]})" for name in missing)
                + "."
            )
        )
    if problems:
        return problems
    try:
        rendered = render(data, report, None)
    except (TemplateError, ValueError, KeyError) as error:
        return [Problem(f"Không điền được mẫu: {error}.")]
    for rule in conformance.failures(
        conformance.check_docx(rendered, upward=bool(report.addressees.strip()))
    ):
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
