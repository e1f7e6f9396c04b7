import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chungtay.settings")
application = get_wsgi_application()

from chungtay.core.runtime import settle_collector  # noqa: E402 - once the application is loaded

settle_collector()
