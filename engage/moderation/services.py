"""Redaction and moderation: suggest personal details to hide, record officers' decisions, withhold items.

What is published is decided in one place, `engage.publishing.quotes`: only publishable
items (consented, submitted, not withheld), with their confirmed redactions applied. This
module writes what that rule reads: `Redaction` rows (suggested by the detector in
`engage.publishing.redaction`, then confirmed or rejected by an officer, or added by one)
and `FeedbackItem.withheld`. Withholding never touches tags or stance: a withheld item still
counts in the analysis; it is only kept out of publication.

The "find_personal_details" job reads the publishable items in keyset batches (id and text
only, each batch in its own short read transaction, so progress can be saved and the
database's write lock is not held while the detector runs), keeps the spans found in
memory (a few per hundred items), then writes the new suggestions with Core bulk inserts
in one short write phase. A span already recorded for an item (same start, end and kind,
whatever its status) is skipped, so running the check again adds only what is new and
never undoes a decision.

Audit entries record the kind, position and length of a span, never the words hidden.
Like every service: flush, never commit.
"""
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from engage import audit, jobs
from engage.extensions import db
from engage.models import AuditEvent, BackgroundJob, Consultation, FeedbackItem, Redaction, Response, User, utcnow
from engage.models.feedback import REDACTION_KINDS
from engage.publishing import quotes
from engage.publishing.redaction import REPLACEMENTS, find_personal_details

FIND_JOB = "find_personal_details"
READ_BATCH = 2000
WRITE_CHUNK = 500
QUEUE_PAGE_SIZE = 25
MAX_OCCURRENCES = 200
DEFAULT_REJECT_REASON = "Not personal details"

KIND_LABELS = {
    "email": "email address",
    "phone": "phone number",
    "postcode": "postcode",
    "nhs_number": "NHS number",
    "chi_number": "CHI number",
    "ni_number": "National Insurance number",
    "url": "web link",
    "name": "name",
    "other": "other identifying details",
}
assert set(KIND_LABELS) == set(REDACTION_KINDS)
KIND_TITLES = {kind: label[0].upper() + label[1:] for kind, label in KIND_LABELS.items()}
DECISION_ACTIONS = ("redaction_confirmed", "redaction_rejected", "redaction_added")


def _plural(count, singular):
    return f"{count:,} {singular if count == 1 else singular + 's'}"


def _chunks(values, size):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _consented_condition():
    """Submitted responses whose respondent agreed to publication (withheld or not)."""
    return and_(Response.status == "submitted", Response.consent.in_(quotes.PUBLISHABLE_CONSENTS))


def _publishable_ids(consultation):
    """SELECT of the ids of the consultation's publishable items."""
    return (select(FeedbackItem.id).join(Response, Response.id == FeedbackItem.response_id)
            .where(FeedbackItem.consultation_id == consultation.id, quotes.publishable_condition()))


def _on_publishable_items(query, consultation):
    """A query of redactions limited to the consultation's publishable items, driven from the redactions.

    Redactions are few next to items (a few per hundred), so the query should read them
    and look up each one's item, not read every item of the consultation. "+ 0" keeps
    SQLite's planner (which has no statistics) from starting at the consultation's items.
    """
    return (query.join(FeedbackItem, FeedbackItem.id == Redaction.item_id)
            .join(Response, Response.id == FeedbackItem.response_id)
            .where(FeedbackItem.consultation_id + 0 == consultation.id, quotes.publishable_condition()))


def _pending_item_ids(consultation, kind=None):
    """SELECT of the distinct ids of publishable items with a suggestion waiting (of this kind)."""
    query = select(Redaction.item_id).where(Redaction.status == "suggested")
    if kind:
        query = query.where(Redaction.kind == kind)
    return _on_publishable_items(query, consultation).distinct()


def _count(query):
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


# The summary --------------------------------------------------------------------------------------

