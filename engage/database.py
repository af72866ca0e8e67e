"""Connection settings that make SQLite safe for many writers at once."""
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

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
    """Begin deferred; take the write lock only at the first write.

    SQLite has one writer at a time. Beginning every POST IMMEDIATE made each one hold
    the lock for the whole request (loading, validating, writing): about 10 ms each, which
    capped submissions near 14 full responses a second, and a background job held it while
    it computed. So every transaction begins deferred (reads never wait) and
    _take_write_lock swaps it for an IMMEDIATE one just before its first write: a queue
    for the lock, never "database is locked" from a stale snapshot. Reads made before
    that point see committed data as in PostgreSQL's default READ COMMITTED, so code
    that must not race uses a conditional UPDATE or with_for_update(), which also takes
    the lock first here.
    """
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN")
    connection.info["sqlite_deferred"] = True


WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_before_execute(connection, cursor, statement, parameters, context, executemany):
    """Take the write lock before the first write (or locking read) of a deferred transaction."""
    if not connection.info.get("sqlite_deferred"):
        return
    compiled = getattr(context, "compiled", None)
    locking_read = getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None
    if locking_read or statement.lstrip()[:9].upper().startswith(WRITE_VERBS):
        _take_write_lock(connection, cursor)


def before_raw_write(connection):
    """Call before writing through the driver directly (bypassing SQLAlchemy's events).

    `connection` is the session's SQLAlchemy Connection; on SQLite a deferred transaction
    takes the write lock here, as _sqlite_before_execute does for statements it sees.
    """
    if connection.info.get("sqlite_deferred"):
        cursor = connection.connection.driver_connection.cursor()
        try:
            _take_write_lock(connection, cursor)
        finally:
            cursor.close()


def _take_write_lock(connection, cursor):
    """End the read-only part of the transaction and begin IMMEDIATE (waits for other writers).

    Nothing has been written yet, so the COMMIT only releases the read snapshot; the
    writes that follow see everything committed before the lock was granted.
    """
    connection.info["sqlite_deferred"] = False
    cursor.execute("COMMIT")
    cursor.execute("BEGIN IMMEDIATE")


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_on_end(connection):
    """The next transaction on this connection decides afresh."""
    # Not for other databases: a connection the server closed raises on reading its .info.
    if connection.dialect.name == "sqlite" and not connection.invalidated:
        connection.info.pop("sqlite_deferred", None)


def read_without_transaction(session):
    """On PostgreSQL, let this request's statements run outside a transaction (autocommit).

    For requests that only read (and at most write one row, as a GET giving out a private
    link does). Each statement under PostgreSQL's default READ COMMITTED sees what was
    committed when it began, in a transaction or not, so the pages are the same; what goes
    is the BEGIN before the first statement and the ROLLBACK when the connection goes back
    to the pool, two of a public page's three or four round trips to the server. On 100
    in-process journeys (bench/profile_journey.py) that took the server's CPU per journey
    from 13 ms to 6 ms and the app's from 52 ms to 47 ms. The connection's usual level comes
    back when it returns to the pool. SQLite has no round trips to save, and its
    transactions are handled above, so it is left as it is. Does nothing once the session
    has begun (its connection is chosen).
    """
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
