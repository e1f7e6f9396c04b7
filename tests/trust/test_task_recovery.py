"""Background tasks recover: a task whose worker died (killed, or lost its database) is marked failed, the
import it was applying goes back to "previewed" with a message and can be applied again, a matching run
it was computing fails with a message; and the worker survives a dropped connection."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chungtay.core import tasks
from chungtay.core.management.commands.run_worker import ResilientWorker
from chungtay.core.models import WorkerLease
from chungtay.directory.models import IndicatorValue
from chungtay.imports import services as import_services
from chungtay.imports.models import ImportBatch
from chungtay.matching.models import MatchingRun, RunStatus
from chungtay.matching.services import start_run
from tests.analytics.conftest import world  # noqa: F401
from tests.imports.test_kinds import VALUE_HEADER, _csv, _thcs_school
from tests.matching.test_runs import PARAMETERS
from tests.partnerships.conftest import hm_uh, user  # noqa: F401

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queued(settings, db):
    """Tasks go to the database queue (as in production) instead of running at once."""
    settings.TASKS = DB_TASKS
    settings.IMPORT_BACKGROUND_BYTES = 0  # every file is checked and applied by the worker
    return settings


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """The worker closes stale connections between tasks, as a long-running process must; inside a
    test's transaction that would close the test's own connection (PostgreSQL), so it is left open."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def _worker(worker_id="test-worker"):
    return ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def _claim_and_die(task_id: str, worker_id="dead-worker"):
    """What a worker that was killed mid-task leaves: the task claimed, running, its lease long expired."""
    result = DBTaskResult.objects.get(pk=task_id)
    result.claim(worker_id)
    old = timezone.now() - dt.timedelta(minutes=5)
    DBTaskResult.objects.filter(pk=task_id).update(started_at=old)
    WorkerLease.objects.create(worker_id=worker_id, beat_at=old, started_at=old)


def _new_value(school):
    return IndicatorValue.objects.filter(
        school=school, indicator__code="DIEM_VAO10_TOAN", school_year__start_year=2025
    )


def _indicator_file():
    first = _thcs_school()[0]
    return _csv([[first.moet_id, "2025-2026", "DIEM_VAO10_TOAN", "7,25", ""]], VALUE_HEADER), first


def test_an_import_left_applying_by_a_killed_worker_is_recovered_and_can_be_applied_again(
    queued, django_capture_on_commit_callbacks
):
    upload, school = _indicator_file()
    officer = user("pgd.unghoa")
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_services.receive(officer, "indicators", upload)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING and batch.task_id
    _worker().run()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED

    with django_capture_on_commit_callbacks(execute=True):
        import_services.start_apply(officer, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLYING
    _claim_and_die(batch.task_id)
    # a second apply is refused while it is claimed …
    with pytest.raises(import_services.ConflictError):
        import_services.start_apply(officer, batch)

    assert tasks.recover() >= 2  # the task and the batch
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.summary["refused"] == str(import_services.INTERRUPTED_APPLY)
    lost = DBTaskResult.objects.filter(status="FAILED", exception_class_path__endswith="WorkerLost")
    assert lost.count() == 1
    assert not _new_value(school).exists()

    # … and possible again once recovered
    with django_capture_on_commit_callbacks(execute=True):
        import_services.start_apply(officer, batch)
    _worker().run()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert _new_value(school).get().value == Decimal("7.25")


def test_a_live_workers_task_is_left_alone(queued, django_capture_on_commit_callbacks):
    upload, _ = _indicator_file()
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_services.receive(user("pgd.unghoa"), "indicators", upload)
    batch.refresh_from_db()
    DBTaskResult.objects.get(pk=batch.task_id).claim("alive")
    WorkerLease.objects.create(worker_id="alive", beat_at=timezone.now())
    assert tasks.recover() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING


def test_an_import_whose_request_died_is_recovered_after_its_heartbeat_goes_stale(db):
    upload, _ = _indicator_file()
    batch = import_services.receive(user("pgd.unghoa"), "indicators", upload)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.APPLYING, heartbeat_at=timezone.now() - import_services.STALE_AFTER * 2
    )
    assert import_services.recover_interrupted() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_a_matching_run_left_running_fails_with_a_message(queued, hm_uh, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(acting_user=user("pgd.hoangmai"), twinning=hm_uh, parameters=PARAMETERS)
    run.refresh_from_db()
    assert run.task_id
    _claim_and_die(run.task_id)
    MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    tasks.recover()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == "worker_lost"
    from chungtay.matching.services import error_message

    assert error_message(run) == str(tasks.WORKER_LOST)


def test_the_worker_survives_a_task_that_lost_its_database_connection(
    queued, django_capture_on_commit_callbacks
):
    upload, _ = _indicator_file()
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_services.receive(user("pgd.unghoa"), "indicators", upload)
    batch.refresh_from_db()
    original = DBTaskResult.set_failed
    calls = []

    def broken_then_fine(self, error):
        calls.append(error)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return original(self, error)

    def task_loses_connection(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    with (
        mock.patch.object(DBTaskResult, "set_failed", broken_then_fine),
        mock.patch("chungtay.imports.services.check", task_loses_connection),
        mock.patch.object(tasks, "reconnect", return_value=True),
    ):
        _worker().run()  # returns normally: the worker did not die
    assert len(calls) == 2
    result = DBTaskResult.objects.get(pk=batch.task_id)
    assert result.status == "FAILED"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.summary["refused"] == str(import_services.INTERRUPTED_CHECK)


def test_a_report_whose_database_connection_dropped_mid_generation_fails_and_generates_again(
    queued,
    world,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The connection drops while the worker reads the figures and is still gone when the task records
    the failure: the worker survives, no generation is kept, the recoverer fails the report with a
    message, and generating again makes the report."""
    from django.db.models import QuerySet

    from chungtay.reports import services as report_services
    from chungtay.reports.models import Generation, Report, ReportStatus

    report = report_services.start_report(
        acting_user=world.admin, kind="interim", params={"year": ["2022-2023"]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        report_services.request_generation(acting_user=world.admin, report=report)
    dropped = OperationalError("server closed the connection unexpectedly")
    real_update = QuerySet.update

    def update(self, **kwargs):  # noqa: ANN001, ANN202
        if self.model is Report and kwargs.get("status") == ReportStatus.FAILED:
            raise dropped  # recording the failure needs the connection that is gone
        return real_update(self, **kwargs)

    with (
        mock.patch("chungtay.reports.content.collect", side_effect=dropped),
        mock.patch.object(QuerySet, "update", update),
        mock.patch.object(tasks, "reconnect", return_value=True),
    ):
        _worker().run()  # returns normally: the worker did not die
    report.refresh_from_db()
    assert report.status == ReportStatus.RUNNING  # what the lost connection left behind
    assert DBTaskResult.objects.get(pk=report.task_id).status == "FAILED"
    assert not Generation.objects.filter(report=report).exists()
    assert tasks.recover() >= 1
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.error == str(tasks.WORKER_LOST)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.request_generation(acting_user=world.admin, report=report)
    _worker().run()
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert Generation.objects.filter(report=report).count() == 1
