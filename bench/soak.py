"""Soak: mixed traffic on Engage under gunicorn for a long while; errors, latency and memory.

On loopback, against a fresh database (SQLite, or a throwaway PostgreSQL database next to
--database-url), for --minutes (default 30):
- respondents do the whole online journey again and again (bench/submit_load.py's
  Respondent), with a pause before each page;
- officers, signed in, browse the responses list of a consultation with 100,000 responses
  (page 1, following "Next", filters) and open responses;
- one officer imports a CSV of --import-rows responses into another consultation through
  the import screens (upload, columns, check, import), then starts the theme suggester
  (the tagging job) on the feedback the import created.
Every 10 seconds it samples the resident memory (RSS) of the gunicorn master and workers.

    .venv/bin/python bench/soak.py                       # 30 minutes on SQLite
    .venv/bin/python bench/soak.py --minutes 3
    .venv/bin/python bench/soak.py --minutes 3 --database-url "$TEST_DATABASE_URL"

Prints requests, the error rate, p50/p95 per kind of page, how long the jobs took, and
memory with its linear trend (MB per minute), overall and after the jobs finished.
Goal: error rate < 0.1 %, officer list pages p95 <= 200 ms, no memory growth trend.
Not a test.
"""
import argparse
import random
import shutil
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime
from html import unescape
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import concurrency, import_bench, responses_list, submit_load  # noqa: E402
from bench.concurrency import LOCKED, Server, fresh_database, percentile, prepare, problems_in  # noqa: E402

CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]+)"')
DETAIL_LINK = re.compile(r'href="/staff/consultations/\d+/responses/(\d+)"')
SAMPLE_EVERY_SECONDS = 10
GOAL_ERROR_RATE = 0.001
GOAL_LIST_P95 = 0.200
# gunicorn closes a kept-alive connection idle for 2 s (--keep-alive); a request sent on it
# at that moment meets a reset. After a pause this long the browser opens a new connection,
# as one behind a proxy would (so neither GETs nor POSTs race the server's close).
RECONNECT_AFTER_IDLE_SECONDS = 1.0


def csrf_token(html):
    """The CSRF token of the first form on a page."""
    field = CSRF.search(html)
    if field is None:
        raise RuntimeError("no CSRF token on the page")
    return unescape(VALUE.search(field.group(0)).group(1))


def kind_of(method, path):
    """The kind of page a request is, for the per-kind figures."""
    path = path.split("?", 1)[0]
    if path.startswith("/auth/"):
        return "officer: sign in"
    if path.startswith("/staff/"):
        if re.search(r"/responses$", path):
            return "officer: responses list"
        if re.search(r"/responses/\d+$", path):
            return "officer: response detail"
        if "/imports" in path or "/jobs/" in path:
            return f"officer: import pages ({method})"
        if "/coding" in path:
            return f"officer: coding pages ({method})"
        return "officer: other"
    if path.endswith("/respond/done"):
        return "public: confirmation page"
    if "/respond" in path:
        return f"public: journey pages ({method})"
    return "public: consultation page"


class Stats:
    """Thread-safe tallies: latencies and errors per kind of page."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(int)
        self.examples = []
        self.unfinished = 0
        self.retried = 0
        # "jobs" while the import or the tagging job runs (in a gunicorn worker), else "quiet".
        self.phase = "quiet"
        self.by_phase = defaultdict(list)

    def unfinish(self, problem):
        """A respondent's journey ended without a confirmation page."""
        with self.lock:
            self.unfinished += 1
            if len(self.examples) < 10:
                self.examples.append(f"journey: {problem}")

    def record(self, kind, seconds, problem=None):
        """One request: how long it took, and what went wrong if anything did."""
        with self.lock:
            self.latencies[kind].append(seconds)
            self.by_phase[kind, self.phase].append(seconds)
            if problem:
                self.errors[kind] += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{kind}: {problem}")


