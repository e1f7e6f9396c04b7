"""What needs attention: partnerships that went quiet (no held activity for N weeks), planned activities
whose date passed without being confirmed, and commitments due soon or overdue. The same lists feed the
"needs attention" page and the weekly e-mail digest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max, Q, QuerySet

from chungtay.access.scopes import own_schools, partnerships_visible_to
from chungtay.accounts.models import Role, User
from chungtay.activities.models import Activity, ActivitySchool, ActivityStatus
from chungtay.partnerships.models import (
    AgreementStatus,
    Commitment,
    CommitmentStatus,
    Partnership,
    PartnershipStatus,
)

LIST_LIMIT = 200


@dataclass
class Attention:
    day: dt.date
    quiet_weeks: int
    quiet: list[Partnership] = field(default_factory=list)
    unconfirmed: list[Activity] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.quiet) + len(self.unconfirmed) + len(self.commitments)


def _own_partnerships(user: User) -> QuerySet[Partnership]:
    """Partnerships the user answers for: their department's (administrator), else those with one of
    their own schools (partners' partnerships are theirs to watch)."""
    return partnerships_visible_to(user).filter(status=PartnershipStatus.ACTIVE)


def _hosted_by_own(user: User) -> Q:
    if user.is_superuser:
        return Q()
    if user.role == Role.CITY_ADMIN:
        return Q(department_id=user.office.tenant.pk) if user.office else Q(pk__in=[])
    school_ids = list(own_schools(user).values_list("pk", flat=True))
    return Q(
        pk__in=ActivitySchool.objects.filter(is_host=True, school_id__in=school_ids).values("activity_id")
    )


def needs_attention(user: User, *, day: dt.date, quiet_weeks: int | None = None) -> Attention:
    """The user's attention list on `day`. Viewers watch nothing (they cannot act)."""
    weeks = quiet_weeks or settings.ATTENTION_QUIET_WEEKS
    result = Attention(day=day, quiet_weeks=weeks)
    if user.role == Role.VIEWER and not user.is_superuser:
        return result
    since = day - dt.timedelta(weeks=weeks)
    partnerships = _own_partnerships(user)
    result.quiet = list(
        partnerships.filter(starts_on__lte=since)
        .annotate(
            last_held=Max("activities__held_on", filter=Q(activities__status=ActivityStatus.HELD)),
        )
        .filter(Q(last_held__isnull=True) | Q(last_held__lt=since))
        .order_by("last_held", "number")[:LIST_LIMIT]
    )
    result.unconfirmed = list(
        Activity.objects.filter(
            _hosted_by_own(user),
            status__in=[ActivityStatus.PLANNED, ActivityStatus.POSTPONED],
            planned_on__lt=day,
        ).order_by("planned_on", "pk")[:LIST_LIMIT]
    )
    due_by = day + dt.timedelta(days=settings.ATTENTION_COMMITMENT_DAYS)
    result.commitments = list(
        Commitment.objects.filter(
            agreement__partnership__in=partnerships.values("pk"),
            agreement__status=AgreementStatus.ACTIVE,
            status=CommitmentStatus.OPEN,
            due_on__lte=due_by,
        )
        .select_related("school", "agreement__partnership")
        .order_by("due_on", "pk")[:LIST_LIMIT]
    )
    return result
