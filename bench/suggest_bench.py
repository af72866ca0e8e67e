"""Benchmark: suggesting themes, stance and tone for 100,000 feedback items, written to the database.

Builds a consultation in a fresh SQLite database (`flask db upgrade`), and in a fresh
PostgreSQL database too when TEST_DATABASE_URL or --database-url is given (a throwaway
database is created next to the one named, and dropped afterwards):

- one theme per `subcategory` of the NHS patient-feedback file (44 themes, no keywords);
- N feedback items (default 100,000) whose texts are sampled from its `feedback` column
  (../shared/data/patient-feedback-phase1.csv, or --data): --coded of them (default
  10,000, drawn without replacement as far as the file allows) coded by an officer with
  the row's subcategory as a confirmed theme; --officer-stances of those (default 1,000)
  with an officer's stance from the row's criticality (below 0 concern, 0 neutral, above 0
  support); the rest not coded;

then runs the suggester's job function directly (no HTTP, no job thread), commits, and
prints the seconds spent training, reading, suggesting themes, judging stance and tone,
and writing; items per second; suggestions written; and the process's peak RSS.

    .venv/bin/python bench/suggest_bench.py                      # 100,000 items, SQLite
    .venv/bin/python bench/suggest_bench.py --items 20000 --again
    .venv/bin/python bench/suggest_bench.py --database-url postgresql://...

Goals (from the issue): suggestions for 100,000 items written in 30 s or less; training on
10,000 coded items in 30 s or less. The texts repeat (the file has 8,808 distinct comments),
and the job analyses each distinct text of a batch once, so the share of distinct texts per
batch is printed too. Not a test; figures on a shared machine are pessimistic.
"""
import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import Config  # noqa: E402
from engage import create_app, jobs  # noqa: E402
from engage.auth.services import create_user  # noqa: E402
from engage.coding import suggesting  # noqa: E402
from engage.consultations.services import create_consultation  # noqa: E402
from engage.extensions import db  # noqa: E402
from engage.models import BackgroundJob, FeedbackItem, Tag, Theme, utcnow  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "patient-feedback-phase1.csv"
INSERT_ROWS = 10_000


def load(path):
    """(feedback, subcategory, label, criticality) of every row with a comment."""
    with open(path, encoding="utf-8", newline="") as source:
        return [(row["feedback"].strip(), row["subcategory"].strip(), row["label"].strip(), row["criticality"])
                for row in csv.DictReader(source) if row["feedback"].strip()]


def stance_of(criticality):
    """The file's criticality (-5..+5) as an officer's stance, or None when it is not a number."""
    try:
        value = int(criticality)
    except ValueError:
        return None
    return "concern" if value < 0 else "support" if value > 0 else "neutral"


