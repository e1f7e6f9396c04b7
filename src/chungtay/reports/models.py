"""Review reports: the draft a user prepares (scope, period, the document's heading, signer and the
narrative they write) and every file generated from it, kept with the figures it printed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chungtay.core.models import TimeStamped, Versioned


class ReportKind(models.TextChoices):
    INTERIM = "interim", _("Interim review report (sơ kết)")
    FINAL = "final", _("Final review report (tổng kết)")


class DocumentKind(models.TextChoices):
    """The documents a department may lay out with a template of its own (`reports.templating`)."""

    REPORT = "report", _("Review reports (sơ kết, tổng kết)")
    MINUTES = "minutes", _("Minutes of the emulation council's meeting")
    PROPOSAL = "proposal", _("Proposal for awards (tờ trình)")
    AWARD_LIST = "award_list", _("List proposed for awards")
    MEMORANDUM = "memorandum", _("Memoranda and covenants of the partnerships")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    QUEUED = "queued", _("waiting to be generated")
    RUNNING = "running", _("being generated")
    READY = "ready", _("generated")
    FAILED = "failed", _("generation failed")


class Report(TimeStamped, Versioned):
    """A review report being prepared. The figures are read again at each generation; what the user
    writes (heading, recipients, signer, the three narrative sections) is kept here and versioned, so
    two people editing at once cannot overwrite each other. No history table: a report is not data of
    the movement (its writes must not move the figures' data version); its generations are its record."""

    department = models.ForeignKey(
        "directory.EducationOffice", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    params = models.JSONField(_("figure parameters"), default=dict)  # FiguresForm's, as lists
    scope_label = models.CharField(_("scope"), max_length=300)
    period_label = models.CharField(_("period"), max_length=200)
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    # who may open it besides its author: the author's office or school (see `reports.services`)
    office = models.ForeignKey(
        "directory.EducationOffice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    issuer_parent = models.CharField(_("governing body"), max_length=200, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=200)
    number = models.CharField(_("number and symbol"), max_length=60, blank=True)
    place = models.CharField(_("place"), max_length=100, default="Hà Nội")
    subject = models.CharField(_("subject line (trích yếu)"), max_length=400)
    addressees = models.TextField(_("to (Kính gửi), one per line"), blank=True)
    recipients = models.TextField(_("recipients (Nơi nhận), one per line"), blank=True)
    archive = models.CharField(_("filed with (Lưu)"), max_length=60, blank=True)
    authority = models.CharField(_("signing for (TM./KT.)"), max_length=100, blank=True)
    signer_position = models.CharField(_("signer's position"), max_length=100)
    signer_name = models.CharField(_("signer's name"), max_length=150, blank=True)
    achievements = models.TextField(_("achievements"), blank=True)
    limitations = models.TextField(_("limitations"), blank=True)
    tasks_ahead = models.TextField(_("tasks ahead"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=1000, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return self.subject


class Generation(models.Model):
    """One generated report, never changed: the files, their checksum, the figures they print (so a
    later generation shows what changed since), the template and data version, who and when."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="generations")
    number = models.PositiveIntegerField(_("generation"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("generated by")
    )
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    template_version = models.CharField(_("template"), max_length=100)
    data_version = models.CharField(max_length=100)
    figures = models.JSONField(_("figures"), default=dict)
    narrative = models.JSONField(default=dict)  # the heading and narrative as printed
    docx = models.BinaryField()
    pdf = models.BinaryField(null=True)
    pdf_error = models.CharField(max_length=500, blank=True)
    annex = models.BinaryField()
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    conformance = models.JSONField(default=list)  # the layout rules that failed, if any

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="reports_generation_number")]

    def __str__(self) -> str:
        return f"{self.report_id}#{self.number}"


class ReportTemplate(models.Model):
    """A department's own Word template for one kind of document it issues (`reports.templating`),
    versioned per kind: each upload that passes the checks is a new version, and at most one version of a
    kind is in use. A report's generation records the version that made it; every other document carries
    it in its properties (comments)."""

    department = models.ForeignKey(
        "directory.EducationOffice", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    kind = models.CharField(
        _("document kind"), max_length=12, choices=DocumentKind.choices, default=DocumentKind.REPORT
    )
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("file name"), max_length=200)
    docx = models.BinaryField()
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    active = models.BooleanField(_("in use"), default=False)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "kind", "version"], name="reports_template_kind_version"
            ),
            models.UniqueConstraint(
                fields=["department", "kind"],
                condition=models.Q(active=True),
                name="reports_one_template_of_a_kind_in_use",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def label(self) -> str:
        return f"mẫu của Sở, phiên bản {self.version}"
