"""The task queue in Redis (issue 14, scale-out): with `CHUNGTAY_TASK_BACKEND=redis` the same tasks go
through django-tasks-rq to RQ's workers, and what a dead worker leaves is recovered as with the database
queue. These tests need a Redis server (`.ci/run` starts one; `CHUNGTAY_TEST_REDIS_URL`, default the local
one): each test process uses a database of its own, emptied before and after every test."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
import redis
from django.test import Client

from chungtay.core import health, tasks
from chungtay.imports import services as import_services
from chungtay.imports.models import ImportBatch
from chungtay.matching.models import MatchingRun, RunStatus
from chungtay.matching.services import start_run
from tests.analytics.conftest import world  # noqa: F401
from tests.browser.conftest import ROOT
from tests.matching.test_runs import PARAMETERS
from tests.partnerships.conftest import hm_uh, user  # noqa: F401
from tests.trust.test_task_recovery import _indicator_file, _new_value

BASE_URL = os.environ.get("CHUNGTAY_TEST_REDIS_URL", "redis://127.0.0.1:6379")
# gw0, gw1 … each get their own Redis database (13, 14 …), so parallel test processes never share a queue
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
REDIS_DB = 13 + int(_WORKER[2:] or 0) if _WORKER.startswith("gw") else 12
REDIS_URL = f"{BASE_URL.rstrip('/')}/{REDIS_DB}"
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


@pytest.fixture
def rq_queued(settings, db):
    """Tasks go to an RQ queue in Redis (as with CHUNGTAY_TASK_BACKEND=redis), emptied before and after."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError as error:  # pragma: no cover - the message is the point
        raise RuntimeError(
            f"these tests need Redis at {BASE_URL} (apt-get install redis-server; .ci/run starts it)"
        ) from error
    connection.flushdb()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    settings.TASKS = RQ_TASKS
    settings.IMPORT_BACKGROUND_BYTES = 0  # every file is checked and applied by the worker
    yield connection
    connection.flushdb()


def _run_queued() -> None:
    """What `run_worker` does with the queue, in this process (a forked task process would not see the
    test's transaction): an RQ worker with django-tasks-rq's job class, until the queue is empty."""
    import django_rq
    from django_tasks_rq import Job

    from chungtay.core.rqworker import SimpleWorker

    django_rq.get_worker("default", job_class=Job, worker_class=SimpleWorker).work(burst=True)


def _die_mid_task(task_id: str) -> None:
    """What an RQ worker that was killed mid-task leaves: the job started, its entry in the started
    registry no longer renewed (RQ would have pushed its expiry forward with every heartbeat)."""
    from rq.job import JobStatus
    from rq.registry import StartedJobRegistry

    queue = tasks.rq_queues()[0]
    job = queue.fetch_job(task_id)
    assert job is not None and job.get_status() == JobStatus.QUEUED
    queue.connection.lrem(queue.key, 0, task_id)  # the worker took it off the queue …
    job.set_status(JobStatus.STARTED)  # … started it …
    registry = StartedJobRegistry(queue=queue, job_class=queue.job_class)
    queue.connection.zadd(registry.key, {f"{task_id}:dead-execution": time.time() - 120})  # … and died


def test_an_import_is_checked_and_applied_by_an_rq_worker(rq_queued, django_capture_on_commit_callbacks):
    upload, school = _indicator_file()
    officer = user("pgd.unghoa")
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_services.receive(officer, "indicators", upload)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING
    assert rq_queued.exists(f"rq:job:{batch.task_id}"), "the task waits in Redis, not in the database"
    assert tasks.task_status(import_services.check_import_task, batch.task_id) == "READY"
    assert not tasks.task_finished(batch.task_id)
    _run_queued()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert tasks.task_status(import_services.check_import_task, batch.task_id) == "SUCCESSFUL"
    assert tasks.task_finished(batch.task_id)

    with django_capture_on_commit_callbacks(execute=True):
        import_services.start_apply(officer, batch)
    _run_queued()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert _new_value(school).get().value == Decimal("7.25")


