from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from chungtay.core.dates import today
from chungtay.core.forms import DayField, StyledForm
from chungtay.core.models import MAX_ID
from chungtay.directory.models import (
    BASIC_LEVEL_CHOICES,
    REFORM_DATE,
    AdminUnit,
    AreaClass,
    Indicator,
    Ownership,
    SchoolYear,
)
from chungtay.directory.selectors import SchoolFilter

SEARCH_TOO_LONG = _("The search text is too long (at most %(limit)d characters).")
UNKNOWN_UNIT = _("That administrative unit does not exist on the chosen date.")

LEVEL_FILTER_CHOICES = [("", _("All levels")), *BASIC_LEVEL_CHOICES]


class MapDateForm(forms.Form):
    at = DayField(label=_("Map as of"), required=False)

    def day(self) -> dt.date:
        return (self.cleaned_data.get("at") if self.is_valid() else None) or today()


class SchoolFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"placeholder": _("School name or place, accents optional"), "type": "search"}
        ),
    )
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_FILTER_CHOICES, required=False)
    ownership = forms.ChoiceField(
        label=_("Ownership"), choices=[("", _("All")), *Ownership.choices], required=False
    )
    area = forms.ChoiceField(
        label=_("Area"), choices=[("", _("Inner and outer")), *AreaClass.choices], required=False
    )
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None)
    office = forms.TypedChoiceField(label=_("Office"), coerce=int, required=False, empty_value=None)
    at = DayField(label=_("As of"), required=False)

    def __init__(self, *args: Any, offices: Any, province: AdminUnit | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.province = province
        cast(forms.ChoiceField, self.fields["office"]).choices = [
            ("", _("All offices")),
            *((o.pk, o.short_name) for o in offices),
        ]
        day = self._requested_day()
        cast(forms.ChoiceField, self.fields["unit"]).choices = [
            ("", _("All units")),
            *self._unit_choices(day),
        ]

    def _requested_day(self) -> dt.date:
        field = self.fields["at"]
        try:
            return field.clean(self.data.get("at")) or today()
        except forms.ValidationError:
            return today()

    def _unit_choices(self, day: dt.date) -> list[tuple[int, str]]:
        """The province's units on `day`: districts before the 2025 reform, wards and communes after."""
        if self.province is None:
            return []
        from chungtay.directory.models import MapEdition

        edition = MapEdition.PRE_2025 if day < REFORM_DATE else MapEdition.REFORM_2025
        level = AdminUnit.Level.DISTRICT if edition == MapEdition.PRE_2025 else AdminUnit.Level.WARD
        province = (
            AdminUnit.objects.filter(edition=edition, level="province", code=self.province.code).first()
            or self.province
        )
        units = AdminUnit.objects.filter(parent=province, level=level).order_by("sort_key")
        return [(u.pk, u.name) for u in units]

    def clean_q(self) -> str:
        value = self.cleaned_data["q"]
        limit = settings.SEARCH_MAX_LENGTH
        if len(value) > limit:
            raise forms.ValidationError(SEARCH_TOO_LONG, code="too_long", params={"limit": limit})
        return value

    def to_filter(self) -> SchoolFilter:
        data = self.cleaned_data
        unit = AdminUnit.objects.filter(pk=data["unit"]).first() if data.get("unit") else None
        return SchoolFilter(
            query=data.get("q") or "",
            level=data.get("level") or "",
            unit=unit,
            area=data.get("area") or "",
            office_id=data.get("office"),
            ownership=data.get("ownership") or "",
            at=data.get("at") or today(),
        )


class SchoolDetailsForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    latitude = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, localize=True
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180, localize=True
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SelfAssessmentForm(forms.Form):
    """One score (1–5) and a short note per area."""

    SCORE_CHOICES = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from chungtay.directory.models import DevelopmentArea

        super().__init__(*args, **kwargs)
        self.areas = list(DevelopmentArea.choices)
        for area, label in self.areas:
            self.fields[f"score_{area}"] = forms.TypedChoiceField(
                label=label, choices=self.SCORE_CHOICES, coerce=int, required=False, empty_value=None
            )
            self.fields[f"note_{area}"] = forms.CharField(label=_("Note"), required=False, max_length=300)

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(label, self[f"score_{area}"], self[f"note_{area}"]) for area, label in self.areas]

    def scores(self) -> dict[str, tuple[int, str]]:
        data = self.cleaned_data
        return {
            area: (data[f"score_{area}"], data[f"note_{area}"])
            for area, _ in self.areas
            if data.get(f"score_{area}") is not None
        }


class IndicatorForm(StyledForm):
    code = forms.CharField(label=_("indicator code"), max_length=30)
    name = forms.CharField(label=_("indicator name"), max_length=200)
    value_type = forms.ChoiceField(label=_("type of value"), choices=Indicator.ValueType.choices)
    unit = forms.CharField(label=_("unit of measure"), max_length=30, required=False)
    levels = forms.MultipleChoiceField(
        label=_("school levels"),
        choices=BASIC_LEVEL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every level."),
    )
    higher_is_better = forms.BooleanField(label=_("higher is better"), required=False, initial=True)
    description = forms.CharField(
        label=_("definition"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    is_active = forms.BooleanField(label=_("in use"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_ID)


class IndicatorValueFilterForm(StyledForm):
    indicator = forms.ModelChoiceField(
        label=_("indicator"), queryset=Indicator.objects.none(), required=False
    )
    year = forms.ModelChoiceField(label=_("school year"), queryset=SchoolYear.objects.all(), required=False)
    q = forms.CharField(label=_("School"), max_length=100, required=False)

    def __init__(self, *args: Any, indicators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["type"] = "search"
