"""Connection settings that make SQLite safe for many writers at once."""
import sqlite3

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
_busy_timeout_ms = 10000


def configure_sqlite(busy_timeout_ms):
    """Set the busy timeout every new SQLite connection gets."""
    global _busy_timeout_ms
    _busy_timeout_ms = busy_timeout_ms


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """WAL, a busy timeout and foreign keys on every SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Take transaction control from pysqlite so that we can BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(_busy_timeout_ms)}")
    cursor.execute("PRAGMA foreign_keys = ON")
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection):
    """Begin writes IMMEDIATE so that concurrent writers queue instead of failing.

    Page views (GET/HEAD) begin a deferred, read-only-friendly transaction so that
    readers never wait behind writers under WAL.
    """
    if connection.dialect.name != "sqlite":
        return
    if has_request_context():
        immediate = request.method not in READ_ONLY_METHODS
    else:
        # Commands and background work write; the test suite's own reads do not.
        immediate = not (has_app_context() and current_app.config.get("TESTING"))
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
