"""Deadline-day rush: N respondents submit at once through gunicorn; nothing may be lost.

Shared by the load tests (tests/load/) and bench/soak.py: a fresh database (a SQLite
file, or a throwaway PostgreSQL database next to TEST_DATABASE_URL), gunicorn on a
free loopback port with its log captured, and respondents who do the whole online
journey with requests (every page fetched, every form posted with its CSRF token).
The journey itself is bench/submit_load.py's `Respondent`.

    .venv/bin/python bench/concurrency.py --submissions 1000 --workers 200
    .venv/bin/python bench/concurrency.py --submissions 1000 --workers 200 --database-url "$TEST_DATABASE_URL"

Prints the confirmed submissions, the rows in the database, HTTP errors and whether
"database is locked" appeared in the server's log. Goal: N confirmed, N rows, 0 errors.
"""
import argparse
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import submit_load  # noqa: E402
from bench.submit_load import free_port, percentile  # noqa: E402,F401  (re-exported for the tests)

REFERENCE = re.compile(r"ENG-[0-9A-Z]{6}")
LOCKED = "database is locked"
# What in gunicorn's log (at --log-level warning, with the app's own errors) means trouble.
LOG_PROBLEMS = re.compile(r"database is locked|Traceback|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT|ERROR in ")
# Production settings, except plain http on loopback and a per-IP submission limit that a
# single load generator (one IP for every respondent) cannot reach. The limiter stays on.
SERVER_ENV = {
    "ENGAGE_ENV": "production", "SECRET_KEY": "load-test-secret-not-for-production",
    "SESSION_COOKIE_SECURE": "0", "FORCE_HTTPS": "0", "RATELIMIT_ENABLED": "1",
    "RATELIMIT_STORAGE_URI": "memory://", "SUBMISSION_RATE_LIMIT": "1000000 per minute",
    "PYTHONDONTWRITEBYTECODE": "1",
}


# --- Databases -----------------------------------------------------------------------------

def fresh_database(folder, base_url=None):
    """A new empty database: (url, drop). SQLite in folder, or PostgreSQL next to base_url."""
    if not base_url or not base_url.startswith("postgresql"):
        path = Path(folder) / f"load-{uuid.uuid4().hex[:8]}.sqlite"
        return f"sqlite:///{path}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(base_url)
    name = f"engage_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=_null_pool())
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


def prepare(url):
    """Migrate the empty database and add one open consultation: (slug, group ids, locality ids).

    bench/submit_load.py's prepare_database sets DATABASE_URL for its own process; put it back.
    """
    before = os.environ.get("DATABASE_URL")
    try:
        return submit_load.prepare_database(url)
    finally:
        if before is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = before
        _dispose_engines()


def _dispose_engines():
    """Close the pooled connections the preparing app opened (a SQLite file may be removed next)."""
    from engage.extensions import db

    for engines in list(getattr(db, "_app_engines", {}).values()):
        for engine in engines.values():
            engine.dispose()


def scalar(url, sql, **params):
    """One value from the database, on a short connection of its own."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, poolclass=_null_pool())
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def submitted_references(url):
    """{reference: number of answers} of every submitted response in the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, poolclass=_null_pool())
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT r.reference, count(a.id) FROM response r LEFT JOIN answer a ON a.response_id = r.id "
                "WHERE r.status = 'submitted' GROUP BY r.reference")).all()
    finally:
        engine.dispose()
    return {reference: answers for reference, answers in rows}


def problems_in(log):
    """Lines of a server log that show an error: a locked database, a traceback, a worker lost."""
    return [line for line in log.splitlines() if LOG_PROBLEMS.search(line)]


# --- The server ----------------------------------------------------------------------------

