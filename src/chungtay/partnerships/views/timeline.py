"""A partnership's story in one list, newest first: its activities (with a photo where the reader may see
one), the support given, the signatures of its agreements and the schools joining and leaving. Lives with
the views: it reads the activities and support apps, which sit above the partnerships' own selectors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from chungtay.accounts.models import User
from chungtay.activities.models import Activity, Evidence, EvidenceKind
from chungtay.activities.selectors import private_evidence_seen
from chungtay.core.text import vietnamese_number
from chungtay.partnerships.models import Partnership, Signature

EACH = 15  # the latest of each kind read; the merged list keeps the latest `SHOWN`
SHOWN = 30


@dataclass(frozen=True)
class Event:
    day: dt.date
    kind: str  # activity, support, signature, joined, left
    title: str
    detail: str = ""
    url: str = ""
    photo: int | None = None  # an evidence id whose thumbnail the reader may see
    status: str = ""  # an activity's status label


def timeline(user: User, partnership: Partnership, today: dt.date) -> list[Event]:
    """The latest events of the partnership, merged, newest first, in six queries."""
    events: list[Event] = []
    partial: list[dt.date] = []  # the oldest day of each kind read only in part
    activities = list(partnership.activities.order_by("-planned_on", "-pk")[:EACH])
    photos = _photos(user, activities)
    if len(activities) == EACH:
        days = [a.held_on or a.planned_on for a in activities]
        partial += [min(d for d in days if d is not None)] if any(days) else []
    for activity in activities:
        day = activity.held_on or activity.planned_on
        if day is None:
            continue
        events.append(
            Event(
                day,
                "activity",
                activity.title,
                activity.get_kind_display(),
                reverse("activities:activity-detail", args=[activity.pk]),
                photos.get(activity.pk),
                activity.get_status_display(),
            )
        )
    support = list(
        partnership.support.select_related("donor", "receiving_school").order_by("-given_on", "-pk")[:EACH]
    )
    if len(support) == EACH:
        partial.append(support[-1].given_on)
    for record in support:
        events.append(
            Event(
                record.given_on,
                "support",
                f"{record.get_kind_display()}: {vietnamese_number(float(record.quantity))} {record.unit}",
                f"{record.donor.name} → {record.receiving_school.name}",
                reverse("support:support-detail", args=[record.pk]),
            )
        )
    signatures = list(
        Signature.objects.filter(agreement__partnership=partnership)
        .select_related("school", "agreement")
        .order_by("-signed_at")[:EACH]
    )
    if len(signatures) == EACH:
        partial.append(signatures[-1].signed_at.date())
    for signature in signatures:
        events.append(
            Event(
                signature.signed_at.date(),
                "signature",
                _("%(school)s signed “%(agreement)s”")
                % {"school": signature.school.name, "agreement": signature.agreement.title},
                f"{signature.signer_name}, {signature.position}",
                reverse("partnerships:agreement-detail", args=[signature.agreement_id]),
            )
        )
    members = list(partnership.members.select_related("school").order_by("-valid_from")[:EACH])
    if len(members) == EACH and members[-1].valid_from is not None:
        partial.append(members[-1].valid_from)
    for member in members:
        if member.valid_from is not None:
            events.append(
                Event(
                    member.valid_from,
                    "joined",
                    _("%(school)s joined") % {"school": member.school.name},
                    member.get_side_display(),
                )
            )
        if member.valid_to is not None and member.valid_to <= today:
            events.append(
                Event(member.valid_to, "left", _("%(school)s left") % {"school": member.school.name})
            )
    # a kind read only in part (its latest EACH) sets a horizon: nothing older is shown, so the list
    # never skips an activity while showing an older signature
    horizon = max(partial, default=None)
    order = {"joined": 0, "signature": 1, "activity": 2, "support": 3, "left": 4}
    events.sort(key=lambda e: (e.day, -order[e.kind]), reverse=True)
    return [e for e in events if horizon is None or e.day >= horizon][:SHOWN]


def _photos(user: User, activities: list[Activity]) -> dict[int, int]:
    """Each activity's first photo with a thumbnail that `user` may see (private photos only for those
    who see the activity's private evidence)."""
    private = private_evidence_seen(user, activities)
    found: dict[int, int] = {}
    for pk, activity, shareable in (
        Evidence.objects.filter(activity__in=activities, kind=EvidenceKind.PHOTO)
        .exclude(thumbnail="")
        .order_by("activity_id", "pk")
        .values_list("pk", "activity_id", "shareable")
    ):
        if activity not in found and (shareable or activity in private):
            found[activity] = pk
    return found