def summary(consultation, pending_items=None):
    """Figures for the moderation page: publishable, pending, confirmed, withheld and never-published items.

    Pass `pending_items` when it is already known (the unfiltered queue counts it) to save a query.
    """
    consented = _consented_condition()
    # One pass over the items: the figures that need each item's response, together.
    total, consented_items, publishable, withheld = db.session.execute(
        select(func.count(FeedbackItem.id), func.sum(case((consented, 1), else_=0)),
               func.sum(case((and_(consented, FeedbackItem.withheld.is_(False)), 1), else_=0)),
               func.sum(case((FeedbackItem.withheld.is_(True), 1), else_=0)))
        .select_from(FeedbackItem).outerjoin(Response, Response.id == FeedbackItem.response_id)
        .where(FeedbackItem.consultation_id == consultation.id)).one()
    confirmed = db.session.scalar(
        select(func.count(Redaction.id)).join(FeedbackItem, FeedbackItem.id == Redaction.item_id)
        .where(Redaction.status == "confirmed", FeedbackItem.consultation_id + 0 == consultation.id))
    if pending_items is None:
        pending_items = _count(_pending_item_ids(consultation))
    return {"total": total or 0, "publishable": publishable or 0, "pending_items": pending_items,
            "confirmed": confirmed or 0, "withheld": withheld or 0,
            "never_published": (total or 0) - (consented_items or 0)}


def pending_by_kind(consultation):
    """{kind: pending suggestions} on the consultation's publishable items."""
    query = select(Redaction.kind, func.count(Redaction.id)).where(Redaction.status == "suggested")
    rows = db.session.execute(_on_publishable_items(query, consultation).group_by(Redaction.kind)).all()
    return {kind: count for kind, count in rows}


# The check, as a background job -------------------------------------------------------------------

def latest_check(consultation, status=None):
    """The consultation's most recent check for personal details (optionally with this status), or None."""
    query = BackgroundJob.query.filter_by(consultation_id=consultation.id, kind=FIND_JOB)
    if status:
        query = query.filter_by(status=status)
    return query.order_by(BackgroundJob.id.desc()).first()


def active_check(consultation):
    """A queued or running check of this consultation, or None."""
    return (BackgroundJob.query.filter_by(consultation_id=consultation.id, kind=FIND_JOB)
            .filter(BackgroundJob.status.in_(jobs.ACTIVE_STATUSES)).order_by(BackgroundJob.id.desc()).first())


def start_check(consultation, user):
    """Start checking the publishable items for personal details in the background; returns the job."""
    return jobs.enqueue(FIND_JOB, consultation, user, {})


def _existing(item_ids):
    """{item_id: (set of (start, end, kind) recorded, [(start, end) confirmed])} for these items."""
    found = {}
    rows = db.session.execute(select(Redaction.item_id, Redaction.start, Redaction.end, Redaction.kind,
                                     Redaction.status).where(Redaction.item_id.in_(item_ids)))
    for item_id, start, end, kind, status in rows:
        recorded, confirmed = found.setdefault(item_id, (set(), []))
        recorded.add((start, end, kind))
        if status == "confirmed":
            confirmed.append((start, end))
    return found


def _new_suggestions(spans_by_item, now):
    """Rows to insert for spans not yet recorded (same start, end, kind) nor already hidden by a confirmed redaction."""
    rows = []
    existing = _existing(list(spans_by_item))
    for item_id, spans in spans_by_item.items():
        recorded, confirmed = existing.get(item_id, (set(), []))
        for span in spans:
            if (span.start, span.end, span.kind) in recorded:
                continue
            if any(start <= span.start and span.end <= end for start, end in confirmed):
                continue
            rows.append({"item_id": item_id, "start": span.start, "end": span.end, "kind": span.kind,
                         "replacement": REPLACEMENTS[span.kind], "status": "suggested", "reason": span.reason,
                         "span_hash": quotes.span_hash(span.text),
                         "decided_by_id": None, "decided_at": None, "created_at": now})
    return rows


