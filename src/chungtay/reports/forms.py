"""The forms of the reports pages: a new report (its kind and the figures' scope and period) and the
draft's heading, signer and narrative."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from chungtay.analytics.query import FiguresForm
from chungtay.core.forms import Styled
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
