"""Benchmark: importing 100,000 responses from a survey tool's CSV export.

Generates a realistic CSV under /tmp (ID, date, respondent type, stakeholder
groups, locality, consent, three free-text answers of 20-60 words and one choice),
builds a fresh SQLite database with `flask db upgrade` (and a fresh PostgreSQL
database too when TEST_DATABASE_URL is set), adds one consultation, then runs the
import services directly (no HTTP, no job thread):

    .venv/bin/python bench/import_bench.py                  # 100,000 rows
    .venv/bin/python bench/import_bench.py --rows 20000 --keep

For each database it prints the seconds and rows per second of: saving the
upload, the check (every row validated, nothing written), the import (one
transaction, committed), and importing the same file again (0 new); the process's
peak RSS before and after the import; and the tracemalloc peak of one import (run
separately into a second consultation, because tracemalloc slows Python down).

Goal: 100,000 rows in 60 seconds or less, with memory that does not grow with the file.
Not a test.
"""
import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
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
from engage.consultations.services import add_question, create_consultation  # noqa: E402
from engage.extensions import db  # noqa: E402
from engage.imports import services  # noqa: E402
from engage.models import Answer, BackgroundJob, FeedbackItem, Response  # noqa: E402

LOCALITIES = ("Eastwick and Linton", "Fairside", "Haddon and Lammer Hills", "Musselford",
              "North Bervie Coast", "Seton Gosport")
GROUPS = ("Users of health care", "Carers of users of health care", "Health professionals",
          "Social care professionals", "Users of social care", "Carers of users of social care",
          "Members of the public", "Staff", "Community groups")
TYPES = ("Individual", "Individual", "Individual", "Individual", "Organisation")
CONSENTS = ("Publish anonymous", "Publish named", "Do not publish", "Yes", "No", "")
CHOICES = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")
QUESTIONS = (
    "What matters most to you about the services described in the plan?",
    "What would make it easier for you to get support?",
    "Is there anything else you would like to tell us?",
)
WORDS = (
    "care home respite carers support transport bus appointment GP waiting list community nurse day centre "
    "hospital discharge mental health wellbeing loneliness isolation older people young carers staff "
    "recruitment retention training cost of living money poverty housing accommodation rural village "
    "town online telephone face to face information advice communication listening involved decisions "
    "family friends neighbours volunteers third sector prevention early intervention joined up working "
    "social work assessment waiting times access referral equality disability dementia stroke recovery "
    "home care visits fifteen minutes rushed kind caring dignity respect choice control independence"
).split()
HEADER = ["Response ID", "Date submitted", "Responding as", "Organisation", "Stakeholder group", "Locality",
          "Consent", *QUESTIONS, "How much do you agree with the plan?"]


