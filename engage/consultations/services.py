"""Setting up consultations, their drafts and questions. Flushes, never commits."""
import re
import secrets
import unicodedata

from engage import audit
from engage.extensions import db
from sqlalchemy import func

from engage.models import (
    Consultation, EngagementEvent, EventAttendance, Locality, PlanSection, PlanVersion, Question, Response,
    StakeholderGroup,
)
from engage.models.response import response_group
from engage.models.consultation import DEFAULT_GROUPS, PRESCRIBED_GROUPS
from engage.plans.markdown import render
from engage.plans.sections import split_into_sections


def slugify(text, max_length=80):
    """A URL-safe slug from a title."""
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:max_length].strip("-") or "consultation"


def unique_slug(title, exclude_id=None):
    """A slug for title not yet used by another consultation."""
    base = slugify(title)
    slug = base
    while True:
        query = Consultation.query.filter_by(slug=slug)
        if exclude_id is not None:
            query = query.filter(Consultation.id != exclude_id)
        if not db.session.query(query.exists()).scalar():
            return slug
        slug = f"{base}-{secrets.token_hex(2)}"


def _clean_lines(names):
    """Non-empty, de-duplicated lines, in order."""
    seen, result = set(), []
    for name in names:
        name = name.strip()
        if name and name.lower() not in seen:
            seen.add(name.lower())
            result.append(name)
    return result


def create_consultation(user, title, summary="", organisation="", plan_type=None, opens_on=None,
                        closes_on=None, localities=(), stakeholder_groups=None, contact_email="",
                        is_demo=False, retention_days=365):
    """Create a draft consultation with its localities and stakeholder groups."""
    consultation = Consultation(
        slug=unique_slug(title), title=title.strip(), summary=summary.strip(),
        organisation=organisation.strip(), opens_on=opens_on, closes_on=closes_on,
        contact_email=contact_email.strip(), created_by=user, is_demo=is_demo, retention_days=retention_days,
    )
    if plan_type:
        consultation.plan_type = plan_type
    db.session.add(consultation)
    set_localities(consultation, localities)
    set_stakeholder_groups(consultation, DEFAULT_GROUPS if stakeholder_groups is None else stakeholder_groups)
    db.session.flush()
    audit.record("consultation.created", consultation, user=user, title=consultation.title)
    return consultation


class StillInUse(ValueError):
    """A locality or group cannot be removed: responses or events refer to it."""

    def __init__(self, message, field):
        super().__init__(message)
        self.field = field


def _in_use(model_column, ids):
    """How many rows of model_column's table refer to any of ids."""
    if not ids:
        return 0
    return db.session.query(func.count()).filter(model_column.in_(ids)).scalar()


def _reconcile(rows, names, make, referring_columns, field):
    """Rows named exactly names, in order: existing rows kept, new ones made, unused ones dropped.

    Refuses (StillInUse) to drop a row that responses or events refer to.
    """
    names = _clean_lines(names)
    existing = {row.name: row for row in rows}
    in_use = [row for name, row in existing.items()
              if name not in names and row.id is not None
              and any(_in_use(column, [row.id]) for column in referring_columns)]
    if in_use:
        raise StillInUse("You cannot remove " + ", ".join(f"“{row.name}”" for row in in_use)
                         + ": responses or events already refer to it.", field=field)
    kept = []
    for position, name in enumerate(names):
        row = existing.pop(name, None) or make(name)
        row.position = position
        kept.append(row)
    return kept


def set_localities(consultation, names):
    """Make the consultation's localities exactly names, keeping existing rows."""
    consultation.localities = _reconcile(
        consultation.localities, names, lambda name: Locality(name=name),
        (Response.locality_id, EngagementEvent.locality_id), field="localities")


def set_stakeholder_groups(consultation, names):
    """Make the consultation's stakeholder groups exactly names, keeping existing rows."""
    groups = _reconcile(
        consultation.stakeholder_groups, names, lambda name: StakeholderGroup(name=name),
        (response_group.c.group_id, EventAttendance.group_id), field="stakeholder_groups")
    for group in groups:
        group.is_prescribed = group.name in PRESCRIBED_GROUPS
    consultation.stakeholder_groups = groups


