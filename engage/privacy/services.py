"""Data protection operations. Like every service: flush, never commit.

Retention: N days (the consultation's `retention_days`) after a consultation was first
published, its equality answers are cut loose from the responses (kept only as
anonymous rows, so published equality counts still add up) and respondents' contact
details (name, e-mail address, private link) are removed. Organisation names stay:
they are not personal data and the statement may name organisations that agreed.
"""
from datetime import timedelta

from sqlalchemy import func, or_, select, update

from engage.audit import record
from engage.extensions import db
from engage.models import (
    Answer, AuditEvent, Consultation, EqualityMonitoring, FeedbackItem, Response, Tag, Theme, User, utcnow,
)

EQUALITY_FIELDS = ("age_band", "sex", "gender_reassignment", "sexual_orientation", "disability", "ethnicity",
                   "religion", "marriage_civil_partnership", "pregnancy_maternity", "unpaid_carer")


def retention_due(now=None):
    """Consultations whose retention date has passed and that still hold personal data."""
    now = now or utcnow()
    due = []
    for consultation in (Consultation.query.filter(Consultation.published_at.isnot(None))
                         .order_by(Consultation.id)):
        if consultation.published_at + timedelta(days=consultation.retention_days) <= now:
            if holds_personal_data(consultation):
                due.append(consultation)
    return due


def retention_date(consultation):
    """When retention applies to this consultation (None until it is published)."""
    if consultation.published_at is None:
        return None
    return consultation.published_at + timedelta(days=consultation.retention_days)


def holds_personal_data(consultation):
    """True while any response keeps contact details or linked equality answers."""
    contact = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.consultation_id == consultation.id,
        or_(Response.respondent_name != "", Response.contact_email != "", Response.resume_token_hash.isnot(None))))
    linked = db.session.scalar(select(func.count()).select_from(EqualityMonitoring).where(
        EqualityMonitoring.consultation_id == consultation.id, EqualityMonitoring.response_id.isnot(None)))
    return bool(contact or linked)


def apply_retention(consultation, user=None, now=None):
    """Anonymise one consultation's contact details and equality answers; returns the counts."""
    now = now or utcnow()
    contacts = db.session.execute(
        update(Response).where(
            Response.consultation_id == consultation.id,
            or_(Response.respondent_name != "", Response.contact_email != "", Response.resume_token_hash.isnot(None)))
        .values(respondent_name="", contact_email="", resume_token_hash=None, anonymised_at=now)
        .execution_options(synchronize_session=False)).rowcount
    equality = db.session.execute(
        update(EqualityMonitoring).where(EqualityMonitoring.consultation_id == consultation.id,
                                         EqualityMonitoring.response_id.isnot(None))
        .values(response_id=None).execution_options(synchronize_session=False)).rowcount
    consultation.retention_applied_at = now
    db.session.flush()
    record("retention_applied", consultation, consultation=consultation, user=user,
           contact_details_removed=contacts, equality_answers_unlinked=equality)
    return {"contact_details_removed": contacts, "equality_answers_unlinked": equality}


def response_by_reference(reference):
    """The response with this reference (ENG-XXXXXX, any case or spacing), or None."""
    cleaned = "".join((reference or "").split()).upper()
    if not cleaned:
        return None
    if not cleaned.startswith("ENG-") and cleaned.startswith("ENG"):
        cleaned = "ENG-" + cleaned[3:]
    return Response.query.filter_by(reference=cleaned).first()


def subject_access_copy(response):
    """Everything Engage holds about one response, as plain data (for a copy to the person)."""
    equality = EqualityMonitoring.query.filter_by(response_id=response.id).first()
    items = FeedbackItem.query.filter_by(response_id=response.id).order_by(FeedbackItem.id).all()
    themes = {}
    if items:
        rows = db.session.execute(
            select(Tag.item_id, Theme.name).join(Theme, Theme.id == Tag.theme_id)
            .where(Tag.item_id.in_([item.id for item in items]), Tag.status == "confirmed",
                   Tag.coding_pass == "primary")).all()
        for item_id, name in rows:
            themes.setdefault(item_id, []).append(name)
    return {
        "reference": response.reference,
        "consultation": response.consultation.title,
        "organisation_consulting": response.consultation.organisation,
        "status": response.status,
        "channel": response.channel,
        "submitted_at": _iso(response.submitted_at),
        "withdrawn_at": _iso(response.withdrawn_at),
        "respondent_type": response.respondent_type,
        "name": response.respondent_name,
        "organisation_name": response.organisation_name,
        "email": response.contact_email,
        "locality": response.locality.name if response.locality else response.locality_other,
        "stakeholder_groups": [group.name for group in response.groups],
        "publication_consent": response.consent,
        "answers": [{"question": answer.question.text if answer.question else "", "text": answer.text,
                     "choices": list(answer.choices or [])}
                    for answer in Answer.query.filter_by(response_id=response.id).order_by(Answer.id)],
        "points_as_analysed": [{"text": item.text, "themes": sorted(themes.get(item.id, [])),
                                "withheld_from_publication": item.withheld} for item in items],
        "equality_monitoring": ({field: getattr(equality, field) for field in EQUALITY_FIELDS}
                                if equality else None),
    }


def erase_response(response, user, reason):
    """Delete one response and everything that came from it (answers, points, tags, equality answers)."""
    consultation = response.consultation
    reference = response.reference
    EqualityMonitoring.query.filter_by(response_id=response.id).delete(synchronize_session=False)
    db.session.delete(response)
    db.session.flush()
    # Only the reference and the reason: the audit log must not keep what was erased.
    record("response_erased", None, consultation=consultation, user=user, reference=reference, reason=reason)


def audit_events(action=None, user_id=None, consultation_id=None, before_id=None, limit=50):
    """The audit log, newest first, keyset-paged by id; returns (events, next_before_id)."""
    query = AuditEvent.query
    if action:
        query = query.filter(AuditEvent.action == action)
    if user_id:
        query = query.filter(AuditEvent.user_id == user_id)
    if consultation_id:
        query = query.filter(AuditEvent.consultation_id == consultation_id)
    if before_id:
        query = query.filter(AuditEvent.id < before_id)
    events = query.order_by(AuditEvent.id.desc()).limit(limit + 1).all()
    more = len(events) > limit
    events = events[:limit]
    return events, (events[-1].id if more else None)


def audit_filter_choices():
    """Actions, users and consultations that appear in the log, for the filter form."""
    actions = [row[0] for row in db.session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action))]
    users = User.query.order_by(User.email).all()
    consultations = Consultation.query.order_by(Consultation.title).all()
    return actions, users, consultations


def _iso(value):
    return value.isoformat() if value else None
