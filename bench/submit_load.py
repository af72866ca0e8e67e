"""Load benchmark: N simulated respondents do the whole online journey at once.

Runs Engage under gunicorn on loopback, drives it with concurrent respondents
(every page fetched, every form posted with its CSRF token, as a browser does),
then checks that the rows in the database equal the submissions that got a
confirmation page. In the same run it times a bare Flask endpoint doing one
insert per request, and prints the ratio. The clock starts after a warm-up
(--warmup journeys, 20 by default), so that the rate is the sustained one, not
the workers' first template compiling.

    .venv/bin/python bench/submit_load.py --database sqlite --respondents 300 --concurrency 30
    .venv/bin/python bench/submit_load.py --database postgresql   # TEST_DATABASE_URL: eval "$(scripts/pg.sh start)"

Not a test: it prints figures. Goal: >= 30 full responses/s, p95 < 500 ms, 0 lost.
"""
import argparse
import os
import resource
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def free_port():
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url):
    """Migrate an empty database and create one open consultation with questions."""
    os.environ["DATABASE_URL"] = url
    from datetime import date, timedelta

    from flask_migrate import upgrade

    from config import Config
    from engage import create_app
    from engage.consultations import services
    from engage.extensions import db

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "bench"

    app = create_app(BenchConfig)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            connection.exec_driver_sql("DROP TABLE IF EXISTS bench_insert")
        upgrade()
        consultation = services.create_consultation(
            None, "Bench consultation", summary="Load test", organisation="Bench partnership",
            opens_on=date.today() - timedelta(days=1), closes_on=date.today() + timedelta(days=30),
            localities=["North", "South", "East"])
        version = services.add_plan_version(consultation, "First draft", "\n".join(
            f"## {n}. Section {n}\n\nText of section {n}.\n" for n in range(1, 5)))
        services.add_question(consultation, "What do you think of section 1?", section=version.sections[0])
        services.add_question(consultation, "What do you think of section 2?", section=version.sections[1])
        services.add_question(consultation, "Do you agree with the vision?", kind="agree_scale", required=True)
        services.add_question(consultation, "Anything else?")
        consultation.transition_to("open")
        db.session.commit()
        groups = [g.id for g in consultation.stakeholder_groups]
        localities = [loc.id for loc in consultation.localities]
        return consultation.slug, groups, localities


