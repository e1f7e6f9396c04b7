"""What the figures keep of their own: the impact estimates the task worker computed."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Estimate(models.Model):
    """One computed impact estimate (`analytics.impact.Impact`, pickled), under the key of everything that
    decided it — the figures' cache key: the data's version, the scope, the indicator and the options —
    so a row is never older than the data it was computed from. Kept in the database rather than the
    cache so that the worker's result reaches every web process, whatever cache is configured. Derived,
    never edited; rows of an older data version are dropped a day after they were computed."""

    key = models.CharField(max_length=100, unique=True)
    value = models.BinaryField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("impact estimate")
        verbose_name_plural = _("impact estimates")

    def __str__(self) -> str:
        return self.key
