"""School-year arithmetic. A Vietnamese school year (năm học) runs from September to the next summer;
"2022–2023" starts in 2022. Dates from August on belong to the year that starts that autumn."""

from __future__ import annotations

import datetime as dt
import re

FIRST_MONTH = 8  # August: enrolment and preparation already count towards the coming year

_YEAR_PAIR = re.compile(r"^\s*(?:năm học|nam hoc|nh)?\s*(\d{2}|\d{4})\s*[-–/_ ]+\s*(\d{2}|\d{4})\s*$", re.I)
_SINGLE = re.compile(r"^\s*(\d{4})\s*$")


class SchoolYearFormatError(ValueError):
    pass


def start_year_of(day: dt.date) -> int:
    """The start year of the school year that `day` falls in."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def label(start_year: int) -> str:
    """The label used on every page and document: "2022-2023"."""
    return f"{start_year}-{start_year + 1}"


def bounds(start_year: int) -> tuple[dt.date, dt.date]:
    """First and last day counted in the school year (1 August to 31 July)."""
    return dt.date(start_year, FIRST_MONTH, 1), dt.date(start_year + 1, FIRST_MONTH, 1) - dt.timedelta(days=1)


def parse(text: str) -> int:
    """Read a school year written the ways people write it: "2022-2023", "2022 – 2023", "2022/2023",
    "22-23", "Năm học 2022-2023", or a single start year "2022". Returns the start year."""
    match = _YEAR_PAIR.match(text or "")
    if match:
        first, second = (int(x) if len(x) == 4 else 2000 + int(x) for x in match.groups())
        if second != first + 1:
            raise SchoolYearFormatError(text)
        return first
    match = _SINGLE.match(text or "")
    if match:
        return int(match.group(1))
    raise SchoolYearFormatError(text)
