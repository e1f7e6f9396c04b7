from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "chungtay.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from chungtay.accounts import idempotency  # noqa: F401 - registers the pruning of old keys