class Browser:
    """A requests session that times every request into Stats and pauses first, as a person does."""

    def __init__(self, base, stats, think, stop):
        self.base, self.stats, self.think, self.stop = base, stats, think, stop
        self.http = concurrency.retry_idempotent(requests.Session())
        self.idle_since = None

    def pause(self):
        """A random pause around the think time (returns early when the soak ends)."""
        if self.think:
            self.stop.wait(random.uniform(0.5, 1.5) * self.think)

    def request(self, method, path, expect=(200, 302), **kwargs):
        """One request, timed and recorded; raises on an error status or a failed connection."""
        self.pause()
        if self.idle_since is not None and time.monotonic() - self.idle_since > RECONNECT_AFTER_IDLE_SECONDS:
            self.http.close()  # drops the pooled connections; the cookies stay
        kind = kind_of(method, path)
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, timeout=60, allow_redirects=False, **kwargs)
        except requests.RequestException as problem:
            self.stats.record(kind, time.perf_counter() - started, f"{method} {path}: {problem}")
            raise
        elapsed = time.perf_counter() - started
        self.idle_since = time.monotonic()
        if concurrency.retried(response):
            with self.stats.lock:
                self.stats.retried += concurrency.retried(response)
        if response.status_code not in expect:
            self.stats.record(kind, elapsed, f"{method} {path}: {response.status_code}")
            raise RuntimeError(f"{method} {path}: {response.status_code}")
        self.stats.record(kind, elapsed)
        return response


class _Discard:
    """A latencies list that keeps nothing (Stats keeps them, by kind)."""

    def append(self, _):
        pass


class SoakRespondent(submit_load.Respondent):
    """submit_load's respondent, every page timed by kind and preceded by a pause."""

    def __init__(self, browser, slug, group, locality, number):
        super().__init__(browser.base, slug, group, locality, number, _Discard(), threading.Lock())
        self.browser = browser
        self.http = browser.http

    def _timed(self, method, path, data=None):
        self.last = self.browser.request(method, path, expect=range(100, 400), data=data)
        return self.last


def respondents(base, stats, think, stop, setup, first, step, confirmed, lock):
    """One respondent after another until the soak ends; confirmed references are kept.

    A journey cut short by the end of the soak is not counted; any other unfinished one is
    (in stats.unfinished), whatever the reason.
    """
    number = first
    while not stop.is_set():
        browser = Browser(base, stats, think, stop)
        respondent = SoakRespondent(browser, setup["slug"], setup["groups"][number % len(setup["groups"])],
                                    setup["localities"][number % len(setup["localities"])], number)
        try:
            if respondent.run():
                reference = concurrency.REFERENCE.search(respondent.last.text).group(0)
                with lock:
                    confirmed.append(reference)
            elif not stop.is_set():
                stats.unfinish("no reference on the confirmation page")
        except Exception as problem:  # noqa: BLE001 - every unfinished journey is counted
            if not stop.is_set():
                stats.unfinish(str(problem))
        finally:
            browser.http.close()
        number += step


def sign_in(browser, email, password):
    """Sign in through the form, as a person would."""
    token = csrf_token(browser.request("GET", "/auth/login").text)
    response = browser.request("POST", "/auth/login", data={"email": email, "password": password,
                                                            "csrf_token": token})
    if response.status_code != 302 or "/auth/" in response.headers.get("Location", ""):
        raise RuntimeError("could not sign in")


def officer(base, stats, think, stop, setup, email):
    """Sign in, then browse the big consultation's responses until the soak ends.

    Pages are 200 or an error: a redirect would mean the officer was signed out.
    """
    browser = Browser(base, stats, think, stop)
    sign_in(browser, email, setup["password"])
    page = browser.request
    big = f"/staff/consultations/{setup['big_id']}/responses"
    groups, localities = setup["big_groups"], setup["big_localities"]
    filters = [f"?group={groups[6]}&locality={localities[1]}&channel=online", f"?group={groups[2]}",
               "?channel=easy_read", "?status=all", f"?locality={localities[0]}"]
    while not stop.is_set():
        try:
            html = page("GET", big, expect=(200,)).text
            for _ in range(random.randint(0, 5)):  # reading on: "Next"
                following = responses_list.next_url(html)
                if not following or stop.is_set():
                    break
                html = page("GET", following, expect=(200,)).text
            ids = DETAIL_LINK.findall(html)
            for response_id in random.sample(ids, min(len(ids), 2)):
                page("GET", f"{big}/{response_id}", expect=(200,))
            html = page("GET", big + random.choice(filters), expect=(200,)).text
            ids = DETAIL_LINK.findall(html)
            if ids:
                page("GET", f"{big}/{random.choice(ids)}", expect=(200,))
        except Exception:  # noqa: BLE001 - recorded by Browser.request already
            stop.wait(1)


def _job_row(url, job_id):
    from sqlalchemy import create_engine, text

    engine = create_engine(url, poolclass=concurrency._null_pool())
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT status, message, started_at, finished_at FROM background_job WHERE id = :id"),
                {"id": job_id}).one()
    finally:
        engine.dispose()


