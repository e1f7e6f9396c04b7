"""Uploaded files: where they live, how they are checked, how they are served.

- They are stored under PRIVATE_FILES_ROOT (``var/private`` by default), which no URL serves, in any mode;
  the stored name is random (the folder from ``upload_to`` and a random token, the extension of the
  checked type), so a link cannot be guessed from the uploaded file's name.
- Every upload is checked whole, by its content: images decoded with a pixel limit and re-encoded (which
  drops whatever was appended to them and their metadata), PDFs parsed, Office files opened and refused if
  they carry macros. The type that the check found is the type the file is served with.
- Files are served only by scoped views through ``file_response``: the checked type, ``nosniff``, a
  sandboxing Content-Security-Policy, ``attachment`` for anything that is not an image or a PDF, and
  optionally ``X-Accel-Redirect`` (nginx) or ``X-Sendfile`` (Apache) so the web server sends the bytes.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.deconstruct import deconstructible
from django.utils.encoding import escape_uri_path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chungtay.core.errors import DomainError

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE = "application/x-ole-storage"  # .doc, .xls, .ppt
CSV = "text/csv"
IMAGES = frozenset({JPEG, PNG, WEBP})
INLINE = IMAGES | {PDF}  # shown in the browser; everything else is downloaded
EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp", PDF: "pdf", DOCX: "docx", PPTX: "pptx", XLSX: "xlsx",
              OLE: "doc", CSV: "csv"}  # fmt: skip
# Beyond this many pixels an image is refused before it is decoded (a "pixel bomb" in a small file).
MAX_PIXELS = 60_000_000

TOO_LARGE = _("The file is too large: at most %(limit)d MB.")
EMPTY = _("The file is empty.")
DAMAGED = _("The file is damaged or is not what its first bytes claim to be (its whole content was checked).")
IMAGE_TOO_BIG = _("The image is too large: at most %(limit)d megapixels.")
MACROS = _(
    "Office files with macros are not accepted: save the document without macros (.docx, .xlsx, .pptx)."
)
ENCRYPTED = _("Password-protected files are not accepted.")

_IMAGE_MAGIC = {b"\xff\xd8\xff": JPEG, b"\x89PNG\r\n\x1a\n": PNG}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML = {"word/": DOCX, "ppt/": PPTX, "xl/": XLSX}
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
# A served file runs nothing, even if a browser were to take it for a page.
SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


class FileRefused(DomainError):
    code = "bad_file"


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the check: the bytes to store (re-encoded for images), the type found."""

    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "bin")

    def content(self, stem: str = "file") -> ContentFile:
        return ContentFile(self.data, name=f"{stem}.{self.extension}")


def sniff(head: bytes, whole: IO[bytes] | None = None) -> str | None:
    """The type announced by a file's first bytes (an OOXML zip is told apart by its parts)."""
    for magic, content_type in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_OLE_MAGIC):
        return OLE
    if head.startswith(b"PK\x03\x04") and whole is not None:
        whole.seek(0)
        try:
            with zipfile.ZipFile(whole) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names:
            for prefix, content_type in _OOXML.items():
                if any(name.startswith(prefix) for name in names):
                    return content_type
    return None


