"""Checking and applying an uploaded file, in the request for small files and as a background task (with
rows-read progress on the page) for large ones. Either way the batch records what happened: previewed or
rejected after the check, applied or rejected after applying, with the summary of the last plan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from chungtay.access.scopes import home_department
from chungtay.accounts.models import User
from chungtay.core import tasks
from chungtay.core.errors import ConflictError
from chungtay.imports.base import checksum, may_import
from chungtay.imports.kinds import KINDS
from chungtay.imports.models import ImportBatch
from chungtay.imports.readers import MAX_BYTES, ROW_PROGRESS, TOO_LARGE, FileRefused

log = logging.getLogger(__name__)
Status = ImportBatch.Status

NOT_IMPORTER = _("Only the city administrator and office officers can import files.")
NOT_PREVIEWED = _("Only a previewed file without rejected rows can be applied.")
FAILED = _("The file could not be processed; nothing was changed. Try again, or tell the administrator.")
INTERRUPTED_APPLY = _(
    "Applying this file was interrupted (the server or its worker stopped); nothing was changed. "
    "You can apply it again."
)
INTERRUPTED_CHECK = _(
    "Checking this file was interrupted (the server or its worker stopped); nothing was changed. "
    "Upload it again."
)
# A batch being checked or applied in a request shows progress at least this often; past it, it is lost.
STALE_AFTER = timedelta(minutes=10)


def _in_background(size: int) -> bool:
    return size > settings.IMPORT_BACKGROUND_BYTES


def importer(user: Any) -> User:
    """The user, if they may import files (else 403)."""
    if not may_import(user):
        raise PermissionDenied(NOT_IMPORTER)
    return user


def batch_for(user: User, pk: int) -> ImportBatch:
    """One of the user's own imports (else 404): a batch is its uploader's."""
    batch = ImportBatch.objects.filter(pk=pk, uploaded_by_id=user.pk).first()
    if batch is None or batch.kind not in KINDS:
        raise Http404
    return batch


def receive(user: User, kind: str, upload: Any) -> ImportBatch:
    """Store an uploaded file as a batch and check it: now if it is small, in the background if not.
    A file over the size limit is refused (FileRefused) before anything is stored."""
    if upload.size > MAX_BYTES:
        raise FileRefused(TOO_LARGE % {"limit": MAX_BYTES // (1024 * 1024)})
    batch = ImportBatch(
        kind=kind,
        department=home_department(user),
        uploaded_by=user,
        file_name=upload.name[:200],
        checksum=checksum(upload),
        status=Status.CHECKING,
        heartbeat_at=timezone.now(),
    )
    batch.file.save(upload.name, upload, save=False)
    batch.save()
    if _in_background(upload.size):
        transaction.on_commit(lambda: _enqueue(check_import_task, batch.pk))
    else:
        check(batch.pk)
        batch.refresh_from_db()
    return batch


def start_apply(user: User, batch: ImportBatch) -> ImportBatch:
    """Claim a previewed batch for applying (one claim wins), then apply it now or in the background."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=Status.PREVIEWED).update(
        status=Status.APPLYING, rows_read=0, task_id="", heartbeat_at=timezone.now()
    )
    if claimed != 1:
        raise ConflictError(NOT_PREVIEWED)
    if _in_background(batch.file.size):
        transaction.on_commit(lambda: _enqueue(apply_import_task, batch.pk))
    else:
        apply(batch.pk)
    batch.refresh_from_db()
    return batch


def _enqueue(task_function: Any, batch_id: int) -> None:
    working = ImportBatch.objects.filter(pk=batch_id, status__in=(Status.CHECKING, Status.APPLYING))
    tasks.enqueue_recorded(task_function, working, batch_id)


def _discard_file(batch: ImportBatch) -> None:
    """A rejected file is of no further use: its bytes are deleted (the name and checksum stay)."""
    if batch.file:
        try:
            batch.file.delete(save=False)
        except OSError:
            log.warning("import %s: could not delete its file", batch.pk)


@contextlib.contextmanager
def _content(batch: ImportBatch) -> Iterator[IO[bytes]]:
    """The stored file, opened to be read as it is checked (not read into memory: it may be 100 MB)."""
    with batch.file.open("rb") as handle:
        yield handle


