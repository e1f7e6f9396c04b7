from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One uploaded file: its checksum, who sent it, what the dry run found and what applying changed."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("previewed")
        APPLIED = "applied", _("applied")
        REJECTED = "rejected", _("rejected")
        UNDONE = "undone", _("undone")
        CHECKING = "checking", _("being checked")
        APPLYING = "applying", _("being applied")

    kind = models.CharField(_("kind"), max_length=20, default="schools")
    department = models.ForeignKey("directory.EducationOffice", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    checksum = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(_("summary"), default=dict)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_expected = models.PositiveIntegerField(_("rows expected"), null=True, blank=True)
    # The background task checking or applying it, and the last sign of life of whoever does: how a batch
    # left "being applied" by a worker (or a request) that died is found and put back (core.tasks).
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.checksum[:8]})"

    @property
    def reason(self) -> str:
        """The change reason on every history row this import writes: how an undo finds them."""
        return f"import #{self.pk} {self.file_name}"[:100]
