"""Reviews and emulation (sơ kết, tổng kết, thi đua – khen thưởng): criteria sets with their legal basis,
review cycles, each reviewed partnership's submission with its scores, every step's record, appeals,
award kinds and the awards proposed with a frozen snapshot.

No history tables: a review is not data of the movement (its writes must not move the figures' data
version). Its audit trail is `ReviewEvent`, one row per step, shown on the submission's page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chungtay.core.models import TimeStamped, Versioned
from chungtay.core.text import vietnamese_number


class Rule(models.TextChoices):
    """How a criterion is scored. Every rule but JUDGEMENT is computed from the records
    (`reviews.rules`); JUDGEMENT is scored by a reviewer with a comment and an evidence file."""

    ACTIVITIES_HELD = "activities_held", _("Activities held by the partnership")
    TOPICS_HOSTED = "topics_hosted", _("Topical lessons hosted by a member school")
    PARTICIPATION = "participation", _("Teacher participations per teacher")
    RECIPROCITY = "reciprocity", _("Both sides host")
    COMMITMENTS_MET = "commitments_met", _("Commitments met by their due date")
    AGREEMENT_IN_FORCE = "agreement_in_force", _("Agreement in force over the period")
    SUPPORT_DELIVERED = "support_delivered", _("Support delivered to the member schools")
    SECONDMENT_DAYS = "secondment_days", _("Days of teacher secondment")
    NEEDS_IMPROVED = "needs_improved", _("Self-assessed needs improved")
    INDICATORS_IMPROVED = "indicators_improved", _("Outcome indicators improved (read, never required)")
    JUDGEMENT = "judgement", _("Scored by the reviewer")


class CriteriaSet(TimeStamped):
    """A versioned set of criteria with its legal or administrative basis, effective between two dates.
    A cycle keeps the set it was opened with; a changed rule is a new version, never an edit."""

    department = models.ForeignKey(
        "directory.EducationOffice", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    basis_number = models.CharField(_("basis: document number"), max_length=80)
    basis_title = models.CharField(_("basis: document"), max_length=300)
    basis_article = models.CharField(_("basis: article"), max_length=120, blank=True)
    basis_date = models.DateField(_("basis: date issued"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-effective_from", "-version"]
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name", "version"], name="reviews_set_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="reviews_set_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Criterion(models.Model):
    """One criterion: its weight (a set's weights sum to 100), the target its rule measures against,
    and an optional gate (the sub-score, 0–100, below which the unit cannot be proposed for an award)."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=12)
    label = models.CharField(_("criterion"), max_length=300)
    rule = models.CharField(_("scoring rule"), max_length=20, choices=Rule.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=10, decimal_places=2, null=True, blank=True)
    gate = models.DecimalField(
        _("gate (minimum sub-score)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["criteria_set", "position"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="reviews_criterion_code_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0, weight__lte=100), name="reviews_weight_range"),
            models.CheckConstraint(
                condition=Q(gate__isnull=True) | Q(gate__gte=0, gate__lte=100), name="reviews_gate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.label}"

    @property
    def is_judgement(self) -> bool:
        return self.rule == Rule.JUDGEMENT


class CycleKind(models.TextChoices):
    INTERIM = "interim", _("interim review (sơ kết)")
    FINAL = "final", _("final review (tổng kết)")


class Stage(models.TextChoices):
    SELF_ASSESSMENT = "self", _("self-assessment")
    OFFICE_REVIEW = "office", _("office review")
    DEPARTMENT_REVIEW = "department", _("department review")
    PUBLISHED = "published", _("results published")


STAGE_ORDER = [Stage.SELF_ASSESSMENT, Stage.OFFICE_REVIEW, Stage.DEPARTMENT_REVIEW, Stage.PUBLISHED]


class Cycle(TimeStamped, Versioned):
    """A review cycle of the department (or of one office, for its own partnerships): its period, its
    deadlines, the criteria set it was opened with and the stage it is at."""

    department = models.ForeignKey(
        "directory.EducationOffice", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    office = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office (a cycle of its own)"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=CycleKind.choices)
    name = models.CharField(_("name"), max_length=300)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("criteria set")
    )
    self_opens = models.DateField(_("self-assessment opens"))
    self_closes = models.DateField(_("self-assessment closes"))
    office_review_by = models.DateField(_("office review by"))
    department_review_by = models.DateField(_("department review by"))
    publish_by = models.DateField(_("results published by"))
    appeal_days = models.PositiveSmallIntegerField(_("appeal window (days)"), default=10)
    review_schools = models.BooleanField(_("also review each school"), default=False)
    review_offices = models.BooleanField(_("also review each district office"), default=False)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.SELF_ASSESSMENT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="reviews_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(self_closes__gte=F("self_opens"))
                & Q(office_review_by__gte=F("self_closes"))
                & Q(department_review_by__gte=F("office_review_by"))
                & Q(publish_by__gte=F("department_review_by")),
                name="reviews_deadlines_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("being self-assessed")
    SUBMITTED = "submitted", _("submitted")
    OFFICE_REVIEWED = "office_reviewed", _("reviewed by the office")
    REVIEWED = "reviewed", _("reviewed by the department")


class Unit(models.TextChoices):
    """What a submission reviews: a partnership (group), a school over all its partnerships, or a
    district office over its schools' partnerships."""

    PARTNERSHIP = "partnership", _("partnership")
    SCHOOL = "school", _("school")
    OFFICE = "office", _("district office")


SCHOOL_CATEGORY = "school:"  # a school's category: "school:" + its level
OFFICE_CATEGORY = "office"


def category_label(category: str) -> str:
    """A category as a reader sees it: a partnership's level (THCS), schools of a level, the offices."""
    if category == OFFICE_CATEGORY:
        return gettext("District offices")
    if category.startswith(SCHOOL_CATEGORY):
        level = category.removeprefix(SCHOOL_CATEGORY).upper().replace("_", "&")
        return gettext("%(level)s schools") % {"level": level}
    return category.upper()


class Submission(TimeStamped, Versioned):
    """One reviewed unit in a cycle (a partnership; or, where the cycle asks, a school or a district
    office over its partnerships): its self-assessment, its scores and, once published, its total, rank
    in its category and whether its gates are met."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="submissions")
    unit = models.CharField(_("reviewed unit"), max_length=12, choices=Unit.choices, default=Unit.PARTNERSHIP)
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partnership"),
    )
    school = models.ForeignKey(
        "directory.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
    )
    office = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district office"),
    )
    # a partnership's level; "school:" + a school's level; "office" (`category_label`)
    category = models.CharField(_("category"), max_length=24)
    status = models.CharField(
        _("status"), max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    late = models.BooleanField(_("submitted late"), default=False)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, default=0)
    gates_met = models.BooleanField(_("gates met"), default=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    tied_with = models.CharField(_("tied with"), max_length=1000, blank=True)  # "17, 42" or names
    computed_at = models.DateTimeField(_("scores computed at"), null=True, blank=True)

    class Meta:
        ordering = ["cycle", "category", "rank", "partnership__number"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "partnership"], name="reviews_one_submission"),
            models.UniqueConstraint(fields=["cycle", "school"], name="reviews_one_school_submission"),
            models.UniqueConstraint(fields=["cycle", "office"], name="reviews_one_office_submission"),
            models.CheckConstraint(
                condition=Q(
                    unit="partnership", partnership__isnull=False, school__isnull=True, office__isnull=True
                )
                | Q(unit="school", partnership__isnull=True, school__isnull=False, office__isnull=True)
                | Q(unit="office", partnership__isnull=True, school__isnull=True, office__isnull=False),
                name="reviews_submission_one_unit",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.partnership_id or self.school_id or self.office_id} in {self.cycle_id}"

    @property
    def unit_name(self) -> str:
        """The reviewed unit's name: the partnership's, the school's or the office's."""
        if self.unit == Unit.SCHOOL:
            return self.school.name  # type: ignore[union-attr]
        if self.unit == Unit.OFFICE:
            return self.office.name  # type: ignore[union-attr]
        return self.partnership.name  # type: ignore[union-attr]

    @property
    def tie_key(self) -> str:
        """How the unit is named among those it ties with: a group number, a school's or office's name."""
        if self.unit == Unit.PARTNERSHIP:
            return str(self.partnership.number)  # type: ignore[union-attr]
        return self.unit_name

    @property
    def unit_key(self) -> tuple[str, int]:
        """The field naming the reviewed unit and its id, for finding the same unit in other cycles."""
        field = {Unit.SCHOOL: "school_id", Unit.OFFICE: "office_id"}.get(Unit(self.unit), "partnership_id")
        return field, getattr(self, field)

    @property
    def order_key(self) -> tuple[int, str]:
        """Orders a tie (and a category's list): the group number, or the school's or the office's name."""
        if self.unit == Unit.SCHOOL:
            return (0, self.school.sort_key)  # type: ignore[union-attr]
        if self.unit == Unit.OFFICE:
            return (0, self.office.sort_key)  # type: ignore[union-attr]
        return (self.partnership.number, "")  # type: ignore[union-attr]

    @property
    def category_label(self) -> str:
        return category_label(self.category)

    @property
    def tie_text(self) -> str:
        """With whom this unit shares its rank, in the language of the page."""
        if not self.tied_with:
            return ""
        values = {
            "units": self.tied_with,
            "groups": self.tied_with,
            "total": vietnamese_number(float(self.total), 2),
        }
        if self.unit != Unit.PARTNERSHIP:
            return gettext("Tied with %(units)s (%(total)s points each)") % values
        return gettext("Tied with group %(groups)s (%(total)s points each)") % values


class Score(models.Model):
    """A criterion's score for a submission: the measured value and its sub-score (0–100) computed from
    the records it links to, or a reviewer's judgement with a comment and an evidence file; and what
    the school wrote for it."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("measured"), max_digits=12, decimal_places=2, null=True, blank=True)
    points = models.DecimalField(_("sub-score"), max_digits=5, decimal_places=2, null=True, blank=True)
    links = models.JSONField(_("records counted"), default=dict)  # {"activity": [ids], ...}
    inputs = models.JSONField(_("inputs"), default=dict)
    narrative = models.TextField(_("the school's account"), blank=True)
    comment = models.TextField(_("reviewer's comment"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="reviews/%Y/", blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["submission", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "criterion"], name="reviews_one_score"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0, points__lte=100),
                name="reviews_points_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.points}"


class EventKind(models.TextChoices):
    OPENED = "opened", _("cycle opened")
    COMPUTED = "computed", _("scores computed from the records")
    SAVED = "saved", _("self-assessment saved")
    SUBMITTED = "submitted", _("self-assessment submitted")
    JUDGED = "judged", _("judgement criterion scored")
    REVIEWED = "reviewed", _("review completed")
    STAGE = "stage", _("cycle moved to the next stage")
    PUBLISHED = "published", _("results published")
    APPEALED = "appealed", _("appeal filed")
    DECIDED = "decided", _("appeal decided")
    PROPOSED = "proposed", _("proposed for an award")
    REVOKED = "revoked", _("award revoked")


class ReviewEvent(models.Model):
    """One step of a review, by whom and when, with the values before and after and the reason."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="events")
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("step"), max_length=10, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    before = models.CharField(_("before"), max_length=60, blank=True)
    after = models.CharField(_("after"), max_length=60, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["submission", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("waiting for a decision")
    UPHELD = "upheld", _("upheld")
    REJECTED = "rejected", _("rejected")


class Appeal(TimeStamped):
    """A unit's appeal (phúc khảo) against one criterion's score, filed within the cycle's window."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="appeals")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    reason = models.TextField(_("why"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision = models.TextField(_("decision"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return f"appeal {self.pk}"


class AwardKind(models.Model):
    """A kind of award the department proposes (giấy khen of its director, bằng khen of the city's People's
    Committee, …) and how many may be proposed per category of a cycle."""

    department = models.ForeignKey("directory.EducationOffice", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("award"), max_length=200)
    issuer = models.CharField(_("awarded by"), max_length=200)
    cap = models.PositiveSmallIntegerField(_("at most, per category"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["department", "position", "pk"]
        verbose_name = _("award kind")
        verbose_name_plural = _("award kinds")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="reviews_award_kind_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class AwardStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    REVOKED = "revoked", _("revoked")


class Award(TimeStamped):
    """A submission proposed for an award, with a frozen snapshot of what it rested on (scores, inputs,
    the records' hash, the criteria set's version). One achievement, one award: one per submission."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="awards")
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="award")
    kind = models.ForeignKey(
        AwardKind, on_delete=models.PROTECT, related_name="awards", verbose_name=_("award")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AwardStatus.choices, default=AwardStatus.PROPOSED
    )
    snapshot = models.JSONField(_("snapshot"))
    snapshot_hash = models.CharField(max_length=64)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["cycle", "kind__position", "submission__category", "submission__rank"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"{self.kind_id} → {self.submission_id}"


class FollowUp(TimeStamped):
    """A review comment turned into an action: what, which school owns it, by when; shown in "needs
    attention" until done, and carried into the next cycle's review of the same partnership."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="follow_ups")
    description = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self) -> str:
        return self.description


class Nomination(TimeStamped):
    """A teacher nominated by their school in a cycle, with the school's statement; the contributions
    beside it are counted from the records (`reviews.rules.teacher_contributions`), never typed."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="nominations")
    teacher = models.ForeignKey(
        "directory.Teacher", on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(_("why the school nominates them"))
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["cycle", "school", "teacher__sort_key"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "teacher"], name="reviews_one_nomination"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} in {self.cycle_id}"