class Server:
    """gunicorn serving Engage on 127.0.0.1 in a process group of its own, its log in a file."""

    def __init__(self, url, log_path, workers=2, threads=4, port=None, extra_env=None):
        self.url, self.log_path = url, Path(log_path)
        self.workers, self.threads = workers, threads
        self.port = port or free_port()
        self.extra_env = extra_env or {}
        self.process = None

    @property
    def base(self):
        """http://127.0.0.1:port"""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        """Start gunicorn and wait until it answers a page."""
        env = dict(os.environ, **SERVER_ENV, DATABASE_URL=self.url, PYTHONPATH=str(ROOT), **self.extra_env)
        env.pop("TEST_DATABASE_URL", None)
        command = [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(self.workers), "--threads", str(self.threads),
                   "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--error-logfile", "-",
                   "--timeout", "120", "engage:create_app()"]
        with open(self.log_path, "ab") as log:
            # A session of its own, so that kill -9 can take the master and every worker at once.
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            if self._answers():
                return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log()}")

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                return connection.recv(12).startswith(b"HTTP/1.")
        except OSError:
            return False

    def pids(self):
        """The master's and its workers' process ids (while running)."""
        if self.process is None or self.process.poll() is not None:
            return []
        master = self.process.pid
        children = []
        try:
            for task in Path(f"/proc/{master}/task").iterdir():
                children += (task / "children").read_text().split()
        except OSError:
            pass
        return [master, *map(int, children)]

    def rss_mb(self):
        """Resident memory of the master and every worker, in MB: {pid: MB}."""
        sizes = {}
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        return sizes

    def kill(self):
        """kill -9 the master and its workers together, as a crash or an OOM kill would."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self._wait_for_group_gone()

    def _wait_for_group_gone(self, timeout=10):
        """Workers are re-parented when the master dies; wait until none is left."""
        group = self.process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = False
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == group and fields[0] != "Z":
                    alive = True
                    break
            if not alive:
                return
            time.sleep(0.05)

    def stop(self):
        """Graceful stop (SIGTERM), then kill if it does not go."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self):
        """Everything gunicorn and the app wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- Respondents ---------------------------------------------------------------------------

def retry_idempotent(http):
    """Retry a GET once when the server closed a kept-alive connection just as it was reused.

    gunicorn closes idle keep-alive connections after 2 s; a request sent at that moment
    meets a reset. Browsers send such a request again, so the load generator does too, for
    GETs only (a POST is never sent twice). Returns the session.
    """
    policy = Retry(total=1, connect=1, read=1, status=0, other=0, redirect=0,
                   allowed_methods=frozenset({"GET", "HEAD"}), raise_on_status=False)
    adapter = requests.adapters.HTTPAdapter(max_retries=policy)
    http.mount("http://", adapter)
    return http


def retried(response):
    """How many times urllib3 sent this request again (0 when it went through first time)."""
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) if retries is not None else 0


class Respondent(submit_load.Respondent):
    """submit_load's respondent, remembering the reference its confirmation page showed."""

    reference = None
    last = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # requests, for its retry of a GET on a kept-alive connection the server just closed.
        self.http = retry_idempotent(requests.Session())
        self.retried = 0

    def _send(self, method, path, data):
        return self.http.request(method, self.base + path, data=data, timeout=30, allow_redirects=False)

    def _timed(self, method, path, data=None):
        response = super()._timed(method, path, data)
        self.last = response
        self.retried += retried(response)
        return response

    def run(self):
        """The whole journey; True when the confirmation page showed a reference (kept in .reference)."""
        confirmed = super().run()
        match = REFERENCE.search(self.last.text) if confirmed else None
        self.reference = match.group(0) if match else None
        return bool(self.reference)