def _progress(batch_id: int) -> Any:
    def report(rows: int, total: int | None) -> None:
        ImportBatch.objects.filter(pk=batch_id).update(
            rows_read=rows, rows_expected=total, heartbeat_at=timezone.now()
        )

    return report


def check(batch_id: int) -> None:
    """The dry run: validate every row and store the summary; nothing else changes."""
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if batch.status != Status.CHECKING:
        return
    token = ROW_PROGRESS.set(_progress(batch.pk))
    try:
        with _content(batch) as handle:
            plan = KINDS[batch.kind].plan(batch.uploaded_by, handle, batch.file_name)
    except FileRefused as error:
        batch.status, batch.summary = Status.REJECTED, {"refused": str(error.message)}
    except Exception:  # noqa: BLE001 - the batch must not stay "being checked" forever
        log.exception("import %s: check failed", batch.pk)
        batch.status, batch.summary = Status.REJECTED, {"refused": str(FAILED)}
    else:
        batch.status = Status.PREVIEWED if not plan.errors else Status.REJECTED
        batch.summary = plan.summary()
    finally:
        ROW_PROGRESS.reset(token)
    if batch.status == Status.REJECTED:
        _discard_file(batch)
    batch.save(update_fields=["status", "summary", "file"])


def apply(batch_id: int) -> None:
    """Validate again against today's data, then write all of it or nothing."""
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if batch.status != Status.APPLYING:
        return
    user: User = batch.uploaded_by
    spec = KINDS[batch.kind]
    token = ROW_PROGRESS.set(_progress(batch.pk))
    try:
        with _content(batch) as handle:
            plan = spec.plan(user, handle, batch.file_name)
            summary = plan.summary()
            spec.apply(user, plan, reason=batch.reason)
    except FileRefused as error:
        batch.status = Status.REJECTED
        batch.summary = {
            **(summary if "summary" in locals() else batch.summary),
            "refused": str(error.message),
        }
    except Exception:  # noqa: BLE001 - all or nothing was written: the claim is released, a retry possible
        log.exception("import %s: apply failed", batch.pk)
        batch.status, batch.summary = Status.PREVIEWED, {**batch.summary, "refused": str(FAILED)}
    else:
        batch.status, batch.applied_at = Status.APPLIED, timezone.now()
        batch.summary = {**summary, "applied": True}
    finally:
        ROW_PROGRESS.reset(token)
    if batch.status == Status.REJECTED:
        _discard_file(batch)
    batch.save(update_fields=["status", "summary", "applied_at", "file"])


@tasks.recoverer
def recover_interrupted() -> int:
    """Batches left "being checked" or "being applied" by a task that ended without finishing, or by a
    request that showed no progress for STALE_AFTER: an apply goes back to previewed (nothing was written:
    the apply is one transaction), a check is rejected with a message. Returns how many were mended."""
    mended = 0
    cutoff = timezone.now() - STALE_AFTER
    for batch in ImportBatch.objects.filter(status__in=(Status.CHECKING, Status.APPLYING)):
        lost = (
            tasks.task_finished(batch.task_id)
            if batch.task_id
            else (batch.heartbeat_at is None or batch.heartbeat_at < cutoff)
        )
        if not lost:
            continue
        if batch.status == Status.APPLYING:
            summary = {**batch.summary, "refused": str(INTERRUPTED_APPLY)}
            updated = ImportBatch.objects.filter(pk=batch.pk, status=Status.APPLYING).update(
                status=Status.PREVIEWED, summary=summary, task_id=""
            )
        else:
            updated = ImportBatch.objects.filter(pk=batch.pk, status=Status.CHECKING).update(
                status=Status.REJECTED, summary={"refused": str(INTERRUPTED_CHECK)}, task_id=""
            )
            if updated:
                _discard_file(batch)
                ImportBatch.objects.filter(pk=batch.pk).update(file=batch.file.name or "")
        mended += updated
    return mended


@task()
def check_import_task(batch_id: int) -> None:
    check(batch_id)


@task()
def apply_import_task(batch_id: int) -> None:
    apply(batch_id)
