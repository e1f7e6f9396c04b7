"""Template tags of the activities: the status badge, written as a tag rather than an included template
because a month's calendar shows up to 372 activities, and an include costs far more than a tag."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

_BADGES = {"held": "success", "planned": "primary", "postponed": "warning"}


@register.simple_tag
def activity_status(activity: Any) -> SafeString:
    """An activity's status as a coloured badge: held, planned, postponed, else (cancelled) grey."""
    return format_html(
        '<span class="badge text-bg-{}" data-testid="activity-status">{}</span>',
        _BADGES.get(activity.status, "secondary"),
        activity.get_status_display(),
    )
