"""What the partnership services share: limits and the check of an attached file."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile

from chungtay.core import files
from chungtay.partnerships import exceptions as e

MIN_OVERRIDE_REASON = 10
SCAN_LIMIT_MB = 10
_SCAN_TYPES = frozenset({files.PDF, files.JPEG, files.PNG})


def check_upload(upload: UploadedFile, types: frozenset[str], message: Any) -> files.CheckedFile:
    """The whole file checked by its content (chungtay.core.files): images decoded and re-encoded, PDFs
    parsed, Word files opened and refused with macros."""
    return files.check_upload(
        upload, accept=types, limit_mb=SCAN_LIMIT_MB, wrong_type=message, error=e.PartnershipError
    )
