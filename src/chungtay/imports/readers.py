"""Read spreadsheets safely: .xlsx (read-only, streamed) and .csv in UTF-8 (with or without BOM) or the
UTF-16 that Excel writes for "Unicode text". Every refusal is a FileRefused with a message for the user;
nothing here writes to the database."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from chungtay.core.spreadsheets import unescaped

MAX_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # an .xlsx is a zip: refuse bombs before opening them
MAX_ROWS = 200_000

NOT_A_SPREADSHEET = _("The file is not a spreadsheet (.xlsx or .csv).")
TOO_LARGE = _("The file is larger than %(limit)d MB.")
TOO_MANY_ROWS = _("The file has more than %(limit)d rows.")
ZIP_BOMB = _("The spreadsheet expands to more than 200 MB: it is refused as unsafe.")
UNKNOWN_ENCODING = _("The text file is neither UTF-8 nor UTF-16 (save it as “CSV UTF-8” in Excel).")
EMPTY = _("The file has no header row.")


# Set by a background import: called every PROGRESS_EVERY rows with (rows read, estimated total or None).
ROW_PROGRESS: ContextVar[Callable[[int, int | None], None] | None] = ContextVar("row_progress", default=None)
PROGRESS_EVERY = 1000


def _report(number: int, total: int | None) -> None:
    callback = ROW_PROGRESS.get()
    if callback is not None and number % PROGRESS_EVERY == 0:
        callback(number, total)


class FileRefused(ValueError):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def _is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def read_rows(handle: IO[bytes], name: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header row and an iterator of (row number as in the spreadsheet, cell values)."""
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(handle)
    if name.lower().endswith((".csv", ".txt")) or not head.startswith((b"\xd0\xcf", b"%PDF", b"MZ")):
        return _read_csv(handle)
    raise FileRefused(NOT_A_SPREADSHEET)


def _read_xlsx(handle: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(handle)
        if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
            raise FileRefused(ZIP_BOMB)
        handle.seek(0)
        workbook = load_workbook(handle, read_only=True, data_only=False)
    except FileRefused:
        raise
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is the same refusal
        raise FileRefused(NOT_A_SPREADSHEET) from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise FileRefused(EMPTY)

    total = sheet.max_row if isinstance(getattr(sheet, "max_row", None), int) else None

    def body() -> Iterator[tuple[int, list[Any]]]:
        blank_run = 0
        for number, row in enumerate(rows, start=2):
            _report(number, total)
            if number > MAX_ROWS:
                raise FileRefused(TOO_MANY_ROWS % {"limit": MAX_ROWS})
            values = list(row)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                blank_run += 1
                if blank_run > 1000:  # a million empty styled rows: stop at the data's end
                    return
                continue
            blank_run = 0
            yield number, values

    return ["" if h is None else str(h) for h in header], body()


def _decode(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRefused(UNKNOWN_ENCODING) from error


def _read_csv(handle: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise FileRefused(TOO_LARGE % {"limit": MAX_BYTES // (1024 * 1024)})
    text = _decode(raw)
    if "\x00" in text:
        raise FileRefused(NOT_A_SPREADSHEET)
    sample = text[:4096]
    delimiter = (
        "\t"
        if sample.count("\t") > sample.count(",") and sample.count("\t") > sample.count(";")
        else (";" if sample.count(";") > sample.count(",") else ",")
    )
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise FileRefused(EMPTY)

    total = text.count("\n") + 1

    def body() -> Iterator[tuple[int, list[Any]]]:
        for number, row in enumerate(reader, start=2):
            _report(number, total)
            if number > MAX_ROWS:
                raise FileRefused(TOO_MANY_ROWS % {"limit": MAX_ROWS})
            if any(cell.strip() for cell in row):
                yield number, [unescaped(cell) for cell in row]

    return header, body()


__all__ = ["ROW_PROGRESS", "FileRefused", "read_rows", "_is_formula"]
