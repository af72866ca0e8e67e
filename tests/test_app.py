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


def _try_write_lock(path):
    """True if another connection could take SQLite's write lock right now."""
    import sqlite3

    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as problem:
        assert "locked" in str(problem)
        return False
    finally:
        other.close()


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite connection settings")
def test_sqlite_takes_the_write_lock_at_the_first_write_only(app):
    """Reads never hold other writers up; the first write waits for the lock instead of failing."""
    import sqlite3

    path = db.engine.url.database
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE lock_probe (id INTEGER PRIMARY KEY, note TEXT)"))
    with app.test_request_context("/staff/consultations/new", method="POST"):
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM lock_probe")).scalar() == 0
            assert _try_write_lock(path)  # reading a form's objects holds no lock
            # Someone else writes after our read: our first write must still succeed (no
            # "database is locked" from a stale snapshot) and see their row.
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("INSERT INTO lock_probe (note) VALUES ('theirs')")
            other.close()
            connection.execute(text("INSERT INTO lock_probe (note) VALUES ('ours')"))
            assert not _try_write_lock(path)  # from the first write to the commit, writers queue
            assert connection.execute(text("SELECT count(*) FROM lock_probe")).scalar() == 2
            connection.commit()
        assert _try_write_lock(path)
    with app.test_request_context("/staff/", method="POST"):
        with db.engine.connect() as connection:
            # A locking read (with_for_update, a no-op in SQLite's SQL) takes the lock first too.
            probe = db.Table("lock_probe", db.MetaData(), autoload_with=connection)
            connection.execute(db.select(probe).with_for_update()).all()
            assert not _try_write_lock(path)
            connection.rollback()


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite connection settings")
def test_a_bulk_insert_through_the_driver_takes_the_write_lock_too(app):
    """The import's fast path bypasses SQLAlchemy's events; it must not fail on a stale snapshot."""
    import sqlite3

    from engage.imports.services import bulk_insert

    path = db.engine.url.database
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE lock_probe (id INTEGER PRIMARY KEY, note TEXT)"))
    probe = db.Table("lock_probe", db.MetaData(), autoload_with=db.engine)
    assert db.session.execute(text("SELECT count(*) FROM lock_probe")).scalar() == 0  # a read snapshot
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("INSERT INTO lock_probe (note) VALUES ('theirs')")  # someone writes after our read
    other.close()
    bulk_insert(probe, [{"note": "ours 1"}, {"note": "ours 2"}])
    assert not _try_write_lock(path)
    db.session.commit()
    assert db.session.execute(text("SELECT count(*) FROM lock_probe")).scalar() == 3





def _server_closes_every_connection(application):
    """What a database restart does to the app's connections."""
    import psycopg

    with application.app_context():
        url = db.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL server closing connections")
def test_a_connection_the_server_closes_mid_request_rolls_back_cleanly_and_the_next_works(app, client):
    from sqlalchemy.exc import OperationalError

    assert db.session.execute(text("SELECT 1")).scalar() == 1
    _server_closes_every_connection(app)
    with pytest.raises(OperationalError):
        db.session.execute(text("SELECT 1"))
    db.session.rollback()  # the error pages and /healthz do this: it must not raise in its turn
    assert db.session.execute(text("SELECT 1")).scalar() == 1
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
