"""Abstract model mixins shared by every app, and the task workers' leases. No domain models live here."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The largest row id any of our databases stores (PostgreSQL's integer): ids from users above it are refused
# by validation, never passed to a query where they would overflow.
MAX_ID = 2_147_483_647


@functools.cache
def _choice_labels(field: models.Field[Any, Any], language: str | None) -> dict[Any, str]:
    return {make_hashable(value): str(label) for value, label in field.flatchoices}


class ChoiceLabels(models.Model):
    """`get_FOO_display()` read from a table of the field's labels in the active language, made once a
    field and language. Django's own builds a dict of every choice at each call, translating each label to
    hash it: on a list of 300 activities with their kind and status that was a quarter of the page."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:  # noqa: N802 - Django's name
        value = getattr(self, field.attname)
        labels = _choice_labels(field, get_language())
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class TimeStamped(ChoiceLabels):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class EffectiveDated(ChoiceLabels):
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


class Versioned(ChoiceLabels):
    """Optimistic locking: a write states the version it read; `core.versioning.save_versioned` refuses
    the write if someone else saved in between."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class AuditFields(ChoiceLabels):
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
