"""Reads of the support ledger through the scope rules, and its figures with small pupil counts suppressed
for anyone but the receiving school's own leader."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from chungtay.access.roles import sees_whole_department
from chungtay.access.scopes import own_schools, partnerships_visible_to
from chungtay.accounts.models import Role, User
from chungtay.core import schoolyears
from chungtay.core.datacache import cached_over
from chungtay.core.privacy import suppress_small
from chungtay.core.text import search_terms
from chungtay.directory.models import School
from chungtay.support.models import SupportRecord


def _active(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def support_visible_to(user: object) -> QuerySet[SupportRecord]:
    """The department's records for its administrator and for its own officers and viewers; otherwise
    those given or received by one of the user's own schools, or belonging to a partnership they see."""
    if not _active(user):
        return SupportRecord.objects.none()
    assert isinstance(user, User)
    if user.is_superuser:
        return SupportRecord.objects.all()
    if sees_whole_department(user):
        # the administrator, or an officer or viewer of the department itself: every school of the
        # department is theirs, and so is its ledger (listing its thousands of school ids in every query
        # cost a department's viewer 0.7 s a page)
        return SupportRecord.objects.filter(department_id=user.office.tenant.pk if user.office else None)
    school_ids = list(own_schools(user).values_list("pk", flat=True))
    partnership_ids = list(partnerships_visible_to(user).values_list("pk", flat=True))
    # `id IN (… UNION …)`: each part read from its own index. An OR across the record and its donor made
    # PostgreSQL join every record of the country to its donor and filter them (14 ms a query, five
    # queries a page, at national size)
    records = SupportRecord.objects.order_by()
    ids = (
        records.filter(receiving_school_id__in=school_ids)
        .values("pk")
        .union(
            records.filter(donor__school_id__in=school_ids).values("pk"),
            records.filter(partnership_id__in=partnership_ids).values("pk"),
        )
    )
    return SupportRecord.objects.filter(pk__in=ids)


def may_act_for(user: User, school: School | None) -> bool:
    """Whether the user may record support given or received by this school."""
    if school is None:
        return False
    if user.is_superuser:
        return True
    if user.role == Role.VIEWER:
        return False
    if user.role in (Role.SCHOOL_LEADER, Role.TEACHER):
        return user.school_id == school.pk
    return own_schools(user).filter(pk=school.pk).exists()


def can_edit_support(user: User, record: SupportRecord) -> bool:
    if user.role == Role.CITY_ADMIN:
        return bool(user.office and user.office.tenant.pk == record.department_id)
    return may_act_for(user, record.receiving_school) or may_act_for(user, record.donor.school)


def sees_pupils_of(user: User, school: School) -> bool:
    """Only the school's own leader sees its supported pupils' codes, grades and circumstances."""
    return user.role == Role.SCHOOL_LEADER and user.school_id == school.pk


def support_for_user(user: object, pk: int) -> SupportRecord:
    record = (
        support_visible_to(user)
        .select_related("donor__school", "receiving_school", "partnership", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404
    return record


@dataclass(frozen=True)
class SupportFilter:
    kind: str = ""
    school_year: int | None = None
    partnership_id: int | None = None
    school_id: int | None = None
    query: str = ""


def support_list(user: object, f: SupportFilter) -> QuerySet[SupportRecord]:
    rows = support_visible_to(user)
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.school_year is not None:
        first, last = schoolyears.bounds(f.school_year)
        rows = rows.filter(given_on__gte=first, given_on__lte=last)
    if f.partnership_id:
        rows = rows.filter(partnership_id=f.partnership_id)
    if f.school_id:
        rows = rows.filter(Q(receiving_school_id=f.school_id) | Q(donor__school_id=f.school_id))
    for word in search_terms(f.query):
        rows = rows.filter(Q(donor__name_key__contains=word) | Q(receiving_school__name_key__contains=word))
    return rows.select_related("donor", "receiving_school", "partnership").order_by("-given_on", "-pk")


def kind_label(kind: str) -> str:
    from chungtay.support.models import SupportKind

    return str(SupportKind(kind).label) if kind in SupportKind.values else kind


@dataclass
class SupportFigures:
    records: int
    value_vnd: int
    pupils: int | None  # None: between 1 and 4, suppressed
    by_kind: list[dict[str, Any]] = field(default_factory=list)


def with_labels(figures: SupportFigures) -> SupportFigures:
    """The figures with each kind's label, for pages."""
    for row in figures.by_kind:
        row["label"] = kind_label(row["kind"])
    return figures


def support_figures(records: QuerySet[SupportRecord], *, reveal_small: bool = False) -> SupportFigures:
    """Totals over a set of records: how many, their value, the distinct pupils supported (suppressed
    below 5 unless `reveal_small`), and per kind and unit the quantities given. Kept in the figures'
    cache until the data changes: at national size their five queries took 50–65 ms of an officer's
    ledger page (88 ms), on every load."""
    return cached_over(
        "support-figures", records, lambda: _count_support(records, reveal_small), reveal_small
    )


def _count_support(records: QuerySet[SupportRecord], reveal_small: bool) -> SupportFigures:
    ids = records.order_by().values("pk")
    base = SupportRecord.objects.filter(pk__in=ids)
    # Sums and pupil counts are separate queries: joining the pupils would repeat a record's quantity and
    # value once per pupil.
    totals = base.aggregate(n=Count("pk"), value=Sum("value_vnd"))
    rows = base.values("kind", "unit").annotate(
        n=Count("pk"), quantity=Sum("quantity"), value=Sum("value_vnd")
    )
    links = SupportRecord.beneficiaries.through.objects.filter(supportrecord_id__in=ids)
    all_pupils = links.aggregate(n=Count("beneficiary_id", distinct=True))["n"]
    pupils_by = {
        (row["supportrecord__kind"], row["supportrecord__unit"]): row["n"]
        for row in links.values("supportrecord__kind", "supportrecord__unit").annotate(
            n=Count("beneficiary_id", distinct=True)
        )
    }

    def shown(n: int) -> int | None:
        return n if reveal_small else suppress_small(n)

    return SupportFigures(
        records=totals["n"],
        value_vnd=totals["value"] or 0,
        pupils=shown(all_pupils),
        by_kind=[
            {
                "kind": row["kind"],
                "unit": row["unit"],
                "records": row["n"],
                "quantity": row["quantity"] or Decimal(0),
                "value_vnd": row["value"] or 0,
                "pupils": shown(pupils_by.get((row["kind"], row["unit"]), 0)),
            }
            for row in rows.order_by("kind", "unit")
        ],
    )
