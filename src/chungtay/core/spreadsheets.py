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


def table_response(rows: Iterable[list[Any]], *, stem: str, sheet: str, fmt: str = "xlsx") -> HttpResponse:
    """`rows` (the first is the header) as an attachment `<stem>.<fmt>`."""
    if fmt == "csv":
        text = io.StringIO()
        text.write("\ufeff")
        writer = csv.writer(text)
        for row in rows:
            writer.writerow(
                ["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else v for v in row]
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
                else:
                    cells.append(value)
            worksheet.append(cells)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        fmt = "xlsx"
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
