"""A throw-away PostgreSQL database for a benchmark, made before Django starts (its settings read
DATABASE_URL once)."""

from __future__ import annotations

import os
from urllib.parse import urlparse, urlunparse


def fresh_database(name: str) -> str:
    """A throw-away PostgreSQL database `name` (dropped first) on the server of DATABASE_URL (default
    postgres://postgres@127.0.0.1:5432): its URL."""
    import psycopg

    parsed = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parsed._replace(path=f"/{name}"))