def _read(upload: Any, limit_mb: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit_mb * 1024 * 1024:
        raise FileRefused(TOO_LARGE % {"limit": limit_mb})
    upload.seek(0)
    data: bytes = upload.read(limit_mb * 1024 * 1024 + 1)
    upload.seek(0)
    if len(data) > limit_mb * 1024 * 1024:
        raise FileRefused(TOO_LARGE % {"limit": limit_mb})
    if not data:
        raise FileRefused(EMPTY)
    return data


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS) -> Any:
    """The decoded image (upright), or FileRefused: the size is read from the header and checked before
    any pixel is decoded, then every pixel is decoded (a truncated or disguised file fails here)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > max_pixels:
                raise FileRefused(IMAGE_TOO_BIG % {"limit": max_pixels // 1_000_000})
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
        return ImageOps.exif_transpose(image)
    except FileRefused:
        raise
    except Image.DecompressionBombError as error:  # Pillow's own limit, met before ours
        raise FileRefused(IMAGE_TOO_BIG % {"limit": max_pixels // 1_000_000}) from error
    except Exception as error:  # noqa: BLE001 - any decoding failure: truncated, corrupt or disguised
        raise FileRefused(DAMAGED) from error


def checked_image(upload: Any, *, limit_mb: int, wrong_type: str | Promise) -> Any:
    """An uploaded image decoded whole (a caller that re-encodes it at its own size uses this instead of
    check_upload, so the image is decoded once), or FileRefused."""
    data = _read(upload, limit_mb)
    if sniff(data[:16]) not in IMAGES:
        raise FileRefused(wrong_type)
    return decode_image(data)


def _reencode(data: bytes, content_type: str) -> bytes:
    image = decode_image(data)
    if content_type == JPEG and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    options: dict[str, Any] = {"quality": 92} if content_type in (JPEG, WEBP) else {"optimize": True}
    image.save(buffer, format=_PIL_FORMATS[content_type], **options)
    return buffer.getvalue()


def _check_pdf(data: bytes) -> None:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise FileRefused(ENCRYPTED)
        if len(reader.pages) < 1:
            raise FileRefused(DAMAGED)
    except FileRefused:
        raise
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds for a file that is not a PDF
        raise FileRefused(DAMAGED) from error


def _check_ooxml(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [name.lower() for name in archive.namelist()]
            types = archive.read("[Content_Types].xml").lower()
            if archive.testzip() is not None:
                raise FileRefused(DAMAGED)
    except FileRefused:
        raise
    except Exception as error:  # noqa: BLE001
        raise FileRefused(DAMAGED) from error
    if (
        any(name.endswith("vbaproject.bin") or "vbadata" in name for name in names)
        or b"macroenabled" in types
    ):
        raise FileRefused(MACROS)


def _check_ole(data: bytes) -> None:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = ["/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)]
    except Exception as error:  # noqa: BLE001
        raise FileRefused(DAMAGED) from error
    if any("vba" in name or name.startswith("macros") for name in streams):
        raise FileRefused(MACROS)
    if any(name in ("encryptedpackage", "encryptioninfo") for name in streams):
        raise FileRefused(ENCRYPTED)


def check_upload(
    upload: Any,
    *,
    accept: frozenset[str] | set[str],
    limit_mb: int,
    wrong_type: str | Promise,
    error: type[DomainError] = FileRefused,
) -> CheckedFile:
    """Check an upload whole against the accepted types; refuse with `error` (the caller's domain error,
    so its views show the message) and a Vietnamese/English message, or return what to store."""
    try:
        data = _read(upload, limit_mb)
        content_type = sniff(data[:16], io.BytesIO(data))
        if content_type is None or content_type not in accept:
            raise FileRefused(wrong_type)
        if content_type in IMAGES:
            data = _reencode(data, content_type)
        elif content_type == PDF:
            _check_pdf(data)
        elif content_type in (DOCX, XLSX, PPTX):
            _check_ooxml(data)
        elif content_type == OLE:
            _check_ole(data)
    except FileRefused as refused:
        if error is FileRefused:
            raise
        raise error(refused.message) from refused
    return CheckedFile(data=data, content_type=content_type)


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_FILES_ROOT with random names and no URL: only scoped views serve them."""

    def __init__(self, location: Any = None, **kwargs: Any) -> None:
        kwargs.pop("base_url", None)
        super().__init__(location=location or settings.PRIVATE_FILES_ROOT, base_url=None, **kwargs)

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL: serve them through a scoped view (core.files).")

    def generate_filename(self, filename: Any) -> str:
        path = PurePosixPath(str(filename).replace("\\", "/"))
        extension = path.suffix.lower().lstrip(".")
        if not extension.isalnum() or len(extension) > 5:
            extension = "bin"
        folder = str(path.parent) if str(path.parent) not in ("", ".") else ""
        name = f"{secrets.token_urlsafe(24)}.{extension}"
        return super().generate_filename(f"{folder}/{name}" if folder else name)


def stored_type(stored: FieldFile) -> str:
    """The type of a stored file, read again from its content (the check at upload decided it)."""
    with stored.open("rb") as handle:
        head = handle.read(16)
        handle.seek(0)
        found = sniff(head, handle if head.startswith(b"PK") else None)
    if found is None and stored.name and stored.name.lower().endswith(".csv"):
        return CSV
    return found or "application/octet-stream"


def file_response(
    stored: FieldFile | None, *, download_name: str = "", content_type: str = ""
) -> HttpResponse:
    """Serve a stored file to a user a scoped view has already let through."""
    if not stored or not stored.name:
        raise Http404
    content_type = content_type or stored_type(stored)
    extension = EXTENSIONS.get(content_type, "bin")
    base = (download_name or "file").replace("/", "-").replace("\\", "-").strip() or "file"
    if not base.lower().endswith("." + extension):
        base = f"{base.rsplit('.', 1)[0] if '.' in base else base}.{extension}"
    disposition = "inline" if content_type in INLINE else "attachment"
    mode = getattr(settings, "PRIVATE_FILES_SENDFILE", "")
    response: HttpResponse | FileResponse
    if mode in ("nginx", "apache"):
        response = HttpResponse(content_type=content_type)
        if mode == "nginx":
            response["X-Accel-Redirect"] = escape_uri_path(settings.PRIVATE_FILES_ACCEL_PREFIX + stored.name)
        else:
            response["X-Sendfile"] = str(stored.path)
    else:
        try:
            handle = stored.open("rb")
        except (FileNotFoundError, OSError) as missing:
            raise Http404 from missing
        response = FileResponse(handle, content_type=content_type)
    ascii_name = base.encode("ascii", "ignore").decode() or f"file.{extension}"
    quoted = ascii_name.replace('"', "")
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{quoted}\"; filename*=UTF-8''{escape_uri_path(base)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response  # type: ignore[return-value]  # a FileResponse streams; views return it as any
