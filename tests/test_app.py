"""The application shell: health check, error pages, SQLite settings, config."""
import pytest
from sqlalchemy import text

from config import Config
from engage import create_app
from engage.extensions import db
from tests.conftest import ON_POSTGRES


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_database_is_down(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_server_error_shows_page_and_rolls_back(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        from engage.models import Consultation

        db.session.add(Consultation(slug="half-written", title="Half written"))
        db.session.flush()
        raise RuntimeError("boom")

    client = app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
    from engage.models import Consultation

    db.session.remove()
    assert Consultation.query.filter_by(slug="half-written").count() == 0


def test_secret_key_required_outside_development(monkeypatch):
    class Production(Config):
        ENV_NAME = "production"
        SECRET_KEY = None

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production)


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite connection settings")
def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(app):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite connection settings")
def test_sqlite_write_transactions_begin_immediate(app):
    """A second writer waits for the first instead of failing part-way."""
    import sqlite3

    path = db.engine.url.database
    with app.test_request_context("/staff/consultations/new", method="POST"):
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))  # a POST: BEGIN IMMEDIATE
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
            connection.rollback()
    with app.test_request_context("/staff/", method="GET"):
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))  # a page view: deferred, writers not blocked
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            other.close()
            connection.rollback()
