"""Deadline day: many people submit at the same moment, and every one of them is kept.

A real gunicorn (2 worker processes x 4 threads, so writers really do contend, across
processes on SQLite) with CSRF and the per-IP limiter on, and respondents who each do the
whole journey like a browser. By default 200 submissions, 50 at a time, to keep the suite
within its time budget; ENGAGE_LOAD_SUBMISSIONS=1000 (with 200 at a time) gives the full
figure, as does `bench/concurrency.py --submissions 1000 --workers 200`.
"""
import os

import pytest

from bench.concurrency import LOCKED, Server, problems_in, rush, scalar, submitted_references

SUBMISSIONS = int(os.environ.get("ENGAGE_LOAD_SUBMISSIONS", "200"))
# 200 -> 50 at a time, 1000 -> 200 at a time (the 200 workers x 5).
AT_A_TIME = int(os.environ.get("ENGAGE_LOAD_WORKERS", str(max(1, min(200, SUBMISSIONS // 4)))))

pytestmark = pytest.mark.load


def test_a_rush_of_submissions_keeps_every_one_and_never_locks(journey_db, tmp_path):
    server = Server(journey_db.url, tmp_path / "gunicorn.log", workers=2, threads=4).start()
    try:
        outcome = rush(server.base, journey_db.slug, journey_db.groups, journey_db.localities,
                       SUBMISSIONS, AT_A_TIME)
    finally:
        server.stop()
    log = server.log()

    # Every respondent saw a confirmation page with a reference, and no page failed.
    assert outcome.errors == [], f"{len(outcome.errors)} journeys failed, e.g. {outcome.errors[:3]}"
    assert len(outcome.references) == SUBMISSIONS
    assert len(set(outcome.references)) == SUBMISSIONS, "two respondents were given the same reference"

    # The database holds exactly the confirmed submissions, each with all its answers.
    stored = submitted_references(journey_db.url)
    assert set(stored) == set(outcome.references)
    questions = scalar(journey_db.url, "SELECT count(*) FROM question")
    assert {answers for answers in stored.values()} == {questions}
    assert scalar(journey_db.url, "SELECT count(*) FROM response") == SUBMISSIONS  # no stray drafts

    # Writers queued instead of failing: the server never reported a locked database or an error.
    assert LOCKED not in log
    assert problems_in(log) == [], log[-3000:]
