"""One shared demo city per test database: loaded once per session (per xdist worker), then every test
runs inside a transaction that is rolled back, so tests see the same demo and leave it untouched."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from chungtay.accounts.models import User

DEMO_PASSWORD = "demo-pass-123"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001 - pytest-django's fixture
    with django_db_blocker.unblock():
        call_command("load_demo", "--quiet-accounts", "--password", DEMO_PASSWORD, stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a page asked for in English leaves English active in the
    worker's thread (the locale middleware activates it and nothing deactivates it), so a later test that
    reads a label outside a request read it in English, depending on which tests its worker ran before."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def login(client: Client, username: str) -> User:
    user = User.objects.get(username=username)
    client.force_login(user)
    return user


@pytest.fixture
def as_user(client: Client, db):  # noqa: ANN001
    """Log the test client in as a demo account: `as_user("pgd.unghoa")`."""

    def _login(username: str) -> User:
        return login(client, username)

    return _login
