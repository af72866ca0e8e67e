"""Keying in responses that arrived on paper, by email, by letter or by telephone.

The online journey's services do the saving (references, about you, answers,
consent, equality, feedback items), so a keyed response follows the same rules
as one sent online. Flushes, never commits: the request commits once.
"""
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from engage import audit
from engage.extensions import db
from engage.models import AuditEvent, FeedbackItem, FeedbackItemRevision, Membership, Response, User, utcnow
from engage.public import services as journey

# How a response keyed in by staff can arrive ("online", "event" and "import" have their own routes in).
KEYED_CHANNELS = ("paper", "email", "letter", "phone", "easy_read", "other_language", "other")
# A pasted letter or email becomes points, each a feedback item with this source.
LETTER_CHANNELS = ("letter", "email")
# Consultations that take keyed responses: not before opening, not once the statement is out.
KEYING_STATUSES = ("open", "closed", "analysing")
LOCALITY_NOT_STATED = "not_given"
MAX_LETTER_CHARS = 100_000
MAX_POINT_CHARS = 20_000
MAX_POINTS = 300
MAX_SPEAKS_FOR = 100_000
CHECKED_ACTION = "response.checked_by_second_person"

_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n")


class NotAllowed(Exception):
    """A change the rules do not allow; the message says why, in plain words."""


@dataclass
class ResponseDetails:
    """Who responded, how the response arrived and what they said about publication."""

    channel: str
    received_on: date
    respondent_type: str
    organisation_name: str
    groups: list
    # A locality id (as a string), "outside", "prefer_not_to_say" or LOCALITY_NOT_STATED.
    locality_choice: str
    respondent_name: str
    contact_email: str
    consent: str


@dataclass
class Point:
    """One point of a letter or email, as the officer left it."""

    text: str
    section: object = None
    speaks_for: int = 1
    item_id: int | None = None


@dataclass
class KeyedSummary:
    """What the response pages show about a keyed response."""

    keyed: bool
    letter: bool
    points: list = field(default_factory=list)
    check: AuditEvent | None = None


def accepts_keyed_responses(consultation):
    """Staff key in responses while a consultation is open, closed or being analysed."""
    return consultation.status in KEYING_STATUSES


def is_keyed(response):
    """Typed in by staff (not sent online, recorded at an event or imported)."""
    return response.channel in KEYED_CHANNELS


def is_editable(response):
    """Staff may correct a submitted keyed response."""
    return is_keyed(response) and response.status == "submitted"


def split_into_points(text):
    """A letter's text split at blank lines into points (paragraphs), in order."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [paragraph.strip() for paragraph in _BLANK_LINES.split(text) if paragraph.strip()]


def merge_points(points, index):
    """Points with point `index` and the one after it made one (a new list).

    points are dicts of text, section and speaks_for; the merged point keeps
    the first one's section (or the second's, if the first has none) and
    speaks for as many people as the larger of the two.
    """
    if not 0 <= index < len(points) - 1:
        return list(points)
    first, second = points[index], points[index + 1]
    merged = {
        "text": "\n".join(part for part in (first["text"].strip(), second["text"].strip()) if part),
        "section": first["section"] or second["section"],
        "speaks_for": _larger(first["speaks_for"], second["speaks_for"]),
    }
    return points[:index] + [merged] + points[index + 2:]


def _larger(first, second):
    """The larger of two typed numbers; the first as typed if either is not a number."""
    try:
        return str(max(int(str(first).strip()), int(str(second).strip())))
    except ValueError:
        return first


def possible_checkers(consultation, keyer):
    """Staff who may check a response keyed by keyer: active, may manage it, not the keyer."""
    officer_members = select(Membership.user_id).where(
        Membership.consultation_id == consultation.id, Membership.role == "officer")
    query = User.query.filter(User.active.is_(True), or_(User.role.in_(("admin", "officer")),
                                                         User.id.in_(officer_members)))
    if keyer is not None:
        query = query.filter(User.id != keyer.id)
    return query.order_by(User.name, User.email).all()


def _apply_details(response, details):
    """Set who responded, how it arrived and the consent, through the journey's own services."""
    consultation = response.consultation
    chosen = {str(group_id) for group_id in details.groups}
    journey.save_about_you(
        response, details.respondent_type, details.organisation_name or "",
        [group for group in consultation.stakeholder_groups if str(group.id) in chosen],
        details.locality_choice, consultation.localities)
    journey.save_consent(response, details.consent)
    response.channel = details.channel
    response.received_on = details.received_on
    response.respondent_name = (details.respondent_name or "").strip()
    response.contact_email = (details.contact_email or "").strip()


