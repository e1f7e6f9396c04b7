"""Abstract model mixins shared by every app, and the task workers' leases. No domain models live here."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The largest row id any of our databases stores (PostgreSQL's integer): ids from users above it are refused
# by validation, never passed to a query where they would overflow.
MAX_ID = 2_147_483_647


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class EffectiveDated(models.Model):
    """A row that holds between two dates, both inclusive; an open end means "since ever" / "still"."""

    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="%(app_label)s_%(class)s_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            )
        ]

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class Versioned(models.Model):
    """Optimistic locking: a write states the version it read; `core.versioning.save_versioned` refuses
    the write if someone else saved in between."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class AuditFields(models.Model):
    """Extra columns on every historical record: from which request the change came."""

    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_path = models.CharField(_("request"), max_length=300, blank=True)

    class Meta:
        abstract = True


class WorkerLease(models.Model):
    """A live worker: renewed every few seconds; a stale one means the worker died."""

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    host = models.CharField(_("host"), max_length=200, blank=True)
    pid = models.PositiveIntegerField(_("process"), default=0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    beat_at = models.DateTimeField(_("last heartbeat"), default=timezone.now)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self) -> str:
        return self.worker_id
