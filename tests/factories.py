"""Factories for domain objects, through the same services the app uses."""
import itertools
from datetime import date, timedelta

from engage.auth.services import create_user
from engage.consultations import services
from engage.extensions import db
from engage.models import Response

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)

DRAFT_MARKDOWN = """# Draft plan

Introductory words.

## 1. Vision

We want people to live well at home.

## 2. Carers

Unpaid carers need breaks.

## 3. Transport

Getting to appointments is hard in rural areas.
"""


def make_user(role="officer", email=None, password=PASSWORD, name=None):
    """A staff user with the given role."""
    n = next(_counter)
    user = create_user(email or f"{role}{n}@example.org", name or f"Test {role.title()} {n}", password,
                       role=role)
    db.session.commit()
    return user


def make_consultation(title=None, user=None, with_draft=False, with_question=False, status="draft",
                      **fields):
    """A consultation; optionally with a draft and a question, and moved to status."""
    n = next(_counter)
    fields.setdefault("summary", "What we plan to commission over the next three years.")
    fields.setdefault("organisation", "Test Health and Social Care Partnership")
    fields.setdefault("opens_on", date.today())
    fields.setdefault("closes_on", date.today() + timedelta(days=60))
    fields.setdefault("localities", ["North", "South"])
    consultation = services.create_consultation(user, title or f"Consultation {n}", **fields)
    if with_draft or status != "draft":
        services.add_plan_version(consultation, "First draft", DRAFT_MARKDOWN, user=user)
    if with_question or status != "draft":
        services.add_question(consultation, "What do you think of the plan?", user=user)
    if status != "draft":
        path = {"open": ["open"], "closed": ["open", "closed"],
                "analysing": ["open", "closed", "analysing"],
                "published": ["open", "closed", "analysing", "published"],
                "archived": ["open", "closed", "analysing", "published", "archived"]}[status]
        for step in path:
            consultation.transition_to(step)
    db.session.commit()
    return consultation


def make_response(consultation, **fields):
    """A submitted response to the consultation."""
    n = next(_counter)
    response = Response(consultation=consultation, reference=f"TEST-{n:06d}", status="submitted", **fields)
    db.session.add(response)
    db.session.commit()
    return response


def make_event(consultation, title="Drop-in at the library", starts_at=None, **fields):
    """An engagement event (public, next week by default)."""
    from engage.models import EngagementEvent, utcnow

    event = EngagementEvent(consultation=consultation, title=title,
                            starts_at=starts_at or utcnow() + timedelta(days=7), **fields)
    db.session.add(event)
    db.session.commit()
    return event
