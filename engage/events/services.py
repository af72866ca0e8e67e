"""Engagement events and the feedback items noted at them. Flushes, never commits: the request commits once.

Every change is written to the audit log; every change to an item's text (edit, split, merge)
also leaves a FeedbackItemRevision with the text before and after.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func

from engage import audit
from engage.events.notes import merged_text, normalise_section_number
from engage.extensions import db
from engage.localtime import local_now
from engage.models import (
    AuditEvent, EngagementEvent, EventAttendance, FeedbackItem, FeedbackItemRevision, Membership, PlanSection,
    User, utcnow,
)


@dataclass
class EventDetails:
    """What an officer or facilitator records about an event, as plain values."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime | None = None
    venue: str = ""
    locality_id: int | None = None
    facilitator_ids: list = field(default_factory=list)
    facilitator_names: str = ""
    attendance: dict = field(default_factory=dict)  # stakeholder group id -> number of people
    formats: list = field(default_factory=list)
    hard_to_reach_notes: str = ""
    notes: str = ""
    is_public: bool = False


def facilitator_candidates(consultation, event=None):
    """Users who are facilitators of the consultation, plus anyone already down as running event."""
    users = (User.query.join(Membership, Membership.user_id == User.id)
             .filter(Membership.consultation_id == consultation.id, Membership.role == "facilitator")
             .order_by(User.name, User.email).all())
    for user in (event.facilitators if event else []):
        if user not in users:
            users.append(user)
    return users


def create_event(consultation, details, user):
    """Record a new engagement event."""
    event = EngagementEvent(consultation_id=consultation.id, created_by_id=getattr(user, "id", None))
    _apply(event, consultation, details)
    db.session.add(event)
    db.session.flush()
    audit.record("event.created", event, consultation=consultation, user=user, title=event.title,
                 starts_at=event.starts_at.isoformat(), total_attendance=event.total_attendance)
    return event


def update_event(event, details, user):
    """Change an event; the audit log says which details changed. Returns the names of those details."""
    before = _snapshot(event)
    _apply(event, event.consultation, details)
    db.session.flush()
    after = _snapshot(event)
    changed = sorted(name for name in after if after[name] != before[name])
    if changed:
        audit.record("event.changed", event, consultation=event.consultation, user=user, changed=changed)
    return changed


def _apply(event, consultation, details):
    # Looking up facilitators must not flush an event that is only half filled in.
    with db.session.no_autoflush:
        _apply_details(event, consultation, details)


def _apply_details(event, consultation, details):
    event.kind = details.kind
    event.title = details.title.strip()
    event.starts_at = details.starts_at
    event.ends_at = details.ends_at
    event.venue = (details.venue or "").strip()
    event.locality_id = details.locality_id
    event.facilitator_names = (details.facilitator_names or "").strip()
    event.formats = list(details.formats)
    event.hard_to_reach_notes = (details.hard_to_reach_notes or "").strip()
    event.notes = (details.notes or "").strip()
    event.is_public = bool(details.is_public)
    wanted = set(details.facilitator_ids)
    event.facilitators = [user for user in facilitator_candidates(consultation, event)
                          if user.id in wanted] if wanted else []
    _set_attendance(event, details.attendance)


def _set_attendance(event, counts):
    """One row per stakeholder group that anyone came from; none for a group nobody came from.

    Keeping no zero rows lets an officer remove a stakeholder group that no event reached.
    """
    existing = {row.group_id: row for row in event.attendance}
    rows = []
    for group_id, count in counts.items():
        if not count:
            continue
        row = existing.get(group_id) or EventAttendance(group_id=group_id)
        row.count = count
        rows.append(row)
    event.attendance = rows


def _snapshot(event):
    return {
        "kind": event.kind, "title": event.title, "starts_at": event.starts_at, "ends_at": event.ends_at,
        "venue": event.venue, "locality": event.locality_id, "facilitator_names": event.facilitator_names,
        "facilitators": sorted(user.id for user in event.facilitators),
        "attendance": sorted((row.group_id, row.count) for row in event.attendance),
        "formats": sorted(event.formats or []), "hard_to_reach_notes": event.hard_to_reach_notes,
        "notes": event.notes, "is_public": event.is_public,
    }


# Lists ---------------------------------------------------------------------------------------

def events_by_time(consultation, now=None):
    """(upcoming, held): upcoming soonest first, held most recent first."""
    now = now or local_now()
    events = EngagementEvent.query.filter_by(consultation_id=consultation.id).all()
    upcoming = sorted((e for e in events if e.starts_at >= now), key=lambda e: e.starts_at)
    held = sorted((e for e in events if e.starts_at < now), key=lambda e: e.starts_at, reverse=True)
    return upcoming, held


def item_counts(consultation):
    """{event id: number of feedback items noted at it}."""
    return dict(db.session.query(FeedbackItem.event_id, func.count(FeedbackItem.id))
                .filter(FeedbackItem.consultation_id == consultation.id, FeedbackItem.event_id.isnot(None))
                .group_by(FeedbackItem.event_id).all())


def event_items(event):
    """The event's feedback items in the order they were noted."""
    return (FeedbackItem.query.filter_by(event_id=event.id, consultation_id=event.consultation_id)
            .order_by(FeedbackItem.position, FeedbackItem.id).all())


def latest_sections(consultation):
    """Sections of the newest draft: the ones notes are linked to."""
    latest = consultation.latest_version
    return list(latest.sections) if latest else []


def sections_by_number(sections):
    """{"3": section} for the numbered sections."""
    result = {}
    for section in sections:
        number = normalise_section_number(section.number) if section.number else None
        if number and number not in result:
            result[number] = section
    return result


# Adding notes --------------------------------------------------------------------------------

