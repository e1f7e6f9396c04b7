"""Undo an applied import, using the history rows it wrote (django-simple-history, change reason
"import #N …"): rows it created are deleted, rows it changed get their previous values back. Refused,
with nothing changed, when anything newer depends on it: a later change to one of those rows (by hand or
by another import), or a record that now points at a school the import created."""

from __future__ import annotations

from typing import Any

from django.db import router, transaction
from django.db.models import Model, ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

from chungtay.accounts.models import User
from chungtay.activities import facts
from chungtay.activities.models import Activity, ActivitySchool, Participation
from chungtay.directory.models import (
    EducationOffice,
    IndicatorValue,
    School,
    SchoolLocation,
    SchoolYearFigures,
    SelfAssessment,
    Teacher,
)
from chungtay.imports.models import ImportBatch
from chungtay.imports.readers import FileRefused
from chungtay.partnerships.models import Partnership, PartnershipMember
from chungtay.support.models import Donor, SupportRecord

# children before parents: a school created by an import is deleted after its own figures and location
MODELS: tuple[type[Model], ...] = (
    SupportRecord,
    Donor,
    Participation,
    ActivitySchool,
    Activity,
    Teacher,
    PartnershipMember,
    Partnership,
    IndicatorValue,
    SelfAssessment,
    SchoolYearFigures,
    SchoolLocation,
    School,
    EducationOffice,
)
CHUNK = 2000

NOT_APPLIED = _("Only an applied import can be undone.")
CHANGED_SINCE = _(
    "%(count)d records written by this import have been changed since (e.g. %(example)s): undo those "
    "changes or the newer import first."
)
DEPENDED_ON = _("Newer records depend on what this import created (e.g. %(example)s): it cannot be undone.")


NO_EARLIER = _("The values before this import were not recorded (e.g. %(example)s): it cannot be undone.")


def _chunks(items: list[Any]) -> Any:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _undone_reasons() -> set[str]:
    """History written by imports since undone, and by their undos: it no longer stands in the way."""
    reasons = set()
    for batch in ImportBatch.objects.filter(status=ImportBatch.Status.UNDONE).only("pk", "file_name"):
        reasons.update({batch.reason, f"undo {batch.reason}"[:100]})
    return reasons


def _history_of(model: type[Model], reason: str) -> tuple[list[Any], dict[int, Any]]:
    """The import's history rows of `model`, and for each object the row before the import's first (if
    any), refusing when a later row exists that is not itself an undone import or its undo."""
    history = model.history.model  # type: ignore[attr-defined]
    mine = list(history.objects.filter(history_change_reason=reason).order_by("history_id"))
    undone = _undone_reasons()
    previous: dict[int, Any] = {}
    changed: list[int] = []
    for ids in _chunks(sorted({row.id for row in mine})):
        rows = history.objects.filter(id__in=ids).order_by("id", "history_date", "history_id")
        before: dict[int, Any] = {}
        reached: set[int] = set()
        for row in rows.iterator(chunk_size=CHUNK):
            if row.history_change_reason == reason:
                if row.id not in reached:
                    previous[row.id] = before.get(row.id)
                    reached.add(row.id)
            elif row.id not in reached:
                before[row.id] = row
            elif row.history_change_reason not in undone and row.id not in changed:
                changed.append(row.id)
    if changed:
        raise FileRefused(
            CHANGED_SINCE % {"count": len(changed), "example": f"{model._meta.verbose_name} #{changed[0]}"}
        )
    return mine, previous


