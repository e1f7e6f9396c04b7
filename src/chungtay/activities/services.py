"""Every write on activities: record or plan one, change it, confirm it held (or postpone or cancel it),
record who took part, attach evidence, keep a school's roster of teachers. Each checks the actor's right
and the rules in one transaction and leaves history that names the actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chungtay.access.scopes import (
    can_change_school,
    home_department,
    own_schools,
    partnerships_visible_to,
    schools_visible_to,
)
from chungtay.accounts.models import Role, User
from chungtay.activities import exceptions as e
from chungtay.activities import facts
from chungtay.activities.models import (
    PERIOD_KINDS,
    Activity,
    ActivitySchool,
    ActivityStatus,
    Evidence,
    EvidenceKind,
    Participation,
    Reminder,
)
from chungtay.activities.selectors import can_edit_activity, can_record_for, schools_user_records
from chungtay.core.audit import stamp_actor
from chungtay.core.dates import today, valid_on
from chungtay.core.evidence import prepare_document, prepare_photo
from chungtay.core.versioning import save_versioned
from chungtay.directory.models import School, Teacher
from chungtay.partnerships.models import Partnership, PartnershipMember

MIN_REASON = 5


@dataclass
class ActivityDetails:
    """What a user states about an activity: the same for recording, planning and editing."""

    kind: str
    title: str
    planned_on: dt.date
    hosts: Sequence[School]
    participants: Sequence[School] = ()
    partnerships: Sequence[Partnership] = ()
    mode: str = "in_person"
    tier: str = "school"
    subject: str = ""
    grade: int | None = None
    description: str = ""
    ends_on: dt.date | None = None
    days_per_week: int | None = None
    guests: int = 0


def _check_writer(acting_user: User) -> None:
    if acting_user.role == Role.VIEWER and not acting_user.is_superuser:
        raise e.NotAllowed(e.READ_ONLY)


def _check_details(acting_user: User, details: ActivityDetails, held_on: dt.date | None) -> None:
    """The rules on what an activity states, whoever records it."""
    if not details.hosts:
        raise e.ActivityError(e.NO_HOST, field="hosts")
    seen: set[int] = set()
    for school in [*details.hosts, *details.participants]:
        if school.pk in seen:
            raise e.ActivityError(e.SCHOOL_TWICE % {"school": school.name})
        seen.add(school.pk)
    visible = set(schools_visible_to(acting_user).filter(pk__in=seen).values_list("pk", flat=True))
    for school in [*details.hosts, *details.participants]:
        if school.pk not in visible:
            raise e.ActivityError(e.SCHOOL_NOT_VISIBLE % {"school": school.moet_id})
    partnership_ids = {p.pk for p in details.partnerships}
    if partnership_ids and partnerships_visible_to(acting_user).filter(pk__in=partnership_ids).count() != len(
        partnership_ids
    ):
        raise e.ActivityError(e.PARTNERSHIP_NOT_VISIBLE, field="partnerships")
    if details.grade is not None and not 1 <= details.grade <= 12:
        raise e.ActivityError(e.GRADE_RANGE, field="grade")
    if details.guests < 0:
        raise e.ActivityError(e.NEGATIVE_COUNT)
    if details.days_per_week is not None and details.kind not in PERIOD_KINDS:
        raise e.ActivityError(e.PERIOD_ONLY, field="ends_on")
    start = held_on or details.planned_on
    if details.ends_on is not None and details.ends_on < min(start, details.planned_on):
        raise e.ActivityError(e.ENDS_BEFORE_START, field="ends_on")
    if held_on is not None and held_on > today():
        raise e.ActivityError(e.HELD_IN_FUTURE % {"day": held_on.strftime("%d/%m/%Y")}, field="held_on")
    if acting_user.role in (Role.SCHOOL_LEADER, Role.TEACHER):
        _check_school_recorder(acting_user, details, seen)


def _check_school_recorder(acting_user: User, details: ActivityDetails, school_ids: set[int]) -> None:
    """A leader or teacher records for their own school's partnerships: their school takes part, the
    activity belongs to at least one of their partnerships, and every other school is a member of one."""
    if acting_user.school_id not in school_ids:
        raise e.ActivityError(e.OWN_SCHOOL_MISSING, field="hosts")
    if not details.partnerships:
        raise e.ActivityError(e.NEEDS_PARTNERSHIP, field="partnerships")
    members = PartnershipMember.objects.filter(partnership__in=[p.pk for p in details.partnerships])
    for partnership in details.partnerships:
        if not members.filter(partnership=partnership, school_id=acting_user.school_id).exists():
            raise e.ActivityError(e.PARTNERSHIP_WITHOUT_OWN_SCHOOL % {"name": partnership.name})
    partners = set(members.values_list("school_id", flat=True))
    for school in [*details.hosts, *details.participants]:
        if school.pk not in partners:
            raise e.ActivityError(e.NOT_A_PARTNER % {"school": school.name})


def _department_of(acting_user: User, details: ActivityDetails) -> Any:
    department = home_department(acting_user) or details.hosts[0].department
    # Partners in another province (Ba Vì – Lào Cai) still take part; the activity belongs to the
    # department of whoever records it, so only the hosts must be of that department.
    for school in details.hosts:
        if school.department_id != department.pk and not acting_user.is_superuser:
            raise e.ActivityError(e.OTHER_DEPARTMENT % {"school": school.name})
    return department


def _write_schools(activity: Activity, details: ActivityDetails, acting_user: User) -> None:
    wanted = {s.pk: True for s in details.hosts} | {s.pk: False for s in details.participants}
    existing = {row.school_id: row for row in activity.schools.all()}
    for school_id, row in existing.items():
        if school_id not in wanted:
            if activity.participations.filter(school_id=school_id).exists():
                raise e.WrongState(e.SCHOOL_HAS_ATTENDANCE % {"school": row.school.name})
            stamp_actor(row, acting_user).delete()
        elif row.is_host != wanted[school_id]:
            row.is_host = wanted[school_id]
            stamp_actor(row, acting_user).save(update_fields=["is_host"])
    for school_id, is_host in wanted.items():
        if school_id not in existing:
            stamp_actor(
                ActivitySchool(activity=activity, school_id=school_id, is_host=is_host), acting_user
            ).save()


@transaction.atomic
def record_activity(
    *, acting_user: User, details: ActivityDetails, held_on: dt.date | None = None, origin: str = ""
) -> Activity:
    """Record an activity: as held on `held_on` (the teacher's "it happened today" path), or, without
    it, as planned for `details.planned_on`, to be confirmed afterwards. `origin` goes on the history
    row (a record sent from a device's offline queue says so, with when and where it was made)."""
    _check_writer(acting_user)
    _check_details(acting_user, details, held_on)
    activity = Activity(
        department=_department_of(acting_user, details),
        kind=details.kind,
        mode=details.mode,
        tier=details.tier,
        title=details.title.strip(),
        subject=details.subject.strip(),
        grade=details.grade,
        description=details.description,
        planned_on=details.planned_on,
        held_on=held_on,
        ends_on=details.ends_on,
        days_per_week=details.days_per_week,
        guests=details.guests,
        status=ActivityStatus.HELD if held_on else ActivityStatus.PLANNED,
        created_by=acting_user,
    )
    if origin:
        activity._change_reason = origin[:100]  # type: ignore[attr-defined]  # simple_history's column
    stamp_actor(activity, acting_user).save()
    _write_schools(activity, details, acting_user)
    activity.partnerships.set(details.partnerships)
    facts.refresh([activity.pk])
    return activity


@dataclass(frozen=True)
class Attendance:
    """One school's attendance given with the activity itself (the one-screen recording): the teachers
    ticked on its roster, names missing from the roster (added to it), pupils and parents."""

    school: School
    teachers: Sequence[Teacher] = ()
    new_names: Sequence[str] = ()
    pupils: int = 0
    parents: int = 0

    @property
    def given(self) -> bool:
        return bool(self.teachers or self.new_names or self.pupils or self.parents)


MAX_PHOTOS = 10


@transaction.atomic
def record_with_attendance(
    *,
    acting_user: User,
    details: ActivityDetails,
    held_on: dt.date | None,
    attendance: Attendance | None = None,
    photos: Sequence[UploadedFile] = (),
    origin: str = "",
) -> Activity:
    """Record an activity with its attendance and photos in one step, as a teacher does on a phone
    right after it: all of it is saved or none of it (a refused photo leaves no activity behind).
    Attendance needs the activity held (`held_on`), as on its own page."""
    if len(photos) > MAX_PHOTOS:
        raise e.ActivityError(e.TOO_MANY_PHOTOS % {"limit": MAX_PHOTOS})
    activity = record_activity(acting_user=acting_user, details=details, held_on=held_on, origin=origin)
    attached: list[Evidence] = []
    try:
        if attendance is not None and attendance.given:
            record_school_attendance(acting_user=acting_user, activity=activity, attendance=attendance)
        for photo in photos:
            attached.append(
                attach_evidence(
                    acting_user=acting_user, activity=activity, kind=EvidenceKind.PHOTO, upload=photo
                )
            )
    except Exception:
        for evidence in attached:  # the rows roll back with the activity; their files are ours to remove
            _delete_files(evidence)
        raise
    return activity


@transaction.atomic
def edit_activity(
    *, acting_user: User, activity: Activity, details: ActivityDetails, expected_version: int
) -> Activity:
    """Change what an activity states. Refused if someone saved it since `expected_version`, and a school
    cannot be removed while its teachers' attendance is recorded."""
    _check_writer(acting_user)
    if not can_edit_activity(acting_user, activity):
        raise e.NotAllowed(e.NOT_EDITOR)
    _check_details(acting_user, details, activity.held_on)
    for name in ("kind", "mode", "tier", "planned_on", "grade", "ends_on", "days_per_week", "guests"):
        setattr(activity, name, getattr(details, name))
    activity.title = details.title.strip()
    activity.subject = details.subject.strip()
    activity.description = details.description
    stamp_actor(activity, acting_user)
    save_versioned(
        activity,
        expected_version=expected_version,
        update_fields=[
            "kind", "mode", "tier", "title", "subject", "grade", "description", "planned_on", "ends_on",
            "days_per_week", "guests", "updated_at",
        ],
    )  # fmt: skip
    _write_schools(activity, details, acting_user)
    activity.partnerships.set(details.partnerships)
    facts.refresh([activity.pk])
    return activity


def _change_status(
    acting_user: User,
    activity: Activity,
    expected_version: int,
    status: str,
    fields: dict[str, Any],
) -> Activity:
    _check_writer(acting_user)
    if not can_edit_activity(acting_user, activity):
        raise e.NotAllowed(e.NOT_EDITOR)
    if activity.status not in (ActivityStatus.PLANNED, ActivityStatus.POSTPONED):
        raise e.WrongState(e.NOT_OPEN)
    activity.status = status
    for name, value in fields.items():
        setattr(activity, name, value)
    stamp_actor(activity, acting_user)
    saved = save_versioned(
        activity, expected_version=expected_version, update_fields=["status", *fields, "updated_at"]
    )
    facts.refresh([activity.pk])
    return saved


@transaction.atomic
def confirm_held(
    *, acting_user: User, activity: Activity, held_on: dt.date, expected_version: int
) -> Activity:
    """Confirm that a planned (or postponed) activity took place on `held_on`, never a future date."""
    if held_on > today():
        raise e.ActivityError(e.HELD_IN_FUTURE % {"day": held_on.strftime("%d/%m/%Y")}, field="held_on")
    if activity.ends_on is not None and activity.ends_on < held_on:
        raise e.ActivityError(e.ENDS_BEFORE_START, field="ends_on")
    return _change_status(acting_user, activity, expected_version, ActivityStatus.HELD, {"held_on": held_on})


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise e.ActivityError(e.REASON_NEEDED)
    return reason


@transaction.atomic
def postpone_activity(
    *,
    acting_user: User,
    activity: Activity,
    reason: str,
    new_date: dt.date | None,
    expected_version: int,
) -> Activity:
    """Postpone an activity, with a reason and, when known, the new date."""
    fields: dict[str, Any] = {"status_reason": _reason(reason)}
    if new_date is not None:
        if activity.ends_on is not None and activity.ends_on < new_date:
            raise e.ActivityError(e.ENDS_BEFORE_START, field="ends_on")
        fields["planned_on"] = new_date
    return _change_status(acting_user, activity, expected_version, ActivityStatus.POSTPONED, fields)


@transaction.atomic
def cancel_activity(*, acting_user: User, activity: Activity, reason: str, expected_version: int) -> Activity:
    """Cancel an activity that has not been held, with a reason."""
    return _change_status(
        acting_user, activity, expected_version, ActivityStatus.CANCELLED, {"status_reason": _reason(reason)}
    )


@transaction.atomic
def record_attendance(
    *,
    acting_user: User,
    activity: Activity,
    school: School,
    teachers: Sequence[Teacher],
    pupils: int,
    parents: int,
) -> ActivitySchool:
    """Record who of one school took part in a held activity: the teachers (the list replaces the
    school's earlier list, so recording twice never counts anyone twice) and the pupils and parents as
    counts."""
    _check_writer(acting_user)
    row = activity.schools.filter(school=school).select_related("school").first()
    if row is None:
        raise e.ActivityError(e.SCHOOL_NOT_IN_ACTIVITY % {"school": school.name})
    if not can_record_for(acting_user, activity, school):
        raise e.NotAllowed(e.NOT_RECORDER)
    if activity.status != ActivityStatus.HELD:
        raise e.WrongState(e.ATTENDANCE_BEFORE_HELD % {"status": activity.get_status_display()})
    if pupils < 0 or parents < 0:
        raise e.ActivityError(e.NEGATIVE_COUNT)
    for teacher in teachers:
        if teacher.school_id != school.pk:
            raise e.ActivityError(
                e.TEACHER_NOT_OF_SCHOOL % {"teacher": teacher.full_name, "school": school.name}
            )
    wanted = {t.pk for t in teachers}
    current = {p.teacher_id: p for p in activity.participations.filter(school=school)}
    for teacher_id, participation in current.items():
        if teacher_id not in wanted:
            stamp_actor(participation, acting_user).delete()
    for teacher_id in wanted - set(current):
        participation = Participation(
            activity=activity, teacher_id=teacher_id, school=school, recorded_by=acting_user
        )
        stamp_actor(participation, acting_user).save()
    if (row.pupils, row.parents) != (pupils, parents):
        row.pupils, row.parents = pupils, parents
        stamp_actor(row, acting_user).save(update_fields=["pupils", "parents"])
    facts.refresh([activity.pk])
    return row


@transaction.atomic
def record_school_attendance(
    *, acting_user: User, activity: Activity, attendance: Attendance
) -> ActivitySchool:
    """`record_attendance` with the names missing from the school's roster added to it first (the
    attendance sheet and the one-screen recording both take such names)."""
    added = [
        add_teacher(acting_user=acting_user, school=attendance.school, full_name=name)
        for name in attendance.new_names
    ]
    return record_attendance(
        acting_user=acting_user,
        activity=activity,
        school=attendance.school,
        teachers=[*attendance.teachers, *added],
        pupils=attendance.pupils,
        parents=attendance.parents,
    )


def can_keep_roster(user: User, school: School) -> bool:
    """Who may add teachers to a school's roster: its own leader and teachers, its officer, the
    administrator."""
    if user.role in (Role.SCHOOL_LEADER, Role.TEACHER):
        return user.school_id == school.pk
    return can_change_school(user, school) or (
        user.role == Role.OFFICE_OFFICER and own_schools(user).filter(pk=school.pk).exists()
    )


@transaction.atomic
def add_teacher(*, acting_user: User, school: School, full_name: str, subject: str = "") -> Teacher:
    """Add a teacher to a school's roster, so colleagues can tick them present."""
    _check_writer(acting_user)
    if not can_keep_roster(acting_user, school):
        raise e.NotAllowed(e.NOT_RECORDER)
    full_name = " ".join((full_name or "").split())
    if len(full_name) < 2:
        raise e.ActivityError(e.TEACHER_NAME_NEEDED)
    teacher = Teacher(school=school, full_name=full_name[:150], subject=(subject or "").strip()[:100])
    stamp_actor(teacher, acting_user).save()
    return teacher


@transaction.atomic
def attach_evidence(
    *,
    acting_user: User,
    activity: Activity,
    kind: str,
    upload: UploadedFile | None = None,
    url: str = "",
    title: str = "",
    shareable: bool = False,
) -> Evidence:
    """Attach a photo, a document or a video link to an activity. Whoever may record attendance for one
    of its schools may; files are checked by content and size, photos resized with a thumbnail."""
    _check_writer(acting_user)
    if not schools_user_records(acting_user, activity):
        raise e.NotAllowed(e.NOT_RECORDER)
    if upload is not None and url:
        raise e.ActivityError(e.LINK_OR_FILE)
    evidence = Evidence(
        activity=activity,
        kind=kind,
        title=(title or "").strip()[:200],
        shareable=shareable,
        uploaded_by=acting_user,
    )
    if upload is None:
        if not url:
            raise e.ActivityError(e.LINK_NEEDED)
        evidence.url = url
    else:
        prepared = prepare_photo(upload) if kind == EvidenceKind.PHOTO else prepare_document(upload)
        evidence.file.save(prepared.name, prepared.content, save=False)
        if prepared.thumbnail is not None:
            evidence.thumbnail.save(prepared.thumbnail.name or "thumb.jpg", prepared.thumbnail, save=False)
        evidence.content_type, evidence.size = prepared.content_type, prepared.size
    try:
        stamp_actor(evidence, acting_user).save()
    except Exception:
        _delete_files(evidence)
        raise
    return evidence


def _delete_files(evidence: Evidence) -> None:
    for stored in (evidence.file, evidence.thumbnail):
        if stored:
            stored.delete(save=False)


# --- Reminders to quiet partnerships ------------------------------------------------------------------

REMINDER_WEEK = _("This group was reminded on %(day)s; a group is reminded at most once a week.")
NO_LEADER_ADDRESS = _("None of the group's school leaders has an e-mail address on the platform.")
REMINDER_ROLES = (Role.CITY_ADMIN, Role.OFFICE_OFFICER, Role.SCHOOL_LEADER)


def leaders_of(partnership: Partnership) -> list[User]:
    """The leaders of the partnership's schools today, with an e-mail address."""
    schools = partnership.members.filter(valid_on(today())).values("school_id")
    return list(
        User.objects.filter(role=Role.SCHOOL_LEADER, is_active=True, school_id__in=schools)
        .exclude(email="")
        .order_by("school__sort_key", "pk")
    )


@transaction.atomic
def remind(*, acting_user: User, partnership: Partnership) -> Reminder:
    """E-mail the leaders of a quiet partnership's schools that it has held nothing lately: at most once
    per partnership per week, logged. The administrators, officers and leaders who watch it may."""
    if not (acting_user.is_superuser or acting_user.role in REMINDER_ROLES):
        raise e.NotAllowed(e.READ_ONLY)
    Partnership.objects.select_for_update().filter(pk=partnership.pk).first()  # two clicks at once: one mail
    last = Reminder.objects.filter(partnership=partnership).order_by("-sent_at").first()
    if last is not None and timezone.now() - last.sent_at < dt.timedelta(days=7):
        raise e.ActivityError(REMINDER_WEEK % {"day": timezone.localtime(last.sent_at).strftime("%d/%m/%Y")})
    leaders = leaders_of(partnership)
    if not leaders:
        raise e.ActivityError(NO_LEADER_ADDRESS)
    last_held = (
        Activity.objects.filter(partnerships=partnership, status=ActivityStatus.HELD)
        .order_by("-held_on")
        .values_list("held_on", flat=True)
        .first()
    )
    context = {
        "partnership": partnership,
        "last_held": last_held,
        "sender": acting_user,
        "site": settings.SITE_URL,
    }
    send_mail(
        render_to_string("activities/email/reminder_subject.txt", context).strip(),
        render_to_string("activities/email/reminder.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [leader.email for leader in leaders],
    )
    return Reminder.objects.create(partnership=partnership, sent_by=acting_user, recipients=len(leaders))