def test_an_import_left_applying_by_a_killed_rq_worker_is_recovered_and_applied_again(
    rq_queued, django_capture_on_commit_callbacks
):
    upload, school = _indicator_file()
    officer = user("pgd.unghoa")
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_services.receive(officer, "indicators", upload)
    _run_queued()
    with django_capture_on_commit_callbacks(execute=True):
        import_services.start_apply(officer, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLYING
    _die_mid_task(batch.task_id)
    assert tasks.task_status(import_services.apply_import_task, batch.task_id) == "RUNNING"
    with pytest.raises(import_services.ConflictError):  # refused while it seems to run
        import_services.start_apply(officer, batch)

    # the job is failed as the worker does it, from its recovery thread (RQ's failure callback must run
    # there); the rows are then put back (here in the test's own thread, which holds its transaction)
    failed: list[int] = []
    recovery = threading.Thread(target=lambda: failed.append(tasks.fail_lost_tasks()))
    recovery.start()
    recovery.join()
    assert failed == [1]
    assert tasks.recover() >= 1  # the batch
    lost = import_services.apply_import_task.get_result(batch.task_id)
    assert lost.status == "FAILED"
    # the failure callback ran: the result names why
    assert lost.errors[-1].exception_class_path == "rq.exceptions.AbandonedJobError"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.summary["refused"] == str(import_services.INTERRUPTED_APPLY)
    assert not _new_value(school).exists()

    with django_capture_on_commit_callbacks(execute=True):
        import_services.start_apply(officer, batch)
    _run_queued()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert _new_value(school).get().value == Decimal("7.25")


def test_a_live_rq_workers_task_is_left_alone(rq_queued, django_capture_on_commit_callbacks):
    from rq.job import JobStatus
    from rq.registry import StartedJobRegistry

    upload, _ = _indicator_file()
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_services.receive(user("pgd.unghoa"), "indicators", upload)
    batch.refresh_from_db()
    queue = tasks.rq_queues()[0]
    queue.fetch_job(batch.task_id).set_status(JobStatus.STARTED)
    registry = StartedJobRegistry(queue=queue, job_class=queue.job_class)
    rq_queued.zadd(registry.key, {f"{batch.task_id}:alive": time.time() + 60})  # renewed a moment ago
    assert tasks.recover() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING


def test_a_matching_run_left_running_by_a_killed_rq_worker_fails_with_a_message(
    rq_queued,
    hm_uh,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from chungtay.matching.services import error_message

    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(acting_user=user("pgd.hoangmai"), twinning=hm_uh, parameters=PARAMETERS)
    run.refresh_from_db()
    _die_mid_task(run.task_id)
    MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    tasks.recover()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == "worker_lost"
    assert error_message(run) == str(tasks.WORKER_LOST)


def test_health_reads_the_redis_queue(rq_queued, django_capture_on_commit_callbacks, settings):
    from rq.job import JobStatus

    body = Client().get("/health/").json()
    assert body["status"] == "ok"
    assert body["checks"]["tasks"] | {"oldest_waiting_seconds": None} == {
        "ok": True,
        "queue": "redis",
        "waiting": 0,
        "running": 0,
        "oldest_waiting_seconds": None,
        "live_workers": 0,
    }

    upload, _ = _indicator_file()
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_services.receive(user("pgd.unghoa"), "indicators", upload)
    batch.refresh_from_db()
    job = tasks.rq_queues()[0].fetch_job(batch.task_id)
    job.enqueued_at = job.enqueued_at - health.WAITING_TOO_LONG * 2  # waiting ten minutes, no worker
    job.save()
    body = Client().get("/health/").json()
    assert body["status"] == "degraded"
    assert body["checks"]["tasks"]["waiting"] == 1 and body["checks"]["tasks"]["live_workers"] == 0
    assert body["checks"]["tasks"]["oldest_waiting_seconds"] >= 600
    assert job.get_status() == JobStatus.QUEUED  # reading the queue changed nothing in it

    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # Redis gone
    response = Client().get("/health/")
    assert response.status_code == 200  # pages are still served
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["tasks"] == {"ok": False, "queue": "redis", "error": "ConnectionError"}


def test_run_worker_runs_queued_tasks_in_forked_processes_through_redis(tmp_path):
    """The real command, as the README runs it, on a database of its own: a task queued in Redis is run
    by `run_worker --batch` in a forked process and its result recorded there."""
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chungtay.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "CHUNGTAY_TASK_BACKEND": "redis",
        "REDIS_URL": REDIS_URL,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CHUNGTAY_TESTING", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, cwd=ROOT, timeout=300)
    enqueue = (
        "from chungtay.analytics.impact import compute_impact; "
        "print(compute_impact.enqueue(0, {}, 'k', 'vi').id)"
    )
    task_id = subprocess.run(
        [*manage, "shell", "-c", enqueue], check=True, env=env, cwd=ROOT, capture_output=True, text=True
    ).stdout.split()[-1]
    assert connection.exists(f"rq:job:{task_id}")
    subprocess.run([*manage, "run_worker", "--batch"], check=True, env=env, cwd=ROOT, timeout=120)
    status = (
        "from chungtay.analytics.impact import compute_impact; "
        f"r = compute_impact.get_result('{task_id}'); print(r.status, r.errors[-1].exception_class_path)"
    )
    printed = subprocess.run(
        [*manage, "shell", "-c", status], check=True, env=env, cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    # user 0 does not exist: the task ran (in the worker's forked process) and failed with its error
    assert printed[-2:] == ["FAILED", "chungtay.accounts.models.User.DoesNotExist"]
    connection.flushdb()


def test_the_recovery_thread_outlives_a_redis_outage(monkeypatch):
    """The worker's recovery thread keeps going when Redis (or anything but the database) fails a moment:
    it recovers again at the next turn."""
    calls: list[int] = []

    def recover() -> int:
        calls.append(1)
        if len(calls) <= 2:
            raise redis.ConnectionError("Redis went away")
        return 0

    monkeypatch.setattr(tasks, "HEARTBEAT_SECONDS", 0.01)
    monkeypatch.setattr(tasks, "RECOVER_EVERY_BEATS", 1)
    monkeypatch.setattr(tasks, "recover", recover)
    thread = tasks.Heartbeat("recovery-test", lease=False)
    thread.start()
    deadline = time.monotonic() + 10
    while len(calls) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    thread.stopped.set()
    thread.join(timeout=5)
    assert len(calls) >= 4 and not thread.is_alive()


def test_run_worker_uses_the_worker_that_stops_promptly():
    import django_rq

    from chungtay.core.rqworker import Worker

    assert isinstance(django_rq.get_worker("default"), Worker)


@pytest.mark.parametrize("worker_class", ["Worker", "SimpleWorker"])
def test_a_stopping_worker_ends_its_listening_thread_before_unsubscribing(rq_queued, worker_class):
    """RQ 3.0 sent UNSUBSCRIBE while its listening thread still looped: when the thread read the reply
    first, it waited up to a minute for a new subscription, and redis-py 8.2's `stop()` waited for it
    (the RQ tests here took 60 or 120 s now and then). The thread must be told to stop before the
    UNSUBSCRIBE whose reply wakes it, and be gone when the worker has unsubscribed."""
    import django_rq

    from chungtay.core import rqworker

    worker = django_rq.get_worker("default", worker_class=getattr(rqworker, worker_class))
    worker.subscribe()
    thread = worker.pubsub_thread
    while not worker.pubsub.subscribed:  # the SUBSCRIBE reply arrives on the thread
        time.sleep(0.01)
    looping_when_unsubscribed: list[bool] = []
    send_unsubscribe = worker.pubsub.unsubscribe

    def unsubscribe(*args: object) -> object:
        looping_when_unsubscribed.append(thread._running.is_set())
        return send_unsubscribe(*args)

    worker.pubsub.unsubscribe = unsubscribe
    worker.unsubscribe()
    assert looping_when_unsubscribed == [False]
    assert not thread.is_alive()
