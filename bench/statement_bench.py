"""Benchmark: the statement of consultation and its downloads at 100,000 responses and 300,000 comments.

Builds a fresh SQLite database with `flask db upgrade` under /tmp and fills one
analysed consultation with Core bulk inserts: responses (groups, localities,
channels, consents), three comments each (most coded against a codebook of 20
themes, some with automatic suggestions, a few withheld or redacted), equality
forms, events with attendance and notes, two drafts of the plan and a response to
every theme. Then, in a fresh process (so its peak memory is the statement work
alone), it times:

- build_statement (the one builder), and publishing it as a revision
- HTML: the public statement template rendered from the content in a request
  context, and the whole public page through the test client
- PDF (WeasyPrint), DOCX, XLSX (published responses streamed), the two CSVs, JSON
- checking a download is current (what every public download does first)
- the whole export job (every format written to disk, as the background job does)

and prints the peak RSS (resource.getrusage) of that process. Goals: HTML <= 10 s,
PDF <= 60 s, peak memory <= 1 GB.

    .venv/bin/python bench/statement_bench.py                        # 100,000 / 300,000
    .venv/bin/python bench/statement_bench.py --responses 10000 --keep
    .venv/bin/python bench/statement_bench.py --measure /tmp/engage-bench-statement-x.sqlite

Not a test.
"""
import argparse
import io
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from config import TestConfig  # noqa: E402
from engage import create_app  # noqa: E402
from engage.auth.services import create_user  # noqa: E402
from engage.consultations.services import add_plan_version, add_question, create_consultation  # noqa: E402
from engage.extensions import db  # noqa: E402
from engage.models import (  # noqa: E402
    Consultation, EngagementEvent, EqualityMonitoring, EventAttendance, FeedbackItem, Redaction, Response,
    StatementRevision, Tag, Theme, ThemeResponse,
)
from engage.models.response import response_group  # noqa: E402

PASSWORD = "correct horse battery staple"
LOCALITIES = ("Eastwick and Linton", "Fairside", "Haddon and Lammer Hills", "Musselford",
              "North Bervie Coast", "Seton Gosport")
CHANNELS = {"online": 80, "paper": 9, "email": 5, "letter": 3, "phone": 2, "easy_read": 1}
STATUSES = {"submitted": 95, "draft": 3, "withdrawn": 2}
CONSENTS = {"publish_anonymous": 48, "publish_named": 20, "do_not_publish": 32}
STANCES = {"support": 20, "concern": 45, "mixed": 15, "neutral": 10, None: 10}
CODEBOOK = {
    "Transport": ("Community transport", "Buses and trains", "Parking at clinics"),
    "Carers": ("Short breaks", "Carer support plans", "Young carers"),
    "Access to services": ("Waiting times", "Online appointments", "Opening hours"),
    "Workforce": ("Recruitment", "Training", "Pay and conditions"),
    "Mental health": ("Crisis support", "Children and young people", "Dementia"),
}
WORDS = ("the bus service clinic appointment carer respite break support waiting list home care staff nurse "
         "doctor evening weekend rural village town online phone booking travel cost parking ward hospital "
         "community centre library group young people older family help information advice letter time week "
         "month year never always sometimes difficult easy better worse more less need want should could "
         "would plan priority money funding local area service services people person mother father son "
         "daughter neighbour friend mental health crisis team training recruitment opening hours").split()
DRAFT = """# Draft plan

## 1. Vision

We want people to live well at home.

## 2. Carers

Unpaid carers need breaks.

## 3. Transport

Getting to appointments is hard in rural areas.

## 4. Access

Everyone can choose a face-to-face appointment.
"""
EQUALITY = {
    "age_band": ("16 to 24", "25 to 34", "35 to 44", "45 to 54", "55 to 64", "65 to 74", "75 or over", ""),
    "sex": ("Female", "Male", "", "prefer_not_to_say"),
    "disability": ("Yes", "No", ""),
    "ethnicity": ("White", "Asian or Asian British", "Mixed or multiple ethnic groups", "Gypsy, Traveller or Roma", ""),
    "unpaid_carer": ("Yes", "No", ""),
}


def _pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _insert(table, rows):
    if rows:
        db.session.execute(insert(table), rows)


