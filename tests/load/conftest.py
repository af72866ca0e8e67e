"""Load and fault tests: Engage under gunicorn on loopback, on a database of each test's own.

They run in `make test` with everything else; select or skip them with `-m load` / `-m "not load"`.
"""
import os
from types import SimpleNamespace

import pytest

from bench.concurrency import fresh_database, prepare


def pytest_configure(config):
    """Register the `load` marker."""
    config.addinivalue_line("markers", "load: starts gunicorn and drives it with concurrent respondents")


@pytest.fixture
def journey_db(tmp_path):
    """A fresh, migrated database with one open consultation (SQLite, or PostgreSQL when the suite runs on it).

    On PostgreSQL it is a database of its own next to TEST_DATABASE_URL, dropped afterwards,
    so that killing the server mid-write cannot disturb the other tests' database.
    """
    url, drop = fresh_database(tmp_path, os.environ.get("TEST_DATABASE_URL", ""))
    try:
        slug, groups, localities = prepare(url)
        yield SimpleNamespace(url=url, slug=slug, groups=groups, localities=localities,
                              sqlite_path=url.removeprefix("sqlite:///") if url.startswith("sqlite") else None)
    finally:
        drop()