def add_notes(event, notes, user, sections, source="typed", filename=""):
    """A feedback item for each parsed note, after the event's existing items. Returns the new items."""
    by_number = sections_by_number(sections)
    position = _next_position(event)
    items = []
    for offset, note in enumerate(notes):
        section = by_number.get(note.section_number) if note.section_number else None
        item = FeedbackItem(
            consultation_id=event.consultation_id, event_id=event.id, source="event_note", text=note.text,
            section_id=section.id if section else None, speaks_for=note.speaks_for,
            position=position + offset, entered_by_id=getattr(user, "id", None),
        )
        db.session.add(item)
        items.append(item)
    db.session.flush()
    detail = {"count": len(items), "source": source, "item_ids": [item.id for item in items]}
    if filename:
        detail["filename"] = filename[:255]
    audit.record("event.notes_added", event, consultation=event.consultation, user=user, **detail)
    return items


def _next_position(event):
    highest = (db.session.query(func.max(FeedbackItem.position))
               .filter(FeedbackItem.event_id == event.id).scalar())
    return 0 if highest is None else highest + 1


# Changing notes ------------------------------------------------------------------------------

def _revise(item, action, before, after, user):
    db.session.add(FeedbackItemRevision(item=item, action=action, before_text=before, after_text=after,
                                        changed_by_id=getattr(user, "id", None), changed_at=utcnow()))


def _clean_text(text):
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def change_item(item, user, text, section_id, speaks_for):
    """Save an item's text, section and speaks-for; a revision if the text changed. True if anything did."""
    text = _clean_text(text)
    changes = {}
    if text != item.text:
        changes["text"] = True
        _revise(item, "edit", item.text, text, user)
        item.text = text
    if section_id != item.section_id:
        new_section = db.session.get(PlanSection, section_id) if section_id else None
        changes["section"] = [_section_label(item.section), _section_label(new_section)]
        item.section = new_section
    if speaks_for != item.speaks_for:
        changes["speaks_for"] = [item.speaks_for, speaks_for]
        item.speaks_for = speaks_for
    if changes:
        db.session.flush()
        details = {key: value for key, value in changes.items() if key != "text"}
        audit.record("feedback_item.changed", item, consultation=_consultation_of(item), user=user,
                     event_id=item.event_id, changed=sorted(changes), **details)
    return bool(changes)


def _consultation_of(item):
    """Feedback items know their consultation by id only; event notes reach it through the event."""
    return item.event.consultation if item.event else None


def _section_label(section):
    return section.title if section else ""


def split_item(item, parts, user):
    """Split an item into parts: the first part stays in item, the rest become new items just after it."""
    original = item.text
    later = (FeedbackItem.query.filter(FeedbackItem.event_id == item.event_id,
                                       FeedbackItem.position > item.position)
             .order_by(FeedbackItem.position).all())
    for other in later:
        other.position += len(parts) - 1
    item.text = parts[0]
    _revise(item, "split", original, parts[0], user)
    new_items = []
    for offset, part in enumerate(parts[1:], start=1):
        new_item = FeedbackItem(
            consultation_id=item.consultation_id, event_id=item.event_id, source=item.source, text=part,
            section_id=item.section_id, speaks_for=item.speaks_for, position=item.position + offset,
            entered_by_id=getattr(user, "id", None), response_id=item.response_id, question_id=item.question_id,
        )
        db.session.add(new_item)
        _revise(new_item, "split", original, part, user)
        new_items.append(new_item)
    db.session.flush()
    audit.record("feedback_item.split", item, consultation=_consultation_of(item), user=user,
                 event_id=item.event_id, before=original, parts=len(parts),
                 new_item_ids=[new_item.id for new_item in new_items])
    return [item] + new_items


def merge_items(items, user):
    """Merge items into the first (by position): texts joined in order, the others removed.

    The merged note keeps the first item's section (or the first section any of them had) and
    speaks for the largest number among them: merged notes are usually one point noted twice.
    Themes applied to the removed items move to the merged one.
    """
    items = sorted(items, key=lambda i: (i.position, i.id))
    first, others = items[0], items[1:]
    before = first.text
    first.text = merged_text(item.text for item in items)
    first.speaks_for = max(item.speaks_for for item in items)
    if first.section_id is None:
        first.section_id = next((item.section_id for item in others if item.section_id), None)
    kept_tags = {(tag.theme_id, tag.coding_pass) for tag in first.tags}
    for other in others:
        for tag in list(other.tags):
            if (tag.theme_id, tag.coding_pass) not in kept_tags:
                kept_tags.add((tag.theme_id, tag.coding_pass))
                tag.item = first
    _revise(first, "merge", before, first.text, user)
    merged = [{"id": other.id, "text": other.text, "speaks_for": other.speaks_for} for other in others]
    for other in others:
        db.session.delete(other)
    db.session.flush()
    audit.record("feedback_item.merged", first, consultation=_consultation_of(first), user=user,
                 event_id=first.event_id, before=before, merged=merged)
    return first


def item_history(item):
    """Every change to an item, oldest first: text revisions and section or speaks-for changes."""
    entries = [{"at": revision.changed_at, "who": revision.changed_by, "action": revision.action,
                "before": revision.before_text, "after": revision.after_text} for revision in item.revisions]
    changes = (AuditEvent.query.filter_by(object_type="FeedbackItem", object_id=item.id,
                                          action="feedback_item.changed").order_by(AuditEvent.at).all())
    for change in changes:
        detail = change.detail or {}
        for key in ("section", "speaks_for"):
            if key in detail:
                old, new = detail[key]
                entries.append({"at": change.at, "who": change.user, "action": key,
                                "before": str(old) or "None", "after": str(new) or "None"})
    return sorted(entries, key=lambda entry: entry["at"])
