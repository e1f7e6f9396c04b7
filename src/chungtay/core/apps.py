from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chungtay.core"
    label = "core"

    def ready(self) -> None:
        from chungtay.core import audit  # noqa: F401 - connects the history signal