def _wait_for_job(browser, url, job_id, page, stop):
    """Watch the job's page (it refreshes every 2 s) until the job has finished; its row."""
    while True:
        row = _job_row(url, job_id)
        if row.status not in ("queued", "running") or stop.is_set():
            return row
        if page:
            browser.request("GET", page)
        stop.wait(2)


def _job_id(location):
    match = re.search(r"/jobs/(\d+)", location)
    if match is None:
        raise RuntimeError(f"no job after that form (went to {location})")
    return int(match.group(1))


def jobs_officer(base, stats, stop, setup, url, delay, report):
    """After `delay` seconds: import a CSV through the import screens, then start the tagging job."""
    if stop.wait(delay):
        return
    browser = Browser(base, stats, 0, stop)
    consultation = f"/staff/consultations/{setup['import_id']}"
    try:
        sign_in(browser, setup["officers"][-1], setup["password"])
        began = time.monotonic()
        token = csrf_token(browser.request("GET", f"{consultation}/imports/responses/new").text)
        with open(setup["csv_path"], "rb") as upload:
            location = browser.request("POST", f"{consultation}/imports/responses/new", expect=(302,),
                                       data={"csrf_token": token},
                                       files={"upload": ("survey-export.csv", upload, "text/csv")}
                                       ).headers["Location"]
        columns = location.replace(base, "")
        token = csrf_token(browser.request("GET", columns).text)
        form = {"csrf_token": token, "date_order": setup["mapping"]["date_order"]}
        form.update({f"column_{n}": setup["mapping"]["columns"][header]
                     for n, header in enumerate(import_bench.HEADER)})
        check_id = _job_id(browser.request("POST", columns, data=form, expect=(302,)).headers["Location"])
        stats.phase = "jobs"
        check = _wait_for_job(browser, url, check_id, f"{consultation}/jobs/{check_id}", stop)
        report["import check"] = check
        if check.status != "done":
            raise RuntimeError(f"the check ended {check.status}: {check.message}")
        preview = f"{consultation}/imports/checks/{check_id}"
        token = csrf_token(browser.request("GET", preview).text)
        import_id = _job_id(browser.request("POST", f"{preview}/import", data={"csrf_token": token},
                                            expect=(302,)).headers["Location"])
        imported = _wait_for_job(browser, url, import_id, f"{consultation}/jobs/{import_id}", stop)
        report["import"] = imported
        report["import wall seconds"] = time.monotonic() - began
        if imported.status != "done":
            raise RuntimeError(f"the import ended {imported.status}: {imported.message}")

        began = time.monotonic()
        token = csrf_token(browser.request("GET", f"{consultation}/coding").text)
        browser.request("POST", f"{consultation}/coding/suggest", data={"csrf_token": token}, expect=(302,))
        suggest_id = concurrency.scalar(
            url, "SELECT max(id) FROM background_job WHERE consultation_id = :c AND kind = 'suggest_themes'",
            c=setup["import_id"])
        report["tagging"] = _wait_for_job(browser, url, suggest_id, f"{consultation}/coding", stop)
        report["tagging wall seconds"] = time.monotonic() - began
    except Exception as problem:  # noqa: BLE001 - shown in the report
        report["problem"] = str(problem)
    finally:
        stats.phase = "quiet"
        report["finished at"] = time.monotonic()


def sample_memory(server, stop, samples, began):
    """Every SAMPLE_EVERY_SECONDS: (minutes since start, MB of the master and every worker)."""
    while True:
        sizes = server.rss_mb()
        samples.append(((time.monotonic() - began) / 60, sum(sizes.values()), len(sizes)))
        if stop.wait(SAMPLE_EVERY_SECONDS):
            return


