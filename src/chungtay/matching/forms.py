from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chungtay.directory.models import BASIC_LEVEL_CHOICES, DevelopmentArea, SchoolYear
from chungtay.partnerships.models import OfficeTwinning


def _pairs(text: str) -> list[list[str]]:
    """Lines of "supporting MOET ID, supported MOET ID"."""
    pairs = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.replace(";", ",").replace("–", ",").split(",") if p.strip()]
        if not parts:
            continue
        if len(parts) != 2:
            raise forms.ValidationError(_("Write one pair per line: supporting MOET ID, supported MOET ID."))
        pairs.append(parts)
    return pairs


class RunForm(forms.Form):
    twinning = forms.ModelChoiceField(label=_("Office twinning"), queryset=OfficeTwinning.objects.none())
    levels = forms.MultipleChoiceField(
        label=_("Levels"),
        choices=BASIC_LEVEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["mn", "th", "thcs"],
    )
    school_year = forms.TypedChoiceField(label=_("Self-assessments of"), coerce=int)
    public_only = forms.BooleanField(label=_("Public schools only"), required=False, initial=True)
    existing = forms.ChoiceField(
        label=_("Schools already in a group of this twinning"),
        choices=[
            ("exclude", _("leave them out (match only the schools without a group)")),
            ("replace", _("match them afresh and end their groups on accept")),
        ],
        initial="exclude",
        required=False,
    )
    capacity = forms.IntegerField(
        label=_("Supported schools per supporting school (at most)"), min_value=0, max_value=20, initial=2
    )
    min_load = forms.IntegerField(label=_("… and at least"), min_value=0, max_value=20, initial=1)
    max_distance_km = forms.FloatField(
        label=_("Maximum distance (km)"),
        required=False,
        min_value=0.1,
        max_value=2000,
        initial=60,
        localize=True,
    )
    distance_weight = forms.FloatField(
        label=_("How much distance counts (points taken off per km)"),
        min_value=0,
        max_value=10,
        initial=0.05,
        localize=True,
    )
    pinned = forms.CharField(
        label=_("Pinned pairs (one per line: supporting, supported MOET ID)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    forbidden = forms.CharField(
        label=_("Forbidden pairs (same format)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, twinnings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["twinning"].queryset = twinnings  # type: ignore[attr-defined]
        years = list(SchoolYear.objects.order_by("-start_year"))
        self.fields["school_year"].choices = [(y.start_year, y.label) for y in years]  # type: ignore[attr-defined]
        for area, label in DevelopmentArea.choices:
            self.fields[f"weight_{area}"] = forms.FloatField(
                label=label, min_value=0, max_value=10, initial=1.0, localize=True
            )

    def weight_fields(self) -> list[Any]:
        return [self[f"weight_{area}"] for area in DevelopmentArea.values]

    def clean_pinned(self) -> list[list[str]]:
        return _pairs(self.cleaned_data["pinned"])

    def clean_forbidden(self) -> list[list[str]]:
        return _pairs(self.cleaned_data["forbidden"])

    def parameters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "levels": data["levels"],
            "school_year": data["school_year"],
            "public_only": data["public_only"],
            "existing": data.get("existing") or "exclude",
            "capacity": data["capacity"],
            "min_load": data["min_load"],
            "max_distance_km": data["max_distance_km"],
            "distance_weight": data["distance_weight"],
            "pinned": data["pinned"],
            "forbidden": data["forbidden"],
            "weights": {area: data[f"weight_{area}"] for area in DevelopmentArea.values},
        }

    @classmethod
    def initial_from(cls, run: Any) -> dict[str, Any]:
        p = run.parameters
        initial = {
            "twinning": run.twinning_id,
            "levels": p["levels"],
            "school_year": p["school_year"],
            "public_only": p.get("public_only", True),
            "existing": p.get("existing", "exclude"),
            "capacity": p["capacity"],
            "min_load": p["min_load"],
            "max_distance_km": p["max_distance_km"],
            "distance_weight": p["distance_weight"],
            "pinned": "\n".join(", ".join(x) for x in p["pinned"]),
            "forbidden": "\n".join(", ".join(x) for x in p["forbidden"]),
        }
        initial.update({f"weight_{a}": w for a, w in p["weights"].items()})
        return initial
