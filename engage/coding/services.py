"""Coding decisions on feedback items: the one place tags are confirmed, rejected or added.

Every screen that codes (the review queue, an item's page, a campaign group, the
second coder's sample, an emerging theme turned into a theme) goes through these
functions, so that each decision records its coder and time and reaches the audit
log the same way. Like every service: flush, never commit; the request commits.
"""
from sqlalchemy import exists, func, select, update

from engage.audit import record
from engage.extensions import db
from engage.models import CodingSample, CodingSampleItem, FeedbackItem, Tag, Theme, utcnow


def live_themes(consultation):
    """The consultation's themes that can be applied: not archived, not merged away; in codebook order."""
    return (Theme.query.filter_by(consultation_id=consultation.id, archived=False, merged_into_id=None)
            .order_by(Theme.position, Theme.name).all())


def set_item_themes(item, theme_ids, user, coding_pass="primary"):
    """Make `theme_ids` the item's whole coding for this pass; returns what changed.

    Suggestions of a chosen theme are confirmed (they keep source "automatic", so the
    share of suggestions accepted can be counted), suggestions left unchosen are
    rejected (and will not be suggested again), chosen themes with no tag yet get an
    officer tag, and confirmed tags no longer chosen are removed. For the primary pass
    the item is marked as coded by this officer: even with no theme, that is a judgement
    the suggester learns from.
    """
    theme_ids = {int(theme_id) for theme_id in theme_ids}
    now = utcnow()
    changes = {"confirmed": [], "rejected": [], "added": [], "removed": []}
    existing = {tag.theme_id: tag for tag in item.tags if tag.coding_pass == coding_pass}
    for theme_id, tag in existing.items():
        if theme_id in theme_ids and tag.status != "confirmed":
            tag.status, tag.coder_id, tag.decided_at = "confirmed", user.id, now
            changes["confirmed"].append(theme_id)
        elif theme_id not in theme_ids and tag.status == "suggested":
            tag.status, tag.coder_id, tag.decided_at = "rejected", user.id, now
            changes["rejected"].append(theme_id)
        elif theme_id not in theme_ids and tag.status == "confirmed":
            item.tags.remove(tag)
            changes["removed"].append(theme_id)
    for theme_id in sorted(theme_ids - set(existing)):
        item.tags.append(Tag(theme_id=theme_id, source="officer", status="confirmed", coding_pass=coding_pass,
                             coder_id=user.id, decided_at=now))
        changes["added"].append(theme_id)
    if coding_pass == "primary":
        item.coded_at, item.coded_by_id = now, user.id
    db.session.flush()
    record("item_coded", item, consultation=item_consultation(item), user=user, coding_pass=coding_pass,
           **{key: value for key, value in changes.items() if value})
    return changes


def decide_suggestion(tag, accept, user):
    """Accept (confirm) or reject one suggested tag."""
    tag.status = "confirmed" if accept else "rejected"
    tag.coder_id, tag.decided_at = user.id, utcnow()
    db.session.flush()
    record("suggestion_accepted" if accept else "suggestion_rejected", tag,
           consultation=item_consultation(tag.item), user=user, item_id=tag.item_id, theme_id=tag.theme_id,
           confidence=tag.confidence)
    return tag


def confirm_theme_on_items(theme, item_ids, user, reason="bulk"):
    """Confirm `theme` on many items at once (a campaign group, bulk accept); returns how many items.

    Existing suggestions of the theme are confirmed; items without a tag of it get an
    officer tag. Runs as a few set-based statements, so it stays quick for thousands of
    items. One audit event lists the items.
    """
    item_ids = sorted({int(item_id) for item_id in item_ids})
    if not item_ids:
        return 0
    now = utcnow()
    for chunk in _chunks(item_ids):
        db.session.execute(
            update(Tag).where(Tag.theme_id == theme.id, Tag.item_id.in_(chunk), Tag.coding_pass == "primary",
                              Tag.status != "confirmed")
            .values(status="confirmed", coder_id=user.id, decided_at=now)
            .execution_options(synchronize_session=False))
        tagged = set(db.session.scalars(
            select(Tag.item_id).where(Tag.theme_id == theme.id, Tag.item_id.in_(chunk),
                                      Tag.coding_pass == "primary")))
        rows = [{"item_id": item_id, "theme_id": theme.id, "source": "officer", "status": "confirmed",
                 "coding_pass": "primary", "coder_id": user.id, "decided_at": now, "created_at": now,
                 "explanation": []}
                for item_id in chunk if item_id not in tagged]
        if rows:
            db.session.execute(Tag.__table__.insert(), rows)
    db.session.expire_all()
    record("theme_confirmed_on_items", theme, consultation=theme.consultation, user=user, reason=reason,
           item_ids=item_ids[:1000], items=len(item_ids))
    return len(item_ids)


