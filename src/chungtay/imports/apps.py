from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "chungtay.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from chungtay.imports import services  # noqa: F401 - registers its recovery of interrupted tasks