def check_items(consultation, progress):
    """Suggest redactions on every publishable item of the consultation; returns the job's result."""
    consultation_id = consultation.id  # read once: each rollback below expires the consultation
    total = _count(_publishable_ids(consultation))
    # End the read transaction: on SQLite an open one keeps progress from reaching the job row.
    db.session.rollback()
    progress.update(0, total=total, message="Checking the feedback items", force=True)
    found = {}  # item_id -> (the text checked, its spans)
    last_id, done = 0, 0
    while True:
        batch = db.session.execute(
            select(FeedbackItem.id, FeedbackItem.text).join(Response, Response.id == FeedbackItem.response_id)
            .where(FeedbackItem.consultation_id == consultation_id, quotes.publishable_condition(),
                   FeedbackItem.id > last_id)
            .order_by(FeedbackItem.id).limit(READ_BATCH)).all()
        db.session.rollback()
        if not batch:
            break
        for item_id, text in batch:
            spans = find_personal_details(text or "")
            if spans:
                found[item_id] = (text, spans)
        last_id = batch[-1][0]
        done += len(batch)
        progress.update(done, total=max(total, done), message="Checking the feedback items")
    progress.update(done, total=max(total, done), message="Saving the suggestions", force=True)
    now = utcnow()
    added, items_with_new = 0, 0
    for chunk in _chunks(sorted(found), WRITE_CHUNK):
        # An item edited, withheld or no longer consented since it was read is left for the next check.
        still = dict(db.session.execute(
            select(FeedbackItem.id, FeedbackItem.text).join(Response, Response.id == FeedbackItem.response_id)
            .where(FeedbackItem.id.in_(chunk), quotes.publishable_condition())).all())
        spans_by_item = {item_id: found[item_id][1] for item_id in chunk if still.get(item_id) == found[item_id][0]}
        rows = _new_suggestions(spans_by_item, now)
        if rows:
            db.session.execute(Redaction.__table__.insert(), rows)
            added += len(rows)
            items_with_new += len({row["item_id"] for row in rows})
    found_spans = sum(len(spans) for _, spans in found.values())
    summary_text = (f"Checked {_plural(done, 'item')}: {_plural(added, 'new suggestion')} on "
                    f"{_plural(items_with_new, 'item')}" if added
                    else f"Checked {_plural(done, 'item')}: nothing new to suggest")
    return {"summary": summary_text, "items": done, "items_with_details": len(found), "found": found_spans,
            "added": added, "items_with_new": items_with_new, "already": found_spans - added}


def suggest_for_item(item):
    """Suggest redactions on one publishable item (when an officer opens it); returns how many were added."""
    if not quotes.is_publishable(item):
        return 0
    spans = find_personal_details(item.text or "")
    if not spans:
        return 0
    rows = _new_suggestions({item.id: spans}, utcnow())
    for row in rows:
        db.session.add(Redaction(**row))
    db.session.flush()
    return len(rows)


def _check_job(background_job, progress):
    consultation = db.session.get(Consultation, background_job.consultation_id)
    if consultation is None:
        raise jobs.JobFailed("The consultation no longer exists.")
    return check_items(consultation, progress)


# The queue and one item ---------------------------------------------------------------------------

