"""The scale path: with REDIS_URL set, jobs go to a Redis queue and a separate worker runs them."""
import shutil
import socket
import subprocess
import time

import pytest

import os
import sys
from pathlib import Path

from engage import jobs
from engage.extensions import db
from engage.models import AuditEvent, BackgroundJob
from tests.factories import make_consultation, make_user


def _count_to(background_job, progress):
    """A small job: counts to n, reporting progress, and leaves an audit row."""
    from engage.audit import record

    n = background_job.params["n"]
    for done in range(1, n + 1):
        progress.update(done, n, "Counting")
    record("test_counted", None, n=n)
    return {"counted": n}


jobs.job("test_count_to", "Counting for a test")(_count_to)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway Redis server on a free loopback port."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (scripts/setup.sh test installs it)"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_job_queued_in_redis_is_run_by_a_separate_worker(app, redis_url):
    app.config.update(REDIS_URL=redis_url, JOBS_SYNC=False)
    consultation = make_consultation(title="Queued")
    officer = make_user("officer")
    queued = jobs.enqueue("test_count_to", consultation, officer, {"n": 3})
    assert db.session.get(BackgroundJob, queued.id).status == "queued"
    assert jobs.rq_queue(redis_url).count == 1, "the job waits in Redis, not in this process"

    # A separate process, as in production: `flask --app engage worker`, configured by the environment.
    # Its jobs module knows the test's job kind through ENGAGE_TEST_JOBS (see tests/rq_jobs.py).
    env = dict(os.environ, REDIS_URL=redis_url, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               SECRET_KEY="worker-test-secret", PYTHONPATH=str(ROOT))
    db.session.commit()
    worker = subprocess.run([sys.executable, str(ROOT / "tests" / "rq_worker.py")], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    db.session.expire_all()
    finished = db.session.get(BackgroundJob, queued.id)
    assert (finished.status, finished.result, finished.progress) == ("done", {"counted": 3}, 3)
    assert AuditEvent.query.filter_by(action="test_counted").count() == 1
    assert jobs.rq_queue(redis_url).count == 0


def test_worker_refuses_to_start_without_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "Set REDIS_URL" in result.output
