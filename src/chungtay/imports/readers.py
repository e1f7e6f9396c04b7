"""Read spreadsheets safely: .xlsx (read-only, streamed) and .csv in UTF-8 (with or without BOM) or the
UTF-16 that Excel writes for "Unicode text", decoded as it is read. Neither holds the file in memory, so
a sheet of Excel's full million rows reads in flat memory. Every refusal is a FileRefused with a message
for the user; nothing here writes to the database."""

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

MAX_BYTES = 100 * 1024 * 1024
MAX_UNCOMPRESSED = 1024 * 1024 * 1024  # an .xlsx is a zip: refuse bombs before opening them
MAX_ROWS = 200_000  # a kind that holds its rows while it checks them
MAX_STREAMED_ROWS = 1_048_576  # a kind checked and written a chunk at a time: an Excel sheet's own limit

NOT_A_SPREADSHEET = _("The file is not a spreadsheet (.xlsx or .csv).")
TOO_LARGE = _("The file is larger than %(limit)d MB.")
TOO_MANY_ROWS = _("The file has more than %(limit)d rows.")
ZIP_BOMB = _("The spreadsheet expands to more than 1 GB: it is refused as unsafe.")
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


def read_rows(
    handle: IO[bytes], name: str, max_rows: int | None = None
) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header row and an iterator of (row number as in the spreadsheet, cell values); a file of more
    than `max_rows` (MAX_ROWS) rows is refused when its reading gets there."""
    max_rows = max_rows or MAX_ROWS
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(handle, max_rows)
    if name.lower().endswith((".csv", ".txt")) or not head.startswith((b"\xd0\xcf", b"%PDF", b"MZ")):
        return _read_csv(handle, max_rows)
    raise FileRefused(NOT_A_SPREADSHEET)


def _read_xlsx(handle: IO[bytes], max_rows: int) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
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
            if number > max_rows:
                raise FileRefused(TOO_MANY_ROWS % {"limit": max_rows})
            values = list(row)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                blank_run += 1
                if blank_run > 1000:  # a million empty styled rows: stop at the data's end
                    return
                continue
            blank_run = 0
            yield number, values

    return ["" if h is None else str(h) for h in header], body()


def _encoding(handle: IO[bytes]) -> str:
    """The text file's encoding, from its byte order mark (UTF-8 without one)."""
    head = handle.read(4)
    handle.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


class _Text(io.TextIOWrapper):
    """Decodes the upload as it is read, and leaves it open when done with (the apply reads it again)."""

    def close(self) -> None:
        return None


def _size(handle: IO[bytes]) -> int:
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def _lines(handle: IO[bytes]) -> int:
    """About how many lines the file has, for the progress bar: its newline bytes counted a megabyte at a
    time (exact in UTF-8)."""
    count = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1024 * 1024), b""))
    handle.seek(0)
    return count + 1


def _read_csv(handle: IO[bytes], max_rows: int) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    if _size(handle) > MAX_BYTES:
        raise FileRefused(TOO_LARGE % {"limit": MAX_BYTES // (1024 * 1024)})
    encoding = _encoding(handle)
    total = _lines(handle)
    text = _Text(handle, encoding=encoding, newline="")
    try:
        sample = text.read(4096)
        text.seek(0)
    except UnicodeDecodeError as error:
        raise FileRefused(UNKNOWN_ENCODING) from error
    if "\x00" in sample:
        raise FileRefused(NOT_A_SPREADSHEET)
    delimiter = (
        "\t"
        if sample.count("\t") > sample.count(",") and sample.count("\t") > sample.count(";")
        else (";" if sample.count(";") > sample.count(",") else ",")
    )
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as error:
        refusal = UNKNOWN_ENCODING if isinstance(error, UnicodeDecodeError) else NOT_A_SPREADSHEET
        raise FileRefused(refusal) from error
    if not header:
        raise FileRefused(EMPTY)

    def body() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, row in enumerate(reader, start=2):
                _report(number, total)
                if number > max_rows:
                    raise FileRefused(TOO_MANY_ROWS % {"limit": max_rows})
                if any("\x00" in cell for cell in row):
                    raise FileRefused(NOT_A_SPREADSHEET)
                if any(cell.strip() for cell in row):
                    yield number, [unescaped(cell) for cell in row]
        except UnicodeDecodeError as error:
            raise FileRefused(UNKNOWN_ENCODING) from error
        except csv.Error as error:
            raise FileRefused(NOT_A_SPREADSHEET) from error

    return header, body()


__all__ = ["ROW_PROGRESS", "FileRefused", "read_rows", "_is_formula"]
