"""Twinning: offices twinned with offices, schools paired or grouped under them (or directly under the
department for THPT and GDNN-GDTX), and the agreements (memoranda, covenants) they sign."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Min, Q
from django.utils.translation import gettext_lazy as _

from chungtay.core import schoolyears
from chungtay.core.audit import audited_history
from chungtay.core.models import EffectiveDated, TimeStamped, Versioned
from chungtay.directory.models import DevelopmentArea


class Phase(models.Model):
    """A phase of the movement, e.g. 2022–2025, run by one department."""

    department = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        related_name="phases",
        verbose_name=_("department"),
    )
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="partnerships_phase_ordered")
        ]

    def __str__(self) -> str:
        return self.name


class TwinningStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")


class OfficeTwinning(TimeStamped, Versioned):
    """Two education offices twinned for a phase. A unit can have several partners (Ba Vì has seven,
    one of them Lào Cai city in another province), so a twinning never assumes one department: each
    side keeps its own office, and the twinning belongs to the supporting side's department."""

    department = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        related_name="department_twinnings",
        verbose_name=_("department"),
    )
    phase = models.ForeignKey(
        Phase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="twinnings",
        verbose_name=_("phase"),
    )
    supporting_office = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        related_name="twinnings_supporting",
        verbose_name=_("supporting office"),
    )
    supported_office = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        related_name="twinnings_supported",
        verbose_name=_("supported office"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TwinningStatus.choices, default=TwinningStatus.ACTIVE
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    history = audited_history()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("office twinning")
        verbose_name_plural = _("office twinnings")
        constraints = [
            models.CheckConstraint(
                condition=~Q(supporting_office=F("supported_office")),
                name="partnerships_twinning_not_self",
                violation_error_message=_("An office cannot be twinned with itself."),
            ),
            models.UniqueConstraint(
                fields=["supporting_office", "supported_office", "starts_on"],
                name="partnerships_twinning_unique",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="partnerships_twinning_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supporting_office.short_name} – {self.supported_office.short_name}"


class Side(models.TextChoices):
    SUPPORTING = "supporting", _("supporting")
    SUPPORTED = "supported", _("supported")
    MUTUAL = "mutual", _("mutual")


class PartnershipStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACTIVE = "active", _("active")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


class Partnership(TimeStamped, Versioned):
    """A pair or group of schools working together, under an office twinning or directly under the
    department (THPT and GDNN-GDTX, which the city manages). Members are dated rows, never
    overwritten, so "who was in group 17 on 1/3/2024" has an answer."""

    department = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        related_name="department_partnerships",
        verbose_name=_("department"),
    )
    twinning = models.ForeignKey(
        OfficeTwinning,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partnerships",
        verbose_name=_("office twinning"),
    )
    number = models.PositiveIntegerField(_("group number"))
    name = models.CharField(_("name"), max_length=300)
    level = models.CharField(_("level"), max_length=16)
    is_pilot = models.BooleanField(_("pilot (trường điểm)"), default=False)
    pilot_wave = models.PositiveSmallIntegerField(_("pilot wave"), null=True, blank=True)
    level_override_reason = models.CharField(_("reason for mixing levels"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PartnershipStatus.choices, default=PartnershipStatus.PENDING
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    history = audited_history()

    class Meta:
        ordering = ["number"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(fields=["department", "number"], name="partnerships_number_unique"),
            models.CheckConstraint(
                condition=Q(pilot_wave__isnull=True) | Q(is_pilot=True),
                name="partnerships_wave_only_for_pilots",
            ),
        ]
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return self.name


class PartnershipMember(EffectiveDated):
    """A school's membership of a partnership between two dates, with its side and role."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead school")
        MEMBER = "member", _("member")

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="members", verbose_name=_("partnership")
    )
    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, related_name="memberships", verbose_name=_("school")
    )
    side = models.CharField(_("side"), max_length=12, choices=Side.choices)
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    history = audited_history()

    class Meta(EffectiveDated.Meta):
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            *EffectiveDated.Meta.constraints,
            models.UniqueConstraint(
                fields=["partnership", "school", "valid_from"], name="partnerships_member_unique_start"
            ),
        ]
        indexes = [models.Index(fields=["school", "valid_from", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.school_id} in {self.partnership_id}"


class AgreementKind(models.TextChoices):
    MEMORANDUM = "memorandum", _("memorandum of understanding (biên bản ghi nhớ)")
    COVENANT = "covenant", _("covenant (giao ước)")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    AWAITING_SIGNATURE = "awaiting_signature", _("awaiting signature")
    ACTIVE = "active", _("active")
    EXPIRED = "expired", _("expired")
    TERMINATED = "terminated", _("terminated")
    RENEWED = "renewed", _("replaced by a new version")


class Agreement(TimeStamped, Versioned):
    """A memorandum or covenant of a partnership. Its terms are edited only as a draft; once every
    member school has signed it is active and can be changed only by a new version (an amendment)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("partnership")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AgreementKind.choices)
    number = models.CharField(_("number and symbol"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=300)
    terms = models.TextField(_("terms"), blank=True)
    place = models.CharField(_("place of signing"), max_length=100, default="Hà Nội")
    amendment_no = models.PositiveSmallIntegerField(_("amendment"), default=0)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("replaces"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    activated_on = models.DateField(_("in force since"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=500, blank=True)
    signed_scan = models.FileField(_("signed scan"), upload_to="agreements/%Y/", blank=True)
    history = audited_history()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="partnerships_agreement_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(activated_on__isnull=False),
                name="partnerships_active_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status == AgreementStatus.DRAFT


class Signature(models.Model):
    """One side's signature: the school's leader, with the position they signed in."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("agreement")
    )
    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("signed by"),
    )
    signer_name = models.CharField(_("signer"), max_length=150)
    position = models.CharField(_("position"), max_length=150)
    signed_at = models.DateTimeField(_("signed at"))
    history = audited_history()

    class Meta:
        ordering = ["signed_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "school"], name="partnerships_one_signature_per_school"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} ({self.school_id})"


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    MISSED = "missed", _("missed")


class Commitment(TimeStamped, Versioned):
    """What one side promised in an agreement: an area, a concrete target, and a due date."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("agreement")
    )
    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, related_name="commitments", verbose_name=_("school")
    )
    area = models.CharField(_("area"), max_length=20, choices=DevelopmentArea.choices)
    description = models.CharField(_("commitment"), max_length=500)
    target_value = models.DecimalField(_("target"), max_digits=10, decimal_places=2, null=True, blank=True)
    target_unit = models.CharField(_("unit"), max_length=60, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    history = audited_history()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gte=0),
                name="partnerships_target_not_negative",
                violation_error_message=_("A target cannot be negative."),
            )
        ]

    def __str__(self) -> str:
        return self.description


class Plan(TimeStamped):
    """A plan (kế hoạch) with its official number and date: the department's plan for a phase
    (4340/KH-SGDĐT of 12/12/2022) or an office's joint plan with its partner (01/KHLP-PGDĐT)."""

    department = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        related_name="department_plans",
        verbose_name=_("department"),
    )
    phase = models.ForeignKey(
        Phase, on_delete=models.PROTECT, null=True, blank=True, related_name="plans", verbose_name=_("phase")
    )
    issuer = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        related_name="issued_plans",
        verbose_name=_("issued by"),
    )
    twinning = models.ForeignKey(
        OfficeTwinning,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("joint plan of"),
    )
    number = models.CharField(_("number and symbol"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    title = models.CharField(_("title"), max_length=300)
    scope = models.TextField(_("scope"), blank=True)
    document = models.FileField(_("document"), upload_to="plans/%Y/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = audited_history()

    class Meta:
        ordering = ["-issued_on", "pk"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"],
                name="partnerships_plan_number_unique",
                violation_error_message=_("This office already has a plan with that number."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} – {self.title}"


class PlanGoal(models.Model):
    """A goal of a plan with its target, e.g. "every school signs a memorandum by 30/4/2023"."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan"))
    description = models.CharField(_("goal"), max_length=500)
    target_value = models.DecimalField(_("target"), max_digits=10, decimal_places=2, null=True, blank=True)
    target_unit = models.CharField(_("unit"), max_length=60, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gte=0),
                name="partnerships_goal_target_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.description


def supported_since(schools: Iterable[int] | models.QuerySet[Any] | None = None) -> dict[int, int]:
    """The movement's rule for when a school joined: each school on the supported side of a partnership
    (of `schools`, ids or a queryset; every school when None), with the start year of the school year in
    which the first agreement of such a partnership came into force. The gap's groups, the impact
    estimate's cohorts and the demo's planted effect all read it."""
    members = PartnershipMember.objects.filter(
        side=Side.SUPPORTED, partnership__agreements__activated_on__isnull=False
    )
    if schools is not None:
        members = members.filter(school_id__in=schools)
    joined = members.values_list("school_id").annotate(first=Min("partnership__agreements__activated_on"))
    return {school: schoolyears.start_year_of(first) for school, first in joined}
