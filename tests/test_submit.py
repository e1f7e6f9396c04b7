"""core.forms.submit: the one adapter between a page's form and a service."""

from django import forms
from django.core.exceptions import ValidationError

from chungtay.core.errors import ConflictError, DomainError
from chungtay.core.forms import submit


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def test_a_valid_form_runs_the_service_with_its_cleaned_data() -> None:
    submitted = submit(NameForm({"name": " Lan "}), lambda data: data["name"].upper())
    assert submitted.done and submitted.value == "LAN" and submitted.status == 200


def test_an_invalid_form_never_runs_the_service_and_answers_400() -> None:
    calls = []
    form = NameForm({"name": "x" * 11})
    submitted = submit(form, calls.append)
    assert not submitted.done and submitted.status == 400 and calls == []
    assert form.errors["name"]


def test_a_refusal_is_shown_above_the_form_or_on_the_field_it_names_with_its_status() -> None:
    def refuse(data: dict) -> None:
        raise DomainError("Tên đã có.", field="name")

    form = NameForm({"name": "Lan"})
    submitted = submit(form, refuse)
    assert (submitted.done, submitted.status) == (False, 400)
    assert form.non_field_errors() == ["Tên đã có."] and "name" not in form.errors
    on_field = NameForm({"name": "Lan"})
    assert submit(on_field, refuse, on_fields=True).status == 400
    assert on_field.errors["name"] == ["Tên đã có."] and not on_field.non_field_errors()


def test_a_conflict_is_shown_above_the_form_with_409() -> None:
    def stale(data: dict) -> None:
        raise ConflictError("Người khác vừa sửa.")

    form = NameForm({"name": "Lan"})
    submitted = submit(form, stale)
    assert submitted.status == 409
    assert form.non_field_errors() == ["Người khác vừa sửa."]


def test_a_model_validation_error_is_shown_with_400() -> None:
    def invalid(data: dict) -> None:
        raise ValidationError(["Ngày không hợp lệ.", "Thiếu số hiệu."])

    form = NameForm({"name": "Lan"})
    submitted = submit(form, invalid)
    assert submitted.status == 400
    assert form.non_field_errors() == ["Ngày không hợp lệ.", "Thiếu số hiệu."]