def build(app, responses_total, items_total, seed=2026, chunk=10_000):
    """One analysed consultation with the data above. Returns its id."""
    rng = random.Random(seed)
    with app.app_context():
        upgrade()
        create_user("bench-officer@example.org", "Bench Officer", PASSWORD, role="officer")
        consultation = create_consultation(None, "Benchmark strategic plan", summary="A plan for three years.",
                                           organisation="Bench Health and Social Care Partnership",
                                           opens_on=date.today() - timedelta(days=120),
                                           closes_on=date.today() - timedelta(days=10), localities=LOCALITIES)
        add_plan_version(consultation, "Draft for consultation", DRAFT)
        questions = [add_question(consultation, text) for text in (
            "What do you think of the plan?", "What would make it easier to get support?", "Anything else?")]
        for step in ("open", "closed", "analysing"):
            consultation.transition_to(step)
        db.session.flush()
        add_plan_version(consultation, "Final plan", DRAFT.replace("Unpaid carers need breaks.",
                                                                   "Unpaid carers will get a break within eight weeks.")
                         .replace("## 4. Access", "## 4. Access to services"))
        db.session.commit()
        cid = consultation.id
        group_ids = [group.id for group in consultation.stakeholder_groups]
        group_weights = [30, 8, 0.2, 1, 6, 6, 20, 15, 1, 1, 0.5, 3, 40, 12, 3, 0.5, 2][:len(group_ids)]
        locality_ids = [locality.id for locality in consultation.localities]
        question_ids = [question.id for question in questions]

        theme_ids, leaf_ids = [], []
        for position, (name, children) in enumerate(CODEBOOK.items()):
            parent = Theme(consultation_id=cid, name=name, position=position,
                           description=f"What people said about {name.lower()}.")
            db.session.add(parent)
            db.session.flush()
            theme_ids.append(parent.id)
            for child_position, child in enumerate(children):
                sub = Theme(consultation_id=cid, name=child, parent_id=parent.id, position=child_position)
                db.session.add(sub)
                db.session.flush()
                theme_ids.append(sub.id)
                leaf_ids.append(sub.id)
        sections = {section.heading: section for section in consultation.latest_version.sections}
        for index, theme_id in enumerate(theme_ids):
            if index % 4 == 3:
                continue  # a few themes without a response yet
            response = ThemeResponse(theme_id=theme_id, you_said=f"People told us about theme {index}.\n\nA lot.",
                                     we_did="We changed the plan." if index % 2 else "It is already in the plan.",
                                     decision="changed" if index % 2 else "already_in_plan")
            if index % 2:
                response.sections = [sections["Carers"]]
            db.session.add(response)
        events = []
        for number in range(10):
            event = EngagementEvent(consultation_id=cid, title=f"Drop-in {number + 1}", venue="Town hall",
                                    starts_at=datetime(2026, 2, 1, 14) + timedelta(days=7 * number),
                                    locality_id=locality_ids[number % len(locality_ids)])
            db.session.add(event)
            db.session.flush()
            events.append(event.id)
            for group_id, count in zip(group_ids[:4], (12, 3, 25, 0)):
                db.session.add(EventAttendance(event_id=event.id, group_id=group_id, count=count))
        db.session.commit()

        start = datetime(2026, 1, 5, 9, 0)
        span = 90 * 24 * 3600
        per_response = max(1, items_total // responses_total)
        next_item = 1
        redactions, tags = [], []
        for offset in range(0, responses_total, chunk):
            responses, memberships, equality, items = [], [], [], []
            for response_id in range(offset + 1, min(offset + chunk, responses_total) + 1):
                status = _pick(rng, STATUSES)
                created = start + timedelta(seconds=rng.randrange(span))
                where = rng.random()
                locality_id = rng.choice(locality_ids) if where < 0.93 else None
                organisation = rng.random() < 0.04
                consent = _pick(rng, CONSENTS) if status != "draft" else None
                responses.append({
                    "id": response_id, "consultation_id": cid, "reference": f"B{response_id:08d}",
                    "status": status, "channel": _pick(rng, CHANNELS),
                    "respondent_type": "organisation" if organisation else "individual",
                    "respondent_name": f"Person {response_id}" if consent == "publish_named" else "",
                    "organisation_name": f"Organisation {response_id % 500}" if organisation else "",
                    "contact_email": "", "locality_id": locality_id,
                    "locality_other": "" if locality_id else ("outside" if where < 0.96 else "prefer_not_to_say"),
                    "consent": consent,
                    "submitted_at": created + timedelta(minutes=5) if status != "draft" else None,
                    "withdrawn_at": None, "received_on": None, "checked_by_second_person": False,
                    "is_demo": False, "created_at": created, "updated_at": created,
                })
                for group_id in set(rng.choices(group_ids, weights=group_weights, k=rng.choice((1, 1, 2)))):
                    memberships.append({"response_id": response_id, "group_id": group_id})
                if rng.random() < 0.4:
                    equality.append({"consultation_id": cid, "response_id": response_id, "created_at": created,
                                     "updated_at": created,
                                     **{key: rng.choice(values) for key, values in EQUALITY.items()}})
                for position in range(per_response):
                    words = rng.choices(WORDS, k=rng.randint(20, 60))
                    body = " ".join(words).capitalize() + "."
                    phone = rng.random() < 0.005
                    if phone:
                        body += " Call me on 07700 900123."
                    items.append({
                        "id": next_item, "consultation_id": cid, "text": body, "source": "answer",
                        "response_id": response_id, "question_id": question_ids[position % len(question_ids)],
                        "speaks_for": 1, "position": position, "stance": _pick(rng, STANCES),
                        "withheld": rng.random() < 0.005, "is_demo": False,
                        "coded_at": created if rng.random() < 0.85 else None,
                        "created_at": created, "updated_at": created,
                    })
                    if phone:
                        at = body.index("07700")
                        redactions.append({"item_id": next_item, "start": at, "end": at + 12, "kind": "phone",
                                           "replacement": "[phone number removed]",
                                           "status": "confirmed" if rng.random() < 0.8 else "suggested",
                                           "reason": "", "created_at": created})
                    if items[-1]["coded_at"] is not None:
                        for theme_id in set(rng.choices(leaf_ids, k=rng.choice((1, 1, 2)))):
                            tags.append({"item_id": next_item, "theme_id": theme_id, "source": "officer",
                                         "status": "confirmed", "coding_pass": "primary", "confidence": None,
                                         "explanation": [], "created_at": created})
                    elif rng.random() < 0.5:
                        tags.append({"item_id": next_item, "theme_id": rng.choice(leaf_ids), "source": "automatic",
                                     "status": rng.choice(("suggested", "rejected")), "coding_pass": "primary",
                                     "confidence": 0.4, "explanation": ["bus"], "created_at": created})
                    next_item += 1
            _insert(Response.__table__, responses)
            _insert(response_group, memberships)
            _insert(EqualityMonitoring.__table__, equality)
            _insert(FeedbackItem.__table__, items)
            for start_at in range(0, len(tags), 20_000):
                _insert(Tag.__table__, tags[start_at:start_at + 20_000])
            _insert(Redaction.__table__, redactions)
            tags, redactions = [], []
            db.session.commit()
        notes = []
        for index, event_id in enumerate(events):
            for number in range(20):
                notes.append({"id": next_item, "consultation_id": cid, "text": f"Table {number} said transport.",
                              "source": "event_note", "event_id": event_id, "speaks_for": 6, "position": number,
                              "withheld": False, "is_demo": False, "created_at": start, "updated_at": start})
                tags.append({"item_id": next_item, "theme_id": leaf_ids[index % len(leaf_ids)], "source": "officer",
                             "status": "confirmed", "coding_pass": "primary", "confidence": None, "explanation": [],
                             "created_at": start})
                next_item += 1
        _insert(FeedbackItem.__table__, notes)
        _insert(Tag.__table__, tags)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return cid


def peak_mb():
    """This process's peak resident memory so far, in MB (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path, consultation_id=None):
    """Time the statement and each download on an existing database; print a table."""
    from flask import render_template

    from engage.exports import services, tabular
    from engage.exports.docx import statement_docx
    from engage.exports.opendata import statement_json
    from engage.exports.pdf import statement_pdf
    from engage.exports.responses import published_responses
    from engage.exports.xlsx import published_responses_xlsx
    from engage.published.views import statement_helpers
    from engage.publishing.statement import build_statement, for_display

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        EXPORT_DIR = tempfile.mkdtemp(prefix="engage-bench-exports-")

    app = create_app(BenchConfig)
    results = []

    def timed(name, function, note=""):
        began = time.perf_counter()
        value = function()
        seconds = time.perf_counter() - began
        results.append((name, seconds, note(value) if callable(note) else note))
        print(f"  {name:<62} {seconds:8.2f} s   peak {peak_mb():7.0f} MB", flush=True)
        return value

    print(f"Measuring on {path} (starting at {peak_mb():.0f} MB)")
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id) if consultation_id else \
            db.session.scalars(select(Consultation).order_by(Consultation.id)).first()
        counts = db.session.execute(text(
            "SELECT (SELECT count(*) FROM response WHERE consultation_id = :c), "
            "(SELECT count(*) FROM feedback_item WHERE consultation_id = :c), "
            "(SELECT count(*) FROM tag)"), {"c": consultation.id}).one()
        print(f"  {counts[0]:,} responses, {counts[1]:,} feedback items, {counts[2]:,} tags")
        content = timed("build_statement", lambda: build_statement(consultation),
                        lambda content: f"{content['figures']['responses']:,} responses counted, "
                                        f"{len(content['annexes']['codebook'])} themes")
        revision = StatementRevision(consultation_id=consultation.id, number=1, content=content)
        db.session.add(revision)
        consultation.transition_to("published")
        db.session.commit()
        shown = timed("for_display (today's consent on the stored revision)", lambda: for_display(revision.content))

        def render_html():
            with app.test_request_context(f"/consultations/{consultation.slug}/statement"):
                return render_template("published/statement.html", consultation=consultation, revisions=[revision],
                                       revision=revision, latest=revision, content=shown, **statement_helpers())

        timed("HTML: render the public statement template", render_html, lambda html: f"{len(html):,} chars")
        client = app.test_client()

        def public_page():
            response = client.get(f"/consultations/{consultation.slug}/statement")
            assert response.status_code == 200, response.status_code
            return response.data

        timed("HTML: the whole public page (GET, for_display included)", public_page,
              lambda body: f"{len(body):,} bytes")
        pdf = timed("PDF (WeasyPrint, tagged)", lambda: statement_pdf(shown, revision),
                    lambda data: f"{len(data) / 1e6:.2f} MB")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            pages = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
        page_count = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
        results[-1] = (*results[-1][:2], results[-1][2] + f", {page_count} pages")
        timed("DOCX (python-docx)", lambda: statement_docx(shown, revision), lambda data: f"{len(data) / 1e6:.2f} MB")

        def xlsx():
            buffer = io.BytesIO()
            published_responses_xlsx(consultation, shown, buffer, revision=revision)
            return buffer.getbuffer().nbytes

        timed("XLSX (published responses streamed, themes, who)", xlsx, lambda size: f"{size / 1e6:.1f} MB")

        def responses_csv():
            # To a file, as the job writes it (a StringIO of 190,000 rows would itself take hundreds of MB).
            with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as target:
                tabular.published_responses_csv(published_responses(consultation), target)
                target.seek(0)
                return sum(1 for _ in target) - 1

        timed("CSV: published responses", responses_csv, lambda rows: f"{rows:,} rows")
        timed("CSV: themes", lambda: tabular.themes_csv(shown), lambda data: f"{len(data):,} bytes")
        timed("JSON open data", lambda: statement_json(shown, revision), lambda data: f"{len(data):,} bytes")
        timed("Is a download current? (fingerprint, every public download)",
              lambda: services.current_fingerprint(consultation, revision))
        timed("The whole export job (every format written to disk)",
              lambda: services.write_exports(consultation, revision),
              lambda manifest: f"{sum(f['bytes'] for f in manifest['formats'].values()) / 1e6:.1f} MB in all")
    shutil.rmtree(BenchConfig.EXPORT_DIR, ignore_errors=True)
    print(f"\nSeconds, {counts[0]:,} responses and {counts[1]:,} feedback items, SQLite:\n")
    width = max(len(name) for name, _, _ in results)
    for name, seconds, note in results:
        print(f"  {name:<{width}}  {seconds:7.2f} s   {note}")
    print(f"\nPeak RSS of the measuring process: {peak_mb():.0f} MB "
          f"(goals: HTML <= 10 s, PDF <= 60 s, peak memory <= 1,024 MB)")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=300_000)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--measure", metavar="SQLITE_FILE", help="only measure, on a database built before")
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    path = Path(tempfile.mkstemp(prefix="engage-bench-statement-", suffix=".sqlite", dir="/tmp")[1])

    class BuildConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    began = time.perf_counter()
    build(create_app(BuildConfig), args.responses, args.items)
    print(f"Built {args.responses:,} responses and {args.items:,} feedback items in "
          f"{time.perf_counter() - began:.1f} s ({path})", flush=True)
    try:
        # A fresh process, so the peak memory reported is the statement's and not the data creation's.
        subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True)
    finally:
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
