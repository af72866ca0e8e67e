"""The respondent's journey: drafts, private links, submission, change and withdrawal.

Services flush and never commit; the view commits once per request.
"""
import hashlib
import secrets
from functools import cache

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm.attributes import set_committed_value

from engage import audit
from engage.extensions import db
from engage.models import Answer, EqualityMonitoring, FeedbackItem, FeedbackItemRevision, Response, utcnow
from engage.models.response import LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT

# No 0/O or 1/I/L: references are read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def accepting_responses(consultation, today=None):
    """Open, and the closing date has not passed."""
    return consultation.accepting_responses(today)


@cache
def _statement(name):
    """Frequent SELECTs built once with bound parameters (SQLAlchemy then reuses their cache keys)."""
    if name == "reference_taken":
        return select(exists().where(Response.reference == bindparam("reference")))
    if name == "equality_record":
        return select(EqualityMonitoring).where(EqualityMonitoring.response_id == bindparam("response_id")).limit(1)
    if name == "equality_answered":
        return select(exists().where(EqualityMonitoring.response_id == bindparam("response_id")))
    raise KeyError(name)


def new_reference():
    """A unique, human-friendly reference such as ENG-7KQ4PX."""
    while True:
        reference = "ENG-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if not db.session.scalar(_statement("reference_taken"), {"reference": reference}):
            return reference


def hash_token(token):
    """Only this hash of a private link's token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_response(consultation, insert_now=True):
    """A new draft response and the token for its private link (shown once).

    insert_now=False: the draft is inserted at the session's next flush, with whatever the
    page sets on it first (one INSERT instead of an INSERT and an UPDATE).
    """
    token = secrets.token_urlsafe(24)
    response = Response(
        consultation=consultation, reference=new_reference(), status="draft", channel="online",
        resume_token_hash=hash_token(token),
    )
    db.session.add(response)
    if insert_now:
        db.session.flush()
    return response, token


def new_private_link(response):
    """Replace the response's private link token (the old link stops working)."""
    token = secrets.token_urlsafe(24)
    response.resume_token_hash = hash_token(token)
    db.session.flush()
    return token


def response_for_token(token):
    """The response a private link points to, or None."""
    if not token or len(token) > 100:
        return None
    return Response.query.filter_by(resume_token_hash=hash_token(token)).first()


def save_about_you(response, respondent_type, organisation_name, groups, locality_choice, localities):
    """Who is responding: individual or organisation, groups, locality."""
    response.respondent_type = respondent_type
    response.organisation_name = organisation_name.strip() if respondent_type == "organisation" else ""
    response.groups = list(groups)
    response.locality = None
    response.locality_other = ""
    if locality_choice in (LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT):
        response.locality_other = locality_choice
    else:
        response.locality = next((loc for loc in localities if str(loc.id) == locality_choice), None)
    db.session.flush()


def answers_by_question(response):
    """The response's answers keyed by question id."""
    return {answer.question_id: answer for answer in response.answers}


def save_answers(response, values, editor=None):
    """Store answers: values maps a question to text (str) or choices (list).

    editor: the member of staff keying in or correcting the response (None: the respondent).
    """
    existing = answers_by_question(response)
    for question, value in values.items():
        answer = existing.get(question.id)
        if answer is None:
            answer = Answer(question=question)
            response.answers.append(answer)
        if isinstance(value, list):
            answer.choices = value
            answer.text = ""
        else:
            answer.text = value.strip()
            answer.choices = []
        if response.status == "submitted":
            _sync_feedback_item(response, answer, editor)
    db.session.flush()


def save_consent(response, consent):
    """Publication consent: publish_named, publish_anonymous or do_not_publish."""
    response.consent = consent
    db.session.flush()


def save_equality(response, values):
    """Optional equality answers, in their own table."""
    record = db.session.scalars(_statement("equality_record"), {"response_id": response.id}).first()
    if record is None:
        record = EqualityMonitoring(consultation_id=response.consultation_id, response_id=response.id)
        db.session.add(record)
    for name, value in values.items():
        setattr(record, name, value or "")
    db.session.flush()
    return record


def has_equality_answers(response):
    """True if the respondent answered any equality question."""
    return db.session.scalar(_statement("equality_answered"), {"response_id": response.id})


def submit(response):
    """Submit a draft exactly once; True if this call submitted it.

    A conditional UPDATE makes a double click or a replayed request a no-op.
    """
    written = ("status", "submitted_at", "updated_at")
    row = db.session.execute(
        update(Response).where(Response.id == response.id, Response.status == "draft")
        .values(status="submitted", submitted_at=utcnow(), updated_at=utcnow())
        .returning(*(getattr(Response, name) for name in written))
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        db.session.refresh(response)
        return False
    # The columns the UPDATE wrote, as it returned them (no second SELECT to read them back).
    for name, value in zip(written, row):
        set_committed_value(response, name, value)
    # A draft has no feedback items: they are made here, and a response never goes back to draft.
    # (An answer has at most one item, a unique column, so a broken rule would fail loudly here.)
    for answer in list(response.answers):
        _sync_feedback_item(response, answer, submitting=True)
    db.session.flush()
    audit.record("response.submitted", response, consultation=response.consultation, reference=response.reference)
    return True


def withdraw(response):
    """Withdraw a submitted response: it no longer counts, its feedback items go."""
    if response.status != "submitted":
        return False
    response.status = "withdrawn"
    response.withdrawn_at = utcnow()
    FeedbackItem.query.filter_by(response_id=response.id).delete(synchronize_session=False)
    db.session.flush()
    audit.record("response.withdrawn", response, consultation=response.consultation, reference=response.reference)
    return True


def _sync_feedback_item(response, answer, editor=None, submitting=False):
    """Every non-empty free-text answer of a submitted response is one feedback item.

    submitting: the response is being submitted, so its answers have no items yet (see submit).
    """
    question = answer.question
    if question is None or question.kind != "free_text":
        return
    if submitting or not answer.id:
        item = None
    else:
        item = FeedbackItem.query.filter_by(answer_id=answer.id).first()
    if not answer.text:
        if item is not None:
            db.session.delete(item)
        return
    if item is None:
        db.session.add(FeedbackItem(
            consultation_id=response.consultation_id, text=answer.text, source="answer",
            response=response, answer=answer, question=question, section=question.section,
            entered_by=editor,
        ))
    elif item.text != answer.text:
        db.session.add(FeedbackItemRevision(item=item, action="edit" if editor else "respondent_change",
                                            before_text=item.text, after_text=answer.text, changed_by=editor))
        item.text = answer.text
