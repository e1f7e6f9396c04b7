"""The weekly "needs attention" digest by e-mail, to school leaders and office officers. At most one per
person per calendar week: a row per (user, ISO week) is claimed before the mail leaves, under a unique
constraint, and released if sending fails so the next run retries."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from chungtay.accounts.models import Role, User
from chungtay.activities.attention import needs_attention
from chungtay.activities.models import DigestLog

logger = logging.getLogger(__name__)
RECIPIENT_ROLES = (Role.SCHOOL_LEADER, Role.OFFICE_OFFICER)


@dataclass
class DigestReport:
    sent: int = 0
    nothing_to_say: int = 0
    already_sent: int = 0
    no_email: int = 0
    failed: int = 0


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _claim(user: User, week: str, items: int) -> DigestLog | None:
    try:
        with transaction.atomic():
            return DigestLog.objects.create(user=user, week=week, items=items)
    except IntegrityError:
        return None


def send_weekly_digests(*, day: dt.date, quiet_weeks: int | None = None) -> DigestReport:
    """Send this week's digest to every active leader and officer who has something needing attention
    and has not had one this week."""
    report = DigestReport()
    week = week_of(day)
    recipients = User.objects.filter(is_active=True, role__in=RECIPIENT_ROLES).order_by("pk")
    for user in recipients.iterator(chunk_size=200):
        if not user.email:
            report.no_email += 1
            continue
        if DigestLog.objects.filter(user=user, week=week).exists():
            report.already_sent += 1
            continue
        attention = needs_attention(user, day=day, quiet_weeks=quiet_weeks)
        if not attention.count:
            report.nothing_to_say += 1
            continue
        claimed = _claim(user, week, attention.count)
        if claimed is None:  # another run claimed it between the check and now
            report.already_sent += 1
            continue
        with translation.override("vi"):
            context = {"user": user, "a": attention, "site": settings.SITE_URL, "week": week}
            subject = render_to_string("activities/email/digest_subject.txt", context).strip()
            body = render_to_string("activities/email/digest.txt", context)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:
            logger.exception("digest to %s failed", user.username)
            claimed.delete()
            report.failed += 1
            continue
        report.sent += 1
    return report
