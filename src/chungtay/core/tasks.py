"""Background tasks that recover: a worker holds a lease it renews while it lives, a task whose worker's
lease ran out is marked failed, and each app puts the rows that such a task left half-way ("being
applied", "running") back into a state from which the user can try again.

`manage.py run_worker` is the worker. With the queue in the database (the default) it is django-tasks-db's,
with a heartbeat thread, recovery on start and every minute, and a loop that survives a dropped database
connection (the connection is closed and opened again; the task that lost it is marked failed once the
database answers again). With the queue in Redis (`CHUNGTAY_TASK_BACKEND=redis`, django-tasks-rq) it is an
RQ worker, which runs each task in a process of its own and renews its own heartbeat in Redis; a task whose
worker stopped is failed by RQ's registry cleanup (`fail_lost_tasks` runs it), and the same recoverers put
the rows back."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chungtay.core.models import WorkerLease

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
RECOVER_EVERY_BEATS = 6
# A worker that has not renewed its lease for this long is taken for dead.
LEASE_SECONDS = 60
WORKER_LOST = _("The background worker stopped while this was running; nothing was changed. Try again.")

# Functions that put an app's rows left half-way by a lost task back into a state the user can act on.
# Each returns how many rows it mended.
Recoverer = Callable[[], int]
RECOVERERS: list[Recoverer] = []


def recoverer(function: Recoverer) -> Recoverer:
    """Register an app's recovery function (called by `recover`)."""
    RECOVERERS.append(function)
    return function


class WorkerLost(Exception):
    """Recorded on a task result whose worker stopped (killed, crashed, lost its database)."""


def enqueue_recorded(task_function: Any, rows: Any, *args: Any) -> None:
    """Enqueue a task and note its id on the rows it works for (a queryset), so a recoverer can tell
    whether the task still runs."""
    result = task_function.enqueue(*args)
    rows.update(task_id=str(result.id))


def _backend() -> Any:
    from django_tasks import task_backends

    return task_backends["default"]


def in_redis() -> bool:
    """Whether the task queue is RQ's, in Redis (else the database's, or run at once in tests)."""
    from django_tasks_rq import RQBackend

    return isinstance(_backend(), RQBackend)


def rq_queues() -> list[Any]:
    """The RQ queues the backend uses, with django-tasks-rq's job class (whose failure callback records
    the failure on the task's result)."""
    return _backend()._get_queues()


def task_finished(task_id: str) -> bool:
    """Whether a task result no longer runs (or never existed): its rows may be recovered."""
    if in_redis():
        from django_tasks_rq.backend import RQ_STATUS_TO_RESULT_STATUS

        job = _backend()._get_job(task_id)
        if job is None:
            return True  # never queued, or its result expired long ago
        return RQ_STATUS_TO_RESULT_STATUS[job.get_status()] in ("SUCCESSFUL", "FAILED")
    from django_tasks_db.models import DBTaskResult

    status = DBTaskResult.objects.filter(pk=task_id).values_list("status", flat=True).first()
    return status is None or status in ("SUCCESSFUL", "FAILED")


def task_status(task_function: Any, task_id: str) -> str | None:
    """A queued task's status (READY, RUNNING, SUCCESSFUL, FAILED), read through its backend, or None
    when the backend keeps no such result (an immediate backend ran it at once; an id of another
    backend)."""
    from django.core.exceptions import ValidationError
    from django_tasks.exceptions import TaskException

    try:
        return str(task_function.get_result(task_id).status)
    except (TaskException, NotImplementedError, ValidationError, ValueError):
        return None


def _fail(result: object, error: BaseException) -> None:
    result.set_failed(error)  # type: ignore[attr-defined]


def fail_abandoned_rq_jobs(now: datetime | None = None) -> int:
    """RQ's side of `fail_lost_tasks`: a started job whose worker stopped renewing it (killed, crashed) is
    moved to the failed jobs by RQ's own cleanup, which calls the job's failure callback."""
    from rq.job import JobStatus
    from rq.registry import StartedJobRegistry
    from rq.timeouts import TimerDeathPenalty

    moment = (now or timezone.now()).timestamp()
    count = 0
    for queue in rq_queues():
        # the failure callback's time limit by a timer: recovery runs in the worker's recovery thread,
        # where RQ's default (SIGALRM) cannot be set
        started = StartedJobRegistry(
            queue=queue, job_class=queue.job_class, death_penalty_class=TimerDeathPenalty
        )
        expired = started.get_expired_job_ids(moment)
        if not expired:
            continue
        started.cleanup(moment)
        jobs = queue.job_class.fetch_many(expired, connection=queue.connection)
        count += sum(1 for job in jobs if job is not None and job.get_status() == JobStatus.FAILED)
    return count


def fail_lost_tasks(now: datetime | None = None) -> int:
    """Mark failed every running task whose worker's lease has run out (or who never held one and started
    longer ago than a lease lasts)."""
    if in_redis():
        return fail_abandoned_rq_jobs(now)
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=LEASE_SECONDS)
    leases = dict(WorkerLease.objects.values_list("worker_id", "beat_at"))
    count = 0
    for result in DBTaskResult.objects.filter(status="RUNNING"):
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if worker in leases and leases[worker] >= cutoff:
            continue
        if result.started_at and result.started_at >= cutoff and worker not in leases:
            continue  # started a moment ago by a worker without a lease (db_worker): give it time
        _fail(result, WorkerLost(str(WORKER_LOST)))
        count += 1
    WorkerLease.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    return count


def recover(now: datetime | None = None) -> int:
    """Fail the lost tasks, then let every app recover its rows. Returns how many things were mended."""
    mended = fail_lost_tasks(now)
    for function in RECOVERERS:
        try:
            mended += function()
        except DatabaseError:
            log.exception("recovery by %s failed", getattr(function, "__name__", function))
    return mended


class Heartbeat(threading.Thread):
    """Renews a worker's lease from its own thread (and so its own database connection), and recovers
    what dead workers left every minute. An RQ worker keeps its heartbeat in Redis: it takes no lease
    (`lease=False`) and the thread only recovers."""

    def __init__(self, worker_id: str, *, lease: bool = True) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.lease = lease
        self.stopped = threading.Event()

    def beat(self) -> None:
        WorkerLease.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"beat_at": timezone.now(), "host": socket.gethostname()[:200], "pid": os.getpid()},
        )

    def run(self) -> None:
        beats = 0
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            try:
                if self.lease:
                    self.beat()
                beats += 1
                if beats % RECOVER_EVERY_BEATS == 0:
                    recover()
            except DatabaseError:
                log.warning("worker %s: heartbeat failed; retrying", self.worker_id)
                connections.close_all()
            except Exception:  # e.g. Redis gone a moment: the thread must outlive it and recover later
                log.exception("worker %s: recovery failed; retrying", self.worker_id)
        connections.close_all()


def reconnect(attempts: int = 30, pause: float = 1.0) -> bool:
    """Drop the broken connections and wait until the database answers again."""
    for _attempt in range(attempts):
        connections.close_all()
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except DatabaseError:
            time.sleep(pause)
    return False


def finish_failed(result: object, error: BaseException) -> None:
    """Record a task's failure after its connection broke: reconnect, then write it (once it can)."""
    from django_tasks_db.models import DBTaskResult

    if not reconnect():
        return  # the lease runs out and the next recovery marks it
    fresh = DBTaskResult.objects.filter(pk=result.pk).first()  # type: ignore[attr-defined]
    if fresh is not None and fresh.status == "RUNNING":
        _fail(fresh, error)
