"""Backup and restore drill: what was there comes back, on SQLite and PostgreSQL."""
import pytest

from engage import backup
from engage.extensions import db
from engage.models import Consultation, Response
from tests.factories import make_consultation, make_response


def test_restore_drill_brings_back_every_response(app, tmp_path):
    consultation = make_consultation(title="Kept safe", with_draft=True, with_question=True)
    references = sorted(make_response(consultation).reference for _ in range(3))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "--to", str(tmp_path / "nightly.bak")])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and (tmp_path / "nightly.bak").stat().st_size > 0
    assert oct((tmp_path / "nightly.bak").stat().st_mode & 0o777) == "0o600"

    # Disaster: the consultation and its responses are deleted, and something new is added.
    db.session.delete(db.session.get(Consultation, consultation.id))
    make_consultation(title="Added after the backup")
    db.session.commit()
    assert Response.query.count() == 0

    refused = runner.invoke(args=["restore", str(tmp_path / "nightly.bak")])
    assert refused.exit_code != 0 and "--yes" in refused.output
    result = runner.invoke(args=["restore", str(tmp_path / "nightly.bak"), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert [c.title for c in Consultation.query.all()] == ["Kept safe"]
    assert sorted(r.reference for r in Response.query.all()) == references


def test_restore_refuses_a_missing_or_damaged_backup(app, tmp_path):
    make_consultation(title="Still here")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["restore", str(tmp_path / "nope.bak"), "--yes"])
    assert result.exit_code != 0 and "no backup at" in result.output
    if backup.backend() != "sqlite":
        pytest.skip("damaged-file check is SQLite's; pg_restore refuses a damaged dump itself")
    damaged = tmp_path / "damaged.bak"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = runner.invoke(args=["restore", str(damaged), "--yes"])
    assert result.exit_code != 0
    db.session.remove()
    assert [c.title for c in Consultation.query.all()] == ["Still here"]