def add_plan_version(consultation, label, markdown_text, user=None, dated=None, notes="",
                     source_filename=""):
    """Add the next numbered version of the plan, split into sections at headings."""
    number = (consultation.latest_version.number + 1) if consultation.versions else 1
    version = PlanVersion(
        consultation=consultation, number=number, label=label.strip(), dated=dated,
        notes=notes, source_filename=source_filename, created_by=user,
    )
    for position, draft in enumerate(split_into_sections(markdown_text)):
        version.sections.append(PlanSection(
            position=position, number=draft.number, heading=draft.heading,
            body_markdown=draft.body_markdown, body_html=render(draft.body_markdown),
        ))
    db.session.add(version)
    db.session.flush()
    _carry_questions_forward(consultation, version)
    audit.record("plan_version.added", version, consultation=consultation, user=user,
                 number=number, label=version.label, sections=len(version.sections))
    return version


def _carry_questions_forward(consultation, version):
    """Re-attach questions to the matching section of the new version, if there is one."""
    by_number = {section.number: section for section in version.sections if section.number}
    by_heading = {section.heading.lower(): section for section in version.sections}
    for question in consultation.questions:
        old = question.section
        if old is None or old.version_id == version.id:
            continue
        match = by_number.get(old.number) or by_heading.get(old.heading.lower())
        if match is not None:
            question.section = match


def add_question(consultation, text, kind="free_text", hint="", options=(), required=False,
                 section=None, max_length=5000, user=None):
    """Add a question at the end of the consultation's list."""
    position = max((q.position for q in consultation.questions), default=-1) + 1
    question = Question(
        consultation=consultation, text=text.strip(), kind=kind, hint=hint.strip(),
        options=_clean_lines(options) if kind in ("single_choice", "multiple_choice") else [],
        required=required, section=section, position=position, max_length=max_length,
    )
    db.session.add(question)
    db.session.flush()
    audit.record("question.added", question, consultation=consultation, user=user, text=question.text)
    return question


def update_question(question, user=None, **fields):
    """Change a question's fields."""
    if "options" in fields:
        kind = fields.get("kind", question.kind)
        fields["options"] = _clean_lines(fields["options"]) if kind in ("single_choice", "multiple_choice") else []
    for name, value in fields.items():
        setattr(question, name, value)
    db.session.flush()
    audit.record("question.changed", question, consultation=question.consultation, user=user)
    return question


def move_question(question, direction, user=None):
    """Swap a question with its neighbour above (-1) or below (+1)."""
    questions = list(question.consultation.questions)
    index = questions.index(question)
    other_index = index + direction
    if not 0 <= other_index < len(questions):
        return
    questions[index], questions[other_index] = questions[other_index], questions[index]
    for position, q in enumerate(questions):
        q.position = position
    db.session.flush()
    audit.record("question.moved", question, consultation=question.consultation, user=user)


def delete_question(question, user=None):
    """Remove a question and renumber the rest."""
    consultation = question.consultation
    audit.record("question.deleted", question, consultation=consultation, user=user, text=question.text)
    consultation.questions.remove(question)
    db.session.delete(question)
    for position, q in enumerate(consultation.questions):
        q.position = position
    db.session.flush()


def change_status(consultation, new_status, user=None):
    """Move the consultation on (raises InvalidTransition with the reasons)."""
    old_status = consultation.status
    consultation.transition_to(new_status)
    db.session.flush()
    audit.record("consultation.status_changed", consultation, user=user, old=old_status, new=new_status)


def update_consultation(consultation, user, localities, stakeholder_groups, **fields):
    """Change a consultation's details, localities and groups."""
    title = fields.get("title")
    if title and title.strip() != consultation.title:
        fields["title"] = title.strip()
    for name, value in fields.items():
        setattr(consultation, name, value.strip() if isinstance(value, str) else value)
    set_localities(consultation, localities)
    set_stakeholder_groups(consultation, stakeholder_groups)
    db.session.flush()
    audit.record("consultation.changed", consultation, user=user)
    return consultation
