"""Word to PDF by LibreOffice, headless (Debian's `libreoffice-writer-nogui`, with `fonts-liberation2` as
the metric-compatible Times New Roman): the PDF is the document itself converted, not a second
rendering. And the PDF read back (poppler's `pdftotext`, `pdftoppm`) for the conformance test and for a
look at its pages."""

from __future__ import annotations

import shutil
import subprocess  # noqa: S404 - fixed programs, arguments we build, no shell
import tempfile
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from chungtay.core.errors import DomainError

CONVERT_SECONDS = 180
NO_LIBREOFFICE = _(
    "PDF files cannot be made on this server: LibreOffice is not installed (Debian package "
    "libreoffice-writer-nogui). The Word file can still be downloaded."
)
CONVERSION_FAILED = _(
    "LibreOffice could not convert the document to PDF. Try again; if it fails again, download the Word file."
)


class ConversionError(DomainError):
    pass


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes) -> bytes:
    """The Word file converted to PDF by LibreOffice, in a profile of its own (so conversions running
    at once do not share, and lock, one profile)."""
    program = soffice()
    if program is None:
        raise ConversionError(str(NO_LIBREOFFICE))
    with tempfile.TemporaryDirectory(prefix="chungtay-pdf-") as folder:
        work = Path(folder)
        source = work / "document.docx"
        source.write_bytes(docx)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=CONVERT_SECONDS)  # noqa: S603
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise ConversionError(str(CONVERSION_FAILED)) from error
        target = work / "document.pdf"
        if not target.exists():
            raise ConversionError(str(CONVERSION_FAILED))
        return target.read_bytes()


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text as `pdftotext -layout` prints it (lines kept where the PDF has them)."""
    with tempfile.TemporaryDirectory(prefix="chungtay-pdftext-") as folder:
        source = Path(folder, "document.pdf")
        source.write_bytes(pdf)
        result = subprocess.run(  # noqa: S603
            ["pdftotext", "-layout", "-enc", "UTF-8", str(source), "-"],  # noqa: S607
            check=True,
            capture_output=True,
            timeout=60,
        )
    return result.stdout.decode("utf-8").split("\f")[:-1] or [""]


def pdf_page_png(pdf: bytes, page: int = 1, dpi: int = 80) -> bytes:
    """One page of the PDF as a PNG (poppler's `pdftoppm`)."""
    with tempfile.TemporaryDirectory(prefix="chungtay-pdfpng-") as folder:
        source = Path(folder, "document.pdf")
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603
            [  # noqa: S607 - poppler's program, found on the PATH
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                str(page),
                "-l",
                str(page),
                str(source),  # noqa: S607
                str(Path(folder, "page")),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        found = sorted(Path(folder).glob("page*.png"))
        return found[0].read_bytes()