def rss_mb():
    """Peak resident memory of this process so far, in MB (ru_maxrss is KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(rows, items, coded, officer_stances, seed):
    """One consultation with its codebook and items (Core inserts); returns (consultation, officer)."""
    rng = random.Random(seed)
    officer = create_user(f"bench-{uuid.uuid4().hex[:8]}@example.org", "Bench Officer", "x" * 20, role="officer")
    consultation = create_consultation(officer, "Suggester benchmark", summary="Benchmark.",
                                       organisation="Bench HSCP", localities=["North", "South"])
    db.session.flush()
    # A few subcategories sit under two categories in the file: one theme each, the first category named.
    labels = {}
    for _, subcategory, label, _ in rows:
        labels.setdefault(subcategory, label)
    themes = {}
    for position, (subcategory, label) in enumerate(sorted(labels.items())):
        theme = Theme(consultation_id=consultation.id, name=subcategory, position=position,
                      description=f"{label}: {subcategory}")
        db.session.add(theme)
        themes[subcategory] = theme
    db.session.flush()
    theme_ids = {name: theme.id for name, theme in themes.items()}
    db.session.commit()

    order = list(range(len(rows)))
    rng.shuffle(order)
    coded_rows = [rows[order[n % len(order)]] for n in range(coded)]
    open_rows = [rng.choice(rows) for _ in range(items - coded)]
    now = utcnow()
    values = []
    for n, (feedback, subcategory, _, criticality) in enumerate(coded_rows):
        stance = stance_of(criticality) if n < officer_stances else None
        values.append({"consultation_id": consultation.id, "text": feedback, "source": "import", "speaks_for": 1,
                       "position": n, "coded_at": now, "coded_by_id": officer.id, "stance": stance,
                       "stance_source": "officer" if stance else None, "withheld": False, "withheld_reason": "",
                       "is_demo": False, "created_at": now, "updated_at": now})
    for n, (feedback, *_) in enumerate(open_rows, start=len(values)):
        values.append({"consultation_id": consultation.id, "text": feedback, "source": "import", "speaks_for": 1,
                       "position": n, "coded_at": None, "coded_by_id": None, "stance": None,
                       "stance_source": None, "withheld": False, "withheld_reason": "", "is_demo": False,
                       "created_at": now, "updated_at": now})
    for start in range(0, len(values), INSERT_ROWS):
        db.session.execute(FeedbackItem.__table__.insert(), values[start:start + INSERT_ROWS])
    coded_ids = db.session.scalars(select(FeedbackItem.id).where(
        FeedbackItem.consultation_id == consultation.id, FeedbackItem.coded_at.isnot(None))
        .order_by(FeedbackItem.position)).all()
    tags = [{"item_id": item_id, "theme_id": theme_ids[subcategory], "source": "import", "status": "confirmed",
             "coding_pass": "primary", "coder_id": officer.id, "explanation": [], "created_at": now,
             "decided_at": now}
            for item_id, (_, subcategory, _, _) in zip(coded_ids, coded_rows)]
    for start in range(0, len(tags), INSERT_ROWS):
        db.session.execute(Tag.__table__.insert(), tags[start:start + INSERT_ROWS])
    db.session.commit()
    return consultation, officer


def distinct_share(consultation_id):
    """Average share of distinct texts among a batch's items not yet coded (what the job analyses)."""
    texts = db.session.scalars(select(FeedbackItem.text).where(
        FeedbackItem.consultation_id == consultation_id, FeedbackItem.coded_at.is_(None))
        .order_by(FeedbackItem.id)).all()
    batches = [texts[start:start + suggesting.BATCH_ITEMS] for start in range(0, len(texts), suggesting.BATCH_ITEMS)]
    return sum(len(set(batch)) for batch in batches) / max(1, len(texts))


def run_job(consultation, officer):
    """The job function on a job row of its own, committed as the runner would; returns (result, seconds)."""
    background_job = BackgroundJob(kind=suggesting.SUGGEST_JOB, status="running", consultation_id=consultation.id,
                                   created_by_id=officer.id, params={})
    db.session.add(background_job)
    db.session.commit()
    progress = jobs.Progress(background_job.id)
    began, cpu = time.perf_counter(), cpu_seconds()
    result = suggesting.suggest_themes(background_job, progress)
    background_job.status, background_job.result = "done", result
    db.session.commit()
    result["cpu_seconds_process"] = cpu_seconds() - cpu
    return result, time.perf_counter() - began


