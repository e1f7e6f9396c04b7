"""Small counts about pupils are not shown outside the school they concern: a figure of 1 to 4 could point
at a child, so cross-school and public figures show it as "fewer than 5"."""

from __future__ import annotations

SMALL_COUNT = 5


def suppress_small(count: int | None, minimum: int = SMALL_COUNT) -> int | None:
    """The count, or None when it is between 1 and `minimum` - 1 (shown as "< 5"; the public page hides
    counts of people under 10)."""
    if count is None or count == 0 or count >= minimum:
        return count
    return None
