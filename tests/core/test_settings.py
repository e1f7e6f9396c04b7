"""The database settings a deployment gets from its environment (chungtay.settings)."""

import json
from pathlib import Path

import pytest

from tests.core.fresh_process import run_fresh

POSTGRES = "postgres://postgres@127.0.0.1:5432/chungtay"
# what this process's environment may set that the settings under test must not see
UNSET = ("DATABASE_URL", "DJANGO_CONN_MAX_AGE", "CHUNGTAY_PG_RANDOM_PAGE_COST", "REDIS_URL")


def _databases(tmp_path: Path, **environment: str) -> dict:
    """The DATABASES setting as a fresh process reads it (no connection is made)."""
    script = (
        "import json\n"
        "from django.conf import settings\n"
        "print(json.dumps({alias: {'age': db['CONN_MAX_AGE'], 'checked': db['CONN_HEALTH_CHECKS'],"
        " 'options': db.get('OPTIONS', {})} for alias, db in settings.DATABASES.items()}))\n"
    )
    printed = run_fresh(script, tmp_path, drop=UNSET, **environment)
    return json.loads(printed.splitlines()[-1])


def test_postgresql_connections_are_kept_between_requests_and_checked_before_use(tmp_path):
    """A web worker on PostgreSQL keeps its connections (the app's and the cache's) for 60 s, each
    checked before a request uses it, instead of starting a server process for every request."""
    databases = _databases(tmp_path, DATABASE_URL=POSTGRES)
    assert set(databases) == {"default", "cache"}
    for database in databases.values():
        assert database["age"] == 60
        assert database["checked"] is True
        assert database["options"]["connect_timeout"] == 10
        assert database["options"]["options"] == "-c random_page_cost=1.1"


@pytest.mark.parametrize(("given", "kept"), [("0", 0), ("300", 300)])
def test_the_environment_chooses_how_long_connections_are_kept(tmp_path, given, kept):
    databases = _databases(tmp_path, DATABASE_URL=POSTGRES, DJANGO_CONN_MAX_AGE=given)
    assert databases["default"]["age"] == kept


def test_sqlite_opens_a_connection_per_request(tmp_path):
    """The embedded default (the development server's thread per request) keeps none."""
    databases = _databases(tmp_path)
    assert set(databases) == {"default"}
    assert databases["default"]["age"] == 0
