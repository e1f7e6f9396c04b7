"""Import endpoints: the same flow as the pages — upload a file (checked in full, nothing changed), read the
preview, apply it (all or nothing), undo it — through `chungtay.imports.services`. Files over the
background threshold are checked and applied by the task worker: poll the batch until its status settles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from chungtay.accounts.models import User
from chungtay.api.schemas import ERRORS, RowId
from chungtay.core.errors import ConflictError, DomainError
from chungtay.imports import services
from chungtay.imports import undo as undoing
from chungtay.imports.kinds import KINDS
from chungtay.imports.models import ImportBatch
from chungtay.imports.readers import FileRefused

router = Router(tags=["imports"])


class RowErrorOut(Schema):
    row: int | None
    column: str
    message: str


class BatchOut(Schema):
    id: int
    kind: str = Field(..., examples=["indicators"])
    file_name: str
    checksum: str = Field(..., description="SHA-256 of the file / mã băm của tệp")
    status: ImportBatch.Status = Field(
        ..., description="checking, previewed, rejected, applying, applied, undone"
    )
    created_at: dt.datetime
    applied_at: dt.datetime | None
    rows_read: int
    counts: dict[str, int] = Field(..., description="create / update / unchanged… as the preview shows them")
    rejected: int
    refused: str | None = Field(None, description="why the whole file was refused / lý do từ chối cả tệp")
    errors: list[RowErrorOut] = Field(..., description="rejected rows (first 500) / các dòng bị từ chối")
    warnings: list[RowErrorOut] = Field(default_factory=list, description="rows to check / dòng cần kiểm tra")


def _importer(request: HttpRequest) -> User:
    """The user, if they may import at all (else 403)."""
    return services.importer(request.user)


def _out(batch: ImportBatch) -> dict[str, Any]:
    s = batch.summary
    names = ("file_name", "checksum", "status", "created_at", "applied_at", "rows_read", "kind")
    return {
        "id": batch.pk,
        **{name: getattr(batch, name) for name in names},
        "counts": {key: int(s.get(key, 0)) for key, _label, _done in KINDS[batch.kind].counts},
        "rejected": int(s.get("rejected", 0)),
        "refused": s.get("refused"),
        "errors": s.get("errors", []),
        "warnings": s.get("warnings", []),
    }


@router.post(
    "/imports/kinds/{kind}",
    response={201: BatchOut, **ERRORS},
    summary="Upload a file to import / Tải lên tệp để nhập",
    description="Multipart field `file`: .xlsx or .csv in the kind's template columns. Nothing changes "
    "until the batch is applied. Kinds: offices, schools, indicators, assessments, partnerships, activities, "
    "attendance, support.",
)
def upload(request: HttpRequest, kind: str, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    user = _importer(request)
    if kind not in KINDS:
        raise Http404
    try:
        batch = services.receive(user, kind, file)
    except FileRefused as error:  # over the size limit
        raise DomainError(error.message, code="too_large") from error
    return Status(201, _out(batch))


@router.get("/imports/{pk}", response={200: BatchOut, **ERRORS}, summary="An import and its preview")
def get_batch(request: HttpRequest, pk: RowId) -> dict[str, Any]:
    return _out(services.batch_for(_importer(request), pk))


@router.post("/imports/{pk}/apply", response={200: BatchOut, **ERRORS}, summary="Apply a previewed import")
def apply_batch(request: HttpRequest, pk: RowId) -> dict[str, Any]:
    user = _importer(request)
    return _out(services.start_apply(user, services.batch_for(user, pk)))


@router.post("/imports/{pk}/undo", response={200: BatchOut, **ERRORS}, summary="Undo an applied import")
def undo_batch(request: HttpRequest, pk: RowId) -> dict[str, Any]:
    user = _importer(request)
    batch = services.batch_for(user, pk)
    try:
        undoing.undo(user, batch)
    except FileRefused as error:
        raise ConflictError(error.message) from error
    batch.refresh_from_db()
    return _out(batch)
