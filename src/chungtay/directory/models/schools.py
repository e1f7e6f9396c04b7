"""Education offices, school years, schools (keyed by their MOET school ID) with their dated
location and management, yearly figures, strengths-and-needs self-assessments and teacher rosters."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chungtay.core import schoolyears
from chungtay.core.audit import audited_history
from chungtay.core.models import EffectiveDated, TimeStamped, Versioned
from chungtay.core.text import padded_search_key, vietnamese_sort_key
from chungtay.directory.models.map import AdminUnit


class SchoolYear(models.Model):
    """A school year (năm học), e.g. 2022-2023, first-class so figures and plans attach to it."""

    IN_DATA_VERSION = True  # core.datacache: not history-kept, so its rows move the data's version

    start_year = models.PositiveSmallIntegerField(
        _("start year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["start_year"]
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="directory_year_ordered"
            )
        ]

    def __str__(self) -> str:
        return schoolyears.label(self.start_year)

    @property
    def label(self) -> str:
        return schoolyears.label(self.start_year)


class EducationOffice(EffectiveDated):
    """The department (Sở GD&ĐT) of a province or a district education office (Phòng GD&ĐT).

    District offices were dissolved on 1/7/2025 (`valid_to` = 30/6/2025); their records stay, so the
    history of who managed a school remains answerable."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department of Education and Training")
        DISTRICT_OFFICE = "district_office", _("District education office")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=160)
    short_name = models.CharField(_("short name"), max_length=80)
    # a department's emblem, shown on the login page and in the menu bar (PNG, at most 256 px; public)
    emblem = models.FileField(_("emblem"), upload_to="emblems/", blank=True)
    department = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
        verbose_name=_("department"),
        limit_choices_to={"kind": "department"},
    )
    unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, related_name="education_offices", verbose_name=_("unit covered")
    )
    search_key = models.CharField(max_length=200, editable=False)
    sort_key = models.CharField(max_length=400, editable=False)
    history = audited_history()

    class Meta(EffectiveDated.Meta):
        verbose_name = _("education office")
        verbose_name_plural = _("education offices")
        constraints = [
            *EffectiveDated.Meta.constraints,
            models.CheckConstraint(
                condition=Q(kind="department", department__isnull=True)
                | Q(kind="district_office", department__isnull=False),
                name="directory_office_department_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = padded_search_key(self.name)
        self.sort_key = vietnamese_sort_key(self.short_name)
        super().save(*args, **kwargs)

    @property
    def tenant(self) -> EducationOffice:
        """The department whose data this office's rows belong to."""
        return self if self.department_id is None else self.department  # type: ignore[return-value]


class SchoolLevel(models.TextChoices):
    PRESCHOOL = "mn", _("Preschool (MN)")
    PRIMARY = "th", _("Primary (TH)")
    LOWER_SECONDARY = "thcs", _("Lower secondary (THCS)")
    UPPER_SECONDARY = "thpt", _("Upper secondary (THPT)")
    PRIMARY_LOWER = "th_thcs", _("Primary & lower secondary (TH&THCS)")
    LOWER_UPPER = "thcs_thpt", _("Lower & upper secondary (THCS&THPT)")
    ALL_GRADES = "th_thcs_thpt", _("Multi-level (TH, THCS & THPT)")
    CONTINUING = "gdnn_gdtx", _("Vocational & continuing education (GDNN-GDTX)")


# The basic levels each school level teaches: a TH&THCS school counts as primary and lower secondary.
BASIC_LEVELS: dict[str, frozenset[str]] = {
    SchoolLevel.PRESCHOOL: frozenset({"mn"}),
    SchoolLevel.PRIMARY: frozenset({"th"}),
    SchoolLevel.LOWER_SECONDARY: frozenset({"thcs"}),
    SchoolLevel.UPPER_SECONDARY: frozenset({"thpt"}),
    SchoolLevel.PRIMARY_LOWER: frozenset({"th", "thcs"}),
    SchoolLevel.LOWER_UPPER: frozenset({"thcs", "thpt"}),
    SchoolLevel.ALL_GRADES: frozenset({"th", "thcs", "thpt"}),
    SchoolLevel.CONTINUING: frozenset({"gdnn_gdtx"}),
}


# The basic levels in teaching order, and as choices for forms that filter or match by level.
BASIC_LEVEL_ORDER = ("mn", "th", "thcs", "thpt", "gdnn_gdtx")
BASIC_LEVEL_CHOICES = [
    ("mn", _("Preschool (MN)")),
    ("th", _("Primary (TH)")),
    ("thcs", _("Lower secondary (THCS)")),
    ("thpt", _("Upper secondary (THPT)")),
    ("gdnn_gdtx", _("Vocational & continuing education (GDNN-GDTX)")),
]


def common_basic_level(levels: Iterable[str]) -> str | None:
    """The first basic level (in BASIC_LEVEL_ORDER) that schools of these levels all teach, if any: the
    rule a partnership's members must meet (a TH&THCS school pairs with a TH or a THCS school, but a group
    of it, a TH and a THCS school has no common level). Partnerships and matching both apply it."""
    common = set(BASIC_LEVEL_ORDER)
    for level in levels:
        common &= BASIC_LEVELS[level]
    return next((basic for basic in BASIC_LEVEL_ORDER if basic in common), None)


def levels_teaching(basic_level: str) -> list[str]:
    """Every school level that teaches `basic_level` (e.g. "th" -> TH, TH&THCS, TH-THCS-THPT)."""
    return [level for level, basics in BASIC_LEVELS.items() if basic_level in basics]


class Ownership(models.TextChoices):
    PUBLIC = "public", _("public")
    NON_PUBLIC = "non_public", _("non-public")


moet_id_validator = RegexValidator(
    r"^[0-9A-Za-z]{4,20}$", _("A MOET school ID is 4 to 20 letters or digits, without spaces.")
)


class School(TimeStamped, Versioned):
    """A school or centre, keyed by its MOET school ID (mã định danh). Where it is and who manages it
    are dated rows (`SchoolLocation`, `SchoolManagement`), so the 2025 reform rewrites no history."""

    moet_id = models.CharField(
        _("MOET school ID"), max_length=20, unique=True, validators=[moet_id_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=SchoolLevel.choices)
    ownership = models.CharField(_("ownership"), max_length=12, choices=Ownership.choices)
    department = models.ForeignKey(
        EducationOffice,
        on_delete=models.PROTECT,
        related_name="department_schools",
        verbose_name=_("department"),
        limit_choices_to={"kind": "department"},
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    hard_area = models.BooleanField(_("in a hard area"), default=False)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    name_key = models.CharField(max_length=220, editable=False, db_index=True)
    place_key = models.CharField(max_length=600, editable=False, blank=True)
    sort_key = models.CharField(max_length=500, editable=False, db_index=True)
    history = audited_history(excluded_fields=["name_key", "place_key", "sort_key"])

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="directory_school_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="directory_school_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def refresh_keys(self) -> None:
        self.name_key = padded_search_key(self.name)
        self.sort_key = vietnamese_sort_key(self.name)

    def save(self, *args, **kwargs):
        self.refresh_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key", "sort_key"}
        super().save(*args, **kwargs)

    @property
    def basic_levels(self) -> frozenset[str]:
        return BASIC_LEVELS[self.level]


class SchoolLocation(EffectiveDated):
    """The unit (normally a ward/commune) a school stood in between two dates."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="locations", verbose_name=_("school")
    )
    unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, related_name="school_locations", verbose_name=_("unit")
    )
    history = audited_history()

    class Meta(EffectiveDated.Meta):
        verbose_name = _("school location")
        verbose_name_plural = _("school locations")
        constraints = [
            *EffectiveDated.Meta.constraints,
            models.UniqueConstraint(
                fields=["school", "valid_from"], name="directory_location_school_from_unique"
            ),
        ]
        indexes = [models.Index(fields=["unit", "valid_from", "valid_to"])]


class SchoolManagement(EffectiveDated):
    """Which education office managed a school between two dates."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="managements", verbose_name=_("school")
    )
    office = models.ForeignKey(
        EducationOffice, on_delete=models.PROTECT, related_name="managed_schools", verbose_name=_("office")
    )
    history = audited_history()

    class Meta(EffectiveDated.Meta):
        verbose_name = _("school management")
        verbose_name_plural = _("school management")
        constraints = [
            *EffectiveDated.Meta.constraints,
            models.UniqueConstraint(
                fields=["school", "valid_from"], name="directory_management_school_from_unique"
            ),
        ]
        indexes = [models.Index(fields=["office", "valid_from", "valid_to"])]


class SchoolYearFigures(models.Model):
    """A school's size and status in one school year."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="yearly", verbose_name=_("school")
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="school_figures", verbose_name=_("school year")
    )
    pupils = models.PositiveIntegerField(_("pupils"))
    teachers = models.PositiveIntegerField(_("teachers"))
    classes = models.PositiveIntegerField(_("classes"))
    national_standard = models.BooleanField(_("national-standard school"), default=False)
    history = audited_history()

    class Meta:
        ordering = ["school_year__start_year"]
        verbose_name = _("yearly figures")
        verbose_name_plural = _("yearly figures")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"], name="directory_figures_school_year_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.school_year_id}"

    @property
    def pupils_per_class(self) -> float | None:
        return self.pupils / self.classes if self.classes else None


class DevelopmentArea(models.TextChoices):
    """The areas where schools assess themselves and commit to help each other."""

    GOVERNANCE = "governance", _("Governance")
    FACILITIES = "facilities", _("Facilities")
    SUBJECT_TEACHING = "subject_teaching", _("Subject teaching")
    GIFTED_TRAINING = "gifted_training", _("Gifted-pupil training")
    DIGITAL = "digital", _("Digital transformation")
    NATIONAL_STANDARD = "national_standard", _("National-standard status")
    ARTS_SPORTS = "arts_sports", _("Arts and sports")
    PUPIL_SUPPORT = "pupil_support", _("Pupil support")


class SelfAssessment(TimeStamped):
    """A school's own view of one area in one school year: 1 (a real need) to 5 (a strength to share).
    Partners see each other's, so help goes where it is needed."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("school")
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("school year")
    )
    area = models.CharField(_("area"), max_length=20, choices=DevelopmentArea.choices)
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    assessed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    history = audited_history()

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "area"], name="directory_assessment_unique"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5),
                name="directory_assessment_score_range",
                violation_error_message=_("A score is between 1 and 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.school_year_id} {self.area}={self.score}"


class Teacher(TimeStamped):
    """A teacher (or other staff member) of a school, as the school keeps its roster. Participations in
    activities point here, so a teacher at ten activities is ten participations and one distinct person.
    A teacher who moves to another school is a new row there (the roster is the school's own record)."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="teachers", verbose_name=_("school")
    )
    full_name = models.CharField(_("full name"), max_length=150)
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    user = models.OneToOneField(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teacher_record",
        verbose_name=_("user account"),
    )
    is_active = models.BooleanField(_("on the roster"), default=True)
    name_key = models.CharField(max_length=170, editable=False, db_index=True)
    sort_key = models.CharField(max_length=400, editable=False)
    history = audited_history(excluded_fields=["name_key", "sort_key"])

    class Meta:
        ordering = ["school", "sort_key", "pk"]
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        indexes = [models.Index(fields=["school", "is_active"])]

    def __str__(self) -> str:
        return self.full_name

    def refresh_keys(self) -> None:
        self.name_key = padded_search_key(self.full_name)
        # Vietnamese rosters sort by the given name (the last word), then the whole name.
        given = self.full_name.split()[-1] if self.full_name.split() else ""
        self.sort_key = vietnamese_sort_key(f"{given} {self.full_name}")

    def save(self, *args, **kwargs):
        self.refresh_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key", "sort_key"}
        super().save(*args, **kwargs)
