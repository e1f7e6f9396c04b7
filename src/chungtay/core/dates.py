"""Dates as users write them (dd/mm/yyyy first, ISO accepted) and effective-dated filtering."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

INPUT_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def parse_date(text: str | None) -> dt.date | None:
    """Parse a date in any accepted format; None for empty or malformed input."""
    if not text:
        return None
    text = text.strip()
    if len(text) > 10:
        return None
    for fmt in INPUT_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    return None


def today() -> dt.date:
    return timezone.localdate()


def valid_on(day: dt.date, prefix: str = "") -> Q:
    """Rows of an effective-dated table in force on `day` (valid_from ≤ day ≤ valid_to, open ends allowed)."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )
