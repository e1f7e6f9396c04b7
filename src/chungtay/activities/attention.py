"""What needs attention: partnerships that went quiet (no held activity for N weeks), planned activities
whose date passed without being confirmed, and commitments due soon or overdue. The same lists feed the
"needs attention" page and the weekly e-mail digest."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce

from chungtay.access.scopes import own_schools, partnerships_visible_to
from chungtay.accounts.models import Role, User
from chungtay.activities.facts import last_held_day
from chungtay.activities.models import Activity, ActivitySchool, ActivityStatus, Reminder
from chungtay.core.dates import valid_on
from chungtay.partnerships.models import (
    Agreement,
    AgreementStatus,
    Commitment,
    CommitmentStatus,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
)

LIST_LIMIT = 20  # the overview (page, digest) shows each list's first entries, the longest waiting first
PAGE_SIZE = 50  # one list on a page of its own, every entry reachable page by page
LISTS = ("quiet", "unconfirmed", "commitments", "awaiting")  # the lists of an Attention
AWAITING_DAYS = 30  # an agreement awaiting signature longer than this is listed


def _guide(quiet: list[Partnership], day: dt.date) -> None:
    """What a quiet partnership's entry says besides its name: how many weeks it has been quiet, who
    leads it (the lead school's leaders, with their e-mail) and when it was last reminded."""
    ids = [p.pk for p in quiet]
    leads: dict[int, list[str]] = defaultdict(list)
    lead_schools: dict[int, list[int]] = defaultdict(list)
    for partnership_id, school in PartnershipMember.objects.filter(
        valid_on(day), partnership_id__in=ids, role=PartnershipMember.Role.LEAD
    ).values_list("partnership_id", "school_id"):
        lead_schools[school].append(partnership_id)
    for user in User.objects.filter(
        role=Role.SCHOOL_LEADER, is_active=True, school_id__in=list(lead_schools)
    ):
        for lead_of in lead_schools[user.school_id]:  # type: ignore[index]
            leads[lead_of].append(f"{user.display_name} <{user.email}>" if user.email else user.display_name)
    reminded = dict(
        Reminder.objects.filter(partnership_id__in=ids)
        .values_list("partnership_id")
        .annotate(last=Max("sent_at"))
    )
    for partnership in quiet:
        since = partnership.last_held or partnership.starts_on  # type: ignore[attr-defined]
        partnership.weeks_quiet = max(0, (day - since).days // 7)  # type: ignore[attr-defined]
        partnership.leads = leads.get(partnership.pk, [])  # type: ignore[attr-defined]
        partnership.reminded_at = reminded.get(partnership.pk)  # type: ignore[attr-defined]


def _awaiting(partnerships: QuerySet[Partnership], day: dt.date) -> list[Agreement]:
    """Agreements of these partnerships awaiting signature for more than a month (since they were sent,
    read from their history), with the schools still to sign."""
    rows = Agreement.objects.filter(
        partnership__in=partnerships.values("pk"), status=AgreementStatus.AWAITING_SIGNATURE
    )
    sent = dict(
        Agreement.history.filter(id__in=rows.values("pk"), status=AgreementStatus.AWAITING_SIGNATURE)
        .values_list("id")
        .annotate(first=Min("history_date"))
    )
    found = []
    for agreement in rows.select_related("partnership").prefetch_related("signatures"):
        since = sent.get(agreement.pk)
        if since is None or (day - since.date()).days <= AWAITING_DAYS:
            continue
        agreement.sent_on = since.date()  # type: ignore[attr-defined]
        agreement.waiting_days = (day - since.date()).days  # type: ignore[attr-defined]
        found.append(agreement)
    return sorted(found, key=lambda a: a.sent_on)  # type: ignore[attr-defined]


@dataclass
class Attention:
    day: dt.date
    quiet_weeks: int
    quiet: list[Partnership] = field(default_factory=list)
    unconfirmed: list[Activity] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    awaiting: list[Agreement] = field(default_factory=list)  # awaiting signature for over a month
    # how many each list has in all: a list shows its first LIST_LIMIT entries (the longest waiting)
    totals: dict[str, int] = field(default_factory=dict)

    def total(self, name: str) -> int:
        return self.totals.get(name, len(getattr(self, name)))

    @property
    def count(self) -> int:
        return sum(self.total(name) for name in LISTS)

    @property
    def sections(self) -> dict[str, tuple[int, int]]:
        """Each list's (entries shown, entries in all), for the page to say when it shows only the first."""
        return {name: (len(getattr(self, name)), self.total(name)) for name in LISTS}

    @property
    def more(self) -> dict[str, int]:
        """How many entries of each list are not shown (the digest says so, with the list's link)."""
        return {name: in_all - shown for name, (shown, in_all) in self.sections.items()}


class _Guided(Sequence[Partnership]):
    """Quiet partnerships read a slice at a time, each slice given its guide (`_guide`) as it is read:
    what a Paginator and `_first` need of a list (count, slice)."""

    def __init__(self, rows: QuerySet[Partnership], day: dt.date) -> None:
        self.rows, self.day = rows, day

    def count(self) -> int:  # type: ignore[override]  # the whole list's length, as a QuerySet's count()
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, key: int) -> Partnership: ...
    @overload
    def __getitem__(self, key: slice) -> list[Partnership]: ...
    def __getitem__(self, key: int | slice) -> Partnership | list[Partnership]:
        found = list(self.rows[key : key + 1] if isinstance(key, int) else self.rows[key])
        _guide(found, self.day)
        return found[0] if isinstance(key, int) else found


Rows = QuerySet[Any] | _Guided | list[Any]


def _first(rows: Rows) -> tuple[list[Any], int]:
    """The first LIST_LIMIT rows and how many there are in all (counted only when the list is full)."""
    shown = list(rows[:LIST_LIMIT])
    if len(shown) < LIST_LIMIT:
        return shown, len(shown)
    return shown, (len(rows) if isinstance(rows, list) else rows.count())


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


def _rows(user: User, name: str, day: dt.date, weeks: int) -> Rows:
    """Every entry of one list, the longest waiting first; read only as far as it is sliced."""
    partnerships = _own_partnerships(user)
    if name == "quiet":
        since = day - dt.timedelta(weeks=weeks)
        return _Guided(
            partnerships.filter(starts_on__lte=since)
            .annotate(last_held=last_held_day())
            .filter(Q(last_held__isnull=True) | Q(last_held__lt=since))
            # quiet since its last activity, or since it started if nothing was held: the longest first
            # (ordering by last_held alone put those with nothing held last on PostgreSQL, first on SQLite)
            .order_by(Coalesce("last_held", "starts_on"), "number", "pk"),
            day,
        )
    if name == "awaiting":
        return _awaiting(partnerships, day)
    if name == "unconfirmed":
        return Activity.objects.filter(
            _hosted_by_own(user),
            status__in=[ActivityStatus.PLANNED, ActivityStatus.POSTPONED],
            planned_on__lt=day,
        ).order_by("planned_on", "pk")
    due_by = day + dt.timedelta(days=settings.ATTENTION_COMMITMENT_DAYS)
    return (
        Commitment.objects.filter(
            agreement__partnership__in=partnerships.values("pk"),
            agreement__status=AgreementStatus.ACTIVE,
            status=CommitmentStatus.OPEN,
            due_on__lte=due_by,
        )
        .select_related("school", "agreement__partnership")
        .order_by("due_on", "pk")
    )


def _watches(user: User) -> bool:
    """Viewers watch nothing (they cannot act)."""
    return user.role != Role.VIEWER or user.is_superuser


def needs_attention(user: User, *, day: dt.date, quiet_weeks: int | None = None) -> Attention:
    """The user's attention lists on `day`: each list's first LIST_LIMIT entries and its total."""
    weeks = quiet_weeks or settings.ATTENTION_QUIET_WEEKS
    result = Attention(day=day, quiet_weeks=weeks)
    if _watches(user):
        for name in LISTS:
            shown, result.totals[name] = _first(_rows(user, name, day, weeks))
            setattr(result, name, shown)
    return result


def attention_page(user: User, name: str, *, day: dt.date, number: str | int | None) -> Page[Any]:
    """One list, every entry, PAGE_SIZE a page (`number` as the query string gives it; a page out of range
    is the last one). `name` is one of LISTS."""
    rows: Rows = _rows(user, name, day, settings.ATTENTION_QUIET_WEEKS) if _watches(user) else []
    return Paginator(rows, PAGE_SIZE).get_page(number)
