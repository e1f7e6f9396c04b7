"""What partners actually do: activities (topical lessons, observations, exchanges, visits, secondments,
tutoring…), the schools that host and take part in them, who took part, and the evidence.

Counting rules the reports rely on: one activity shared by several schools is one activity; a
participation (lượt) is one teacher at one activity (a teacher is recorded at most once per activity,
by a database constraint); distinct teachers are counted by person; pupils and parents are counts per
school; guests are a count per activity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from chungtay.core.audit import audited_history
from chungtay.core.models import TimeStamped, Versioned
from chungtay.core.text import padded_search_key


class ActivityKind(models.TextChoices):
    TOPIC = "topic", _("Topical lesson or seminar (chuyên đề)")
    OBSERVATION = "observation", _("Class observation (dự giờ)")
    JOINT_MEETING = "joint_meeting", _("Joint subject-group meeting (SHCM liên trường)")
    EXCHANGE = "exchange", _("Exchange (giao lưu)")
    STUDY_VISIT = "study_visit", _("Study visit (tham quan học tập)")
    ARTS_SPORTS = "arts_sports", _("Arts or sports exchange")
    SECONDMENT = "secondment", _("Teacher secondment")
    TUTORING = "tutoring", _("Volunteer tutoring programme")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


# Kinds that last a period (a secondment of a year, two days a week; tutoring from 15/3 to 22/6).
PERIOD_KINDS = frozenset({ActivityKind.SECONDMENT, ActivityKind.TUTORING})


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("in person (trực tiếp)")
    ONLINE = "online", _("online (trực tuyến)")


class Tier(models.TextChoices):
    CITY = "city", _("city (Sở)")
    OFFICE = "office", _("office (Phòng)")
    SCHOOL = "school", _("school")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    HELD = "held", _("held")
    POSTPONED = "postponed", _("postponed")
    CANCELLED = "cancelled", _("cancelled")


class Activity(TimeStamped, Versioned):
    """An activity planned for a date and, once it happened, confirmed as held on its actual date (or
    cancelled or postponed with a reason). It belongs to one department, to any number of partnerships,
    and involves host and participating schools."""

    department = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        related_name="department_activities",
        verbose_name=_("department"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, default=Tier.SCHOOL)
    title = models.CharField(_("title"), max_length=300)
    title_key = models.CharField(max_length=320, editable=False)
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    planned_on = models.DateField(_("planned for"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    days_per_week = models.PositiveSmallIntegerField(_("days per week"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    guests = models.PositiveIntegerField(_("guests"), default=0)
    partnerships = models.ManyToManyField(
        "partnerships.Partnership", blank=True, related_name="activities", verbose_name=_("partnerships")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    history = audited_history(m2m_fields=[partnerships], excluded_fields=["title_key"])

    class Meta:
        ordering = ["-planned_on", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_on__isnull=False),
                name="activities_held_has_date",
                violation_error_message=_("A held activity needs the date it was held."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("planned_on")),
                name="activities_ends_after_start",
                violation_error_message=_("An activity cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=12),
                name="activities_grade_range",
                violation_error_message=_("A grade is between 1 and 12."),
            ),
            models.CheckConstraint(
                condition=Q(days_per_week__isnull=True) | Q(days_per_week__gte=1, days_per_week__lte=7),
                name="activities_days_per_week_range",
                violation_error_message=_("Days per week are between 1 and 7."),
            ),
        ]
        indexes = [
            models.Index(fields=["department", "planned_on"]),
            models.Index(fields=["status", "held_on"]),
            # the figures' count of held activities by kind, tier, mode and month reads this index alone
            # on PostgreSQL (an index-only scan: 68 → 45 ms for the phase at 10× the demo)
            models.Index(
                fields=["department", "held_on"],
                include=["kind", "tier", "mode"],
                condition=Q(status="held"),
                name="activities_held_by_department",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.title_key = padded_search_key(self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:
            kwargs["update_fields"] = {*update_fields, "title_key"}
        super().save(*args, **kwargs)


class ActivitySchool(models.Model):
    """A school hosting or taking part in an activity, with its pupils and parents as counts."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="schools", verbose_name=_("activity")
    )
    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, related_name="activity_rows", verbose_name=_("school")
    )
    is_host = models.BooleanField(_("host"), default=False)
    pupils = models.PositiveIntegerField(_("pupils"), default=0)
    parents = models.PositiveIntegerField(_("parents"), default=0)
    history = audited_history()

    class Meta:
        ordering = ["-is_host", "school__sort_key"]
        verbose_name = _("school taking part")
        verbose_name_plural = _("schools taking part")
        constraints = [
            models.UniqueConstraint(fields=["activity", "school"], name="activities_school_once"),
        ]
        indexes = [models.Index(fields=["school", "activity"])]

    def __str__(self) -> str:
        return f"{self.school_id} @ {self.activity_id}"


