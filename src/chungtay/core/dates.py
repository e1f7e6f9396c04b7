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


def first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def today() -> dt.date:
    return timezone.localdate()


def valid_on(day: dt.date, prefix: str = "") -> Q:
    """Rows of an effective-dated table in force on `day` (valid_from ≤ day ≤ valid_to, open ends allowed)."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def valid_between(start: dt.date, end: dt.date, prefix: str = "") -> Q:
    """Rows of an effective-dated table in force at some time from `start` to `end` (open ends allowed)."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": end})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": start})
    )


def administrative_date(place: str, day: dt.date) -> str:
    """Place and date as Decree 30/2020/NĐ-CP writes them: "Hà Nội, ngày 05 tháng 3 năm 2023" (a leading
    zero for days below 10 and for months 1 and 2)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
