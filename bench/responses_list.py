"""Benchmark: the staff responses list at 100,000 responses.

Builds a SQLite database under /tmp with `flask db upgrade` (so the indexes are
the migrations' own), bulk-inserts one consultation's responses with core
inserts, then times page views through the Flask test client:

    .venv/bin/python bench/responses_list.py                 # 100,000 responses
    .venv/bin/python bench/responses_list.py --responses 20000 --keep

Not a test: it prints milliseconds per request (median of --repeat runs).
"""
import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from config import TestConfig  # noqa: E402
from engage import create_app  # noqa: E402
from engage.auth.services import create_user  # noqa: E402
from engage.consultations.services import create_consultation  # noqa: E402
from engage.extensions import db  # noqa: E402
from engage.models import Response  # noqa: E402
from engage.models.response import response_group  # noqa: E402

PASSWORD = "correct horse battery staple"
LOCALITIES = ("Eastwick and Linton", "Fairside", "Haddon and Lammer Hills", "Musselford",
              "North Bervie Coast", "Seton Gosport")
CHANNELS = {"online": 80, "paper": 9, "email": 5, "letter": 3, "phone": 2, "easy_read": 1}
STATUSES = {"submitted": 95, "draft": 3, "withdrawn": 2}
CONSENTS = {"publish_anonymous": 48, "publish_named": 20, "do_not_publish": 32}
NEXT_LINK = re.compile(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next"')


def _pick(rng, weights):
    """One key of weights, chosen in proportion to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def build(app, total, seed=2026, chunk=10_000):
    """One consultation with `total` responses, 1-2 stakeholder groups each. Returns its id."""
    rng = random.Random(seed)
    with app.app_context():
        upgrade()
        create_user("bench-officer@example.org", "Bench Officer", PASSWORD, role="officer")
        consultation = create_consultation(None, "Benchmark consultation", summary="Benchmark.",
                                           organisation="Bench HSCP", localities=LOCALITIES)
        db.session.commit()
        group_ids = [group.id for group in consultation.stakeholder_groups]
        # Skewed like real consultations: a few groups answer most, one answers rarely.
        group_weights = [30, 8, 0.2, 1, 6, 6, 20, 15, 1, 1, 0.5, 3, 40, 12, 3, 0.5, 2]
        locality_ids = [locality.id for locality in consultation.localities]
        start = datetime(2026, 1, 5, 9, 0)
        span = 90 * 24 * 3600
        next_id = 1
        for offset in range(0, total, chunk):
            responses, memberships = [], []
            for _ in range(min(chunk, total - offset)):
                status = _pick(rng, STATUSES)
                created = start + timedelta(seconds=rng.randrange(span))
                where = rng.random()
                locality_id = rng.choice(locality_ids) if where < 0.93 else None
                locality_other = "" if locality_id else ("outside" if where < 0.96 else
                                                         "prefer_not_to_say" if where < 0.98 else "")
                organisation = rng.random() < 0.04
                responses.append({
                    "id": next_id, "consultation_id": consultation.id, "reference": f"B{next_id:08d}",
                    "status": status, "channel": _pick(rng, CHANNELS),
                    "respondent_type": "organisation" if organisation else "individual",
                    "respondent_name": "",
                    "organisation_name": f"Organisation {next_id}" if organisation else "",
                    "contact_email": "", "locality_id": locality_id, "locality_other": locality_other,
                    "consent": _pick(rng, CONSENTS) if status != "draft" else None,
                    "submitted_at": (created + timedelta(minutes=rng.randint(5, 60))
                                     if status != "draft" else None),
                    "withdrawn_at": None, "received_on": None, "checked_by_second_person": False,
                    "is_demo": False, "created_at": created, "updated_at": created,
                })
                for group_id in set(rng.choices(group_ids, weights=group_weights, k=rng.choice((1, 1, 2)))):
                    memberships.append({"response_id": next_id, "group_id": group_id})
                next_id += 1
            db.session.execute(insert(Response.__table__), responses)
            db.session.execute(insert(response_group), memberships)
            db.session.commit()
        return consultation.id, group_ids, locality_ids


def timed(client, url, repeat):
    """Median milliseconds of `repeat` GETs of url (after one warm-up), and the last page."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        page = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert page.status_code == 200, (url, page.status_code)
    return statistics.median(times), page.get_data(as_text=True)


def showing(html):
    """The "Showing 1 to 50 of ..." line, as text."""
    match = re.search(r'id="responses-showing">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", match.group(1)))).strip() if match else "-"


def next_url(html):
    """The page's "Next" link, or None."""
    match = NEXT_LINK.search(html)
    return unescape(match.group(1)) if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--follow", type=int, default=20, help="next links to follow for the deep page")
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    args = parser.parse_args()

    path = Path(tempfile.mkstemp(prefix="engage-bench-responses-", suffix=".sqlite", dir="/tmp")[1])

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    app = create_app(BenchConfig)
    began = time.perf_counter()
    consultation_id, group_ids, locality_ids = build(app, args.responses)
    print(f"Built {args.responses:,} responses in {time.perf_counter() - began:.1f} s ({path})")

    client = app.test_client()
    login = client.post("/auth/login", data={"email": "bench-officer@example.org", "password": PASSWORD})
    assert login.status_code == 302, login.status_code
    base = f"/staff/consultations/{consultation_id}/responses"
    results = []

    ms, html = timed(client, base, args.repeat)
    results.append(("List, page 1", ms, showing(html)))

    url, follow_times = base, []
    _, html = timed(client, url, 1)
    for _ in range(args.follow):
        url = next_url(html)
        began = time.perf_counter()
        page = client.get(url)
        follow_times.append((time.perf_counter() - began) * 1000)
        html = page.get_data(as_text=True)
    results.append((f"Following next {args.follow} times (median per page)", statistics.median(follow_times),
                    showing(html)))
    ms, html = timed(client, url, args.repeat)
    results.append((f"List, page {args.follow + 1} (after following next)", ms, showing(html)))

    with app.app_context():
        # Jump with keyset cursors to the last full page: the deepest page there is.
        submitted = db.session.execute(text(
            "SELECT count(*) FROM response WHERE consultation_id = :c AND status = 'submitted'"),
            {"c": consultation_id}).scalar_one()
        last_full = submitted // 50

        def nth_newest(offset):
            return db.session.execute(text(
                "SELECT id FROM response WHERE consultation_id = :c AND status = 'submitted' "
                "ORDER BY submitted_at DESC, id DESC LIMIT 1 OFFSET :o"),
                {"c": consultation_id, "o": offset}).scalar_one()

        ends_previous_page = nth_newest((last_full - 1) * 50 - 1)
        starts_page = nth_newest((last_full - 1) * 50)
    ms, html = timed(client, f"{base}?after={ends_previous_page}&page={last_full}", args.repeat)
    results.append((f"List, page {last_full:,} (keyset cursor jump)", ms, showing(html)))
    ms, html = timed(client, f"{base}?before={starts_page}&page={last_full - 1}", args.repeat)
    results.append((f"List, page {last_full - 1:,} (its Previous link)", ms, showing(html)))
    cursor = starts_page

    filtered = (f"{base}?group={group_ids[6]}&locality={locality_ids[1]}&channel=online"
                f"&submitted_from=1&submitted_from=2&submitted_from=2026"
                f"&submitted_to=28&submitted_to=2&submitted_to=2026")
    ms, html = timed(client, filtered, args.repeat)
    results.append(("Filtered: group + locality + channel + date range", ms, showing(html)))
    ms, html = timed(client, f"{base}?group={group_ids[2]}", args.repeat)
    results.append(("Filtered: a rarely heard-from group", ms, showing(html)))
    ms, html = timed(client, f"{base}?channel=easy_read", args.repeat)
    results.append(("Filtered: a rare channel", ms, showing(html)))
    ms, html = timed(client, f"{base}?status=all", args.repeat)
    results.append(("All statuses, page 1", ms, showing(html)))
    ms, html = timed(client, f"{base}?status=draft", args.repeat)
    results.append(("Drafts, page 1", ms, showing(html)))
    ms, _ = timed(client, f"{base}/{cursor}", args.repeat)
    results.append(("One response", ms, ""))
    ms, _ = timed(client, f"/staff/consultations/{consultation_id}/representation", args.repeat)
    results.append(("Representation monitor", ms, ""))

    print(f"\nMedian of {args.repeat} requests, {args.responses:,} responses, SQLite:\n")
    width = max(len(name) for name, _, _ in results)
    for name, ms, note in results:
        print(f"  {name:<{width}}  {ms:8.1f} ms   {note}")
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
