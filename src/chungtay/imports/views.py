from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chungtay.accounts.models import Role, User
from chungtay.accounts.scopes import home_department
from chungtay.imports.models import ImportBatch
from chungtay.imports.readers import MAX_BYTES, FileRefused
from chungtay.imports.schools import COLUMNS, EXPLANATIONS, apply_plan, checksum, plan_import


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.xlsx or .csv, at most 20 MB)"))


def _importer(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not (user.is_superuser or user.role in (Role.CITY_ADMIN, Role.OFFICE_OFFICER)):
        raise PermissionDenied
    return user


@require_http_methods(["GET", "POST"])
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a file of schools: it is checked in full and previewed; nothing changes until applied."""
    user = _importer(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                form.add_error(
                    "file", _("The file is larger than %(limit)d MB.") % {"limit": MAX_BYTES // (1024 * 1024)}
                )
            else:
                try:
                    plan = plan_import(user, upload, upload.name)
                except FileRefused as error:
                    form.add_error("file", str(error.message))
                else:
                    upload.seek(0)
                    batch = ImportBatch(
                        department=home_department(user),
                        uploaded_by=user,
                        file_name=upload.name[:200],
                        checksum=checksum(upload),
                        status=ImportBatch.Status.PREVIEWED
                        if not plan.errors
                        else ImportBatch.Status.REJECTED,
                        summary=plan.summary(),
                    )
                    batch.file.save(upload.name, upload, save=False)
                    batch.save()
                    return redirect("imports:preview", pk=batch.pk)
    batches = ImportBatch.objects.filter(uploaded_by=user)[:20]
    return render(request, "imports/upload.html", {"form": form, "batches": batches}, status=status)


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=pk, uploaded_by_id=request.user.pk).first()
    if batch is None:
        raise Http404
    return batch


@require_GET
@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    _importer(request)
    return render(request, "imports/preview.html", {"batch": _batch(request, pk)})


@require_POST
@login_required
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a previewed file: validated again against today's data, then written all or nothing."""
    user = _importer(request)
    batch = _batch(request, pk)
    if batch.status != ImportBatch.Status.PREVIEWED:
        messages.error(request, _("Only a previewed file without rejected rows can be applied."))
        return render(request, "imports/preview.html", {"batch": batch}, status=409)
    with batch.file.open("rb") as handle:
        content = io.BytesIO(handle.read())
    try:
        plan = plan_import(user, content, batch.file_name)
        apply_plan(user, plan, reason=f"import #{batch.pk} {batch.file_name}"[:100])
    except FileRefused as error:
        messages.error(request, str(error.message))
        batch.summary = plan.summary() if "plan" in locals() else batch.summary
        batch.status = ImportBatch.Status.REJECTED
        batch.save(update_fields=["summary", "status"])
        return render(request, "imports/preview.html", {"batch": batch}, status=400)
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.summary = {**plan.summary(), "applied": True}
    batch.save(update_fields=["status", "applied_at", "summary"])
    messages.success(request, _("Import applied."))
    return redirect("imports:preview", pk=batch.pk)


@require_GET
@login_required
def template(request: HttpRequest) -> HttpResponse:
    """The import template: Vietnamese headers, and a sheet explaining each column."""
    from openpyxl import Workbook

    _importer(request)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Truong hoc"
    sheet.append([names[0] for names in COLUMNS.values()])
    sheet.append(
        [
            "01008XXXX",
            "Trường THCS Ví Dụ",
            "THCS",
            "Công lập",
            "00097",
            "Số 1 phố Ví Dụ",
            "21,0285",
            "105,8542",
            "2024-2025",
            "850",
            "45",
            "20",
            "Có",
        ]
    )
    help_sheet = workbook.create_sheet("Huong dan")
    help_sheet.append(["Cột", "Ý nghĩa và giá trị hợp lệ", "Tên cột tiếng Anh cũng được chấp nhận"])
    for column, names in COLUMNS.items():
        help_sheet.append([names[0], EXPLANATIONS[column], ", ".join(names[1:])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-truong-hoc.xlsx"'
    return response
