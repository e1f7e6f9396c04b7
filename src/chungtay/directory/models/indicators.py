"""Outcome indicators the department defines, and each school's values of them per school year."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chungtay.core.audit import audited_history
from chungtay.core.models import TimeStamped, Versioned
from chungtay.directory.models.schools import BASIC_LEVELS, School, SchoolYear

indicator_code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9_]{1,29}$",
    _("A code is 2 to 30 capital letters, digits or underscores, starting with a letter (e.g. TL_TN)."),
)


class Indicator(TimeStamped, Versioned):
    """An outcome indicator the department measures each school year (graduation rate, grade-10 entrance
    exam average, gifted-pupil prizes…). The department defines them; schools' values per year are
    `IndicatorValue` rows, imported or entered, and the gap analysis reads them."""

    class ValueType(models.TextChoices):
        PERCENT = "percent", _("percentage (0–100)")
        SCORE = "score", _("exam score (0–10)")
        COUNT = "count", _("count (whole number)")
        NUMBER = "number", _("number")
        YES_NO = "yes_no", _("yes / no (1 or 0)")

    department = models.ForeignKey(
        "directory.EducationOffice", on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(_("indicator code"), max_length=30, validators=[indicator_code_validator])
    name = models.CharField(_("indicator name"), max_length=200)
    value_type = models.CharField(_("type of value"), max_length=10, choices=ValueType.choices)
    unit = models.CharField(_("unit of measure"), max_length=30, blank=True)
    levels = models.CharField(
        _("school levels"), max_length=60, blank=True, help_text=_("Empty: every level.")
    )  # basic level codes, comma-separated
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    description = models.TextField(_("definition"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    history = audited_history()

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="directory_indicator_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def level_list(self) -> list[str]:
        return [code for code in self.levels.split(",") if code]

    def applies_to(self, school_level: str) -> bool:
        return not self.level_list or bool(BASIC_LEVELS.get(school_level, frozenset()) & set(self.level_list))

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        return {
            self.ValueType.PERCENT: (0.0, 100.0),
            self.ValueType.SCORE: (0.0, 10.0),
            self.ValueType.COUNT: (0.0, None),
            self.ValueType.YES_NO: (0.0, 1.0),
        }.get(self.value_type, (None, None))  # type: ignore[call-overload]

    def check_value(self, value: float) -> str | None:
        """Why `value` cannot be a value of this indicator, or None when it can."""
        low, high = self.bounds
        if (low is not None and value < low) or (high is not None and value > high):
            limits = {"low": "…" if low is None else f"{low:g}", "high": "…" if high is None else f"{high:g}"}
            message = _("%(value)s is outside %(low)s–%(high)s for this indicator.")
            return str(message % {"value": f"{value:g}", **limits})
        if self.value_type in (self.ValueType.COUNT, self.ValueType.YES_NO) and value != int(value):
            return str(_("This indicator takes whole numbers."))
        return None


class IndicatorValue(TimeStamped):
    """One school's value of one indicator in one school year."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("indicator")
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="indicator_values", verbose_name=_("school")
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="indicator_values", verbose_name=_("school year")
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = audited_history()

    class Meta:
        ordering = ["indicator__code", "school_year__start_year"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "school", "school_year"], name="directory_indicator_value_unique"
            ),
        ]
        indexes = [models.Index(fields=["indicator", "school_year"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.school_id} {self.school_year_id}={self.value}"