def trend(points):
    """Least-squares slope of (x, y) points: MB per minute (0 with fewer than 3 points)."""
    if len(points) < 3:
        return 0.0
    xs, ys = [x for x, _ in points], [y for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else 0.0


def build(url, folder, responses, import_rows, officers):
    """The data: an open consultation for respondents, one with `responses` responses, one to import into.

    Each officer gets an account of their own: signing in again signs an account out of its other sessions.
    """
    from config import Config
    from engage import create_app
    from engage.auth.services import create_user
    from engage.codebook.services import add_starter_codebook
    from engage.extensions import db
    from engage.imports import services as import_services
    from engage.models import User
    from sqlalchemy import select, text

    slug, groups, localities = prepare(url)

    class SoakConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "soak"

    app = create_app(SoakConfig)
    began = time.perf_counter()
    big_id, big_groups, big_localities = responses_list.build(app, responses)
    print(f"built {responses:,} responses in {time.perf_counter() - began:.0f} s", flush=True)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # responses_list.build gives explicit ids: move the sequence past them.
            db.session.execute(text(
                "SELECT setval(pg_get_serial_sequence('response', 'id'), (SELECT max(id) FROM response))"))
        user = db.session.scalar(select(User).filter_by(email="bench-officer@example.org"))
        emails = [f"soak-officer-{n}@example.org" for n in range(officers + 1)]
        for email in emails:
            create_user(email, "Soak Officer", responses_list.PASSWORD, role="officer")
        target = import_bench._consultation(user, "Soak import")
        add_starter_codebook(target, "common", user)
        mapping = import_services.suggested_mapping(target, "responses", list(import_bench.HEADER))
        db.session.commit()
        import_id = target.id
        db.session.remove()
        db.engine.dispose()
    csv_path = Path(folder) / "survey-export.csv"
    import_bench.generate_csv(csv_path, import_rows)
    return {"slug": slug, "groups": groups, "localities": localities, "big_id": big_id, "big_groups": big_groups,
            "big_localities": big_localities, "import_id": import_id, "mapping": mapping, "csv_path": csv_path,
            "officers": emails, "password": responses_list.PASSWORD}


def _when(value):
    """A timestamp read with plain SQL (SQLite gives text)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _ms(seconds):
    return f"{seconds * 1000:7.0f}"


def main():
    """Build the data, serve it, run the traffic for the duration, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL URL: a throwaway database is created next to it (default: SQLite)")
    parser.add_argument("--responses", type=int, default=100_000, help="responses in the officers' consultation")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--respondents", type=int, default=10, help="respondents at a time")
    parser.add_argument("--officers", type=int, default=4, help="officers browsing at a time")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause before each page, seconds")
    parser.add_argument("--jobs-after", type=float, default=0.1, help="start the import after this share of the run")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="engage-soak-"))
    url, drop = fresh_database(folder, args.database_url)
    try:
        setup = build(url, folder, args.responses, args.import_rows, args.officers)
        server = Server(url, folder / "gunicorn.log", args.gunicorn_workers, args.gunicorn_threads, extra_env={
            "MFA_REQUIRED_ROLES": "", "IMPORT_UPLOAD_DIR": str(folder / "uploads"),
            "IMPORT_MAX_BYTES": str(500 * 1024 * 1024)}).start()
        try:
            figures = soak(server, url, setup, args)
        finally:
            server.stop()
        stored = concurrency.submitted_references(url)
        log = server.log()
    finally:
        drop()
        shutil.rmtree(folder, ignore_errors=True)
    report(args, url, figures, stored, log)


def soak(server, url, setup, args):
    """Run every kind of traffic for the duration; returns what was measured."""
    stats, stop, lock = Stats(), threading.Event(), threading.Lock()
    confirmed, samples, jobs_report = [], [], {}
    began = time.monotonic()
    seconds = args.minutes * 60
    threads = [threading.Thread(target=sample_memory, args=(server, stop, samples, began), daemon=True)]
    threads += [threading.Thread(target=respondents, daemon=True, args=(
        server.base, stats, args.think, stop, setup, n, args.respondents, confirmed, lock))
        for n in range(args.respondents)]
    threads += [threading.Thread(target=officer, args=(server.base, stats, args.think, stop, setup, email),
                                 daemon=True) for email in setup["officers"][:-1]]
    threads.append(threading.Thread(target=jobs_officer, daemon=True, args=(
        server.base, stats, stop, setup, url, seconds * args.jobs_after, jobs_report)))
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(120)
    jobs_done = jobs_report.get("finished at")
    return {"stats": stats, "confirmed": confirmed, "samples": samples, "jobs": jobs_report,
            "jobs_done_minute": (jobs_done - began) / 60 if jobs_done else None,
            "seconds": time.monotonic() - began}


