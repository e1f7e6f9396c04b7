"""The rules on a school's own data, written once: the single-row services, the bulk services and the
import previews all check with these, so a page, the API and a file cannot disagree."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from chungtay.core.errors import DomainError
from chungtay.core.text import search_key

# Yes/no words as people type them in Vietnamese and English (accents and case aside).
YES_WORDS = frozenset({"co", "dat", "yes", "x", "1", "true"})
NO_WORDS = frozenset({"khong", "chua dat", "no", "0", "false"})

COORDINATES_INCOMPLETE = _("Give both latitude and longitude, or neither.")
COORDINATES_OUTSIDE_VIETNAM = _("These coordinates are outside Vietnam (latitude 8–24, longitude 102–110).")
SCORE_OUT_OF_RANGE = _("Each score is a whole number from 1 (a need) to 5 (a strength).")
LATITUDES = (8, 24)
LONGITUDES = (102, 110)
SCORES = range(1, 6)
NEED_SCORE = 2  # a self-assessed score up to which an area is a real need
STRENGTH_SCORE = 4  # a score from which an area is a strength to share


def yes_no(raw: object, *, blank: bool | None = None) -> bool | None:
    """True for a yes word, False for a no word, `blank` for an empty cell, None for anything else."""
    word = search_key(str(raw if raw is not None else ""))
    if not word:
        return blank
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def check_coordinates(latitude: float | Decimal | None, longitude: float | Decimal | None) -> None:
    """Both or neither, and inside Vietnam. Raises DomainError naming the coordinates."""
    if (latitude is None) != (longitude is None):
        raise DomainError(COORDINATES_INCOMPLETE, code="coordinates", field="latitude")
    if (
        latitude is not None
        and longitude is not None
        and not (LATITUDES[0] <= latitude <= LATITUDES[1] and LONGITUDES[0] <= longitude <= LONGITUDES[1])
    ):
        raise DomainError(COORDINATES_OUTSIDE_VIETNAM, code="coordinates", field="latitude")


def check_score(score: object) -> int:
    """A self-assessment score: a whole number from 1 to 5 (a numeric text is accepted)."""
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise DomainError(SCORE_OUT_OF_RANGE, code="score", field="score")
    return score