def accept_suggestions(consultation, tag_ids, user, **criteria):
    """Accept many pending suggestions at once (bulk accept); returns how many were accepted.

    Only tags still "suggested" change, so a suggestion someone else decided meanwhile
    keeps their decision. Set-based updates in chunks; one audit event with the counts
    per theme and the criteria the officer chose.
    """
    tag_ids = sorted({int(tag_id) for tag_id in tag_ids})
    now = utcnow()
    per_theme = {}
    # Correlated on the tag's own item, so each chunk reads only its items (by primary key).
    of_consultation = exists().where(FeedbackItem.id == Tag.item_id,
                                     FeedbackItem.consultation_id == consultation.id)
    # Status through a function: otherwise SQLite (which has no statistics) walks every pending
    # suggestion in the (status, confidence) index for each chunk instead of looking up its ids.
    still_suggested = func.lower(Tag.status) == "suggested"
    for chunk in _chunks(tag_ids):
        pending = [Tag.id.in_(chunk), still_suggested, of_consultation]
        for theme_id, count in db.session.execute(
                select(Tag.theme_id, func.count(Tag.id)).where(*pending).group_by(Tag.theme_id)):
            per_theme[theme_id] = per_theme.get(theme_id, 0) + count
        db.session.execute(update(Tag).where(*pending)
                           .values(status="confirmed", coder_id=user.id, decided_at=now)
                           .execution_options(synchronize_session=False))
    db.session.expire_all()
    accepted = sum(per_theme.values())
    if accepted:
        record("suggestions_accepted", consultation, consultation=consultation, user=user, accepted=accepted,
               by_theme={str(theme_id): count for theme_id, count in sorted(per_theme.items())},
               tag_ids=tag_ids[:1000], **criteria)
    return accepted


def set_item_stance(item, stance, user):
    """An officer's stance for the item (support, concern, mixed, neutral or None); True if it changed.

    Only a different stance counts: saving an item's themes with the stance left as it was
    is not a judgement on the stance.
    """
    if stance == item.stance:
        return False
    before = {"stance": item.stance, "stance_source": item.stance_source}
    item.stance, item.stance_source = stance, ("officer" if stance else None)
    db.session.flush()
    record("stance_corrected", item, consultation=item_consultation(item), user=user, before=before,
           after={"stance": item.stance, "stance_source": item.stance_source})
    return True


def item_consultation(item):
    """The consultation an item belongs to (loaded only if needed, for the audit log)."""
    from engage.models import Consultation

    return db.session.get(Consultation, item.consultation_id)


def item_of(consultation, item_id):
    """A feedback item of this consultation, or 404."""
    from engage.access import object_of

    return object_of(consultation, FeedbackItem, item_id)


def _chunks(values, size=500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def blind_samples(consultation, user):
    """{item id: sample} of the unfinished samples `user` is second-coding in this consultation.

    While they code a sample, the first coding of its items stays hidden from them on every
    coding page, not only here (the coding views send them to the sample instead).
    """
    if user is None or not getattr(user, "id", None):
        return {}
    rows = db.session.execute(
        select(CodingSampleItem.item_id, CodingSample)
        .join(CodingSample, CodingSample.id == CodingSampleItem.sample_id)
        .where(CodingSample.consultation_id == consultation.id, CodingSample.second_coder_id == user.id,
               CodingSample.completed_at.is_(None)))
    return {item_id: sample for item_id, sample in rows}

