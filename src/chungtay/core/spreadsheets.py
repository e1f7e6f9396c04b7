"""A table of rows as a download: .xlsx (openpyxl, write-only, dates as dd/mm/yyyy) or .csv (UTF-8 with a
BOM, so Excel opens Vietnamese text correctly). Every list's export goes through here, in the columns its
import reads, so export → edit → import round-trips in either format."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

FORMATS = ("xlsx", "csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A text cell starting with one of these is taken for a formula by Excel, LibreOffice or Google Sheets
# ("formula injection"): =HYPERLINK(…), @SUM(…)|cmd…, -2+3+cmd|…
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ESCAPE = "'"


def neutralised(value: str) -> str:
    """A text as a CSV cell that no spreadsheet runs: a leading apostrophe before a formula start (the
    convention Excel itself uses; the import reader takes it off again). Texts that already start with
    apostrophes before a formula start get one more, so the round trip is exact."""
    return ESCAPE + value if value.lstrip(ESCAPE).startswith(FORMULA_STARTS) else value


def unescaped(value: str) -> str:
    """The text `neutralised` was given back (the import reader's side of the round trip)."""
    if value.startswith(ESCAPE) and value.lstrip(ESCAPE).startswith(FORMULA_STARTS):
        return value[1:]
    return value


def table_response(rows: Iterable[list[Any]], *, stem: str, sheet: str, fmt: str = "xlsx") -> HttpResponse:
    """`rows` (the first is the header) as an attachment `<stem>.<fmt>`."""
    if fmt == "csv":
        text = io.StringIO()
        text.write("\ufeff")
        writer = csv.writer(text)
        for row in rows:
            writer.writerow(
                [
                    ""
                    if v is None
                    else v.strftime("%d/%m/%Y")
                    if isinstance(v, dt.date)
                    else neutralised(v)
                    if isinstance(v, str)
                    else v
                    for v in row
                ]
            )
        response = HttpResponse(text.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet(sheet)
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, dt.date):
                    cell = WriteOnlyCell(worksheet, value=value)
                    cell.number_format = "DD/MM/YYYY"
                    cells.append(cell)
                elif isinstance(value, str):
                    # Text is stored as text: never a formula, whatever it starts with.
                    cell = WriteOnlyCell(worksheet, value=value)
                    cell.data_type = "s"
                    cells.append(cell)
                else:
                    cells.append(value)
            worksheet.append(cells)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        fmt = "xlsx"
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
