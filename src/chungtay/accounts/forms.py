from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80)
    read_only = forms.BooleanField(label=_("Read-only"), required=False, initial=True)
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"),
        coerce=int,
        choices=[(30, _("in 30 days")), (90, _("in 90 days")), (365, _("in a year")), (0, _("never"))],
        initial=90,
    )

    def expiry(self, now: dt.datetime) -> dt.datetime | None:
        days = self.cleaned_data["expires_in_days"]
        return now + dt.timedelta(days=days) if days else None
