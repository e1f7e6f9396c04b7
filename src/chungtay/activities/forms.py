from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chungtay.activities.models import ActivityKind, ActivityStatus, EvidenceKind, Mode, Tier
from chungtay.core.forms import DayField, Styled, StyledForm, year_choices
from chungtay.core.models import MAX_ID
from chungtay.directory.models import BASIC_LEVEL_CHOICES

MOET_LIST = re.compile(r"[\s,;]+")
WHEN_CHOICES = [("held", _("It took place")), ("planned", _("It is planned"))]


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind of activity"), required=False, choices=[("", _("All")), *ActivityKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ActivityStatus.choices]
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", _("All")), *Tier.choices])
    mode = forms.ChoiceField(label=_("Mode"), required=False, choices=[("", _("All")), *Mode.choices])
    year = forms.ChoiceField(label=_("School year"), required=False, choices=year_choices)
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All")), *BASIC_LEVEL_CHOICES]
    )
    partnership = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    school = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    # one day of the calendar (its "+ N more" link): activities planned on it
    day = DayField(required=False, widget=forms.HiddenInput)


class ActivityForm(Styled, forms.Form):
    """Record or plan an activity. The schools are ticked from the partnership's members; any other
    school is added by its MOET ID."""

    when = forms.ChoiceField(label=_("When"), choices=WHEN_CHOICES, initial="held", widget=forms.RadioSelect)
    day = DayField(label=_("Date"))
    kind = forms.ChoiceField(
        label=_("Kind of activity"), choices=ActivityKind.choices, initial=ActivityKind.TOPIC
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, initial=Mode.IN_PERSON)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.SCHOOL)
    subject = forms.CharField(label=_("Subject"), max_length=100, required=False)
    grade = forms.IntegerField(label=_("Grade"), required=False, min_value=1, max_value=12)
    hosts = forms.MultipleChoiceField(
        label=_("Host schools"), required=False, widget=forms.CheckboxSelectMultiple
    )
    participants = forms.MultipleChoiceField(
        label=_("Schools taking part"), required=False, widget=forms.CheckboxSelectMultiple
    )
    other_hosts = forms.CharField(label=_("Other host schools (MOET IDs)"), required=False, max_length=2000)
    other_participants = forms.CharField(
        label=_("Other schools taking part (MOET IDs)"), required=False, max_length=4000
    )
    ends_on = DayField(label=_("Ends on (programmes and secondments)"), required=False)
    days_per_week = forms.IntegerField(label=_("Days per week"), required=False, min_value=1, max_value=7)
    guests = forms.IntegerField(label=_("Guests"), required=False, min_value=0, initial=0)
    description = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # shown only when the activity looks already recorded (same partnership, title and day)
    save_anyway = forms.BooleanField(label=_("It is another activity: save it anyway"), required=False)

    def __init__(
        self, *args: Any, school_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = school_choices or []
        self.fields["hosts"].choices = choices  # type: ignore[attr-defined]
        self.fields["participants"].choices = choices  # type: ignore[attr-defined]
        self.style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        overlap = set(data.get("hosts") or []) & set(data.get("participants") or [])
        if overlap:
            raise forms.ValidationError(_("A school is either a host or taking part, not both."))
        return data

    def moet_ids(self, name: str) -> list[str]:
        return [part for part in MOET_LIST.split(self.cleaned_data.get(name) or "") if part]


class ConfirmForm(StyledForm):
    held_on = DayField(label=_("Held on"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class PostponeForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)
    new_date = DayField(label=_("New date"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AttendanceFields(forms.Form):
    """One school's attendance: the teachers ticked on its roster, names missing from it, and counts."""

    teachers = forms.MultipleChoiceField(
        label=_("Teachers present"), required=False, widget=forms.CheckboxSelectMultiple
    )
    pupils = forms.IntegerField(label=_("Pupils"), min_value=0, initial=0)
    parents = forms.IntegerField(label=_("Parents"), min_value=0, initial=0)
    new_teachers = forms.CharField(
        label=_("Teachers not on the list (one full name per line)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def new_names(self) -> list[str]:
        return [
            line.strip()
            for line in (self.cleaned_data.get("new_teachers") or "").splitlines()
            if line.strip()
        ]


class AttendanceForm(Styled, AttendanceFields):
    def __init__(self, *args: Any, teacher_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teachers"].choices = teacher_choices  # type: ignore[attr-defined]
        self.style()


class PhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one input (camera or gallery); each is checked by the service as before."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", PhotoInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class RecordForm(ActivityForm, AttendanceFields):
    """Record an activity in one screen: what it was, the recorder's school's attendance (when it took
    place) and its photos, saved together."""

    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(
        self,
        *args: Any,
        school_choices: list[tuple[str, str]] | None = None,
        teacher_choices: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, school_choices=school_choices, **kwargs)
        self.fields["teachers"].choices = teacher_choices or []  # type: ignore[attr-defined]
        for name in ("pupils", "parents"):
            self.fields[name].required = False
            self.fields[name].widget.attrs["inputmode"] = "numeric"


class EvidenceForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("Kind of evidence"), choices=EvidenceKind.choices, initial=EvidenceKind.PHOTO
    )
    title = forms.CharField(label=_("Caption"), max_length=200, required=False)
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    shareable = forms.BooleanField(label=_("Shareable beyond the partnership"), required=False)
