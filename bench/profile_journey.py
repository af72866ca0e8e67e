"""Server CPU per online response: N whole journeys through the Flask test client in one process.

The same journey as bench/submit_load.py (16 requests: every page fetched, every form
posted with its CSRF token) and the same settings as the gunicorn it starts (production
config, CSRF on, rate limiting off), but with no network and no concurrency, so that the
figure is CPU time (time.process_time) and stays meaningful on a busy machine.

    .venv/bin/python bench/profile_journey.py --journeys 40
    .venv/bin/python bench/profile_journey.py --journeys 40 --profile 30   # top 30 functions
    .venv/bin/python bench/profile_journey.py --database postgresql       # TEST_DATABASE_URL
    .venv/bin/python bench/profile_journey.py --snapshot /tmp/before      # pages as HTML, to diff

--snapshot writes every journey page (English and Welsh, empty, filled in, with errors,
after a CSRF failure) with tokens, nonces and references masked, so that a change meant
to make pages cheaper can be checked to leave them byte-identical: diff -r before after.

Not a test: it prints figures.
"""
import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ENGAGE_ENV", "production")
# Plain http on loopback, as in submit_load: no https redirect, cookies without Secure.
os.environ.setdefault("FORCE_HTTPS", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")

from bench.submit_load import TOKEN, database_url, prepare_database  # noqa: E402


# SQL statements sent so far (counted by an engine event, see count_queries).
QUERIES = [0]
# Seconds SQLite's write lock was held (from BEGIN IMMEDIATE or a request's first write to COMMIT or ROLLBACK): writers
# queue for it, so per journey it bounds SQLite's responses/s whatever the CPU.
WRITE_LOCK = [0.0, None]
# CPU seconds spent inside the app (the WSGI call), without the test client's own work.
SERVER_CPU = [0.0]


def meter_server(app):
    """Add the CPU time of every WSGI call of the app to SERVER_CPU."""
    inner = app.wsgi_app

    def metered(environ, start_response):
        started = time.process_time()
        try:
            return inner(environ, start_response)
        finally:
            SERVER_CPU[0] += time.process_time() - started

    app.wsgi_app = metered


def count_queries(app):
    """Count every SQL statement the app's engine sends."""
    from sqlalchemy import event

    from engage import database
    from engage.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_connection, _cursor, statement, *_args):
        QUERIES[0] += 1
        if statement.startswith("BEGIN IMMEDIATE"):
            WRITE_LOCK[1] = time.perf_counter()

    # A request's transaction takes the lock at its first write (engage.database), not by a statement.
    take_lock = database._take_write_lock

    def _locked(connection, cursor):
        take_lock(connection, cursor)
        WRITE_LOCK[1] = time.perf_counter()

    database._take_write_lock = _locked

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _unlock(_connection):
        if WRITE_LOCK[1] is not None:
            WRITE_LOCK[0] += time.perf_counter() - WRITE_LOCK[1]
            WRITE_LOCK[1] = None


def make_app(url):
    """The app as gunicorn runs it in submit_load (production settings, no rate limit)."""
    from config import Config
    from engage import create_app

    class ProfileConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "bench-secret"
        ENV_NAME = "production"
        SESSION_COOKIE_SECURE = False
        FORCE_HTTPS = False
        RATELIMIT_ENABLED = False

    return create_app(ProfileConfig)


class Journey:
    """One respondent with their own cookies; times every request in CPU and wall seconds."""

    def __init__(self, app, slug, group, locality, number, timings, queries=None):
        self.client = app.test_client()
        self.queries = queries if queries is not None else QUERIES
        self.slug, self.group, self.locality, self.number = slug, group, locality, number
        self.timings = timings

    def _request(self, kind, method, path, data=None):
        statements, server = self.queries[0], SERVER_CPU[0]
        cpu, wall = time.process_time(), time.perf_counter()
        response = self.client.open(path, method=method, data=data)
        self.timings[kind].append((SERVER_CPU[0] - server, time.perf_counter() - wall,
                                   self.queries[0] - statements, time.process_time() - cpu))
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code}")
        return response

    def _form(self, kind, path, data):
        page = self._request(f"GET {kind}", "GET", path)
        token = TOKEN.search(page.get_data(as_text=True)).group(1)
        result = self._request(f"POST {kind}", "POST", path, data=dict(data, csrf_token=token))
        if result.status_code != 302:
            raise RuntimeError(f"POST {path}: {result.status_code} (no redirect)")
        return result.headers["Location"]

    def run(self):
        """The whole journey; True when the confirmation page shows a reference."""
        prefix = f"/consultations/{self.slug}"
        self._request("GET consultation", "GET", prefix)
        self._request("GET start", "GET", f"{prefix}/respond")
        location = self._form("about", f"{prefix}/respond/about", {
            "respondent_type": "individual", "groups": str(self.group), "locality": str(self.locality)})
        page = 1
        while "/questions/" in location:
            html = self._request("GET questions", "GET", location).get_data(as_text=True)
            names = set(re.findall(r'name="(q\d+)"', html))
            data = {"csrf_token": TOKEN.search(html).group(1)}
            for name in names:
                if re.search(rf'name="{name}"[^>]*type="radio"|type="radio"[^>]*name="{name}"', html):
                    data[name] = "Agree"
                else:
                    data[name] = f"Respondent {self.number}: the buses to the day centre matter to me. Page {page}."
            location = self._request("POST questions", "POST", location, data=data).headers["Location"]
            page += 1
        self._form("consent", f"{prefix}/respond/consent", {"consent": "publish_anonymous"})
        self._request("GET equality", "GET", f"{prefix}/respond/equality")  # "Skip these questions" is a link
        self._form("check", f"{prefix}/respond/check", {})
        done = self._request("GET done", "GET", f"{prefix}/respond/done").get_data(as_text=True)
        return bool(re.search(r"ENG-[0-9A-Z]{6}", done))


