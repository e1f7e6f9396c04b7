"""Matching run endpoints: create, status, result, accept — the same services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404
from ninja import Field, Router, Schema, Status

from chungtay.access.scopes import twinnings_visible_to
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import User
from chungtay.api.schemas import ERRORS
from chungtay.core.dates import today
from chungtay.core.errors import DomainError
from chungtay.matching.models import MatchingRun
from chungtay.matching.services import accept_run, error_message, run_for_user, start_run

router = Router(tags=["matching"])


class RunIn(Schema):
    twinning_id: int
    levels: list[str] = Field(..., min_length=1, max_length=5, examples=[["mn", "th", "thcs"]])
    school_year: int = Field(..., ge=2000, le=2100, description="start year of the self-assessments used")
    public_only: bool = True
    capacity: int = Field(2, ge=0, le=20)
    min_load: int = Field(1, ge=0, le=20)
    max_distance_km: float | None = Field(60, gt=0, le=2000)
    distance_weight: float = Field(0.05, ge=0, le=10)
    weights: dict[str, float] = Field(default_factory=dict, description="area -> 0..10 (default 1)")
    pinned: list[tuple[str, str]] = Field(default_factory=list, max_length=500)
    forbidden: list[tuple[str, str]] = Field(default_factory=list, max_length=500)
    existing: Literal["exclude", "replace"] = Field(
        "exclude",
        description="schools already in an open group of the twinning: left out of the run (exclude), or "
        "matched afresh with their groups ended on accept (replace)",
    )


class RunOut(Schema):
    id: int
    twinning_id: int
    status: str
    progress: int
    parameters: dict[str, Any]
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class RunResultOut(RunOut):
    result: dict[str, Any]


class AcceptOut(Schema):
    partnership_ids: list[int]


def _run_out(run: MatchingRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "twinning_id": run.twinning_id,
        "status": run.status,
        "progress": run.progress,
        "parameters": run.parameters,
        "error": error_message(run),
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


@router.post(
    "/matching/runs", response={201: RunOut, **ERRORS}, summary="Start a matching run / Chạy ghép nhóm"
)
def create_run(request: AuthenticatedRequest, payload: RunIn) -> Status[dict[str, Any]]:
    twinning = twinnings_visible_to(request.user).filter(pk=payload.twinning_id).first()
    if twinning is None:
        raise Http404
    parameters = payload.dict()
    parameters.pop("twinning_id")
    parameters["pinned"] = [list(p) for p in payload.pinned]
    parameters["forbidden"] = [list(p) for p in payload.forbidden]
    if any(not 0 <= w <= 10 for w in payload.weights.values()):
        raise DomainError("weights")
    user: User = request.user
    run = start_run(acting_user=user, twinning=twinning, parameters=parameters)
    return Status(201, _run_out(run))


@router.get("/matching/runs/{pk}", response={200: RunOut, **ERRORS}, summary="A run's status and progress")
def get_run(request: AuthenticatedRequest, pk: int) -> dict[str, Any]:
    return _run_out(run_for_user(request.user, pk))


@router.get("/matching/runs/{pk}/result", response={200: RunResultOut, **ERRORS}, summary="A run's proposal")
def get_result(request: AuthenticatedRequest, pk: int) -> dict[str, Any]:
    run = run_for_user(request.user, pk)
    return {**_run_out(run), "result": run.result if run.status in ("done", "accepted") else {}}


@router.post("/matching/runs/{pk}/accept", response={201: AcceptOut, **ERRORS}, summary="Accept the proposal")
def accept(request: AuthenticatedRequest, pk: int) -> Status[dict[str, Any]]:
    run = run_for_user(request.user, pk, write=True)
    user: User = request.user
    created = accept_run(acting_user=user, run=run, starts_on=today())
    return Status(201, {"partnership_ids": [p.pk for p in created]})
