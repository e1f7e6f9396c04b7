"""Checking and preparing evidence files: the type is read from the content, never from the name; photos
are decoded, re-encoded at a reasonable size (which also drops their EXIF, location included) and get a
thumbnail."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

from chungtay.activities import exceptions as e

PHOTO_LIMIT_MB = 10
DOCUMENT_LIMIT_MB = 20
PHOTO_MAX_SIDE = 1920
THUMBNAIL_SIDE = 320
# Beyond this many pixels an image is refused rather than decoded (a "pixel bomb" in a small file).
MAX_PIXELS = 60_000_000

_IMAGE_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .ppt, .xls
_OOXML = {"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
          "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


@dataclass
class PreparedFile:
    content: ContentFile
    name: str
    content_type: str
    size: int
    thumbnail: ContentFile | None = None


def _head(upload: UploadedFile, limit_mb: int) -> bytes:
    """The first bytes of an upload within `limit_mb`; refuses an oversized or empty file."""
    if upload.size and upload.size > limit_mb * 1024 * 1024:
        raise e.ActivityError(e.FILE_TOO_LARGE % {"limit": limit_mb})
    upload.seek(0)
    head = upload.read(16)
    if not head:
        raise e.ActivityError(e.FILE_EMPTY)
    return head


def _image_type(head: bytes) -> str | None:
    for magic, content_type in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _document_type(upload: UploadedFile, head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(_OLE):
        return "application/x-ole-storage"
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for prefix, content_type in _OOXML.items():
                if any(name.startswith(prefix) for name in names):
                    return content_type
    return None


def _encode(image: Image.Image, max_side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((max_side, max_side))
    if copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    buffer = io.BytesIO()
    copy.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def prepare_photo(upload: UploadedFile) -> PreparedFile:
    """A photo re-encoded as JPEG at most 1920 px on its longer side, with a 320 px thumbnail."""
    head = _head(upload, PHOTO_LIMIT_MB)
    if _image_type(head) is None:
        raise e.ActivityError(e.PHOTO_NOT_IMAGE)
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise e.ActivityError(e.PHOTO_NOT_IMAGE)
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            upright = ImageOps.exif_transpose(opened)
            photo, thumb = _encode(upright, PHOTO_MAX_SIDE), _encode(upright, THUMBNAIL_SIDE)
    except e.ActivityError:
        raise
    except Exception as error:  # any decoding failure: truncated, corrupt or disguised files
        raise e.ActivityError(e.PHOTO_NOT_IMAGE) from error
    stem = (upload.name or "photo").rsplit(".", 1)[0][:80] or "photo"
    return PreparedFile(
        content=ContentFile(photo, name=f"{stem}.jpg"),
        name=f"{stem}.jpg",
        content_type="image/jpeg",
        size=len(photo),
        thumbnail=ContentFile(thumb, name=f"{stem}-thumb.jpg"),
    )


def prepare_document(upload: UploadedFile) -> PreparedFile:
    """A PDF or an Office document (or a photo, kept as a photo), checked by its content."""
    head = _head(upload, DOCUMENT_LIMIT_MB)
    if _image_type(head):
        return prepare_photo(upload)
    content_type = _document_type(upload, head)
    if content_type is None:
        raise e.ActivityError(e.FILE_TYPE)
    upload.seek(0)
    data = upload.read()
    name = (upload.name or "document")[-120:]
    return PreparedFile(
        content=ContentFile(data, name=name), name=name, content_type=content_type, size=len(data)
    )
