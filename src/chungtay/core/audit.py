"""The audit trail: django-simple-history records who changed what and when; this module adds from
which request, taking it from the request that simple-history's middleware keeps for the thread."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


def audited_history(**kwargs: Any) -> HistoricalRecords:
    """HistoricalRecords with the request columns of `core.models.AuditFields`."""
    from chungtay.core.models import AuditFields

    return HistoricalRecords(bases=[AuditFields], **kwargs)


@receiver(pre_create_historical_record)
def _stamp_request(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None or not hasattr(history_instance, "ip_address"):
        return
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    history_instance.ip_address = (forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")) or None
    history_instance.request_path = f"{request.method} {request.path}"[:300]


def stamp_actor(obj: Any, acting_user: Any) -> Any:
    """Name the acting user on the history row the next save of `obj` writes; returns `obj`."""
    obj._history_user = acting_user
    return obj
