from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Hanoi demo: `manage.py load_demo` calls each app's demo builder in order. It stands on top of
    every app, so no lower app has to know the others to build a city."""

    name = "chungtay.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"