def count_submitted(url):
    """Submitted responses in the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        submitted = connection.execute(text("SELECT count(*) FROM response WHERE status = 'submitted'")).scalar()
        items = connection.execute(text("SELECT count(*) FROM feedback_item")).scalar()
    engine.dispose()
    return submitted, items


def start_gunicorn(app_spec, url, port, workers, threads):
    """gunicorn on loopback with the given database."""
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret", ENGAGE_ENV="production",
               SESSION_COOKIE_SECURE="0", FORCE_HTTPS="0", RATELIMIT_ENABLED="0", PYTHONPATH=str(ROOT))
    command = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "--threads", str(threads),
               "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_spec]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


class Page:
    """A response as the journey needs it: status, headers (lower-case names) and text."""

    def __init__(self, status_code, headers, text):
        self.status_code, self.headers, self.text = status_code, Headers(headers), text


class Headers(dict):
    """Response headers by lower-case name; looked up in any case."""

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def get(self, name, default=None):
        return super().get(name.lower(), default)


class Browser:
    """A connection with a cookie jar, as a browser has, speaking plain HTTP/1.1 on a socket.

    The load generator shares the two cores with the server it measures, so it is kept lean:
    `requests` cost it about 30 ms of CPU per journey, the standard library's http.client
    (which parses headers with the email package) 0.3 ms per request, this 0.15 ms.
    gunicorn's sync workers close the connection after each response; a kept-alive one is reused.
    """

    def __init__(self, base):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.connection = None
        self.cookies = {}

    def request(self, method, path, data=None):
        body = urlencode(data).encode() if data is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
        if data is not None:
            head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        message = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        for attempt in (1, 2):
            reused = self.connection is not None
            if not reused:
                self.connection = socket.create_connection((self.host, self.port), timeout=30)
            try:
                self.connection.sendall(message)
                status, headers, cookies, text, keep_alive = self._read()
                break
            except (ConnectionResetError, BrokenPipeError, EOFError):
                # The server closed an idle kept-alive connection: a GET goes again on a new one, as
                # browsers do (a POST is never sent twice).
                self.close()
                if attempt == 2 or not reused or method != "GET":
                    raise
        if not keep_alive:
            self.close()
        for value in cookies:
            name, _, rest = value.partition("=")
            lowered = value.lower()
            if "expires=thu, 01 jan 1970" in lowered or "max-age=0" in lowered:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = rest.split(";", 1)[0]
        return Page(status, headers, text)

    def _read(self):
        """(status, headers, set-cookie values, body text, keep-alive) of one response."""
        receive = self.connection.recv
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = receive(65536)
            if not chunk:
                raise EOFError("connection closed before the response")
            buffer += chunk
        head, _, body = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers, cookies = {}, []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            headers[name] = value
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raise RuntimeError("chunked responses are not expected from the journey's pages")
        length = headers.get("content-length")
        if length is None:  # the body runs to the end of the connection
            while chunk := receive(65536):
                body += chunk
            return status, headers, cookies, body.decode("utf-8"), False
        length = int(length)
        while len(body) < length:
            chunk = receive(max(65536, length - len(body)))
            if not chunk:
                raise EOFError("connection closed in the middle of a response")
            body += chunk
        keep_alive = headers.get("connection", "").lower() != "close"
        return status, headers, cookies, body.decode("utf-8"), keep_alive

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Respondent:
    """One person doing the whole journey with their own cookies."""

    def __init__(self, base, slug, group, locality, number, latencies, lock):
        self.base, self.slug = base, slug
        self.group, self.locality, self.number = group, locality, number
        self.http = Browser(base)
        self.latencies, self.lock = latencies, lock

    def _send(self, method, path, data):
        """One request, redirects not followed (subclasses may send it another way)."""
        return self.http.request(method, path, data)

    def _timed(self, method, path, data=None):
        started = time.perf_counter()
        response = self._send(method, path, data)
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies.append(elapsed)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code}")
        return response

    def _form(self, path, data):
        page = self._timed("GET", path)
        token = TOKEN.search(page.text).group(1)
        result = self._timed("POST", path, dict(data, csrf_token=token))
        if result.status_code != 302:
            raise RuntimeError(f"POST {path}: {result.status_code} (no redirect)")
        return result.headers["Location"]

    def run(self):
        """The whole journey; True when a confirmation page with a reference came back."""
        prefix = f"/consultations/{self.slug}"
        self._timed("GET", prefix)
        self._timed("GET", f"{prefix}/respond")  # the start page: "Start now" links to "about you"
        location = self._form(f"{prefix}/respond/about", {
            "respondent_type": "individual", "groups": str(self.group), "locality": str(self.locality)})
        page = 1
        while "/questions/" in location:
            html = self._timed("GET", location.replace(self.base, "")).text
            names = set(re.findall(r'name="(q\d+)"', html))
            token = TOKEN.search(html).group(1)
            data = {"csrf_token": token}
            for name in names:
                if re.search(rf'name="{name}"[^>]*type="radio"|type="radio"[^>]*name="{name}"', html):
                    data[name] = "Agree"
                else:
                    data[name] = f"Respondent {self.number}: the buses to the day centre matter to me. Page {page}."
            result = self._timed("POST", location.replace(self.base, ""), data)
            location = result.headers["Location"]
            page += 1
        self._form(f"{prefix}/respond/consent", {"consent": "publish_anonymous"})
        self._timed("GET", f"{prefix}/respond/equality")  # "Skip these questions" links to check
        self._form(f"{prefix}/respond/check", {})
        done = self._timed("GET", f"{prefix}/respond/done")
        return bool(re.search(r"ENG-[0-9A-Z]{6}", done.text))


def run_journeys(base, slug, groups, localities, respondents, concurrency, first=0):
    """All respondents, `concurrency` at a time. Returns (acknowledged, errors, latencies, seconds).

    first: the first respondent's number (their answers say who they are).
    """
    latencies, lock, errors = [], threading.Lock(), []

    def one(number):
        respondent = Respondent(base, slug, groups[number % len(groups)], localities[number % len(localities)],
                                number, latencies, lock)
        try:
            return respondent.run()
        except Exception as problem:  # noqa: BLE001 - every failure is counted and shown
            errors.append(str(problem))
            return False
        finally:
            respondent.http.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        acknowledged = sum(pool.map(one, range(first, first + respondents)))
    return acknowledged, errors, latencies, time.perf_counter() - started


def run_bare(base, requests_total, concurrency):
    """Bare inserts: (per second, p95 seconds)."""
    latencies, lock = [], threading.Lock()

    def one(_):
        browser = Browser(base)
        started = time.perf_counter()
        page = browser.request("POST", "/insert", {})
        browser.close()
        if page.status_code != 200:
            raise RuntimeError(f"POST /insert: {page.status_code}")
        with lock:
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests_total)))
    seconds = time.perf_counter() - started
    return requests_total / seconds, percentile(latencies, 95)


def _children_cpu():
    """CPU seconds used by finished child processes (gunicorn and its workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def percentile(values, p):
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def database_url(kind):
    """The URL for this run (a fresh SQLite file, or PostgreSQL from TEST_DATABASE_URL/--url)."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="engage-bench-"))
        return f"sqlite:///{folder / 'bench.sqlite'}"
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        raise SystemExit("Set TEST_DATABASE_URL to a PostgreSQL database (eval \"$(scripts/pg.sh start)\").")
    return url


def main():
    # The load generator is one process with many threads: switch between them often, so that
    # each respondent reads its page as soon as it arrives, as separate browsers would.
    sys.setswitchinterval(0.0005)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--respondents", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=30)
    # One synchronous worker per core, as the README's production command runs (a reverse
    # proxy in front buffers slow clients). On 2 shared cores, SQLite, 300 respondents, runs
    # alternated: 2 x 1 served 24.0 and 17.0 responses/s where 2 x 4 served 17.7 and 14.0
    # (server CPU per response 74/103 ms against 98/118 ms): threads only add switching and
    # GIL contention. Single runs of 2 x 2 (20.2/s) and 4 x 1 (17.6/s) did no better.
    # Figures on this machine vary by a third from run to run: compare alternated runs.
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=1)
    # "Sustained": each new worker's first pages compile templates and import modules (its
    # first journey costs about 350 ms of CPU more than the next), so the clock starts once
    # every worker has served some journeys. Their rows are checked with the rest.
    parser.add_argument("--warmup", type=int, default=20, help="journeys before the clock starts (0: none)")
    args = parser.parse_args()

    url = database_url(args.database)
    slug, groups, localities = prepare_database(url)
    port = free_port()
    cpu_before = _children_cpu()
    server = start_gunicorn("engage:create_app()", url, port, args.workers, args.threads)
    try:
        warm_acknowledged, warm_errors, _, warm_seconds = run_journeys(
            f"http://127.0.0.1:{port}", slug, groups, localities, args.warmup, args.concurrency, first=10_000)
        client_cpu = time.process_time()
        acknowledged, errors, latencies, seconds = run_journeys(
            f"http://127.0.0.1:{port}", slug, groups, localities, args.respondents, args.concurrency)
        client_cpu = time.process_time() - client_cpu
    finally:
        stop(server)
    errors = warm_errors + errors
    # gunicorn and its workers have exited and been reaped: their CPU time is ours to read.
    server_cpu = _children_cpu() - cpu_before
    submitted, items = count_submitted(url)

    bare_port = free_port()
    bare = start_gunicorn("bench.bare_app:app", url, bare_port, args.workers, args.threads)
    try:
        bare_rate, bare_p95 = run_bare(f"http://127.0.0.1:{bare_port}", args.respondents * 4, args.concurrency)
    finally:
        stop(bare)

    rate = acknowledged / seconds
    requests_made = len(latencies)
    print(f"database: {args.database}  gunicorn: {args.workers} workers x {args.threads} threads  "
          f"respondents: {args.respondents}  concurrency: {args.concurrency}")
    print(f"warm-up (not timed): {warm_acknowledged} of {args.warmup} journeys confirmed in {warm_seconds:.1f} s")
    print(f"full responses/s: {rate:.1f}  ({acknowledged} confirmed in {seconds:.1f} s, "
          f"{requests_made} requests, {requests_made / seconds:.0f} requests/s)")
    print(f"page latency: p50 {statistics.median(latencies) * 1000:.0f} ms  "
          f"p95 {percentile(latencies, 95) * 1000:.0f} ms  max {max(latencies) * 1000:.0f} ms")
    all_acknowledged = acknowledged + warm_acknowledged
    print(f"server CPU: {server_cpu / max(all_acknowledged, 1) * 1000:.0f} ms per full response "
          f"({server_cpu:.1f} s in all, start-up included); {os.cpu_count()} cores shared with this load generator, "
          f"which used {client_cpu / max(acknowledged, 1) * 1000:.0f} ms per timed full response")
    print(f"errors: {len(errors)}" + (f"  first: {errors[0]}" if errors else ""))
    print(f"rows: {submitted} submitted responses in the database, {all_acknowledged} acknowledged "
          f"(warm-up included) -> "
          f"{'0 lost' if submitted == all_acknowledged else f'MISMATCH ({submitted - all_acknowledged:+d})'}; "
          f"{items} feedback items")
    print(f"bare Flask insert: {bare_rate:.0f} requests/s, p95 {bare_p95 * 1000:.0f} ms; "
          f"ratio bare inserts/s to full responses/s: {bare_rate / rate:.1f}")
    ok = rate >= 30 and percentile(latencies, 95) < 0.5 and submitted == all_acknowledged and not errors
    print("goal (>= 30 responses/s, p95 < 500 ms, 0 lost):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