def quote(value):
    """A CSV cell, quoted when it needs to be."""
    if any(ch in value for ch in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def generate_csv(path, rows, seed=2026):
    """Write a survey tool's export of `rows` responses to path; returns its size in bytes."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(quote(h) for h in HEADER) + "\r\n")
        for n in range(1, rows + 1):
            respondent_type = rng.choice(TYPES)
            groups = ";".join(sorted(set(rng.choices(GROUPS, k=rng.choice((1, 1, 2))))))
            answers = []
            for _ in QUESTIONS:
                words = rng.choices(WORDS, k=rng.randint(20, 60))
                words[0] = words[0].capitalize()
                answers.append(" ".join(words) + ". " + ("It costs £5, which is too much." if rng.random() < .1
                                                         else ""))
            cells = [
                f"R{n:07d}",
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 3):02d}/2026 {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}",
                respondent_type,
                f"Organisation {n}" if respondent_type == "Organisation" else "",
                groups,
                rng.choice(LOCALITIES + ("Outside the area", "Prefer not to say")),
                rng.choice(CONSENTS),
                *[answer.strip() for answer in answers],
                rng.choice(CHOICES),
            ]
            out.write(",".join(quote(cell) for cell in cells) + "\r\n")
    return path.stat().st_size


def rss_mb():
    """Peak resident memory of this process so far, in MB (ru_maxrss is KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _progress(consultation, kind):
    """A job row and a jobs.Progress writing to it, as the job runner would give the service."""
    background_job = BackgroundJob(kind=kind, status="running", consultation_id=consultation.id,
                                   params={"kind": "responses"})
    db.session.add(background_job)
    db.session.commit()
    return jobs.Progress(background_job.id)


def _consultation(user, title):
    consultation = create_consultation(user, title, summary="Benchmark.", organisation="Bench HSCP",
                                       localities=LOCALITIES)
    for question in QUESTIONS:
        add_question(consultation, question, user=user)
    add_question(consultation, "How much do you agree with the plan?", kind="agree_scale", user=user)
    db.session.commit()
    return consultation


def run(label, database_url, csv_path, rows):
    """Time upload, check, import and re-import on one database; print the figures."""

    class BenchConfig(Config):
        """Production settings (not TestConfig) on the benchmark's own database."""

        SQLALCHEMY_DATABASE_URI = database_url
        SECRET_KEY = "bench-secret-not-for-production"
        RATELIMIT_ENABLED = False
        RATELIMIT_STORAGE_URI = "memory://"
        IMPORT_UPLOAD_DIR = str(Path(tempfile.gettempdir()) / "engage-bench-uploads")
        # Three answers of 20-60 words make 100,000 rows about 100 MB, right at the default cap.
        IMPORT_MAX_BYTES = 500 * 1024 * 1024

    app = create_app(BenchConfig)
    print(f"\n== {label}: {make_url(database_url).render_as_string(hide_password=True)}")
    with app.app_context():
        upgrade()
        user = create_user(f"bench-{uuid.uuid4().hex[:8]}@example.org", "Bench Officer", "x" * 20, role="officer")
        db.session.commit()
        consultation = _consultation(user, "Import benchmark")

        began = time.perf_counter()
        with open(csv_path, "rb") as stream:
            upload = services.save_upload(consultation, "responses", stream, "survey-export.csv", user=user)
        seconds = time.perf_counter() - began
        print(f"Upload saved and opened:   {seconds:7.2f} s")
        headers, _ = services.column_examples(upload)
        mapping = services.suggested_mapping(consultation, "responses", headers)
        unmapped = [column for column, target in mapping["columns"].items() if target == services.IGNORE]
        assert not unmapped, f"columns not recognised: {unmapped}"

        progress = _progress(consultation, "import_responses_check")
        began = time.perf_counter()
        result = services.check_file(consultation, upload, mapping, progress)
        seconds = time.perf_counter() - began
        assert result["error_count"] == 0, result["errors"][:5]
        print(f"Check (validate all rows): {seconds:7.2f} s  {rows / seconds:9,.0f} rows/s  "
              f"({result['new']:,} new, {result['error_count']} problems)")

        progress = _progress(consultation, "import_responses")
        rss_before = rss_mb()
        began = time.perf_counter()
        result = services.import_responses(consultation, upload, mapping, user, progress)
        db.session.commit()
        seconds = time.perf_counter() - began
        rss_after = rss_mb()
        counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Response, Answer, FeedbackItem)}
        print(f"Import (one transaction):  {seconds:7.2f} s  {rows / seconds:9,.0f} rows/s  "
              f"-> {result['summary']}")
        print(f"   rows written: {counts['Response']:,} responses, {counts['Answer']:,} answers, "
              f"{counts['FeedbackItem']:,} feedback items")
        print(f"   peak RSS before import {rss_before:,.0f} MB, after {rss_after:,.0f} MB "
              f"(+{rss_after - rss_before:,.0f} MB)")
        import_seconds = seconds

        progress = _progress(consultation, "import_responses")
        began = time.perf_counter()
        result = services.import_responses(consultation, upload, mapping, user, progress)
        db.session.commit()
        seconds = time.perf_counter() - began
        print(f"Same file again:           {seconds:7.2f} s  {rows / seconds:9,.0f} rows/s  -> {result['summary']}")
        services.delete_upload(upload)

        second = _consultation(user, "Import benchmark, traced")
        with open(csv_path, "rb") as stream:
            upload = services.save_upload(second, "responses", stream, "survey-export.csv", user=user)
        progress = _progress(second, "import_responses")
        tracemalloc.start()
        began = time.perf_counter()
        services.import_responses(second, upload, mapping_for(second, mapping), user, progress)
        db.session.commit()
        traced_seconds = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"tracemalloc peak of one import: {peak / 1024 / 1024:,.1f} MB "
              f"(that run took {traced_seconds:.1f} s with tracing on)")
        services.delete_upload(upload)
        db.session.remove()
        db.engine.dispose()
    verdict = "OK" if import_seconds <= 60 else "TOO SLOW"
    print(f"Goal 100,000 rows <= 60 s: {import_seconds:.1f} s for {rows:,} rows [{verdict}]")


def mapping_for(consultation, mapping):
    """The same mapping with question targets pointed at this consultation's questions."""
    first = mapping["columns"]
    questions = {question.text: f"question:{question.id}" for question in consultation.questions}
    columns = {column: (questions[column] if target.startswith("question:") else target)
               for column, target in first.items()}
    return {"columns": columns, "date_order": mapping["date_order"]}


def fresh_postgres(url):
    """CREATE a throwaway database next to the one in url; returns (its url, a function to drop it)."""
    base = make_url(url)
    name = f"engage_import_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main():
    """Generate the file, then benchmark SQLite (and PostgreSQL when TEST_DATABASE_URL is set)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the CSV and SQLite files")
    args = parser.parse_args()

    csv_path = Path(tempfile.gettempdir()) / f"engage-import-bench-{args.rows}.csv"
    began = time.perf_counter()
    size = generate_csv(csv_path, args.rows)
    print(f"Generated {args.rows:,} rows, {size / 1024 / 1024:.1f} MB in {time.perf_counter() - began:.1f} s "
          f"({csv_path})")

    sqlite_path = Path(tempfile.mkstemp(prefix="engage-bench-import-", suffix=".sqlite", dir="/tmp")[1])
    try:
        run("SQLite", f"sqlite:///{sqlite_path}", csv_path, args.rows)
        if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
            url, drop = fresh_postgres(os.environ["TEST_DATABASE_URL"])
            try:
                run("PostgreSQL", url, csv_path, args.rows)
            finally:
                drop()
    finally:
        if not args.keep:
            for path in (csv_path, sqlite_path, Path(f"{sqlite_path}-wal"), Path(f"{sqlite_path}-shm")):
                path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