@transaction.atomic
def undo(user: User, batch: ImportBatch) -> int:
    """Revert the batch; returns how many records were deleted or restored."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.APPLIED:
        raise FileRefused(NOT_APPLIED)
    reason = f"undo {batch.reason}"[:100]
    found = {model: _history_of(model, batch.reason) for model in MODELS}  # every check before any write
    # the figures' summaries of the activities the batch touched: dropped now, recounted after the undo
    activity_ids = {row.id for row in found[Activity][0]} | {
        row.activity_id for model in (ActivitySchool, Participation) for row in found[model][0]
    }
    touched = facts.forget(activity_ids)
    done = 0
    for model, (rows, previous) in found.items():
        created = [row.id for row in rows if row.history_type == "+"]
        for ids in _chunks(created):
            done += _delete(model, ids, user, reason)
        recorded = {f.attname for f in model.history.model._meta.fields}  # type: ignore[attr-defined]
        unrecorded = [f.attname for f in model._meta.concrete_fields if f.attname not in recorded]
        restored = []
        current = {}
        updated = [row.id for row in rows if row.history_type == "~"]
        for ids in _chunks(updated):
            current.update(model._default_manager.in_bulk(ids))
        for object_id in updated:
            before = previous.get(object_id)
            if object_id not in current:
                continue
            if before is None:  # written before history was kept: nothing to restore it to
                raise FileRefused(NO_EARLIER % {"example": f"{model._meta.verbose_name} #{object_id}"})
            instance = before.instance
            for name in unrecorded:  # columns the history leaves out (search keys) keep their value
                setattr(instance, name, getattr(current[object_id], name))
            if hasattr(instance, "version"):
                instance.version = current[object_id].version + 1  # type: ignore[attr-defined]
            if hasattr(instance, "refresh_keys"):
                instance.refresh_keys()
            if hasattr(instance, "updated_at"):
                instance.updated_at = timezone.now()
            restored.append(instance)
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not f.primary_key and not getattr(f, "auto_now_add", False)
        ]
        bulk_update_with_history(
            restored, model, fields, batch_size=CHUNK, default_user=user, default_change_reason=reason
        )
        done += len(restored)
    facts.refresh(activity_ids, touched=touched)
    batch.status = ImportBatch.Status.UNDONE
    batch.summary = {**batch.summary, "undone_at": timezone.now().isoformat(), "undone_by": user.username}
    batch.save(update_fields=["status", "summary"])
    return done


def _delete(model: type[Model], ids: list[int], user: User, reason: str) -> int:
    instances = list(model._default_manager.filter(pk__in=ids))
    collector = Collector(using=router.db_for_write(model))
    try:
        collector.collect(instances)
    except (ProtectedError, RestrictedError) as error:
        raise FileRefused(DEPENDED_ON % {"example": str(next(iter(error.args[1]), ""))[:80]}) from error
    # rows of the model's own many-to-many tables go with it; anything else is a newer dependant
    others = [
        obj
        for m, objs in collector.data.items()
        if m is not model and not m._meta.auto_created
        for obj in objs
    ]
    others += [obj for qs in collector.fast_deletes if not qs.model._meta.auto_created for obj in qs[:1]]
    if others:
        raise FileRefused(DEPENDED_ON % {"example": f"{others[0]._meta.verbose_name} #{others[0].pk}"})
    # Nothing else is collected: the rows go with one bulk history insert ("-", naming the user and the
    # undo) and one DELETE, not a signal and an INSERT per row.
    history = model.history.model  # type: ignore[attr-defined]
    now = timezone.now()
    history.objects.bulk_create(
        [
            history(
                history_date=now,
                history_user=user,
                history_change_reason=reason,
                history_type="-",
                **{field.attname: getattr(instance, field.attname) for field in history.tracked_fields},
            )
            for instance in instances
        ],
        batch_size=CHUNK,
    )
    for qs in collector.fast_deletes:  # the many-to-many rows first (their history is the parent's)
        qs._raw_delete(collector.using)
    for m, objs in collector.data.items():
        if m is not model:
            m._default_manager.filter(pk__in=[o.pk for o in objs])._raw_delete(collector.using)
    model._default_manager.filter(pk__in=ids)._raw_delete(collector.using)
    return len(instances)
