from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The pages that compose several apps: the home page and what every page's layout needs."""

    name = "chungtay.pages"
    label = "pages"
    default_auto_field = "django.db.models.BigAutoField"
