"""A matching run: the scope, rules and inputs it was given and the proposal it produced, stored so an
accepted result can be explained later."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chungtay.core.audit import audited_history


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("proposal ready")
    FAILED = "failed", _("failed")
    ACCEPTED = "accepted", _("accepted")


class MatchingRun(models.Model):
    department = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        related_name="matching_runs",
        verbose_name=_("department"),
    )
    twinning = models.ForeignKey(
        "partnerships.OfficeTwinning",
        on_delete=models.PROTECT,
        related_name="matching_runs",
        verbose_name=_("office twinning"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reruns",
        verbose_name=_("re-run of"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    parameters = models.JSONField(_("rules and weights"), default=dict)
    inputs = models.JSONField(_("inputs"), default=dict)
    result = models.JSONField(_("proposal"), default=dict)
    error = models.CharField(_("error"), max_length=1000, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    history = audited_history(excluded_fields=["inputs", "result"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.twinning_id}"
