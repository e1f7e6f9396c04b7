"""`{% idempotency_key %}`: a fresh key in a hidden field, so a form sent twice does its work once."""

from django import template
from django.utils.safestring import SafeString

from chungtay.accounts.idempotency import hidden_field

register = template.Library()


@register.simple_tag
def idempotency_key() -> SafeString:
    return hidden_field()
