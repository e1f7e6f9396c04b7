from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chungtay.core.forms import DayField
from chungtay.directory.models import BASIC_LEVEL_CHOICES, DevelopmentArea, School
from chungtay.partnerships.models import AgreementKind, OfficeTwinning, PartnershipStatus, Side

LEVEL_CHOICES = [("", _("All levels")), *BASIC_LEVEL_CHOICES, ("mixed", _("Mixed levels"))]


class PartnershipFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *PartnershipStatus.choices]
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=LEVEL_CHOICES)
    pilot = forms.ChoiceField(
        label=_("Pilot"),
        required=False,
        choices=[("", _("All")), ("yes", _("pilot only")), ("no", _("not pilot"))],
    )
    agreement = forms.ChoiceField(
        label=_("Agreement"),
        required=False,
        choices=[
            ("", _("All")),
            ("none", _("no agreement in force")),
            ("expiring", _("expiring within 30 days")),
        ],
    )


class SchoolChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: School) -> str:
        return f"{obj.name} ({obj.moet_id})"


class PartnershipForm(forms.Form):
    twinning = forms.ModelChoiceField(label=_("Office twinning"), queryset=OfficeTwinning.objects.none())
    supporting = SchoolChoiceField(
        label=_("Supporting schools"),
        queryset=School.objects.none(),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    supported = SchoolChoiceField(
        label=_("Supported schools"),
        queryset=School.objects.none(),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    starts_on = DayField(label=_("Starts on"))
    is_pilot = forms.BooleanField(label=_("Pilot partnership (trường điểm)"), required=False)
    pilot_wave = forms.IntegerField(label=_("Pilot wave"), required=False, min_value=1, max_value=20)
    level_override_reason = forms.CharField(
        label=_("Reason for mixing levels (only if the schools teach different levels)"),
        required=False,
        max_length=500,
    )
    name = forms.CharField(label=_("Name (optional)"), required=False, max_length=300)

    def __init__(self, *args: Any, twinnings: Any, supporting: Any, supported: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["twinning"].queryset = twinnings  # type: ignore[attr-defined]
        self.fields["supporting"].queryset = supporting  # type: ignore[attr-defined]
        self.fields["supported"].queryset = supported  # type: ignore[attr-defined]

    def members(self) -> list[tuple[School, str]]:
        data = self.cleaned_data
        return [(s, Side.SUPPORTING) for s in data["supporting"]] + [
            (s, Side.SUPPORTED) for s in data["supported"]
        ]


class MemberForm(forms.Form):
    school = forms.CharField(label=_("MOET school ID"), max_length=20)
    side = forms.ChoiceField(label=_("Side"), choices=Side.choices)
    joined_on = DayField(label=_("Joined on"))


class LeaveForm(forms.Form):
    left_on = DayField(label=_("Left on"))


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementKind.choices)
    number = forms.CharField(label=_("Number and symbol"), required=False, max_length=60)
    title = forms.CharField(label=_("Title"), max_length=300)
    terms = forms.CharField(
        label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 8}), max_length=20000
    )
    valid_from = DayField(label=_("Valid from"), required=False)
    valid_to = DayField(label=_("Valid to"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class CommitmentForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.none())
    area = forms.ChoiceField(label=_("Area"), choices=DevelopmentArea.choices)
    description = forms.CharField(label=_("Commitment"), max_length=500)
    target_value = forms.DecimalField(
        label=_("Target"), required=False, max_digits=10, decimal_places=2, localize=True
    )
    target_unit = forms.CharField(label=_("Unit"), required=False, max_length=60)
    due_on = DayField(label=_("Due on"), required=False)

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]


class SignForm(forms.Form):
    """Signing asks who signs and in which position (pre-filled from the account) and a confirmation."""

    signer_name = forms.CharField(label=_("Signer's full name"), max_length=150)
    position = forms.CharField(label=_("Position"), max_length=150)
    confirm = forms.BooleanField(
        label=_("I sign for my school; a signature cannot be withdrawn."),
        error_messages={"required": _("Tick the confirmation to sign.")},
    )


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ScanForm(forms.Form):
    scan = forms.FileField(label=_("Signed scan (PDF, JPEG or PNG, at most 10 MB)"))


class PlanForm(forms.Form):
    number = forms.CharField(label=_("Number and symbol"), max_length=60, help_text=_("e.g. 4340/KH-SGDĐT"))
    issued_on = DayField(label=_("Issued on"))
    title = forms.CharField(label=_("Title"), max_length=300)
    scope = forms.CharField(
        label=_("Scope"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    twinning = forms.ModelChoiceField(
        label=_("Joint plan of the twinning"), required=False, queryset=OfficeTwinning.objects.none()
    )
    document = forms.FileField(label=_("Document (PDF or Word, at most 10 MB)"), required=False)

    def __init__(self, *args: Any, twinnings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["twinning"].queryset = twinnings  # type: ignore[attr-defined]


class GoalForm(forms.Form):
    description = forms.CharField(label=_("Goal"), max_length=500, required=False)
    target_value = forms.DecimalField(
        label=_("Target"), required=False, max_digits=10, decimal_places=2, localize=True
    )
    target_unit = forms.CharField(label=_("Unit"), required=False, max_length=60)
    due_on = DayField(label=_("Due on"), required=False)


GoalFormSet = forms.formset_factory(GoalForm, extra=4, max_num=20, absolute_max=20, validate_max=True)