def cpu_seconds():
    """CPU time this process has used (user + system, all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(result, seconds, items):
    """Print one run's figures: wall-clock seconds, and the CPU seconds of the job's own thread."""
    wall = {phase: result[f"{phase}_seconds"] for phase in ("train", "read", "suggest", "stance", "write")}
    cpu = result["cpu_seconds"]
    considered = max(1, result["items_considered"])

    def line(label, phase_names, count=None):
        wall_seconds = sum(wall[name] for name in phase_names)
        cpu_seconds = sum(cpu[name] for name in phase_names)
        rate = (f"{count / max(wall_seconds, 1e-9):9,.0f} items/s wall  {count / max(cpu_seconds, 1e-9):9,.0f} per CPU s"
                if count else "")
        print(f"   {label:<30}{wall_seconds:8.2f} s wall {cpu_seconds:8.2f} s CPU  {rate}")

    print(f"   method {result['method']} ({result['learnt_themes']} of {result['themes']} themes learnt), "
          f"trained on {result['trained_on']:,} items; stance by {result['stance_method']}")
    line("train (themes and stance)", ["train"])
    line("read items (keyset batches)", ["read"], items)
    line("suggest themes", ["suggest"], considered)
    line("stance and tone", ["stance"], items)
    line("write (one transaction)", ["write"], items)
    line("read + suggest + write", ["read", "suggest", "write"], considered)
    line("everything after training", ["read", "suggest", "stance", "write"], items)
    print(f"   whole job: {seconds:.2f} s wall, {result['cpu_seconds_process']:.2f} s CPU of the process "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"   {result['suggestions']:,} suggestions for {result['items_with_suggestions']:,} of "
          f"{result['items_considered']:,} items not yet coded; {result['stances_set']:,} stances set")
    written = db.session.scalar(select(func.count()).select_from(Tag).where(
        Tag.source == "automatic", Tag.status == "suggested"))
    assert written == result["suggestions"], (written, result["suggestions"])


def run(label, database_url, rows, arguments):
    """Build the data on one database, run the job (twice with --again), print the figures."""

    class BenchConfig(Config):
        """Production settings (not TestConfig) on the benchmark's own database."""

        SQLALCHEMY_DATABASE_URI = database_url
        SECRET_KEY = "bench-secret-not-for-production"
        RATELIMIT_ENABLED = False
        RATELIMIT_STORAGE_URI = "memory://"

    app = create_app(BenchConfig)
    print(f"\n== {label}: {make_url(database_url).render_as_string(hide_password=True)}")
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        consultation, officer = build(rows, arguments.items, arguments.coded, arguments.officer_stances,
                                      arguments.seed)
        print(f"Built {arguments.items:,} items ({arguments.coded:,} coded, {arguments.officer_stances:,} officer "
              f"stances) in {time.perf_counter() - began:.1f} s; distinct texts per batch "
              f"{distinct_share(consultation.id):.0%}")
        db.session.commit()
        rss_before = rss_mb()
        result, seconds = run_job(consultation, officer)
        print(f"First run, peak RSS {rss_before:,.0f} MB before, {rss_mb():,.0f} MB after:")
        report(result, seconds, arguments.items)
        first = result
        if arguments.again:
            result, seconds = run_job(consultation, officer)
            print("Second run (replaces the undecided suggestions):")
            report(result, seconds, arguments.items)
        db.session.remove()
        db.engine.dispose()
    # Per item not yet coded, scaled to 100,000 such items.
    scale = 100_000 / max(1, first["items_considered"])
    for kind, figures in (("wall", {phase: first[f"{phase}_seconds"] for phase in first["cpu_seconds"]}),
                          ("CPU", first["cpu_seconds"])):
        themes = (figures["read"] + figures["suggest"] + figures["write"]) * scale
        print(f"Goal, {kind}: training on {first['trained_on']:,} items <= 30 s: {figures['train']:.1f} s "
              f"[{'OK' if figures['train'] <= 30 else 'TOO SLOW'}]; 100,000 items suggested and written <= 30 s: "
              f"{themes:.1f} s [{'OK' if themes <= 30 else 'TOO SLOW'}] (with stance and tone "
              f"{themes + figures['stance'] * scale:.1f} s)")


def fresh_postgres(url):
    """CREATE a throwaway database next to the one in url; returns (its url, a function to drop it)."""
    base = make_url(url)
    name = f"engage_suggest_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main():
    """Benchmark SQLite, then PostgreSQL when a URL is given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the patient-feedback CSV")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--coded", type=int, default=10_000)
    parser.add_argument("--officer-stances", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--again", action="store_true", help="run the job a second time (replacing suggestions)")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""),
                        help="a PostgreSQL server to benchmark as well (default: TEST_DATABASE_URL)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    arguments = parser.parse_args()
    arguments.coded = min(arguments.coded, arguments.items)
    arguments.officer_stances = min(arguments.officer_stances, arguments.coded)
    rows = load(arguments.data)
    print(f"{len(rows):,} comments read from {arguments.data}")

    if not arguments.skip_sqlite:
        sqlite_path = Path(tempfile.mkstemp(prefix="engage-bench-suggest-", suffix=".sqlite", dir="/tmp")[1])
        try:
            run("SQLite", f"sqlite:///{sqlite_path}", rows, arguments)
        finally:
            if not arguments.keep:
                for path in (sqlite_path, Path(f"{sqlite_path}-wal"), Path(f"{sqlite_path}-shm")):
                    path.unlink(missing_ok=True)
    if arguments.database_url.startswith("postgresql"):
        url, drop = fresh_postgres(arguments.database_url)
        try:
            run("PostgreSQL", url, rows, arguments)
        finally:
            drop()


if __name__ == "__main__":
    main()
