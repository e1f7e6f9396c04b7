"""A review report as a Word document in the administrative layout (`core.documents`), and its
statistical annex (.xlsx): the same tables, one sheet each, with a sheet of definitions."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone

from chungtay.core.documents import Body, Heading, Issuer, Parts, Signer
from chungtay.reports.content import QUIET_LISTED, Content, n
from chungtay.reports.models import Report, ReportKind

TEMPLATE_VERSION = "mặc định 1"  # the built-in layout; an uploaded template will carry its own version
KIND_WORDS: dict[str, str] = {ReportKind.INTERIM: "sơ kết", ReportKind.FINAL: "tổng kết"}
SECTIONS = {
    2: "2. Kết nghĩa và ký kết",
    3: "3. Hoạt động chuyên môn, chuyên đề, giao lưu",
    4: "4. Giáo viên, học sinh tham gia",
    5: "5. Hỗ trợ",
    6: "6. Tính hai chiều và việc thực hiện cam kết",
}
MOVEMENT = "“Nhà trường cùng chung tay phát triển – Thầy cô cùng sẻ chia trách nhiệm”"


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def heading(report: Report) -> Heading:
    return Heading(
        issuers=[Issuer(report.issuer, report.issuer_parent)],
        kind="Báo cáo",
        subject=report.subject,
        place=report.place,
        day=timezone.localdate(),
        number=report.number,
        addressees=lines(report.addressees),
    )


def recipients_of(report: Report) -> list[str]:
    """The recipients as the user wrote them, "Như trên" first for a report with addressees."""
    recipients = lines(report.recipients)
    if report.addressees.strip() and "Như trên" not in recipients:
        recipients = ["Như trên", *recipients]
    return recipients


def signer_of(report: Report) -> Signer:
    return Signer(report.signer_position, report.signer_name, report.authority)


def report_parts(report: Report, content: Content | None) -> Parts:
    """The report's parts, for the built-in layout (`.build()`) or the department's template; `content`
    None gives a sample body, to check a template with."""

    def body(document: Body) -> None:
        if content is None:
            document.paragraph("Nội dung báo cáo (mẫu để kiểm tra thể thức).")
        else:
            write_body(document, report, content)

    return Parts(
        heading(report),
        body,
        recipients_of(report),
        [signer_of(report)],
        archive=report.archive,
        extras={"ky_bao_cao": report.period_label, "pham_vi": report.scope_label},
    )


def write_body(document: Body, report: Report, content: Content) -> None:
    """Everything between the heading and the closing: the same in the built-in layout and in a
    department's template (where it fills `{{p noi_dung }}`)."""
    word = KIND_WORDS.get(report.kind, "sơ kết")
    read_at = content.read_at
    document.paragraph(
        f"Thực hiện Kế hoạch triển khai phong trào {MOVEMENT}, {report.issuer} báo cáo {word} phong trào "
        f"{report.period_label} trong phạm vi {report.scope_label} như sau (số liệu tổng hợp từ dữ liệu "
        f"ghi nhận trên hệ thống, tính đến {read_at:%H:%M} ngày {read_at:%d/%m/%Y}):"
    )
    document.section("I. KẾT QUẢ ĐẠT ĐƯỢC")
    document.section("1. Đánh giá chung")
    for line in lines(report.achievements):
        document.paragraph(line)
    current = 0
    number = 0
    for table in content.tables:
        if table.section != current:
            current = table.section
            document.section(SECTIONS[current])
            if current == 6:
                _reciprocity_sentence(document, content)
        number += 1
        document.caption(f"Bảng {number}. {table.title}")
        document.table(table.rows[0], table.rows[1:], widths=[3.0] + [1.3] * (len(table.rows[0]) - 1))
        if table.key == "agreement_schools/unit":
            document.picture(content.coverage_png, f"Hình 1. {table.title}")
    _quiet(document, content)
    document.section("7. Khoảng cách chất lượng nội thành – ngoại thành")
    document.paragraph(content.gap_sentence)
    if content.gap_png is not None:
        document.picture(
            content.gap_png, "Hình 2. Trung bình chỉ số của hai nhóm trường qua các năm học", width_cm=12
        )
    document.paragraph(
        "Ước lượng thay đổi gắn với việc tham gia phong trào (bên được hỗ trợ), theo phương pháp "
        "sai khác kép cho các nhóm tham gia ở các năm khác nhau; chỉ số nào không đủ điều kiện thì "
        "ghi rõ lý do, không đưa ra con số:"
    )
    if len(content.impact_rows) > 1:
        number += 1
        document.caption(f"Bảng {number}. Ước lượng tác động theo chỉ số kết quả")
        document.table(content.impact_rows[0], content.impact_rows[1:], widths=[2.2, 1.3, 3.0])
    document.section("II. HẠN CHẾ")
    for line in lines(report.limitations):
        document.paragraph(line)
    document.section("III. NHIỆM VỤ THỜI GIAN TỚI")
    for line in lines(report.tasks_ahead):
        document.paragraph(line)
    document.paragraph(
        f"Trên đây là báo cáo {word} phong trào {MOVEMENT} {report.period_label} của {report.issuer}./."
    )


