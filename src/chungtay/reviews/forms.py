"""The reviews' forms: a new cycle, a criteria set (its criteria one per line), the self-assessment's
account, a judgement, an appeal and its decision, an award's revocation, a follow-up action."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chungtay.core.forms import DayField, StyledForm
from chungtay.directory.models import Teacher
from chungtay.reviews.models import CriteriaSet, Criterion, CycleKind, Rule
from chungtay.reviews.services import CriterionInput

CRITERIA_HELP = _(
    "One criterion per line: code; criterion; rule; weight; target; gate — for example "
    "“TC1; Activities held; activities_held; 20; 8;” (target and gate may be empty)."
)
CRITERIA_LINE = _("Line %(line)s: %(problem)s")
CRITERIA_FIELDS = _("write six parts separated by “;” (code; criterion; rule; weight; target; gate).")
CRITERIA_RULE = _("the rule “%(rule)s” is not one of: %(rules)s.")
CRITERIA_NUMBER = _("“%(value)s” is not a number (use a comma or a point for decimals).")


def decimal_or_none(text: str) -> Decimal | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not value.is_finite():
        raise ValueError(text)
    return value


class CycleForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind of review"), choices=CycleKind.choices)
    name = forms.CharField(label=_("Name"), max_length=300)
    criteria_set = forms.ModelChoiceField(label=_("Criteria set"), queryset=CriteriaSet.objects.none())
    period_start = DayField(label=_("Period from"))
    period_end = DayField(label=_("Period to"))
    self_opens = DayField(label=_("Self-assessment opens"))
    self_closes = DayField(label=_("Self-assessment closes"))
    office_review_by = DayField(label=_("Office review by"))
    department_review_by = DayField(label=_("Department review by"))
    publish_by = DayField(label=_("Results published by"))
    appeal_days = forms.IntegerField(label=_("Appeal window (days)"), min_value=0, max_value=90, initial=10)
    review_schools = forms.BooleanField(
        label=_("Also review each school over all its partnerships"), required=False
    )
    review_offices = forms.BooleanField(
        label=_("Also review each district office over its schools' partnerships"), required=False
    )

    def __init__(self, *args: Any, sets: Any, office_cycle: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criteria_set"].queryset = sets  # type: ignore[attr-defined]
        if office_cycle:
            del self.fields["review_offices"]  # an office does not review offices


class CriteriaSetForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    basis_number = forms.CharField(label=_("Basis: document number"), max_length=80)
    basis_title = forms.CharField(label=_("Basis: document"), max_length=300)
    basis_article = forms.CharField(label=_("Basis: article"), max_length=120, required=False)
    basis_date = DayField(label=_("Basis: date issued"))
    effective_from = DayField(label=_("Effective from"))
    effective_to = DayField(label=_("Effective to"), required=False)
    criteria = forms.CharField(
        label=_("Criteria"),
        widget=forms.Textarea(attrs={"rows": 9}),
        help_text=CRITERIA_HELP,
        max_length=20000,
    )

    def clean_criteria(self) -> list[CriterionInput]:
        rules = [value for value, _label in Rule.choices]
        found = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";")]
            parts += [""] * (6 - len(parts))
            if len(parts) != 6 or not parts[0] or not parts[1]:
                raise forms.ValidationError(CRITERIA_LINE % {"line": number, "problem": CRITERIA_FIELDS})
            code, label, rule, weight, target, gate = parts
            if rule not in rules:
                problem = CRITERIA_RULE % {"rule": rule, "rules": ", ".join(rules)}
                raise forms.ValidationError(CRITERIA_LINE % {"line": number, "problem": problem})
            try:
                values = [decimal_or_none(weight), decimal_or_none(target), decimal_or_none(gate)]
            except ValueError as error:
                problem = CRITERIA_NUMBER % {"value": error.args[0]}
                raise forms.ValidationError(CRITERIA_LINE % {"line": number, "problem": problem}) from error
            if values[0] is None:
                problem = CRITERIA_NUMBER % {"value": ""}
                raise forms.ValidationError(CRITERIA_LINE % {"line": number, "problem": problem})
            found.append(CriterionInput(code[:12], label[:300], rule, values[0], values[1], values[2]))
        return found


def criteria_text(criteria: list[Criterion]) -> str:
    """A set's criteria in the form's own line format (to start a new version from)."""

    def number(value: Decimal | None) -> str:
        return "" if value is None else format(value.normalize(), "f")

    return "\n".join(
        f"{c.code}; {c.label}; {c.rule}; {number(c.weight)}; {number(c.target)}; {number(c.gate)}"
        for c in criteria
    )


class NarrativeForm(forms.Form):
    narrative = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class JudgeForm(StyledForm):
    points = forms.DecimalField(
        label=_("Sub-score (0–100)"), min_value=0, max_value=100, decimal_places=2, localize=True
    )
    comment = forms.CharField(
        label=_("Comment (why)"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    evidence = forms.FileField(label=_("Evidence"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AppealForm(StyledForm):
    criterion = forms.ModelChoiceField(label=_("Criterion"), queryset=Criterion.objects.none())
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args: Any, criteria: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criteria  # type: ignore[attr-defined]


class DecisionForm(StyledForm):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Upheld")), ("0", _("Rejected"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    points = forms.DecimalField(
        label=_("New sub-score (judgement criterion)"),
        required=False,
        min_value=0,
        max_value=100,
        localize=True,
    )
    decision = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class FollowUpForm(StyledForm):
    description = forms.CharField(label=_("Action"), max_length=500)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, choices=())
    due_on = DayField(label=_("Due on"))

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners  # type: ignore[attr-defined]


class AwardKindForm(StyledForm):
    name = forms.CharField(label=_("Award"), max_length=200)
    issuer = forms.CharField(label=_("Awarded by"), max_length=200)
    cap = forms.IntegerField(label=_("At most, per category"))


class NominationForm(StyledForm):
    teacher = forms.ModelChoiceField(label=_("Teacher"), queryset=Teacher.objects.none())
    statement = forms.CharField(
        label=_("Why the school nominates them"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )

    def __init__(self, *args: Any, teachers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers  # type: ignore[attr-defined]