def report(args, url, figures, stored, log):
    """Print the figures and whether the goals were met."""
    stats, samples = figures["stats"], figures["samples"]
    total = sum(len(values) for values in stats.latencies.values())
    errors = sum(stats.errors.values())
    rate = errors / total if total else 0
    print(f"\nsoak: {figures['seconds'] / 60:.1f} minutes on {url.split(':', 1)[0].split('+')[0]}, gunicorn "
          f"{args.gunicorn_workers} workers x {args.gunicorn_threads} threads; {args.respondents} respondents and "
          f"{args.officers} officers at a time, mean pause {args.think} s; {args.responses:,} responses to browse")
    print(f"requests: {total:,} ({total / figures['seconds']:.1f}/s)  errors: {errors} ({rate:.3%})")
    print(f"\n  {'kind of page':<34} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        print(f"  {kind:<34} {len(values):8,} {stats.errors[kind]:6} {_ms(percentile(values, 50))} "
              f"{_ms(percentile(values, 95))} {_ms(max(values))}")
    print("\n  p95 ms (requests) while a job runs in a worker / while none does:")
    for kind in sorted(stats.latencies):
        busy, quiet = stats.by_phase.get((kind, "jobs"), []), stats.by_phase.get((kind, "quiet"), [])
        print(f"  {kind:<34} " + (f"{_ms(percentile(busy, 95))} ({len(busy):,})" if busy else "      -")
              + "   " + (f"{_ms(percentile(quiet, 95))} ({len(quiet):,})" if quiet else "      -"))
    for example in stats.examples[:5]:
        print(f"  error: {example}")

    jobs = figures["jobs"]
    print()
    for name in ("import check", "import", "tagging"):
        row = jobs.get(name)
        if row is None:
            print(f"{name}: did not run")
            continue
        took = (_when(row.finished_at) - _when(row.started_at)).total_seconds() \
            if row.finished_at and row.started_at else None
        print(f"{name}: {row.status}, {took:.0f} s running" if took is not None else f"{name}: {row.status}",
              f"- {row.message}")
    if "problem" in jobs:
        print(f"jobs: stopped early: {jobs['problem']}")

    print()
    points = [(minute, mb) for minute, mb, _ in samples]
    if points:
        sizes = [mb for _, mb in points]
        print(f"memory (RSS of gunicorn master + workers, every {SAMPLE_EVERY_SECONDS} s, {len(points)} samples): "
              f"first {sizes[0]:.0f} MB, last {sizes[-1]:.0f} MB, peak {max(sizes):.0f} MB")
        print(f"  trend over the whole run: {trend(points):+.2f} MB/minute")
        after = figures["jobs_done_minute"]
        steady = [(minute, mb) for minute, mb in points if after is not None and minute >= after]
        if len(steady) >= 3:
            print(f"  trend after the jobs finished (minute {after:.1f} on, {len(steady)} samples): "
                  f"{trend(steady):+.2f} MB/minute")
        else:
            print("  trend after the jobs finished: too few samples (run longer)")
        if {workers for _, _, workers in samples} != {args.gunicorn_workers + 1}:
            print(f"  note: process count changed during the run: {sorted({n for _, _, n in samples})}")

    confirmed = figures["confirmed"]
    missing = [reference for reference in confirmed if reference not in stored]
    print(f"\nrespondents: {len(confirmed)} journeys confirmed, {stats.unfinished} ended without confirmation; "
          f"{len(missing)} confirmed references missing from the database")
    print(f"GETs sent again after the server closed a kept-alive connection: {stats.retried}")
    problems = problems_in(log)
    print(f"server log: '{LOCKED}' {log.count(LOCKED)} times, {log.count('Traceback')} tracebacks, "
          f"{len(problems)} lines showing an error" + (f", first: {problems[0][:200]}" if problems else ""))
    list_p95 = max((percentile(stats.latencies[kind], 95) for kind in stats.latencies if "list" in kind),
                   default=0)
    steady = [(minute, mb) for minute, mb, _ in samples
              if figures["jobs_done_minute"] is not None and minute >= figures["jobs_done_minute"]]
    print(f"goal: error rate < {GOAL_ERROR_RATE:.1%}: {'met' if rate < GOAL_ERROR_RATE else 'NOT met'}; "
          f"officer list p95 <= {GOAL_LIST_P95 * 1000:.0f} ms: "
          f"{'met' if list_p95 <= GOAL_LIST_P95 else 'NOT met'} ({list_p95 * 1000:.0f} ms); memory trend after "
          f"the jobs: {f'{trend(steady):+.2f} MB/minute' if len(steady) >= 3 else 'not measured'}")


if __name__ == "__main__":
    main()
