"""`/health/` for a load balancer or a monitor (issue 14): the database answers, the task queue (in the
database, or in Redis) answers and has a live worker for what waits in it, and the private files' disk has
room. No login; it says nothing about
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

from chungtay.core import tasks as core_tasks
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


def _rq_tasks() -> dict[str, Any]:
    """The Redis queue: read without side effects (counting RQ's registries would clean them up)."""
    from redis.exceptions import RedisError
    from rq import Worker
    from rq.registry import StartedJobRegistry

    now = timezone.now()
    try:
        queues = core_tasks.rq_queues()
        waiting = running = workers = 0
        oldest = None
        for queue in queues:
            waiting += queue.count
            started = StartedJobRegistry(queue=queue, job_class=queue.job_class)
            running += queue.connection.zcard(started.key)
            workers += Worker.count(queue=queue)
            first = queue.get_job_ids(0, 1)  # the oldest waiting
            job = queue.fetch_job(first[0]) if first else None
            if job is not None and job.enqueued_at and (oldest is None or job.enqueued_at < oldest):
                oldest = job.enqueued_at
    except RedisError as error:
        return {"ok": False, "queue": "redis", "error": type(error).__name__}
    stuck = bool(oldest and now - oldest > WAITING_TOO_LONG and not workers)
    return {
        "ok": not stuck,
        "queue": "redis",
        "waiting": waiting,
        "running": running,
        "oldest_waiting_seconds": int((now - oldest).total_seconds()) if oldest else None,
        "live_workers": workers,
    }


def _tasks() -> dict[str, Any]:
    if core_tasks.in_redis():
        return _rq_tasks()
    from django_tasks_db.models import DBTaskResult

    from chungtay.core.models import WorkerLease

    now = timezone.now()
    waiting = DBTaskResult.objects.filter(status="READY")
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    workers = WorkerLease.objects.filter(beat_at__gte=now - timedelta(seconds=LEASE_SECONDS)).count()
    stuck = bool(oldest and now - oldest > WAITING_TOO_LONG and not workers)
    return {
        "ok": not stuck,
        "queue": "database",
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