def _new_keyed_response(consultation, officer, details, submission_key):
    """A submitted response entered by officer, with its details."""
    response = Response(
        consultation=consultation, reference=journey.new_reference(), status="submitted",
        submitted_at=utcnow(), entered_by=officer, submission_key=submission_key or None)
    db.session.add(response)
    _apply_details(response, details)
    db.session.flush()
    return response


def key_in_response(consultation, officer, details, answers, equality=None, checked_by=None,
                    submission_key=None):
    """Save a questionnaire typed in by officer as a submitted response; returns it.

    answers maps each question to text (str) or choices (list), as the online
    journey does; every non-empty free-text answer becomes a feedback item.
    equality: the equality answers, when the form had them. checked_by: the
    other member of staff who checked the typing against the original.
    """
    response = _new_keyed_response(consultation, officer, details, submission_key)
    journey.save_answers(response, answers, editor=officer)
    if equality and any(equality.values()):
        journey.save_equality(response, equality)
    audit.record("response.keyed_in", response, consultation=consultation, user=officer,
                 reference=response.reference, channel=response.channel)
    if checked_by is not None:
        _record_check(response, checked_by, recorded_by=officer)
    db.session.flush()
    return response


def key_in_letter(consultation, officer, details, points, submission_key=None):
    """Save a letter or email as a submitted response whose points are feedback items; returns it."""
    if details.channel not in LETTER_CHANNELS:
        raise NotAllowed("A letter or email must arrive by letter or by email.")
    points = [point for point in points if point.text.strip()]
    if not points:
        raise NotAllowed("A letter or email needs at least one point.")
    response = _new_keyed_response(consultation, officer, details, submission_key)
    for position, point in enumerate(points):
        db.session.add(FeedbackItem(
            consultation_id=consultation.id, text=point.text.strip(), source=details.channel,
            response=response, section=point.section, speaks_for=point.speaks_for, position=position,
            entered_by=officer))
    audit.record("response.keyed_in", response, consultation=consultation, user=officer,
                 reference=response.reference, channel=response.channel, points=len(points))
    db.session.flush()
    return response


def find_by_submission_key(consultation, submission_key):
    """The response already saved from this form (a double click or a replay), or None."""
    if not submission_key:
        return None
    return Response.query.filter_by(consultation_id=consultation.id, submission_key=submission_key).first()


def letter_points(response):
    """The points of a keyed letter or email, in order."""
    return (FeedbackItem.query.filter(FeedbackItem.response_id == response.id,
                                      FeedbackItem.source.in_(LETTER_CHANNELS))
            .order_by(FeedbackItem.position, FeedbackItem.id).all())


def is_letter(response):
    """A keyed letter or email saved as points (not a questionnaire)."""
    return db.session.query(FeedbackItem.query.filter(
        FeedbackItem.response_id == response.id, FeedbackItem.source.in_(LETTER_CHANNELS)).exists()).scalar()


def _details_snapshot(response):
    """The details of a response as comparable plain values."""
    return {
        "channel": response.channel,
        "received_on": response.received_on.isoformat() if response.received_on else None,
        "respondent_type": response.respondent_type,
        "organisation_name": response.organisation_name,
        "groups": sorted(group.id for group in response.groups),
        "locality": response.locality_id or response.locality_other or None,
        "respondent_name": response.respondent_name,
        "contact_email": response.contact_email,
        "consent": response.consent,
    }