class Rush:
    """Outcome of many concurrent journeys: confirmed references, errors, page latencies."""

    def __init__(self):
        self.references, self.errors, self.latencies = [], [], []
        self.lock = threading.Lock()
        self.seconds = 0.0
        self.retried = 0  # GETs sent again after a kept-alive connection was closed under them

    def respondent(self, base, slug, groups, localities, number):
        """A new respondent who reports into this rush."""
        return Respondent(base, slug, groups[number % len(groups)], localities[number % len(localities)],
                          number, self.latencies, self.lock)

    def one(self, base, slug, groups, localities, number):
        """One journey: its reference, or None (the failure is kept in .errors)."""
        respondent = self.respondent(base, slug, groups, localities, number)
        try:
            confirmed = respondent.run()
        except Exception as problem:  # noqa: BLE001 - every failure is counted and shown
            with self.lock:
                self.errors.append(f"respondent {number}: {problem}")
            return None
        finally:
            respondent.http.close()
            with self.lock:
                self.retried += respondent.retried
        with self.lock:
            if confirmed:
                self.references.append(respondent.reference)
            else:
                self.errors.append(f"respondent {number}: no reference on the confirmation page")
        return respondent.reference


def rush(base, slug, groups, localities, submissions, workers):
    """`submissions` journeys, `workers` at a time; returns a Rush."""
    outcome = Rush()
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda n: outcome.one(base, slug, groups, localities, n), range(submissions)))
    outcome.seconds = time.perf_counter() - started
    return outcome


def _children_cpu():
    """CPU seconds of finished child processes (gunicorn and, through it, its workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    """Run the rush against a fresh database and print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=200, help="concurrent respondents (client threads)")
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL URL: a throwaway database is created next to it (default: SQLite)")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="engage-concurrency-"))
    url, drop = fresh_database(folder, args.database_url)
    try:
        slug, groups, localities = prepare(url)
        server = Server(url, folder / "gunicorn.log", args.gunicorn_workers, args.gunicorn_threads).start()
        server_cpu, client_cpu = _children_cpu(), time.process_time()
        try:
            outcome = rush(server.base, slug, groups, localities, args.submissions, args.workers)
        finally:
            server.stop()
        # gunicorn has reaped its workers and been reaped: their CPU time is now ours to read.
        server_cpu, client_cpu = _children_cpu() - server_cpu, time.process_time() - client_cpu
        rows = scalar(url, "SELECT count(*) FROM response WHERE status = 'submitted'")
        stored = submitted_references(url)
        log = server.log()
    finally:
        drop()
        shutil.rmtree(folder, ignore_errors=True)
    confirmed = len(outcome.references)
    missing = [ref for ref in outcome.references if ref not in stored]
    latencies = outcome.latencies or [0]
    print(f"database: {url.split(':', 1)[0]}  gunicorn: {args.gunicorn_workers} workers x "
          f"{args.gunicorn_threads} threads  submissions: {args.submissions}  client threads: {args.workers}")
    print(f"confirmed: {confirmed} in {outcome.seconds:.1f} s ({confirmed / outcome.seconds:.1f} per second, "
          f"{len(outcome.latencies)} requests)")
    print(f"page latency: p50 {percentile(latencies, 50) * 1000:.0f} ms  p95 {percentile(latencies, 95) * 1000:.0f} ms"
          f"  max {max(latencies) * 1000:.0f} ms")
    print(f"CPU: server {server_cpu:.0f} s ({server_cpu / max(confirmed, 1) * 1000:.0f} ms per submission, "
          f"worker start-up included), load generator {client_cpu:.0f} s; {os.cpu_count()} cores, "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    print(f"rows: {rows} submitted responses; confirmed but missing: {len(missing)}")
    print(f"HTTP errors: {len(outcome.errors)}" + (f"  first: {outcome.errors[0]}" if outcome.errors else "")
          + f"; GETs sent again after a kept-alive connection closed: {outcome.retried}")
    print(f"'{LOCKED}' in the server log: {log.count(LOCKED)}; tracebacks: {log.count('Traceback')}; "
          f"lines showing an error: {len(problems_in(log))}")
    ok = (confirmed == rows == args.submissions and not outcome.errors and not missing
          and LOCKED not in log and not problems_in(log))
    print(f"goal ({args.submissions} confirmed = rows, 0 errors, 0 locked):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
