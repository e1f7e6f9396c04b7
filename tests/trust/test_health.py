"""`/health/` (issue 14): what a load balancer asks. 200 while the node can serve, 503 when the database
does not answer or the files' disk is nearly full; a queue with work and no live worker is 'degraded'."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client, override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_healthy_node_answers_200_without_login():
    response = Client().get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["disk"]["free_mb"] > 0
    assert body["checks"]["tasks"]["waiting"] == 0
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_work_waiting_without_a_live_worker_is_degraded_but_served():
    from django_tasks_db.models import DBTaskResult

    from chungtay.analytics.impact import compute_impact

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        queued = compute_impact.enqueue(1, {}, "k", "vi")
    DBTaskResult.objects.filter(pk=queued.id).update(enqueued_at=timezone.now() - dt.timedelta(minutes=10))
    body = Client().get("/health/").json()
    assert body["status"] == "degraded"
    assert body["checks"]["tasks"]["waiting"] == 1 and body["checks"]["tasks"]["live_workers"] == 0
    assert body["checks"]["tasks"]["oldest_waiting_seconds"] >= 600


def test_a_full_disk_answers_503():
    with override_settings(HEALTH_MIN_FREE_MB=10**12):
        response = Client().get("/health/")
    assert response.status_code == 503 and response.json()["checks"]["disk"]["ok"] is False


def test_a_database_that_does_not_answer_answers_503():
    with mock.patch("chungtay.core.health.connection.cursor", side_effect=DatabaseError("gone")):
        response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "checks": {
            "database": {"ok": False, "error": "DatabaseError"},
            "disk": response.json()["checks"]["disk"],
        },
    }
