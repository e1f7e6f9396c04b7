"""Writes on the directory. Every write checks scope and version, runs in one transaction and leaves
a history row naming the acting user (django-simple-history, with the request's address)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from chungtay.accounts.models import User
from chungtay.accounts.scopes import school_for_user
from chungtay.core.errors import DomainError
from chungtay.core.versioning import save_versioned
from chungtay.directory.models import DevelopmentArea, School, SchoolYear, SelfAssessment

COORDINATES_INCOMPLETE = _("Give both latitude and longitude, or neither.")
COORDINATES_OUTSIDE_VIETNAM = _("These coordinates are outside Vietnam (latitude 8–24, longitude 102–110).")


@transaction.atomic
def update_school_details(
    *,
    acting_user: User,
    moet_id: str,
    expected_version: int,
    address: str,
    latitude: float | None,
    longitude: float | None,
) -> School:
    """Correct a school's address and coordinates.

    Refuses (404) a school outside the user's scope and (403) a user who may not change it; refuses
    (409, nothing written) a change made on a stale version; refuses half or out-of-country coordinates."""
    school = school_for_user(acting_user, moet_id, write=True)
    if (latitude is None) != (longitude is None):
        raise DomainError(COORDINATES_INCOMPLETE, code="coordinates")
    if (
        latitude is not None
        and longitude is not None
        and not (8 <= latitude <= 24 and 102 <= longitude <= 110)
    ):
        raise DomainError(COORDINATES_OUTSIDE_VIETNAM, code="coordinates")
    school.address = address.strip()
    school.latitude = latitude
    school.longitude = longitude
    school._history_user = acting_user  # type: ignore[attr-defined]
    return save_versioned(
        school, expected_version=expected_version, update_fields=["address", "latitude", "longitude"]
    )


SCORE_OUT_OF_RANGE = _("Each score is a whole number from 1 (a need) to 5 (a strength).")
UNKNOWN_AREA = _("Unknown area: %(area)s.")


@transaction.atomic
def record_self_assessment(
    *,
    acting_user: User,
    moet_id: str,
    school_year: SchoolYear,
    scores: dict[str, tuple[int, str]],
) -> list[SelfAssessment]:
    """Record a school's strengths and needs for one school year (one score and note per area),
    replacing that year's earlier answers. Only those who may change the school may assess it."""
    school = school_for_user(acting_user, moet_id, write=True)
    for area, (score, _note) in scores.items():
        if area not in DevelopmentArea.values:
            raise DomainError(UNKNOWN_AREA % {"area": area})
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise DomainError(SCORE_OUT_OF_RANGE)
    rows = []
    for area, (score, note) in scores.items():
        row, _ = SelfAssessment.objects.select_for_update().get_or_create(
            school=school, school_year=school_year, area=area, defaults={"score": score}
        )
        row.score, row.note, row.assessed_by = score, note.strip()[:300], acting_user
        row._history_user = acting_user  # type: ignore[attr-defined]
        row.save()
        rows.append(row)
    return rows
