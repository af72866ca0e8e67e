"""A crash mid-rush loses nothing anyone was told was received.

Respondents keep submitting through gunicorn; once some have their confirmation page,
the master and every worker are killed with SIGKILL (as an OOM kill or a power cut of
the process would), in the middle of other people's journeys. Then: the database is
intact, every response whose confirmation page arrived is there as submitted with all
its answers, and the restarted server takes submissions again.
"""
import sqlite3
import threading
import time

import pytest
import requests

from bench.concurrency import Rush, Server, problems_in, rush, scalar, submitted_references

RESPONDENTS = 16  # at a time, each starting another journey as soon as one ends
CONFIRMED_BEFORE_KILL = 15
AFTER_RESTART = 6

pytestmark = pytest.mark.load


def _respond_until(stop, outcome, server, db, first):
    """One respondent after another until told to stop."""
    number = first
    while not stop.is_set():
        outcome.one(server.base, db.slug, db.groups, db.localities, number)
        number += RESPONDENTS


def _wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_kill_9_mid_rush_then_restart_loses_no_confirmed_response(journey_db, tmp_path):
    log = tmp_path / "gunicorn.log"
    server = Server(journey_db.url, log, workers=2, threads=4).start()
    outcome, stop = Rush(), threading.Event()
    respondents = [threading.Thread(target=_respond_until, args=(stop, outcome, server, journey_db, n), daemon=True)
                   for n in range(RESPONDENTS)]
    try:
        for respondent in respondents:
            respondent.start()
        assert _wait_for(lambda: len(outcome.references) >= CONFIRMED_BEFORE_KILL, 300), outcome.errors[:3]
        with outcome.lock:
            failed_before = len(outcome.errors)
        server.kill()
    finally:
        stop.set()
        server.kill()
        for respondent in respondents:
            respondent.join(60)
    # Every confirmation page a respondent received, including any whose bytes arrived just
    # before the kill and were read after it.
    confirmed = list(outcome.references)
    assert failed_before == 0, outcome.errors[:3]
    assert len(outcome.errors) > 0, "the kill interrupted no journey: it was not mid-rush"
    assert len(confirmed) >= CONFIRMED_BEFORE_KILL

    # The database survived the crash.
    if journey_db.sqlite_path:
        with sqlite3.connect(journey_db.sqlite_path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        connection.close()
    else:
        assert scalar(journey_db.url, "SELECT 1") == 1

    # Everyone who saw a confirmation page has their response kept as submitted, with every answer.
    stored = submitted_references(journey_db.url)
    questions = scalar(journey_db.url, "SELECT count(*) FROM question")
    assert set(confirmed) <= set(stored), f"lost: {sorted(set(confirmed) - set(stored))}"
    assert {stored[reference] for reference in confirmed} == {questions}
    # A response is whole or not there: nothing submitted without its answers.
    assert set(stored.values()) == {questions}

    # Restarted on the same database and port, it serves pages and takes submissions again.
    restarted = Server(journey_db.url, log, workers=2, threads=4, port=server.port).start()
    try:
        assert requests.get(f"{restarted.base}/consultations/{journey_db.slug}", timeout=30).status_code == 200
        after = rush(restarted.base, journey_db.slug, journey_db.groups, journey_db.localities,
                     AFTER_RESTART, AFTER_RESTART)
    finally:
        restarted.stop()
    assert after.errors == []
    assert len(after.references) == AFTER_RESTART
    stored_after = submitted_references(journey_db.url)
    assert set(confirmed) | set(after.references) <= set(stored_after)
    # Neither before the crash nor after the restart did the server log an error.
    assert problems_in(restarted.log()) == [], restarted.log()[-3000:]