def run(app, slug, groups, localities, journeys, timings, first=0):
    """`journeys` journeys one after another; returns how many were confirmed."""
    confirmed = 0
    for number in range(first, first + journeys):
        confirmed += Journey(app, slug, groups[number % len(groups)], localities[number % len(localities)],
                             number, timings).run()
    return confirmed


MASKS = [
    (re.compile(r'(name="csrf_token" (?:type="hidden" )?value=")[^"]+'), r"\1TOKEN"),
    (re.compile(r'nonce="[^"]+"'), 'nonce="NONCE"'),
    (re.compile(r"ENG-[0-9A-Z]{6}"), "ENG-REF"),
    (re.compile(r"/r/[A-Za-z0-9_-]+"), "/r/LINK"),
]


def snapshot(app, slug, folder):
    """Write the journey's pages in several states to folder/NN-name.html (masked)."""
    from engage.consultations import services
    from engage.extensions import db
    from engage.models import Consultation

    with app.app_context():
        consultation = Consultation.query.filter_by(slug=slug).one()
        sections = consultation.latest_version.sections
        services.add_question(consultation, "How do you travel <by bus>?", kind="multiple_choice",
                              hint="Pick all & any.", options=["Bus", "Car & van", "Other"], section=sections[2])
        services.add_question(consultation, "Which break helps?", kind="single_choice", required=True,
                              options=["Day centre", "Respite"], section=sections[2])
        services.add_question(consultation, "Say it in 20 characters", required=True, max_length=20,
                              hint="Short, please.", section=sections[2])
        db.session.commit()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"/consultations/{slug}"
    count = [0]

    def save(name, response):
        count[0] += 1
        html = response.get_data(as_text=True)
        for pattern, replacement in MASKS:
            html = pattern.sub(replacement, html)
        (folder / f"{count[0]:02d}-{name}.html").write_text(f"status {response.status_code}\n{html}")
        return response

    def token(client, path):
        return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)

    for language in ("en", "cy"):
        client = app.test_client()
        client.get(f"/language/{language}?next=/")
        save(f"{language}-consultation", client.get(prefix))
        save(f"{language}-plan", client.get(f"{prefix}/plan"))
        save(f"{language}-section-1", client.get(f"{prefix}/plan/1"))
        save(f"{language}-section-4", client.get(f"{prefix}/plan/4"))
        save(f"{language}-start", client.get(f"{prefix}/respond"))
        save(f"{language}-about", client.get(f"{prefix}/respond/about"))
        about = f"{prefix}/respond/about"
        save(f"{language}-about-empty", client.post(about, data={"csrf_token": token(client, about)}))
        save(f"{language}-about-org", client.post(about, data={
            "csrf_token": token(client, about), "respondent_type": "organisation", "organisation_name": " ",
            "groups": "1"}))
        save(f"{language}-about-csrf", client.post(about, data={
            "csrf_token": "stale", "respondent_type": "organisation", "organisation_name": "<Org & co>"}))
        client.post(about, data={"csrf_token": token(client, about), "respondent_type": "organisation",
                                 "organisation_name": "<Org & co>", "groups": ["1", "2"], "locality": "2"})
        save(f"{language}-about-filled", client.get(about))
        check = f"{prefix}/respond/check"
        save(f"{language}-check-empty", client.get(check))
        save(f"{language}-check-problems", client.post(check, data={"csrf_token": token(client, check)}))
        for page in range(1, 5):
            path = f"{prefix}/respond/questions/{page}"
            html = save(f"{language}-questions-{page}", client.get(path)).get_data(as_text=True)
            names = sorted(set(re.findall(r'name="(q\d+)"', html)))
            save(f"{language}-questions-{page}-empty", client.post(path, data={"csrf_token": token(client, path)}))
            data = {"csrf_token": token(client, path)}
            for name in names:
                data[name] = "x" * 30 + " <b>&amp;</b>"
            save(f"{language}-questions-{page}-bad", client.post(path, data=data))
            save(f"{language}-questions-{page}-csrf", client.post(path, data=dict(data, csrf_token="stale")))
            data = {"csrf_token": token(client, path)}
            for name in names:
                if re.search(rf'name="{name}"[^>]*type="radio"|type="radio"[^>]*name="{name}"', html):
                    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"', html)
                    data[name] = match.group(1)
                elif re.search(rf'name="{name}"[^>]*type="checkbox"', html):
                    data[name] = ["Bus", "Other"]
                else:
                    data[name] = "Fine <i>text</i> & more"[:20]
            client.post(path, data=data)
            save(f"{language}-questions-{page}-filled", client.get(path))
        consent = f"{prefix}/respond/consent"
        save(f"{language}-consent", client.get(consent))
        save(f"{language}-consent-empty", client.post(consent, data={"csrf_token": token(client, consent)}))
        client.post(consent, data={"csrf_token": token(client, consent), "consent": "publish_named",
                                   "respondent_name": "Ann <Onymous>"})
        save(f"{language}-consent-filled", client.get(consent))
        equality = f"{prefix}/respond/equality"
        save(f"{language}-equality", client.get(equality))
        save(f"{language}-equality-bad", client.post(equality, data={
            "csrf_token": token(client, equality), "age_band": "nonsense", "sex": "Female"}))
        client.post(equality, data={"csrf_token": token(client, equality), "age_band": "16 to 24", "sex": "Female"})
        save(f"{language}-equality-filled", client.get(equality))
        save(f"{language}-check-ready", client.get(check))
        save(f"{language}-saved", client.get(f"{prefix}/respond/saved"))
        client.post(check, data={"csrf_token": token(client, check)})
        save(f"{language}-done", client.get(f"{prefix}/respond/done"))
        save(f"{language}-check-submitted", client.get(check))
        save(f"{language}-withdraw", client.get(f"{prefix}/respond/withdraw"))
        withdraw = f"{prefix}/respond/withdraw"
        save(f"{language}-withdrawn", client.post(withdraw, data={"csrf_token": token(client, withdraw)}))
        save(f"{language}-link-invalid", client.get("/r/nonsense"))
    print(f"{count[0]} pages written to {folder}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--journeys", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3, help="journeys first, not counted (template compiling)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile the run; print the top N")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key for --profile (tottime, cumulative)")
    parser.add_argument("--snapshot", metavar="DIR", help="write the journey's pages to DIR and stop")
    args = parser.parse_args()

    url = database_url(args.database)
    slug, groups, localities = prepare_database(url)
    app = make_app(url)
    if args.snapshot:
        snapshot(app, slug, args.snapshot)
        return
    run(app, slug, groups, localities, args.warmup, defaultdict(list), first=10_000)

    count_queries(app)
    meter_server(app)
    timings = defaultdict(list)
    profiler = cProfile.Profile() if args.profile else None
    cpu, wall, server, locked = time.process_time(), time.perf_counter(), SERVER_CPU[0], WRITE_LOCK[0]
    if profiler:
        profiler.enable()
    confirmed = run(app, slug, groups, localities, args.journeys, timings)
    if profiler:
        profiler.disable()
    cpu, wall, server = time.process_time() - cpu, time.perf_counter() - wall, SERVER_CPU[0] - server

    requests_made = sum(len(v) for v in timings.values())
    print(f"database: {args.database}  journeys: {args.journeys} ({confirmed} confirmed)  "
          f"requests: {requests_made}" + ("  (under cProfile: slower)" if profiler else ""))
    per_journey = server / args.journeys
    print(f"server CPU per journey: {per_journey * 1000:.1f} ms inside the app "
          f"({cpu / args.journeys * 1000:.1f} ms with the test client; wall {wall / args.journeys * 1000:.1f} ms); "
          f"2 cores would serve at most {2 / per_journey:.1f} responses/s")
    print(f"SQL statements per journey: {QUERIES[0] / args.journeys:.1f}")
    if args.database == "sqlite":
        held = (WRITE_LOCK[0] - locked) / args.journeys
        print(f"SQLite write lock held per journey: {held * 1000:.1f} ms "
              f"(one writer at a time: at most {1 / held:.0f} responses/s)")
    print(f"{'request (server CPU)':<22}{'count':>6}{'CPU ms mean':>13}{'CPU ms p50':>12}{'ms per journey':>16}{'SQL':>6}")
    for kind, values in sorted(timings.items(), key=lambda kv: -sum(v[0] for v in kv[1])):
        cpus = [v[0] * 1000 for v in values]
        print(f"{kind:<22}{len(values):>6}{statistics.mean(cpus):>13.2f}{statistics.median(cpus):>12.2f}"
              f"{sum(cpus) / args.journeys:>16.2f}{statistics.mean(v[2] for v in values):>6.1f}")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