def _answers_snapshot(response):
    return {answer.question_id: (answer.text, list(answer.choices or [])) for answer in response.answers}


def update_keyed_response(response, officer, details, answers=None, points=None):
    """Correct a keyed response: its details, and its answers or its points. Returns what changed.

    Changed feedback item texts get a revision; the change is audited. A
    response that was checked by a second person needs checking again.
    """
    if not is_editable(response):
        raise NotAllowed("Only submitted responses keyed in by staff can be changed here.")
    before = _details_snapshot(response)
    before_answers = _answers_snapshot(response)
    _apply_details(response, details)
    db.session.flush()
    after = _details_snapshot(response)
    changed = sorted(name for name in before if before[name] != after[name])
    if answers is not None:
        journey.save_answers(response, answers, editor=officer)
        after_answers = _answers_snapshot(response)
        changed += [f"answer to question {question_id}" for question_id in sorted(after_answers)
                    if before_answers.get(question_id, ("", [])) != after_answers[question_id]]
    if points is not None:
        changed += _update_points(response, officer, points)
    check_cleared = False
    if changed and response.checked_by_second_person:
        response.checked_by_second_person = False
        check_cleared = True
    if changed:
        audit.record("response.keyed_changed", response, user=officer, reference=response.reference,
                     changed=changed, second_person_check_cleared=check_cleared)
    db.session.flush()
    return changed, check_cleared


def _update_points(response, officer, points):
    """Apply the officer's changes to a letter's points; a revision for each changed text."""
    items = {item.id: item for item in letter_points(response)}
    changed = []
    for item in items.values():
        # A letter re-recorded as an email (or the other way round): its points follow.
        if response.channel in LETTER_CHANNELS and item.source != response.channel:
            item.source = response.channel
    for point in points:
        item = items.get(point.item_id)
        if item is None:
            continue
        number = item.position + 1
        text = point.text.strip()
        if text != item.text:
            db.session.add(FeedbackItemRevision(item=item, action="edit", before_text=item.text,
                                                after_text=text, changed_by=officer))
            item.text = text
            changed.append(f"text of point {number}")
        if point.section != item.section:
            item.section = point.section
            changed.append(f"section of point {number}")
        if point.speaks_for != item.speaks_for:
            item.speaks_for = point.speaks_for
            changed.append(f"people point {number} speaks for")
    return changed


def _record_check(response, checker, recorded_by):
    """Mark the response as checked by checker (never the person who keyed it in)."""
    if response.entered_by_id is not None and checker.id == response.entered_by_id:
        raise NotAllowed("The person who keyed in a response cannot also be the second person "
                         "who checks it.")
    response.checked_by_second_person = True
    audit.record(CHECKED_ACTION, response, user=recorded_by, reference=response.reference,
                 checker_id=checker.id, checker=checker.name or checker.email,
                 entered_by_id=response.entered_by_id)


def mark_checked(response, checker):
    """checker (signed in) confirms they checked the keyed response against the original."""
    if not is_editable(response):
        raise NotAllowed("Only submitted responses keyed in by staff are checked by a second person.")
    if response.checked_by_second_person:
        raise NotAllowed("This response has already been checked by a second person.")
    _record_check(response, checker, recorded_by=checker)
    db.session.flush()


def latest_check(response):
    """The audit event of the response's second-person check, if it is checked."""
    if not response.checked_by_second_person:
        return None
    return (AuditEvent.query.filter_by(action=CHECKED_ACTION, object_type="Response", object_id=response.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).first())


def summary(response):
    """What the response pages show about a keyed response."""
    if not is_keyed(response):
        return KeyedSummary(keyed=False, letter=False)
    points = letter_points(response)
    return KeyedSummary(keyed=True, letter=bool(points), points=points, check=latest_check(response))
