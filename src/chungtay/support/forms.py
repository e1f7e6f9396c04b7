from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chungtay.core.forms import DayField, StyledForm, year_choices
from chungtay.core.models import MAX_ID
from chungtay.support.models import Circumstance, DonorKind, SupportKind

VALUE_INVALID = _("Write the value in đồng, digits only (dots between thousands are fine).")


class MoneyField(forms.Field):
    """An amount in đồng as people write it: "15.000.000", "15 000 000" or "15000000"."""

    widget = forms.TextInput(attrs={"inputmode": "numeric"})

    def to_python(self, value: Any) -> int | None:
        text = str(value or "")[:40].strip().removesuffix("đ").removesuffix("VND").strip()
        text = re.sub(r"[\s.,]", "", text)
        if not text:
            return None
        if not text.isdigit() or len(text) > 15:
            raise forms.ValidationError(VALUE_INVALID, code="invalid")
        return int(text)


class SupportFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind of support"), required=False, choices=[("", _("All")), *SupportKind.choices]
    )
    year = forms.ChoiceField(label=_("School year"), required=False, choices=year_choices)
    partnership = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    school = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)


class SupportForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind of support"), choices=SupportKind.choices)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=2, localize=True, min_value=Decimal("0.01")
    )
    unit = forms.CharField(label=_("Unit"), max_length=40, help_text=_("suất, cuốn, bộ, chiếc, lớp, buổi…"))
    value_vnd = MoneyField(label=_("Value (VND), if known"), required=False)
    given_on = DayField(label=_("Given on"))
    receiving_school = forms.ChoiceField(label=_("Receiving school"))
    giver_kind = forms.ChoiceField(label=_("Given by"), choices=DonorKind.choices, initial=DonorKind.SCHOOL)
    giver_school = forms.ChoiceField(label=_("Giving school"), required=False)
    giver_name = forms.CharField(
        label=_("Giver's name (business, agency, person)"), required=False, max_length=200
    )
    programme = forms.CharField(label=_("Programme"), required=False, max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    pupils = forms.MultipleChoiceField(
        label=_("Pupils supported (codes of your school)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = forms.FileField(label=_("Evidence (PDF or photo)"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        schools: list[tuple[str, str]],
        pupils: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receiving_school"].choices = schools  # type: ignore[attr-defined]
        self.fields["giver_school"].choices = [("", "—"), *schools]  # type: ignore[attr-defined]
        if pupils:
            self.fields["pupils"].choices = pupils  # type: ignore[attr-defined]
        else:
            del self.fields["pupils"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("giver_kind")
        if kind == DonorKind.SCHOOL and not data.get("giver_school"):
            self.add_error("giver_school", _("Choose the giving school."))
        if kind not in (DonorKind.SCHOOL, DonorKind.OFFICE) and not (data.get("giver_name") or "").strip():
            self.add_error("giver_name", _("Write the giver's name."))
        return data


class BeneficiaryForm(StyledForm):
    grade = forms.IntegerField(label=_("Grade"), required=False, min_value=0, max_value=12)
    circumstance = forms.ChoiceField(label=_("Circumstance"), choices=Circumstance.choices)


class SupportEditForm(StyledForm):
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=2, localize=True, min_value=Decimal("0.01")
    )
    unit = forms.CharField(label=_("Unit"), max_length=40)
    value_vnd = MoneyField(label=_("Value (VND), if known"), required=False)
    given_on = DayField(label=_("Given on"))
    programme = forms.CharField(label=_("Programme"), required=False, max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)