class Participation(models.Model):
    """One teacher at one activity (one lượt). The school is the teacher's school, kept on the row so that
    counts per school need no join through the roster."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="participations", verbose_name=_("activity")
    )
    teacher = models.ForeignKey(
        "directory.Teacher",
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name=_("teacher"),
    )
    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = audited_history()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["activity", "teacher"], name="activities_teacher_once"),
        ]
        indexes = [models.Index(fields=["school", "activity"])]

    def __str__(self) -> str:
        return f"{self.teacher_id} @ {self.activity_id}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    MINUTES = "minutes", _("minutes")
    SLIDES = "slides", _("slides")
    LESSON_PLAN = "lesson_plan", _("lesson plan")
    VIDEO_LINK = "video_link", _("video link")
    OTHER = "other", _("other document")


class Evidence(TimeStamped):
    """A file or a link showing that an activity happened. Private to the activity's schools and
    partnerships unless marked shareable."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("activity")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EvidenceKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="evidence/%Y/%m/thumbs/", blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    shareable = models.BooleanField(_("shareable beyond the partnership"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    history = audited_history()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(url=""),
                name="activities_evidence_has_file_or_link",
                violation_error_message=_("Attach a file or give a link."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


class DigestLog(models.Model):
    """One weekly digest sent to one user: the unique (user, ISO week) keeps it to one a week."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests", verbose_name=_("user")
    )
    week = models.CharField(_("week"), max_length=8)
    items = models.PositiveIntegerField(_("items"), default=0)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="activities_one_digest_a_week")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.week}"


class ActivityFact(models.Model):
    """A summary the figures read instead of scanning participations: one row per held activity and
    school taking part, with the activity's kind, tier, mode and date, whether the school hosted, its
    pupils and parents, and how many of its teachers took part. Derived, never edited: the activities
    services keep it in the same transaction as each write (`activities.facts`), and
    `manage.py refresh_figures` rebuilds it whole."""

    IN_DATA_VERSION = True  # core.datacache: not history-kept, so its rows move the data's version

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("directory.School", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("directory.EducationOffice", on_delete=models.CASCADE, related_name="+")
    held_on = models.DateField()
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    tier = models.CharField(max_length=8, choices=Tier.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    is_host = models.BooleanField(default=False)
    pupils = models.PositiveIntegerField(default=0)
    parents = models.PositiveIntegerField(default=0)
    participations = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("activity fact")
        verbose_name_plural = _("activity facts")
        constraints = [models.UniqueConstraint(fields=["activity", "school"], name="activities_fact_once")]
        indexes = [
            models.Index(fields=["department", "held_on"]),
            models.Index(fields=["school", "held_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} @ {self.activity_id}"


class MonthFact(models.Model):
    """The activity facts summed per school, month and the activities' kind, tier and mode: how many held
    activities the school took part in, and their participations, pupils and parents. The figures sum
    these over a period's whole months (a tenth of the activity facts' rows at 10× the demo) and the
    activity facts only over a partial first or last month. Kept with ActivityFact (`activities.facts`)."""

    IN_DATA_VERSION = True  # core.datacache: not history-kept, so its rows move the data's version

    school = models.ForeignKey("directory.School", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("directory.EducationOffice", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="the first day of the month")
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    tier = models.CharField(max_length=8, choices=Tier.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    activities = models.PositiveIntegerField(default=0)
    pupils = models.PositiveIntegerField(default=0)
    parents = models.PositiveIntegerField(default=0)
    participations = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("school month of activities")
        verbose_name_plural = _("school months of activities")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "month", "department", "kind", "tier", "mode"],
                name="activities_month_fact_once",
            )
        ]
        indexes = [
            models.Index(fields=["department", "month"]),
            models.Index(fields=["school", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.month:%m/%Y}"


class TeacherMonth(models.Model):
    """A summary for counting distinct teachers: one row per teacher, school and month in which the
    teacher took part in at least one held activity, with how many. Kept with ActivityFact."""

    IN_DATA_VERSION = True  # core.datacache: not history-kept, so its rows move the data's version

    teacher = models.ForeignKey("directory.Teacher", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("directory.School", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("directory.EducationOffice", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="the first day of the month")
    start_year = models.PositiveSmallIntegerField(help_text="the school year the month belongs to")
    participations = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("teacher month")
        verbose_name_plural = _("teacher months")
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "school", "month"], name="activities_teacher_month_once"
            )
        ]
        indexes = [
            models.Index(fields=["department", "month"]),
            models.Index(fields=["school", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.month:%m/%Y}"


class LinkFact(models.Model):
    """A summary the reciprocity and quiet-partnership figures read instead of joining the activities,
    their partnership links and their schools: one row per held activity, partnership it was recorded
    for and host school (one row without a host school when none hosted), with the activity's date, kind
    and department. The host's side is read from the partnership's members when counted, so a member's
    change never leaves this behind. Derived, never edited: kept with ActivityFact (`activities.facts`)."""

    IN_DATA_VERSION = True  # core.datacache: not history-kept, so its rows move the data's version

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    host_school = models.ForeignKey(
        "directory.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey("directory.EducationOffice", on_delete=models.CASCADE, related_name="+")
    held_on = models.DateField()
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    hosts = models.PositiveSmallIntegerField(
        default=0,
        help_text="how many host schools the activity had: the link's rows are max(1, hosts), so reciprocity "
        "folds the sides of several rows only where there are several",
    )

    class Meta:
        verbose_name = _("partnership activity fact")
        verbose_name_plural = _("partnership activity facts")
        indexes = [
            models.Index(fields=["department", "held_on"]),
            models.Index(fields=["partnership", "held_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.partnership_id} @ {self.activity_id}"


class Reminder(models.Model):
    """A reminder sent to a quiet partnership's school leaders from "needs attention": who sent it, when,
    to how many. At most one per partnership per week (`activities.services.remind`)."""

    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("partnership"),
    )
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"))

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["partnership", "sent_at"])]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.partnership_id} @ {self.sent_at:%Y-%m-%d}"