def _reciprocity_sentence(document: Body, content: Content) -> None:
    hosted = content.total("reciprocity")
    if not hosted:
        return
    supporting, supported = (
        content.part("reciprocity", "supporting"),
        content.part("reciprocity", "supported"),
    )
    both_ways = content.part("reciprocity", "visits_both_ways")
    visiting = content.part("reciprocity", "partnerships_with_visits")
    document.paragraph(
        f"Trong {n(hosted)} hoạt động của các nhóm, trường hỗ trợ chủ trì {n(supporting)}, "
        f"trường được hỗ trợ chủ trì {n(supported)}; {n(both_ways)} trong {n(visiting)} nhóm "
        "có tham quan, học tập ở cả hai phía."
    )


def _quiet(document: Body, content: Content) -> None:
    quiet = content.quiet
    if not quiet.value:
        document.paragraph("Không có nhóm kết nghĩa nào ngừng hoạt động trong kỳ.")
        return
    shown = quiet.rows[:QUIET_LISTED]
    names = "; ".join(
        f"{row.label} ({n(row.value)} ngày)"
        if row.value is not None
        else f"{row.label} (chưa có hoạt động nào)"
        for row in shown
    )
    more = f" và {n(quiet.value - len(shown))} nhóm khác" if quiet.value > len(shown) else ""
    document.paragraph(
        f"{n(quiet.value)} nhóm chưa có hoạt động gần đây (số ngày kể từ hoạt động cuối): {names}{more}."
    )


# --- The statistical annex ---------------------------------------------------------------------------


def annex(report: Report, content: Content) -> bytes:
    """Every table of the report on a sheet of its own (Vietnamese headers, number formats, the header
    row frozen), and a sheet of definitions: the scope, the period, the cut-off time, how each figure is
    counted."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    about = workbook.active
    about.title = "Định nghĩa"
    read_at = content.read_at
    definitions: list[list[Any]] = [
        ["Báo cáo", report.subject],
        ["Phạm vi", report.scope_label],
        ["Kỳ báo cáo", report.period_label],
        ["Từ ngày", report.period_start],
        ["Đến ngày", report.period_end],
        ["Số liệu tính đến", f"{read_at:%H:%M} ngày {read_at:%d/%m/%Y}"],
        ["Lượt tham gia", "Một giáo viên của một trường trong phạm vi có mặt ở một hoạt động đã tổ chức."],
        ["Giáo viên tham gia", "Số người khác nhau, mỗi người tính một lần trong kỳ."],
        [],
        ["Bảng", "Cách tính"],
    ]
    for index, table in enumerate(content.tables, start=1):
        definitions.append([f"Bảng {index}. {table.title}", table.note])
    for row in definitions:
        about.append([_cell(v) for v in row])
    about.column_dimensions["A"].width = 42
    about.column_dimensions["B"].width = 100
    for row in about.iter_rows(min_row=1, max_col=1):
        row[0].font = Font(bold=True)
    for cell in about["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheets = [(t.title, t.rows) for t in content.tables]
    if len(content.impact_rows) > 1:
        sheets.append(("Ước lượng tác động", content.impact_rows))
    used: set[str] = set()
    for index, (title, rows) in enumerate(sheets, start=1):
        name = f"{index}. {title}"[:31].rstrip()
        while name in used:
            name = name[:28] + f"~{index}"
        used.add(name)
        sheet = workbook.create_sheet(_sheet_name(name))
        sheet.append([title])
        sheet["A1"].font = Font(bold=True)
        for row_index, row in enumerate(rows, start=2):
            sheet.append([_cell(v) for v in row])
            if row_index == 2:
                for cell in sheet[row_index]:
                    cell.font = Font(bold=True)
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell_row in sheet.iter_rows(min_row=3):
            for cell in cell_row:
                if isinstance(cell.value, int):
                    cell.number_format = "#,##0"
                elif isinstance(cell.value, float):
                    cell.number_format = "#,##0.0"
        last = sheet.max_row
        for cell in sheet[last]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "B3"
        sheet.column_dimensions["A"].width = 48
        for column in range(2, len(rows[0]) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "-")
    return name


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        from chungtay.core.spreadsheets import neutralised

        return neutralised(value)
    return value
