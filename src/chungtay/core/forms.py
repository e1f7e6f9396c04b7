"""Form helpers shared by every app's pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chungtay.core import schoolyears
from chungtay.core.dates import INPUT_FORMATS, today
from chungtay.core.errors import DomainError

T = TypeVar("T")

DATE_INVALID = _("Enter a date as dd/mm/yyyy, for example 05/03/2023.")
DATE_OUT_OF_RANGE = _("Choose a date between 1990 and 2100.")


class Styled:
    """Bootstrap classes on every widget, so templates render `{{ field }}` as it is."""

    def style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")


class StyledForm(Styled, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class DayField(forms.DateField):
    """A date typed as dd/mm/yyyy (ISO accepted), within a sane range."""

    default_error_messages = {"invalid": DATE_INVALID}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", INPUT_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str) and len(value) > 10:
            raise forms.ValidationError(DATE_INVALID, code="invalid")
        day = super().to_python(value)
        if day is not None and not (1990 <= day.year <= 2100):
            raise forms.ValidationError(DATE_OUT_OF_RANGE, code="out_of_range")
        return day


def year_choices() -> list[tuple[str, Any]]:
    """The current school year and the five before it, newest first, after "all years"."""
    current = schoolyears.start_year_of(today())
    return [("", _("All years"))] + [
        (str(year), schoolyears.label(year)) for year in range(current, current - 6, -1)
    ]


@dataclass
class Submission(Generic[T]):
    """What became of a submitted form: `done` with the service's result, or the status to answer
    with (400 for an invalid form, the refusal's own status otherwise) and the errors on the form."""

    done: bool
    result: T | None = None
    status: int = 200

    @property
    def value(self) -> T:
        """The service's result of a done submission."""
        assert self.done
        return self.result  # type: ignore[return-value]


def submit(
    form: forms.Form, action: Callable[[dict[str, Any]], T], *, on_fields: bool = False
) -> Submission[T]:
    """The one adapter between a page's form and a service: validate the form, run the service with
    the cleaned data, and turn a `DomainError` into the form's error and its HTTP status. The error is
    shown above the form; with `on_fields=True` (a page that renders every field's errors) on the field
    it names, when the form has that field. A model `ValidationError` raised by the service is shown
    above the form, with a 400."""
    if not form.is_valid():
        return Submission(done=False, status=400)
    try:
        result = action(form.cleaned_data)
    except DomainError as error:
        names = (error.field, error.code) if on_fields else ()
        field = next((name for name in names if name and name in form.fields), None)
        form.add_error(field, str(error.message))
        return Submission(done=False, status=error.status_code)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return Submission(done=False, status=400)
    return Submission(done=True, result=result)
