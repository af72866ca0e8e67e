"""Fixtures: a fresh app and database per test, an auth helper, factories."""
import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from config import TestConfig
from engage import create_app
from engage.extensions import db
from tests import factories

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")


def _config_for(tmp_path):
    """TestConfig with a database of this test's own."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = POSTGRES_URL if ON_POSTGRES else f"sqlite:///{tmp_path / 'test.sqlite'}"
        EXPORT_DIR = str(tmp_path / "exports")  # ids restart every test, so downloads must not be shared

    return Config


def _reset_postgres():
    """Empty every table (faster than dropping and creating the schema each test)."""
    db.create_all()
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, database session and `g`, as in production.

    Without this, requests would share the test's app context (and so its
    session and Flask-Login's cached user) and hide real bugs.
    """

    def open(self, *args, **kwargs):
        # End the test's own read transaction first, so that it neither holds
        # a stale snapshot nor blocks the request's writes (as two browsers would).
        db.session.rollback()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(tmp_path):
    """A fresh Engage with an empty database."""
    application = create_app(_config_for(tmp_path))
    application.test_client_class = IsolatedClient
    with application.app_context():
        if ON_POSTGRES:
            _reset_postgres()
        else:
            db.create_all()
        yield application
        db.session.remove()
        if not ON_POSTGRES:
            db.engine.dispose()


@pytest.fixture
def csrf_app(app):
    """The same app with CSRF protection switched on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


PASSWORD = "correct horse battery staple"


def login(client, user, password=PASSWORD):
    """Sign in through the real form; returns the response."""
    return client.post("/auth/login", data={"email": user.email, "password": password},
                       follow_redirects=False)


def csrf_token_from(html):
    """The CSRF token in a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def make_user(app):
    """Create a user with a role; password is PASSWORD."""
    return factories.make_user


@pytest.fixture
def make_consultation(app):
    """Create a consultation (draft by default)."""
    return factories.make_consultation


@pytest.fixture
def officer(app):
    """A signed-up officer."""
    return factories.make_user("officer")


@pytest.fixture
def officer_client(client, officer):
    """A client signed in as an officer."""
    response = login(client, officer)
    assert response.status_code == 302
    return client
