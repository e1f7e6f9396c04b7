"""Support given: scholarships, books, equipment, free classes, tutoring, facilities, mentoring of a pupil
(đỡ đầu)… from a donor (a school, an office, a business or another giver) to a receiving school, and the
pupils who receive individual support, recorded only by pseudonymous codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chungtay.core.audit import audited_history
from chungtay.core.models import TimeStamped, Versioned
from chungtay.core.text import padded_search_key


class SupportKind(models.TextChoices):
    SCHOLARSHIP = "scholarship", _("scholarship (học bổng)")
    BOOKS = "books", _("books")
    NOTEBOOKS = "notebooks", _("notebooks")
    EQUIPMENT = "equipment", _("equipment")
    FREE_CLASSES = "free_classes", _("free classes")
    TUTORING = "tutoring", _("tutoring")
    FACILITIES = "facilities", _("facilities")
    MENTORING = "mentoring", _("mentoring of a pupil (đỡ đầu)")
    OTHER = "other", _("other")


# Kinds given to pupils one by one: their records name the pupils by pseudonymous code.
INDIVIDUAL_KINDS = frozenset({SupportKind.SCHOLARSHIP, SupportKind.MENTORING})


class DonorKind(models.TextChoices):
    SCHOOL = "school", _("school")
    OFFICE = "office", _("education office")
    BUSINESS = "business", _("business")
    AGENCY = "agency", _("agency or association")
    INDIVIDUAL = "individual", _("individual")
    OTHER = "other", _("other")


class Donor(TimeStamped):
    """Who gives: a school or an office of the platform, or a business, agency or person recorded by name."""

    department = models.ForeignKey(
        "directory.EducationOffice", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DonorKind.choices)
    name = models.CharField(_("name"), max_length=200)
    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("school"),
    )  # fmt: skip
    office = models.ForeignKey(
        "directory.EducationOffice", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("office"),
    )  # fmt: skip
    name_key = models.CharField(max_length=220, editable=False)
    history = audited_history(excluded_fields=["name_key"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "kind", "name_key"],
                name="support_donor_unique_name",
                violation_error_message=_("A donor with this name is already recorded."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="school") | Q(school__isnull=False), name="support_school_donor_has_school"
            ),
            models.CheckConstraint(
                condition=~Q(kind="office") | Q(office__isnull=False), name="support_office_donor_has_office"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = padded_search_key(self.name)
        super().save(*args, **kwargs)


class Circumstance(models.TextChoices):
    POOR = "poor", _("poor household")
    NEAR_POOR = "near_poor", _("near-poor household")
    ORPHAN = "orphan", _("orphan")
    DISABILITY = "disability", _("disability")
    ETHNIC_MINORITY = "ethnic_minority", _("ethnic minority")
    HARD_AREA = "hard_area", _("lives in a hard area")
    OTHER = "other", _("other hardship")


class Beneficiary(TimeStamped):
    """A pupil who receives individual support, known to the platform only by a code of their school
    (never a name), a grade and a circumstance category. Only the school's own leader sees these details."""

    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, related_name="beneficiaries", verbose_name=_("school")
    )
    code = models.CharField(_("code"), max_length=20)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    circumstance = models.CharField(_("circumstance"), max_length=16, choices=Circumstance.choices)
    history = audited_history()

    class Meta:
        ordering = ["school", "code"]
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="support_beneficiary_code_unique"),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=0, grade__lte=12),
                name="support_beneficiary_grade_range",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class SupportRecord(TimeStamped, Versioned):
    """One gift: what, how much, worth how much, when, from whom, to which school, under which
    partnership or programme."""

    department = models.ForeignKey(
        "directory.EducationOffice", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    kind = models.CharField(_("kind"), max_length=14, choices=SupportKind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=40)
    value_vnd = models.BigIntegerField(_("value (VND)"), null=True, blank=True)
    given_on = models.DateField(_("given on"))
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="gifts", verbose_name=_("giver"))
    receiving_school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, related_name="support_received",
        verbose_name=_("receiving school"),
    )  # fmt: skip
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, null=True, blank=True, related_name="support",
        verbose_name=_("partnership"),
    )  # fmt: skip
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    beneficiaries = models.ManyToManyField(
        Beneficiary, blank=True, related_name="support", verbose_name=_("pupils supported")
    )
    evidence = models.FileField(_("evidence"), upload_to="support/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    history = audited_history(m2m_fields=[beneficiaries])

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name = _("support record")
        verbose_name_plural = _("support records")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="support_quantity_positive",
                violation_error_message=_("The quantity must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(value_vnd__isnull=True) | Q(value_vnd__gte=0),
                name="support_value_not_negative",
                violation_error_message=_("A value cannot be negative."),
            ),
        ]
        indexes = [
            models.Index(fields=["department", "given_on"]),
            models.Index(fields=["receiving_school", "given_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.unit}"
