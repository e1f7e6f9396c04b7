"""The forms of the reports pages: a new report (its kind and the figures' scope and period) and the
draft's heading, signer and narrative."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from chungtay.analytics.query import FiguresForm
from chungtay.core.forms import DayField, Styled
from chungtay.reports.council import Meeting
from chungtay.reports.models import Report, ReportKind
from chungtay.reports.services import EDITABLE


class NewReportForm(FiguresForm):
    """FiguresForm's scope and period, and the kind: an interim report is for a school year (the current
    one unless chosen), a final report for the phase unless a period is chosen."""

    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices, initial=ReportKind.INTERIM)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def params(self) -> dict[str, list[str]]:
        """The scope and period as query parameters (what the report keeps, to read its figures again)."""
        data = self.cleaned_data
        params: dict[str, list[str]] = {}
        if data.get("date_from") and data.get("date_to"):
            params["date_from"] = [data["date_from"].strftime("%d/%m/%Y")]
            params["date_to"] = [data["date_to"].strftime("%d/%m/%Y")]
        elif data.get("year") is not None:
            from chungtay.core import schoolyears

            params["year"] = [schoolyears.label(data["year"])]
        elif data.get("period"):
            params["period"] = [data["period"]]
        for name in ("office", "twinning", "unit", "partnership", "school"):
            if data.get(name):
                params[name] = [str(data[name])]
        if data.get("level"):
            params["level"] = list(data["level"])
        return params


class ReportEditForm(Styled, forms.ModelForm[Report]):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Report
        fields = EDITABLE
        widgets = {
            "subject": forms.Textarea(attrs={"rows": 2}),
            "addressees": forms.Textarea(attrs={"rows": 2}),
            "recipients": forms.Textarea(attrs={"rows": 3}),
            "achievements": forms.Textarea(attrs={"rows": 6}),
            "limitations": forms.Textarea(attrs={"rows": 4}),
            "tasks_ahead": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        for name in ("achievements", "limitations", "tasks_ahead", "addressees", "recipients"):
            field = self.fields[name]
            assert isinstance(field, forms.CharField)
            field.max_length = 20000
            field.validators.append(MaxLengthValidator(20000))
            field.widget.attrs["maxlength"] = 20000


COUNCIL_COUNTS = _(
    "The members present cannot be more than the council's members, nor the votes for more than those "
    "present."
)


class MeetingForm(forms.Form, Styled):
    """What the council's secretary types in for its documents; the rest is read from the cycle."""

    day = DayField(label=_("Meeting day"))
    place = forms.CharField(label=_("Place"), max_length=200)
    chair = forms.CharField(label=_("Chair (name)"), max_length=150)
    chair_position = forms.CharField(label=_("Chair (position)"), max_length=150)
    secretary = forms.CharField(label=_("Secretary (name)"), max_length=150)
    members_total = forms.IntegerField(label=_("Members of the council"), min_value=1, max_value=100)
    members_present = forms.IntegerField(label=_("Members present"), min_value=1, max_value=100)
    votes_for = forms.IntegerField(label=_("Votes for"), min_value=0, max_value=100)
    attendees = forms.CharField(
        label=_("Also present (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
    )
    minutes_number = forms.CharField(
        label=_("Minutes: number and symbol"), max_length=60, initial="/BB-HĐTĐKT"
    )
    proposal_number = forms.CharField(
        label=_("Proposal: number and symbol"), max_length=60, initial="/TTr-HĐTĐKT"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        total, present, votes = data.get("members_total"), data.get("members_present"), data.get("votes_for")
        if None not in (total, present, votes) and not (votes <= present <= total):  # type: ignore[operator]
            raise forms.ValidationError(COUNCIL_COUNTS)
        return data

    def meeting(self) -> Meeting:
        values = dict(self.cleaned_data)
        values["attendees"] = [line.strip() for line in values["attendees"].splitlines() if line.strip()]
        return Meeting(**values)
