from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import User
from chungtay.core.errors import ConflictError
from chungtay.imports import services
from chungtay.imports import undo as undoing
from chungtay.imports.base import ImportKind
from chungtay.imports.kinds import KINDS
from chungtay.imports.models import ImportBatch
from chungtay.imports.readers import FileRefused


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.xlsx or .csv, at most 100 MB)"))


def _importer(request: AuthenticatedRequest) -> User:
    return services.importer(request.user)


def _kind(slug: str) -> ImportKind:
    kind = KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


@require_GET
@login_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    """What can be imported, and the user's recent imports."""
    user = _importer(request)
    batches = ImportBatch.objects.filter(uploaded_by=user)[:20]
    return render(request, "imports/index.html", {"kinds": KINDS.values(), "batches": batches})


@require_http_methods(["GET", "POST"])
@login_required
def upload(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    """Upload a file of one kind: it is checked in full and previewed; nothing changes until applied.
    A large file is checked by the task worker while the preview page shows the rows read."""
    user = _importer(request)
    spec = _kind(kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.receive(user, spec.slug, upload)
            except FileRefused as error:
                form.add_error("file", str(error.message))
            else:
                if "refused" not in batch.summary:
                    return redirect("imports:preview", pk=batch.pk)
                form.add_error("file", batch.summary["refused"])
    batches = ImportBatch.objects.filter(uploaded_by=user, kind=spec.slug)[:20]
    return render(
        request, "imports/upload.html", {"form": form, "batches": batches, "kind": spec}, status=status
    )


def _batch(request: AuthenticatedRequest, pk: int) -> ImportBatch:
    return services.batch_for(request.user, pk)


def _preview(request: AuthenticatedRequest, batch: ImportBatch, status: int = 200) -> HttpResponse:
    spec = KINDS[batch.kind]
    applied = batch.status in (ImportBatch.Status.APPLIED, ImportBatch.Status.UNDONE)
    # once applied, the counts say what was done, not what will be ("Schools created", not "to create")
    counts = [
        (key, done if applied else planned, batch.summary.get(key, 0)) for key, planned, done in spec.counts
    ]
    working = batch.status in (ImportBatch.Status.CHECKING, ImportBatch.Status.APPLYING)
    percent = (
        min(99, round(100 * batch.rows_read / batch.rows_expected))
        if working and batch.rows_expected
        else None
    )
    undoable = batch.status == ImportBatch.Status.APPLIED  # undo checks the rest when asked
    changes = Paginator(batch.summary.get("changes", []), 50).get_page(request.GET.get("page"))
    context = {
        "batch": batch, "kind": spec, "counts": counts, "undoable": undoable, "working": working,
        "applied": applied,
        "percent": percent, "changes": changes,
    }  # fmt: skip
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "batch-progress":
        if not working:  # done: the whole page shows the outcome
            return HttpResponseClientRefresh()
        return render(request, "imports/_progress.html", context, status=status)
    return render(request, "imports/preview.html", context, status=status)


@require_GET
@login_required
def preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _importer(request)
    return _preview(request, _batch(request, pk))


@require_POST
@login_required
def apply(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Apply a previewed file: validated again against today's data, then written all or nothing (by the
    task worker for a large file)."""
    user = _importer(request)
    batch = _batch(request, pk)
    try:
        batch = services.start_apply(user, batch)
    except ConflictError as error:
        messages.error(request, str(error.message))
        return _preview(request, batch, status=409)
    if batch.status == ImportBatch.Status.REJECTED:
        messages.error(request, batch.summary.get("refused", _("The file has rejected rows.")))
        return _preview(request, batch, status=400)
    if batch.status == ImportBatch.Status.APPLIED:
        messages.success(request, _("Import applied."))
    return redirect("imports:preview", pk=batch.pk)


@require_POST
@login_required
def undo(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Revert an applied import, if nothing newer has changed what it wrote."""
    user = _importer(request)
    batch = _batch(request, pk)
    try:
        undone = undoing.undo(user, batch)
    except FileRefused as error:
        messages.error(request, str(error.message))
        return _preview(request, batch, status=409)
    messages.success(request, _("Import undone: %(count)d records restored or removed.") % {"count": undone})
    return redirect("imports:preview", pk=batch.pk)


@require_GET
@login_required
def template(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    """The import template of a kind: Vietnamese headers, and a sheet explaining each column."""
    from openpyxl import Workbook

    _importer(request)
    spec = _kind(kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Dữ liệu"
    sheet.append([names[0] for names in spec.columns.values()])
    sheet.append(spec.example)
    help_sheet = workbook.create_sheet("Hướng dẫn")
    help_sheet.append(["Cột", "Ý nghĩa và giá trị hợp lệ", "Tên cột tiếng Anh cũng được chấp nhận"])
    for column, names in spec.columns.items():
        help_sheet.append([names[0], spec.explanations[column], ", ".join(names[1:])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{spec.file_stem}.xlsx"'
    return response