@dataclass
class QueuePage:
    """One page of the queue: items with suggestions waiting, and their redactions."""

    items: list
    number: int
    total: int
    pages: int
    redactions: dict = field(default_factory=dict)  # item_id -> [Redaction] (suggested and confirmed)

    @property
    def has_previous(self):
        """Whether there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self):
        """Whether there is a page after this one."""
        return self.number < self.pages


def queue_page(consultation, kind=None, number=1, per_page=QUEUE_PAGE_SIZE):
    """The publishable items with suggestions waiting (of this kind), oldest first, one page of them."""
    ids = _pending_item_ids(consultation, kind)
    total = _count(ids)
    pages = max(1, -(-total // per_page))
    number = max(1, min(number, pages))
    page_ids = list(db.session.scalars(ids.order_by(Redaction.item_id).limit(per_page)
                                       .offset((number - 1) * per_page)))
    items = (FeedbackItem.query.filter(FeedbackItem.id.in_(page_ids)).order_by(FeedbackItem.id).all()
             if page_ids else [])
    page = QueuePage(items=items, number=number, total=total, pages=pages)
    if page_ids:
        for redaction in Redaction.query.filter(Redaction.item_id.in_(page_ids),
                                                Redaction.status.in_(("suggested", "confirmed"))) \
                .order_by(Redaction.start, Redaction.id):
            page.redactions.setdefault(redaction.item_id, []).append(redaction)
    return page


def redactions_of(item):
    """Every redaction of the item, in text order."""
    return Redaction.query.filter_by(item_id=item.id).order_by(Redaction.start, Redaction.end, Redaction.id).all()


def redaction_of(item, redaction_id):
    """A redaction of this item, or None (another item's or consultation's id is not this item's)."""
    redaction = db.session.get(Redaction, redaction_id) if redaction_id is not None else None
    if redaction is None or redaction.item_id != item.id:
        return None
    return redaction


def fits(text, redaction):
    """Whether a redaction still hides the words it was made for (the text may have been edited since)."""
    return 0 <= redaction.start < redaction.end and quotes.redaction_still_fits(redaction, text or "")


def highlighted(text, redactions):
    """The text as paragraphs of (piece, kind or None, status or None), with the redactions' spans marked.

    Templates render a marked piece with <mark> and its kind in visually hidden text,
    escaping every piece. Overlapping spans are marked once, from where the first starts.
    """
    text = text or ""
    pieces, position = [], 0
    for redaction in sorted((r for r in redactions if fits(text, r)), key=lambda r: (r.start, -r.end)):
        start = max(redaction.start, position)
        if redaction.end <= start:
            continue
        if start > position:
            pieces.append((text[position:start], None, None))
        pieces.append((text[start:redaction.end], redaction.kind, redaction.status))
        position = redaction.end
    if position < len(text):
        pieces.append((text[position:], None, None))
    paragraphs = [[]]
    for piece, kind, status in pieces:
        for number, line in enumerate(piece.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
            if number:
                paragraphs.append([])
            if line:
                paragraphs[-1].append((line, kind, status))
    return [paragraph for paragraph in paragraphs if any(piece.strip() for piece, _, _ in paragraph)]


def published_text(item, confirmed):
    """The item's text as it will be published (quotes.public_text), or None if a redaction no longer fits it."""
    if not all(fits(item.text, redaction) for redaction in confirmed):
        return None
    return quotes.public_text(item, confirmed)


def not_published_because(item):
    """Why an item is never published, in words; None when it may be."""
    response = item.response
    if item.withheld:
        return "An officer has withheld it from publication."
    if response is None:
        return "It is a workshop note or was entered without a response, so nobody consented to its publication."
    if response.status != "submitted":
        return "Its response has not been submitted."
    if response.consent not in quotes.PUBLISHABLE_CONSENTS:
        return "The respondent did not agree to their words being published."
    return None


def people(user_ids):
    """{user id: User} for these ids, in one query."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    return {user.id: user for user in User.query.filter(User.id.in_(ids))} if ids else {}


def last_decisions(redactions):
    """{redaction id: its latest audit event} (who decided, when, and the reason given)."""
    ids = [redaction.id for redaction in redactions]
    latest = {}
    if not ids:
        return latest
    events = AuditEvent.query.filter(AuditEvent.object_type == "Redaction", AuditEvent.object_id.in_(ids),
                                     AuditEvent.action.in_(DECISION_ACTIONS)).order_by(AuditEvent.id)
    for event in events:
        latest[event.object_id] = event
    return latest


def moderation_history(consultation, item):
    """The item's withhold and release events, newest first."""
    return (AuditEvent.query.filter_by(consultation_id=consultation.id, object_type="FeedbackItem",
                                       object_id=item.id)
            .filter(AuditEvent.action.in_(("item_withheld", "item_released")))
            .order_by(AuditEvent.id.desc()).all())


# Decisions ----------------------------------------------------------------------------------------

def _span_detail(redaction):
    """What the audit log keeps about a span: never the words themselves."""
    return {"item": redaction.item_id, "kind": redaction.kind, "start": redaction.start,
            "length": redaction.end - redaction.start}


def decide(consultation, redaction, accept, user, reason=""):
    """Confirm (hide the words wherever published) or reject a redaction; False if it already was so."""
    status = "confirmed" if accept else "rejected"
    if redaction.status == status:
        return False
    previous = redaction.status
    reason = " ".join((reason or "").split()) or (redaction.reason if accept else DEFAULT_REJECT_REASON)
    redaction.status = status
    redaction.decided_by_id = user.id
    redaction.decided_at = utcnow()
    if not redaction.replacement or redaction.replacement == "[redacted]":
        redaction.replacement = REPLACEMENTS.get(redaction.kind, REPLACEMENTS["other"])
    audit.record("redaction_confirmed" if accept else "redaction_rejected", redaction, consultation=consultation,
                 user=user, previous=previous, reason=reason, **_span_detail(redaction))
    db.session.flush()
    return True


def confirm_all(consultation, item, user):
    """Confirm every suggestion waiting on the item that still fits its text; returns how many."""
    pending = Redaction.query.filter_by(item_id=item.id, status="suggested").order_by(Redaction.start).all()
    # A suggestion the text no longer fits (edited since) would hide the wrong words, or none.
    return sum(decide(consultation, redaction, True, user) for redaction in pending if fits(item.text, redaction))


def occurrences(text, words):
    """(start, end) of every place the words appear in the text, ignoring case, at most MAX_OCCURRENCES."""
    words = (words or "").strip()
    if not words:
        return []
    found = []
    for match in re.finditer(re.escape(words), text or "", re.IGNORECASE):
        found.append((match.start(), match.end()))
        if len(found) >= MAX_OCCURRENCES:
            break
    return found


def add_redaction(consultation, item, words, kind, reason, user):
    """Hide every occurrence of the words in the item (confirmed at once, by this officer); returns the redactions."""
    reason = " ".join((reason or "").split())
    now = utcnow()
    recorded = {(redaction.start, redaction.end, redaction.kind): redaction for redaction in redactions_of(item)}
    added = []
    for start, end in occurrences(item.text, words):
        redaction = recorded.get((start, end, kind))
        if redaction is not None and redaction.status == "confirmed":
            continue
        if redaction is None:
            previous = "new"
            redaction = Redaction(item_id=item.id, start=start, end=end, kind=kind,
                                  span_hash=quotes.span_hash(item.text[start:end]))
            db.session.add(redaction)
        else:
            previous = redaction.status
        redaction.status = "confirmed"
        redaction.reason = reason
        redaction.replacement = REPLACEMENTS.get(kind, REPLACEMENTS["other"])
        redaction.decided_by_id = user.id
        redaction.decided_at = now
        db.session.flush()
        audit.record("redaction_added", redaction, consultation=consultation, user=user, reason=reason,
                     previous=previous, **_span_detail(redaction))
        added.append(redaction)
    db.session.flush()
    return added


def withhold(consultation, item, reason, user):
    """Keep the item out of publication (it still counts in the analysis); False if it already was."""
    if item.withheld:
        return False
    item.withheld = True
    item.withheld_reason = " ".join((reason or "").split())
    audit.record("item_withheld", item, consultation=consultation, user=user, reason=item.withheld_reason)
    db.session.flush()
    return True


def release(consultation, item, reason, user):
    """Let a withheld item be published again (if its respondent consented); False if it was not withheld."""
    if not item.withheld:
        return False
    audit.record("item_released", item, consultation=consultation, user=user,
                 reason=" ".join((reason or "").split()), withheld_reason=item.withheld_reason)
    item.withheld = False
    item.withheld_reason = ""
    db.session.flush()
    return True


jobs.job(FIND_JOB, "Checking for personal details")(_check_job)
