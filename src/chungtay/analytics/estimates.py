"""The write path of the computed impact estimates (`analytics.models.Estimate`): read one by its key,
store one (under the key it was asked by and the key of now, should the data have moved while it was
computed), and drop those a day old (their data has moved on, or they would be found again by key)."""

from __future__ import annotations

import pickle  # noqa: S403 - only this module writes the rows it reads
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from chungtay.analytics.models import Estimate

KEPT = timedelta(days=1)


def read(key: str) -> Any | None:
    entry = read_entry(key)
    return None if entry is None else entry[0]


def read_entry(key: str) -> tuple[Any, datetime] | None:
    """The estimate stored under `key` and when it was computed, or None."""
    row = Estimate.objects.filter(key=key).values_list("value", "computed_at").first()
    if row is None:
        return None
    return pickle.loads(bytes(row[0])), row[1]  # noqa: S301 - written by store() only


def store(value: Any, *keys: str) -> None:
    now = timezone.now()
    pickled = pickle.dumps(value)
    for key in dict.fromkeys(keys):
        Estimate.objects.update_or_create(key=key, defaults={"value": pickled, "computed_at": now})
    Estimate.objects.filter(computed_at__lt=now - KEPT).delete()
