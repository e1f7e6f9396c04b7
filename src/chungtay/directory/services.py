"""Writes on the directory. Every write checks scope and version, runs in one transaction and leaves
a history row naming the acting user (django-simple-history, with the request's address)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from chungtay.accounts.models import User
from chungtay.accounts.scopes import school_for_user
from chungtay.core.errors import DomainError
from chungtay.core.versioning import save_versioned
from chungtay.directory.models import School

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
