"""Checking and preparing evidence files: the type is read from the content, never from the name; photos
are decoded, re-encoded at a reasonable size (which also drops their EXIF, location included) and get a
thumbnail; documents are checked whole by chungtay.core.files (PDFs parsed, Office files without macros)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image

from chungtay.core import files
from chungtay.core.errors import DomainError

PHOTO_LIMIT_MB = 10
DOCUMENT_LIMIT_MB = 20
PHOTO_MAX_SIDE = 1920
THUMBNAIL_SIDE = 320
DOCUMENTS = frozenset({files.PDF, files.DOCX, files.PPTX, files.XLSX, files.OLE})
FILE_TYPE = _(
    "This file is not an accepted kind: photos (JPEG, PNG, WebP), PDF, Word, PowerPoint or Excel documents."
)
PHOTO_NOT_IMAGE = _("A photo must be a JPEG, PNG or WebP image.")


class EvidenceRefused(DomainError):
    """An evidence file that is not accepted (type, size, content)."""


@dataclass
class PreparedFile:
    content: ContentFile
    name: str
    content_type: str
    size: int
    thumbnail: ContentFile | None = None


def _encode(image: Image.Image, max_side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((max_side, max_side))
    if copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    buffer = io.BytesIO()
    copy.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def _refused(error: files.FileRefused) -> EvidenceRefused:
    return EvidenceRefused(error.message)


def prepare_photo(upload: UploadedFile) -> PreparedFile:
    """A photo re-encoded as JPEG at most 1920 px on its longer side, with a 320 px thumbnail."""
    try:
        upright = files.checked_image(upload, limit_mb=PHOTO_LIMIT_MB, wrong_type=PHOTO_NOT_IMAGE)
    except files.FileRefused as error:
        raise _refused(error) from error
    photo, thumb = _encode(upright, PHOTO_MAX_SIDE), _encode(upright, THUMBNAIL_SIDE)
    return PreparedFile(
        content=ContentFile(photo, name="photo.jpg"),
        name="photo.jpg",
        content_type=files.JPEG,
        size=len(photo),
        thumbnail=ContentFile(thumb, name="thumb.jpg"),
    )


def prepare_document(upload: UploadedFile) -> PreparedFile:
    """A PDF or an Office document without macros (or a photo, kept as a photo), checked whole."""
    upload.seek(0)
    if files.sniff(upload.read(16)) in files.IMAGES:
        return prepare_photo(upload)
    try:
        checked = files.check_upload(
            upload, accept=DOCUMENTS, limit_mb=DOCUMENT_LIMIT_MB, wrong_type=FILE_TYPE
        )
    except files.FileRefused as error:
        raise _refused(error) from error
    name = f"document.{checked.extension}"
    return PreparedFile(
        content=checked.content("document"),
        name=name,
        content_type=checked.content_type,
        size=len(checked.data),
    )
