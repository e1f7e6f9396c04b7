"""`/health/` for a load balancer or a monitor (issue 14): the database answers, the task queue has a
live worker for what waits in it, and the private files' disk has room. No login; it says nothing about
the data. 200 when the node can serve (its status "degraded" when only the worker is missing), 503 when
the database does not answer or the disk is nearly full."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from chungtay.core.tasks import LEASE_SECONDS

WAITING_TOO_LONG = timedelta(minutes=5)


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _tasks() -> dict[str, Any]:
    from django_tasks_db.models import DBTaskResult

    from chungtay.core.models import WorkerLease

    now = timezone.now()
    waiting = DBTaskResult.objects.filter(status="READY")
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    workers = WorkerLease.objects.filter(beat_at__gte=now - timedelta(seconds=LEASE_SECONDS)).count()
    stuck = bool(oldest and now - oldest > WAITING_TOO_LONG and not workers)
    return {
        "ok": not stuck,
        "waiting": waiting.count(),
        "running": DBTaskResult.objects.filter(status="RUNNING").count(),
        "oldest_waiting_seconds": int((now - oldest).total_seconds()) if oldest else None,
        "live_workers": workers,
    }


def _disk() -> dict[str, Any]:
    folder = Path(settings.PRIVATE_FILES_ROOT)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    usage = shutil.disk_usage(folder)
    free_mb = usage.free // (1024 * 1024)
    return {
        "ok": free_mb >= settings.HEALTH_MIN_FREE_MB,
        "free_mb": free_mb,
        "minimum_mb": settings.HEALTH_MIN_FREE_MB,
    }


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, Any]] = {"database": _database(), "disk": _disk()}
    if checks["database"]["ok"]:
        try:
            checks["tasks"] = _tasks()
        except DatabaseError as error:
            checks["tasks"] = {"ok": False, "error": type(error).__name__}
    serving = checks["database"]["ok"] and checks["disk"]["ok"]
    status = "ok" if serving and all(check["ok"] for check in checks.values()) else "degraded"
    if not serving:
        status = "failing"
    return JsonResponse({"status": status, "checks": checks}, status=200 if serving else 503)
