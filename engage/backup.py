"""Backups and restores of the whole database, from the command line.

    flask --app engage backup [--to PATH]       SQLite: the online backup API (a consistent copy
                                                while Engage keeps running); PostgreSQL: pg_dump -Fc
    flask --app engage restore PATH --yes       SQLite: copied back page by page; PostgreSQL:
                                                pg_restore --clean (stop Engage first)

Uploads waiting to be imported are temporary and are not part of a backup.
"""
import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump/pg_restore with an argument list, never a shell
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url

from engage.extensions import db


def backend():
    """"sqlite" or "postgresql"."""
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()


def default_path():
    """instance/backups/engage-<UTC time>.<sqlite|dump>."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite" if backend() == "sqlite" else "dump"
    return Path(current_app.instance_path) / "backups" / f"engage-{stamp}.{suffix}"


def back_up(path):
    """Write a backup of the database to `path`; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if backend() == "sqlite":
        source = sqlite3.connect(_sqlite_file())
        target = sqlite3.connect(path)
        try:
            source.backup(target)
            problem = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
            source.close()
        if problem != "ok":
            raise RuntimeError(f"the backup failed its integrity check: {problem}")
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}", _libpq_url()])
    path.chmod(0o600)
    return path


def restore(path):
    """Replace the database with the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no backup at {path}")
    db.session.remove()
    db.engine.dispose()
    if backend() == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            source.close()
            raise RuntimeError("the backup file is damaged (integrity check failed); nothing was changed")
        target = sqlite3.connect(_sqlite_file())
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url()}", str(path)])


def _sqlite_file():
    database = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not database or database == ":memory:":
        raise RuntimeError("an in-memory database cannot be backed up")
    return database


def _libpq_url():
    """The database URL as pg_dump understands it (no SQLAlchemy driver suffix)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name):
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed (apt install postgresql-client)")
    return found


def _run(arguments):
    result = subprocess.run(arguments, capture_output=True, text=True, check=False)  # nosec B603
    if result.returncode != 0:
        raise RuntimeError(f"{Path(arguments[0]).name} failed: {result.stderr.strip()}")


def init_app(app):
    """Register the backup and restore commands."""

    @app.cli.command("backup")
    @click.option("--to", "path", type=click.Path(dir_okay=False), help="Where to write the backup.")
    def backup_command(path):
        """Back up the whole database (safe while Engage is running)."""
        try:
            written = back_up(path or default_path())
        except RuntimeError as problem:
            raise click.ClickException(str(problem)) from None
        click.echo(f"Backup written: {written} ({written.stat().st_size:,} bytes)")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--yes", is_flag=True, help="Confirm that the current database will be replaced.")
    def restore_command(path, yes):
        """Replace the whole database with a backup (stop Engage first)."""
        if not yes:
            raise click.ClickException("Restoring replaces everything in the database. Stop Engage, "
                                       "then run again with --yes.")
        try:
            restore(path)
        except (RuntimeError, FileNotFoundError) as problem:
            raise click.ClickException(str(problem)) from None
        click.echo(f"Restored from {path}.")
