"""The kinds of file the platform imports, by the slug in their page's address."""

from __future__ import annotations

from chungtay.imports import activities, assessments, indicators, offices, partnerships, schools, support
from chungtay.imports.base import ImportKind

KINDS: dict[str, ImportKind] = {
    kind.slug: kind
    for kind in (
        offices.KIND,
        schools.KIND,
        indicators.KIND,
        assessments.KIND,
        partnerships.KIND,
        activities.KIND,
        activities.ATTENDANCE,
        support.KIND,
    )
}
