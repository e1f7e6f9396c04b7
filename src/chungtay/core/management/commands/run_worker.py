"""The task worker: django-tasks-db's worker with a lease it renews, recovery of what a dead worker left
running (on start, and every minute from the heartbeat thread), and a loop that survives a dropped
database connection. With the queue in Redis (`CHUNGTAY_TASK_BACKEND=redis`) it is an RQ worker instead,
with the same recovery."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from chungtay.core import tasks

log = logging.getLogger("chungtay.worker")
BATCH_ATTEMPTS = 3


class ResilientWorker(Worker):
    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except DatabaseError as error:  # the task's failure could not be written: the connection broke
            log.warning("task %s lost its database connection: %s", db_task_result.pk, error)
            tasks.finish_failed(db_task_result, error)
            tasks.recover()

    def run(self) -> None:
        failures = 0
        while self.running:
            try:
                mended = tasks.recover()
                failures = 0  # the database answers
                if mended:
                    log.warning("recovered %d task(s) or row(s) left by a stopped worker", mended)
                super().run()
                return  # batch mode or max tasks reached
            except DatabaseError as error:
                failures += 1
                log.warning("worker %s: database unavailable (%s); reconnecting", self.worker_id, error)
                if self.batch and failures >= BATCH_ATTEMPTS:
                    raise  # a one-off run (cron, tests) gives up; a service worker waits for the database
                # back off while the database stays away (0, 1, 2, 4 … 60 s): a long outage costs nothing
                time.sleep(min(60.0, 2.0 ** (failures - 2)) if failures > 1 else 0)
                tasks.reconnect()


class Command(BaseCommand):
    help = "Run the task worker (with a heartbeat and recovery after a crash)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--worker-id", default="")

    def handle(self, *args: Any, interval: float, batch: bool, worker_id: str, **options: Any) -> None:
        worker_id = worker_id or get_random_string(32)
        if tasks.in_redis():
            self.run_rq(batch, worker_id)
            return
        heartbeat = tasks.Heartbeat(worker_id)
        heartbeat.beat()
        heartbeat.start()
        worker = ResilientWorker(
            queue_names=["default"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            heartbeat.stopped.set()

    def run_rq(self, batch: bool, worker_id: str) -> None:
        """An RQ worker: each task runs in a process forked for it (a task that loses its database
        connection or crashes takes only that process down); RQ renews the worker's and the task's
        heartbeats in Redis; recovery on start and every minute fails the tasks of workers that stopped
        and puts their rows back."""
        import django_rq
        from django_rq.utils import reset_db_connections
        from django_tasks_rq import Job

        mended = tasks.recover()
        if mended:
            log.warning("recovered %d task(s) or row(s) left by a stopped worker", mended)
        recovery = tasks.Heartbeat(worker_id, lease=False)
        recovery.start()
        worker = django_rq.get_worker("default", job_class=Job, name=worker_id)
        reset_db_connections()  # the forked task processes open their own
        try:
            worker.work(burst=batch, with_scheduler=False, logging_level="WARNING")
        finally:
            recovery.stopped.set()
