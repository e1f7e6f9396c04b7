"""Reads of partnerships reused by pages, the API and reports, always through the scope rules."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from chungtay.accounts.models import Role, User
from chungtay.accounts.scopes import own_schools, partnerships_visible_to
from chungtay.core.dates import valid_on
from chungtay.partnerships.models import (
    Agreement,
    AgreementStatus,
    Partnership,
    PartnershipMember,
)


def can_manage_partnership(user: User, partnership: Partnership) -> bool:
    """Membership and status changes: the department's administrator, or an officer with one of their
    own schools in the partnership."""
    if user.is_superuser:
        return True
    if user.role == Role.CITY_ADMIN:
        return bool(user.office and user.office.tenant.pk == partnership.department_id)
    if user.role == Role.OFFICE_OFFICER:
        return partnership.members.filter(school__in=own_schools(user)).exists()
    return False


def can_draft_agreement(user: User, partnership: Partnership) -> bool:
    """Drafting agreements and commitments: managers, and the leaders of member schools."""
    if can_manage_partnership(user, partnership):
        return True
    return (
        user.role == Role.SCHOOL_LEADER
        and user.school_id is not None
        and partnership.members.filter(school_id=user.school_id).exists()
    )


def partnership_for_user(user: object, pk: int, *, manage: bool = False, draft: bool = False) -> Partnership:
    """The partnership if the user may see it (else 404) and, if asked, manage it or draft its
    agreements (else 403)."""
    partnership = (
        partnerships_visible_to(user)
        .select_related("twinning__supporting_office", "twinning__supported_office")
        .filter(pk=pk)
        .first()
    )
    if partnership is None:
        raise Http404
    assert isinstance(user, User)
    if manage and not can_manage_partnership(user, partnership):
        raise PermissionDenied
    if draft and not can_draft_agreement(user, partnership):
        raise PermissionDenied
    return partnership


def agreement_for_user(user: object, pk: int) -> Agreement:
    visible = partnerships_visible_to(user)
    agreement = Agreement.objects.select_related("partnership").filter(pk=pk, partnership__in=visible).first()
    if agreement is None:
        raise Http404
    return agreement


def members_on(partnership: Partnership, day: dt.date) -> QuerySet[PartnershipMember]:
    """The members in the partnership on `day`."""
    return (
        partnership.members.filter(valid_on(day))
        .select_related("school")
        .order_by("side", "school__sort_key")
    )


def current_agreement(partnership: Partnership) -> Agreement | None:
    """The agreement in progress or in force, if any."""
    return (
        partnership.agreements.filter(
            status__in=[AgreementStatus.DRAFT, AgreementStatus.AWAITING_SIGNATURE, AgreementStatus.ACTIVE]
        )
        .order_by("-amendment_no")
        .first()
    )


def partnership_list(
    user: object,
    *,
    day: dt.date,
    status: str = "",
    level: str = "",
    pilot: bool | None = None,
    without_agreement: bool = False,
    expiring_within: int | None = None,
    query: str = "",
) -> QuerySet[Partnership]:
    """Visible partnerships with the list page's filters, each annotated with its member count and
    whether it has an agreement in force."""
    from chungtay.core.text import search_terms

    active_agreement = Agreement.objects.filter(partnership=OuterRef("pk"), status=AgreementStatus.ACTIVE)
    rows = partnerships_visible_to(user).annotate(
        member_count=Count("members", filter=Q(valid_on(day, "members__")), distinct=True),
        has_active_agreement=Exists(active_agreement),
    )
    if status:
        rows = rows.filter(status=status)
    if level:
        rows = rows.filter(level=level)
    if pilot is not None:
        rows = rows.filter(is_pilot=pilot)
    if without_agreement:
        rows = rows.filter(has_active_agreement=False)
    if expiring_within is not None:
        rows = rows.filter(
            Exists(
                active_agreement.filter(
                    valid_to__gte=day, valid_to__lte=day + dt.timedelta(days=expiring_within)
                )
            )
        )
    for term in search_terms(query):
        rows = rows.filter(
            Exists(
                PartnershipMember.objects.filter(partnership=OuterRef("pk"), school__name_key__contains=term)
            )
            | Q(name__icontains=term)
        )
    current = (
        PartnershipMember.objects.filter(valid_on(day))
        .select_related("school")
        .order_by("side", "school__sort_key")
    )
    return (
        rows.select_related("twinning__supporting_office", "twinning__supported_office")
        .prefetch_related(Prefetch("members", queryset=current, to_attr="current_members"))
        .order_by("number")
    )
