from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "chungtay.matching"
    label = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from chungtay.matching import services  # noqa: F401 - registers its recovery of interrupted tasks
