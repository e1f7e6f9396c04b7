"""Activity pages: the list with its figures and export, the calendar, recording or planning an activity
from a phone, its page (status, attendance per school, evidence), and the attendance sheet."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chungtay.access.roles import may_record
from chungtay.access.scopes import partnerships_visible_to, school_for_user
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import Role, User
from chungtay.activities import services
from chungtay.activities import sheets as exports
from chungtay.activities.forms import (
    ActivityFilterForm,
    ActivityForm,
    AttendanceFields,
    AttendanceForm,
    CancelForm,
    ConfirmForm,
    EvidenceForm,
    PostponeForm,
    RecordForm,
)
from chungtay.activities.models import Activity, ActivitySchool, ActivityStatus, Evidence
from chungtay.activities.selectors import (
    ActivityFilter,
    activities_visible_to,
    activity_figures,
    activity_for_user,
    activity_list,
    can_edit_activity,
    evidence_for,
    is_insider,
    likely_duplicates,
    schools_user_records,
    visible_schools_by_moet,
)
from chungtay.core import files
from chungtay.core.dates import today
from chungtay.core.errors import DomainError
from chungtay.core.forms import submit
from chungtay.core.spreadsheets import table_response
from chungtay.core.text import search_key
from chungtay.directory.models import School, Teacher
from chungtay.partnerships.models import Partnership, PartnershipStatus

LOOKS_RECORDED = gettext_lazy(
    "This activity looks already recorded: the same partnership, title and day (below). Open it to add to "
    "it; if it is another activity, tick the box and save again."
)


def _filter_from(form: ActivityFilterForm, user: User) -> ActivityFilter:
    data = form.cleaned_data
    school_id = school_for_user(user, data["school"]).pk if data.get("school") else None
    return ActivityFilter(
        kind=data.get("kind", ""),
        status=data.get("status", ""),
        tier=data.get("tier", ""),
        mode=data.get("mode", ""),
        school_year=int(data["year"]) if data.get("year") else None,
        level=data.get("level", ""),
        partnership_id=data.get("partnership"),
        school_id=school_id,
        query=data.get("q", ""),
        date_from=data.get("day"),
        date_to=data.get("day"),
    )


@require_GET
@login_required
def activity_index(request: AuthenticatedRequest) -> HttpResponse:
    """Visible activities with filters, and their figures: participations (lượt) and distinct teachers."""
    form = ActivityFilterForm(request.GET or None)
    page = figures = None
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        if not form.is_bound:
            form.cleaned_data = {}
        rows = activity_list(request.user, _filter_from(form, request.user))
        figures = activity_figures(rows)
        page = Paginator(rows, settings.DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "figures": figures, "query": query.urlencode()}
    return render(request, "activities/activity_list.html", context, status=status)


@require_GET
@login_required
def activity_export(request: AuthenticatedRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "activities/activity_list.html", {"form": form}, status=400)
    if not form.is_bound:
        form.cleaned_data = {}
    rows = activity_list(request.user, _filter_from(form, request.user))
    fmt = request.GET.get("format", "xlsx")
    return table_response(
        exports.activity_rows(rows), stem=f"hoat-dong-{today():%Y%m%d}", sheet="Hoat dong", fmt=fmt
    )


CALENDAR_PER_DAY = 12


@require_GET
@login_required
def activity_calendar(request: AuthenticatedRequest) -> HttpResponse:
    """A month of planned and held activities, day by day, for the user's scope or one school or
    partnership (`?school=MOET&partnership=ID&month=2024-03`)."""
    form = ActivityFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "activities/activity_list.html", {"form": form}, status=400)
    if not form.is_bound:
        form.cleaned_data = {}
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today().replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    f = _filter_from(form, request.user)
    in_month = activity_list(request.user, f).filter(planned_on__gte=first, planned_on__lte=last)
    # every activity of the month is counted; each day lists its first CALENDAR_PER_DAY and links the
    # rest to the list of that day (a busy month at ten times the demo has 1,910: none is dropped)
    listed: dict[dt.date, list[int]] = {}
    more: dict[dt.date, int] = {}
    for pk, day in in_month.order_by("planned_on", "pk").values_list("pk", "planned_on"):
        if len(listed.setdefault(day, [])) < CALENDAR_PER_DAY:
            listed[day].append(pk)
        else:
            more[day] = more.get(day, 0) + 1
    # only what a day's line shows: up to 372 activities (12 a day) with their schools' names, hosts
    # first, read as names (not as 1,000 schools' rows made into objects)
    shown = [pk for pks in listed.values() for pk in pks]
    names: dict[int, list[str]] = {}
    rows = ActivitySchool.objects.filter(activity_id__in=shown).order_by("-is_host", "school__sort_key", "pk")
    for activity_id, name in rows.values_list("activity_id", "school__name"):
        names.setdefault(activity_id, []).append(name)
    by_pk = {
        activity.pk: (activity, ", ".join(names.get(activity.pk, [])))
        for activity in Activity.objects.filter(pk__in=shown).only("pk", "title", "kind", "status")
    }
    days = [(day, [by_pk[pk] for pk in pks], more.get(day, 0)) for day, pks in sorted(listed.items())]
    query = request.GET.copy()
    query.pop("month", None)
    context = {
        "days": days,
        "month": first,
        "previous": (first - dt.timedelta(days=1)).strftime("%Y-%m"),
        "next": (last + dt.timedelta(days=1)).strftime("%Y-%m"),
        "query": query.urlencode(),
        "today": today(),
    }
    return render(request, "activities/activity_calendar.html", context)


def _school_choices(partnership: Partnership | None, user: User) -> list[tuple[str, str]]:
    schools: list[School] = []
    if partnership is not None:
        schools = [
            m.school
            for m in partnership.members.select_related("school").order_by("side", "school__sort_key")
        ]
    if user.school_id and all(s.pk != user.school_id for s in schools):
        schools.insert(0, user.school)  # type: ignore[arg-type]
    seen: dict[str, str] = {}
    for school in schools:
        seen.setdefault(school.moet_id, f"{school.name} ({school.moet_id})")
    return list(seen.items())


def _details(form: ActivityForm, user: User, partnership: Partnership | None) -> services.ActivityDetails:
    data = form.cleaned_data
    wanted_hosts = [*data["hosts"], *form.moet_ids("other_hosts")]
    wanted_participants = [*data["participants"], *form.moet_ids("other_participants")]
    found = visible_schools_by_moet(user, [*wanted_hosts, *wanted_participants])
    return services.ActivityDetails(
        kind=data["kind"],
        title=data["title"],
        planned_on=data["day"],
        hosts=[found[m] for m in dict.fromkeys(wanted_hosts)],
        participants=[found[m] for m in dict.fromkeys(wanted_participants)],
        partnerships=[partnership] if partnership else [],
        mode=data["mode"],
        tier=data["tier"],
        subject=data["subject"],
        grade=data["grade"],
        description=data["description"],
        ends_on=data["ends_on"],
        days_per_week=data["days_per_week"],
        guests=data["guests"] or 0,
    )


def _roster(school: School | None) -> list[Teacher]:
    if school is None:
        return []
    return list(Teacher.objects.filter(school=school, is_active=True).order_by("sort_key", "pk"))


def _teacher_choices(roster: Sequence[Teacher]) -> list[tuple[str, str]]:
    return [(str(t.pk), f"{t.full_name}{' · ' + t.subject if t.subject else ''}") for t in roster]


def _attendance(
    school: School, roster: Sequence[Teacher], form: AttendanceFields, data: dict[str, Any]
) -> services.Attendance:
    """A school's attendance as its form gives it: the ticked roster rows (the form's choices are that
    roster, so every id is one of them), the names typed in, the counts (blank: none)."""
    by_pk = {str(t.pk): t for t in roster}
    return services.Attendance(
        school=school,
        teachers=[by_pk[pk] for pk in data["teachers"]],
        new_names=form.new_names(),
        pupils=data["pupils"] or 0,
        parents=data["parents"] or 0,
    )


def _recorder_on(roster: Sequence[Teacher], user: User) -> Teacher | None:
    """The recording user on their school's roster: the row linked to their account, else the one
    bearing their name (accent- and case-insensitive), so they are ticked present from the start."""
    linked = next((t for t in roster if t.user_id == user.pk), None)
    if linked is not None:
        return linked
    key = search_key(user.full_name)
    named = [t for t in roster if key and search_key(t.full_name) == key]
    return named[0] if len(named) == 1 else None


QUEUE_HEADER = "X-Chungtay-Queue"  # the time the record was made on the device (ISO 8601)
DEVICE_HEADER = "X-Chungtay-Device"
CHECK_THE_FORM = gettext_lazy("The record was refused: %(errors)s")


def _queued_origin(request: AuthenticatedRequest) -> str:
    """The history row's note for a record sent from a device's offline queue: when it was made there
    and on what (control characters and length cut: the headers come from the device)."""
    made = request.headers.get(QUEUE_HEADER, "")
    try:
        when = dt.datetime.fromisoformat(made.replace("Z", "+00:00"))
        stamp = (
            timezone.localtime(when).strftime("%d/%m/%Y %H:%M")
            if when.tzinfo
            else when.strftime("%d/%m/%Y %H:%M")
        )
    except ValueError:
        stamp = "?"
    device = "".join(ch for ch in request.headers.get(DEVICE_HEADER, "") if ch.isprintable())[:40]
    return f"Hàng đợi ngoại tuyến · ghi lúc {stamp} · {device or '?'}"


def _queued_answer(form: RecordForm, status: int, activity: Activity | None = None) -> JsonResponse:
    """The answer the offline queue reads: the activity made, or why not (the same checks as the page)."""
    if activity is not None:
        url = reverse("activities:activity-detail", args=[activity.pk])
        return JsonResponse({"id": activity.pk, "url": url, "title": activity.title}, status=201)
    duplicates = getattr(form, "duplicates", None)
    errors = [str(e) for e in form.non_field_errors()]
    fields = {name: [str(e) for e in errs] for name, errs in form.errors.items() if name != "__all__"}
    for name, messages_ in fields.items():
        label = form.fields[name].label if name in form.fields else name
        errors += [f"{label}: {m}" for m in messages_]
    body: dict[str, Any] = {
        "code": "duplicate" if duplicates else ("invalid" if status == 400 else "refused"),
        "message": str(CHECK_THE_FORM % {"errors": " ".join(errors)}),
        "fields": fields,
    }
    if duplicates:
        body["duplicates"] = [reverse("activities:activity-detail", args=[d.pk]) for d in duplicates]
    return JsonResponse(body, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def activity_create(request: AuthenticatedRequest) -> HttpResponse:
    """Record (or plan) an activity in one screen: the partnership (chosen first, or taken when the
    user's school has only one), its member schools ticked, the user's school as host, today's date; the
    school's attendance with the recorder ticked present, and photos, saved with it."""
    user = request.user
    if not may_record(user):
        raise PermissionDenied
    partnerships = partnerships_visible_to(user).exclude(status=PartnershipStatus.CANCELLED)
    chosen = request.POST.get("partnership") or request.GET.get("partnership")
    school_roles = user.role in (Role.SCHOOL_LEADER, Role.TEACHER)
    if chosen is None and school_roles:
        only = list(partnerships.order_by("number").values_list("pk", flat=True)[:2])
        if len(only) == 1:
            chosen = str(only[0])
    partnership = None
    if chosen and chosen != "none":
        partnership = partnerships.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if partnership is None:
            raise Http404
    if chosen is None:
        choices = partnerships.order_by("number")[:200]
        return render(
            request,
            "activities/activity_choose_partnership.html",
            {"partnerships": choices, "allow_none": not school_roles},
        )
    school_choices = _school_choices(partnership, user)
    own_school: School | None = user.school if user.school_id else None
    own = own_school.moet_id if own_school else None
    roster = _roster(own_school)
    recorder = _recorder_on(roster, user)
    initial = {
        "day": today(),
        "when": "held",
        "hosts": [own] if own else [],
        "participants": [m for m, _ in school_choices if m != own],
        "teachers": [str(recorder.pk)] if recorder else [],
        "pupils": 0,
        "parents": 0,
    }
    form = RecordForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        school_choices=school_choices,
        teacher_choices=_teacher_choices(roster),
    )
    status = 200
    if request.method == "POST":
        status = 400

        def save(data: dict[str, Any]) -> Any:
            details = _details(form, user, partnership)
            held = data["when"] == "held"
            if not data["save_anyway"]:
                form.duplicates = likely_duplicates(partnership, data["title"], data["day"])  # type: ignore[attr-defined]
                if form.duplicates:  # type: ignore[attr-defined]
                    raise DomainError(LOOKS_RECORDED, code="duplicate")
            attendance = None
            if held and own_school is not None:
                attendance = _attendance(own_school, roster, form, data)
            return services.record_with_attendance(
                acting_user=user,
                details=details,
                held_on=data["day"] if held else None,
                attendance=attendance,
                photos=data["photos"],
                origin=_queued_origin(request) if queued else "",
            )

        queued = QUEUE_HEADER in request.headers
        submitted = submit(form, save)
        if queued:
            return _queued_answer(form, 201 if submitted.done else submitted.status, submitted.result)
        if submitted.done:
            activity = submitted.value
            messages.success(request, _("Activity “%(title)s” recorded.") % {"title": activity.title})
            return redirect("activities:activity-detail", pk=activity.pk)
        status = submitted.status
    context = {
        "form": form,
        "partnership": partnership,
        "activity": None,
        "attendance_school": own_school,
        "roster_size": len(roster),
        "max_photos": services.MAX_PHOTOS,
    }
    return render(request, "activities/activity_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def activity_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = activity_for_user(user, pk, edit=True)
    partnership = activity.partnerships.order_by("pk").first()
    rows = list(activity.schools.select_related("school"))
    school_choices = _school_choices(partnership, user)
    known = {m for m, _ in school_choices}
    school_choices += [
        (r.school.moet_id, f"{r.school.name} ({r.school.moet_id})")
        for r in rows
        if r.school.moet_id not in known
    ]
    initial = {
        "when": "held" if activity.status == ActivityStatus.HELD else "planned",
        "day": activity.planned_on,
        "kind": activity.kind,
        "title": activity.title,
        "mode": activity.mode,
        "tier": activity.tier,
        "subject": activity.subject,
        "grade": activity.grade,
        "hosts": [r.school.moet_id for r in rows if r.is_host],
        "participants": [r.school.moet_id for r in rows if not r.is_host],
        "ends_on": activity.ends_on,
        "days_per_week": activity.days_per_week,
        "guests": activity.guests,
        "description": activity.description,
        "version": activity.version,
    }
    form = ActivityForm(request.POST or None, initial=initial, school_choices=school_choices)
    status = 200
    if request.method == "POST":
        status = 400

        def save(data: dict[str, Any]) -> Any:
            details = _details(form, user, partnership)
            services.edit_activity(
                acting_user=user,
                activity=activity,
                details=details,
                expected_version=data["version"] or 0,
            )

        submitted = submit(form, save)
        if submitted.done:
            messages.success(request, _("Activity saved."))
            return redirect("activities:activity-detail", pk=activity.pk)
        status = submitted.status
    context = {"form": form, "partnership": partnership, "activity": activity}
    return render(request, "activities/activity_form.html", context, status=status)


def _detail_context(request: AuthenticatedRequest, activity: Activity, **extra: Any) -> dict[str, Any]:
    user = request.user
    insider = is_insider(user, activity)
    rows = list(activity.schools.select_related("school"))
    present: dict[int, list[str]] = {}
    for p in activity.participations.select_related("teacher").order_by("teacher__sort_key"):
        present.setdefault(p.school_id, []).append(p.teacher.full_name)
    recordable = {r.school_id for r in schools_user_records(user, activity)} if insider else set()
    editable = can_edit_activity(user, activity)
    return {
        "activity": activity,
        "insider": insider,
        "rows": [(r, present.get(r.school_id, []), r.school_id in recordable) for r in rows],
        "figures": activity_figures(Activity.objects.filter(pk=activity.pk)),
        "partnerships": activity.partnerships.all(),
        "evidence": evidence_for(user, activity),
        "can_edit": editable,
        "can_attach": bool(recordable),
        "is_open": activity.status in (ActivityStatus.PLANNED, ActivityStatus.POSTPONED),
        "confirm_form": extra.pop("confirm_form", None)
        or ConfirmForm(initial={"held_on": min(activity.planned_on, today()), "version": activity.version}),
        "postpone_form": extra.pop("postpone_form", None)
        or PostponeForm(initial={"version": activity.version}),
        "cancel_form": extra.pop("cancel_form", None) or CancelForm(initial={"version": activity.version}),
        "evidence_form": extra.pop("evidence_form", None) or EvidenceForm(),
        # how it was recorded, when that is worth saying (sent from a device's offline queue)
        "origin": activity.history.order_by("history_date", "history_id")
        .values_list("history_change_reason", flat=True)
        .first(),
        **extra,
    }


@require_GET
@login_required
def activity_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = activity_for_user(request.user, pk)
    return render(request, "activities/activity_detail.html", _detail_context(request, activity))


def _status_action(
    request: AuthenticatedRequest, pk: int, form_class: type, name: str, action: Any
) -> HttpResponse:
    user = request.user
    activity = activity_for_user(user, pk, edit=True)
    form = form_class(request.POST)
    status = 400

    def save(data: dict[str, Any]) -> Any:
        action(user, activity, data)

    submitted = submit(form, save)
    if submitted.done:
        messages.success(request, _("Activity saved."))
        return redirect("activities:activity-detail", pk=pk)
    status = submitted.status
    activity.refresh_from_db()
    context = _detail_context(request, activity, **{name: form})
    return render(request, "activities/activity_detail.html", context, status=status)


@require_POST
@login_required
def activity_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _status_action(
        request,
        pk,
        ConfirmForm,
        "confirm_form",
        lambda user, activity, data: services.confirm_held(
            acting_user=user, activity=activity, held_on=data["held_on"], expected_version=data["version"]
        ),
    )


@require_POST
@login_required
def activity_postpone(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _status_action(
        request,
        pk,
        PostponeForm,
        "postpone_form",
        lambda user, activity, data: services.postpone_activity(
            acting_user=user,
            activity=activity,
            reason=data["reason"],
            new_date=data["new_date"],
            expected_version=data["version"],
        ),
    )


@require_POST
@login_required
def activity_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _status_action(
        request,
        pk,
        CancelForm,
        "cancel_form",
        lambda user, activity, data: services.cancel_activity(
            acting_user=user, activity=activity, reason=data["reason"], expected_version=data["version"]
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def attendance(request: AuthenticatedRequest, pk: int, moet_id: str) -> HttpResponse:
    """One school's attendance sheet: tick the teachers present from the roster (or add a name that is
    missing from it), and give the pupils and parents as counts."""
    user = request.user
    activity = activity_for_user(user, pk)
    row = next((r for r in schools_user_records(user, activity) if r.school.moet_id == moet_id), None)
    if row is None:
        if activity.schools.filter(school__moet_id=moet_id).exists() and is_insider(user, activity):
            raise PermissionDenied
        raise Http404
    roster = _roster(row.school)
    choices = _teacher_choices(roster)
    present = [
        str(t) for t in activity.participations.filter(school=row.school).values_list("teacher_id", flat=True)
    ]
    form = AttendanceForm(
        request.POST or None,
        initial={"teachers": present, "pupils": row.pupils, "parents": row.parents},
        teacher_choices=choices,
    )
    status = 200
    if request.method == "POST":
        status = 400

        def save(data: dict[str, Any]) -> Any:
            services.record_school_attendance(
                acting_user=user, activity=activity, attendance=_attendance(row.school, roster, form, data)
            )

        submitted = submit(form, save)
        if submitted.done:
            messages.success(request, _("Attendance of %(school)s saved.") % {"school": row.school.name})
            return redirect("activities:activity-detail", pk=pk)
        status = submitted.status
    context = {"activity": activity, "row": row, "form": form, "roster_size": len(roster)}
    return render(request, "activities/attendance_form.html", context, status=status)


@require_POST
@login_required
def evidence_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = activity_for_user(user, pk)
    if not is_insider(user, activity):
        raise Http404
    form = EvidenceForm(request.POST, request.FILES)
    status = 400

    def save(data: dict[str, Any]) -> Any:
        services.attach_evidence(
            acting_user=user,
            activity=activity,
            kind=data["kind"],
            upload=data["file"],
            url=data["url"],
            title=data["title"],
            shareable=data["shareable"],
        )

    submitted = submit(form, save)
    if submitted.done:
        messages.success(request, _("Evidence attached."))
        return redirect("activities:activity-detail", pk=pk)
    status = submitted.status
    context = _detail_context(request, activity, evidence_form=form)
    return render(request, "activities/activity_detail.html", context, status=status)


def _evidence_for_user(request: AuthenticatedRequest, pk: int) -> Evidence:
    evidence = Evidence.objects.select_related("activity").filter(pk=pk).first()
    if evidence is None:
        raise Http404
    activity = activities_visible_to(request.user).filter(pk=evidence.activity_id).first()
    if activity is None or not evidence_for(request.user, activity).filter(pk=pk).exists():
        raise Http404
    return evidence


@require_GET
@login_required
def evidence_file(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """An evidence file, served only to those who may see it (never from a public media URL)."""
    evidence = _evidence_for_user(request, pk)
    stored = (
        evidence.thumbnail if request.GET.get("size") == "thumb" and evidence.thumbnail else evidence.file
    )
    thumb = stored is evidence.thumbnail
    return files.file_response(
        stored,
        download_name=f"{evidence.title or evidence.get_kind_display()}{'-thumb' if thumb else ''}",
        content_type=files.JPEG if thumb else evidence.content_type,
    )
