"""A consultation, its localities and stakeholder groups, its drafts and questions."""
from datetime import date

from markupsafe import Markup

from engage.extensions import db
from engage.models.base import InvalidTransition, TimestampMixin, utcnow

STATUSES = ("draft", "open", "closed", "analysing", "published", "archived")
STATUS_LABELS = {
    "draft": "Draft",
    "open": "Open",
    "closed": "Closed",
    "analysing": "Analysing",
    "published": "Published",
    "archived": "Archived",
}
# Allowed moves: forward through the cycle, plus re-opening a closed
# consultation (deadline extended) and closing early.
TRANSITIONS = {
    "draft": ("open",),
    "open": ("closed",),
    "closed": ("open", "analysing"),
    "analysing": ("published",),
    "published": ("archived",),
    "archived": (),
}
TRANSITION_VERBS = {
    "open": "Open for responses",
    "closed": "Close",
    "analysing": "Start analysis",
    "published": "Mark as published",
    "archived": "Archive",
}

PLAN_TYPES = (
    "Strategic commissioning plan",
    "Care group plan",
    "Locality plan",
    "Service change",
    "Other",
)

# The prescribed stakeholder groups (DOMAIN.md), then the usual additions.
PRESCRIBED_GROUPS = (
    "Users of health care",
    "Carers of users of health care",
    "Commercial providers of health care",
    "Non-commercial providers of health care",
    "Health professionals",
    "Social care professionals",
    "Users of social care",
    "Carers of users of social care",
    "Commercial providers of social care",
    "Non-commercial providers of social care",
    "Non-commercial providers of social housing",
    "Third sector bodies carrying out activities related to health or social care",
)
ADDITIONAL_GROUPS = (
    "Members of the public",
    "Staff",
    "Community groups",
    "Elected members",
    "Other",
)
DEFAULT_GROUPS = PRESCRIBED_GROUPS + ADDITIONAL_GROUPS

QUESTION_KINDS = ("free_text", "single_choice", "multiple_choice", "agree_scale")
QUESTION_KIND_LABELS = {
    "free_text": "Free text",
    "single_choice": "Single choice",
    "multiple_choice": "Multiple choice",
    "agree_scale": "Agree-disagree scale",
}
AGREE_SCALE = (
    "Strongly agree",
    "Agree",
    "Neither agree nor disagree",
    "Disagree",
    "Strongly disagree",
)


class Consultation(TimestampMixin, db.Model):
    """One exercise on one plan, from draft to archive."""

    __tablename__ = "consultation"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(120), nullable=False, unique=True)
    title = db.Column(db.String(250), nullable=False)
    summary = db.Column(db.Text, nullable=False, default="")
    organisation = db.Column(db.String(250), nullable=False, default="")
    plan_type = db.Column(db.String(80), nullable=False, default=PLAN_TYPES[0])
    status = db.Column(db.String(20), nullable=False, default="draft")
    opens_on = db.Column(db.Date)
    closes_on = db.Column(db.Date)
    contact_email = db.Column(db.String(254), nullable=False, default="")
    postal_address = db.Column(db.Text, nullable=False, default="")
    # Statement of consultation: officer-written parts.
    statement_introduction = db.Column(db.Text, nullable=False, default="")
    statement_next_steps = db.Column(db.Text, nullable=False, default="")
    # Data protection: days after publication before equality data and contact
    # details are deleted or anonymised.
    retention_days = db.Column(db.Integer, nullable=False, default=365)
    # First publication (the retention clock starts here) and when retention was applied.
    published_at = db.Column(db.DateTime)
    retention_applied_at = db.Column(db.DateTime)
    status_changed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    is_demo = db.Column(db.Boolean, nullable=False, default=False)

    created_by = db.relationship("User")
    localities = db.relationship(
        "Locality", back_populates="consultation", order_by="Locality.position",
        cascade="all, delete-orphan",
    )
    stakeholder_groups = db.relationship(
        "StakeholderGroup", back_populates="consultation", order_by="StakeholderGroup.position",
        cascade="all, delete-orphan",
    )
    versions = db.relationship(
        "PlanVersion", back_populates="consultation", order_by="PlanVersion.number",
        cascade="all, delete-orphan",
    )
    questions = db.relationship(
        "Question", back_populates="consultation", order_by="Question.position",
        cascade="all, delete-orphan",
    )
    memberships = db.relationship("Membership", back_populates="consultation", cascade="all, delete-orphan")
    responses = db.relationship("Response", back_populates="consultation", cascade="all, delete-orphan",
                                lazy="dynamic")
    events = db.relationship("EngagementEvent", back_populates="consultation", cascade="all, delete-orphan",
                             order_by="EngagementEvent.starts_at")
    themes = db.relationship("Theme", back_populates="consultation", cascade="all, delete-orphan",
                             foreign_keys="Theme.consultation_id")

    __table_args__ = (
        db.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        db.CheckConstraint("retention_days >= 0", name="retention_days_not_negative"),
        db.CheckConstraint("closes_on IS NULL OR opens_on IS NULL OR closes_on > opens_on",
                           name="closes_after_opens"),
    )

    @property
    def status_label(self):
        """The status as people read it."""
        return STATUS_LABELS[self.status]

    @property
    def latest_version(self):
        """The newest draft of the plan, or None."""
        return self.versions[-1] if self.versions else None

    def allowed_transitions(self):
        """The statuses this consultation may move to next."""
        return TRANSITIONS[self.status]

    def blockers_for(self, new_status):
        """Reasons, in plain words, why the consultation cannot move to new_status."""
        if new_status not in STATUSES:
            return [f"“{new_status}” is not a status."]
        if new_status not in TRANSITIONS[self.status]:
            return [
                f"A consultation that is {STATUS_LABELS[self.status].lower()} cannot be "
                f"moved to {STATUS_LABELS[new_status].lower()}."
            ]
        reasons = []
        if new_status == "open":
            if not self.versions or not self.latest_version.sections:
                reasons.append("Add a draft of the plan before opening the consultation.")
            if not self.questions:
                reasons.append("Add at least one question before opening the consultation.")
            if not self.opens_on or not self.closes_on:
                reasons.append("Set the opening and closing dates before opening the consultation.")
        return reasons

    def transition_to(self, new_status):
        """Move to new_status, or raise InvalidTransition with the reasons."""
        reasons = self.blockers_for(new_status)
        if reasons:
            raise InvalidTransition(" ".join(reasons))
        self.status = new_status
        self.status_changed_at = utcnow()
        if new_status == "published" and self.published_at is None:
            self.published_at = self.status_changed_at

    def accepting_responses(self, today=None):
        """Open, and today falls between the opening and closing dates."""
        today = today or date.today()
        if self.status != "open":
            return False
        if self.opens_on and today < self.opens_on:
            return False
        return not (self.closes_on and today > self.closes_on)

    @property
    def not_yet_open(self):
        """Status open, but the opening date is still to come."""
        return self.status == "open" and bool(self.opens_on) and date.today() < self.opens_on

    @property
    def closed_on(self):
        """The day it stopped taking responses: the closing date, or earlier if closed early."""
        if self.status in ("draft", "open"):
            return self.closes_on
        changed = self.status_changed_at.date()
        return changed if self.closes_on is None or changed < self.closes_on else self.closes_on

    @property
    def has_responses(self):
        """True once anyone has started a response (online or keyed in)."""
        return self.responses.limit(1).count() > 0

    @property
    def questions_locked(self):
        """Questions cannot change once responses exist."""
        return self.has_responses

    def __repr__(self):
        return f"<Consultation {self.slug} {self.status}>"


class Locality(db.Model):
    """A geographic area of the partnership that views are reported by."""

    __tablename__ = "locality"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    name = db.Column(db.String(150), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    # Representation monitor: how many responses the officer hopes for.
    target = db.Column(db.Integer)

    consultation = db.relationship("Consultation", back_populates="localities")

    __table_args__ = (db.UniqueConstraint("consultation_id", "name"),)


class StakeholderGroup(db.Model):
    """A respondent category; the prescribed list by default, editable per consultation."""

    __tablename__ = "stakeholder_group"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    is_prescribed = db.Column(db.Boolean, nullable=False, default=False)
    # Representation monitor: how many responses the officer hopes for.
    target = db.Column(db.Integer)

    consultation = db.relationship("Consultation", back_populates="stakeholder_groups")

    __table_args__ = (db.UniqueConstraint("consultation_id", "name"),)


class PlanVersion(TimestampMixin, db.Model):
    """A numbered, dated text of the plan, split into sections."""

    __tablename__ = "plan_version"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    label = db.Column(db.String(120), nullable=False)
    dated = db.Column(db.Date)
    notes = db.Column(db.Text, nullable=False, default="")
    source_filename = db.Column(db.String(255), nullable=False, default="")
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    consultation = db.relationship("Consultation", back_populates="versions")
    created_by = db.relationship("User")
    sections = db.relationship(
        "PlanSection", back_populates="version", order_by="PlanSection.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (db.UniqueConstraint("consultation_id", "number"),)

    @property
    def display_name(self):
        """E.g. "Version 2: Second draft"."""
        return f"Version {self.number}: {self.label}"


class PlanSection(db.Model):
    """One section of one version of the plan: Markdown in, sanitised HTML out."""

    __tablename__ = "plan_section"

    id = db.Column(db.Integer, primary_key=True)
    version_id = db.Column(db.Integer, db.ForeignKey("plan_version.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False)
    number = db.Column(db.String(20), nullable=False)
    heading = db.Column(db.String(300), nullable=False)
    body_markdown = db.Column(db.Text, nullable=False, default="")
    # Always produced by engage.plans.markdown.render (sanitised); never typed in.
    body_html = db.Column(db.Text, nullable=False, default="")

    version = db.relationship("PlanVersion", back_populates="sections")

    __table_args__ = (db.UniqueConstraint("version_id", "position"),)

    @property
    def body(self):
        """The body for templates, marked safe: body_html is only ever written by
        engage.plans.markdown.render, which sanitises it with nh3 (the one place this is trusted)."""
        # bandit B704: reviewed, nh3-sanitised when written (see docstring)
        return Markup(self.body_html)  # nosec B704

    @property
    def title(self):
        """Number and heading, e.g. "3. Carers"."""
        return f"{self.number}. {self.heading}" if self.number else self.heading


class Question(TimestampMixin, db.Model):
    """A question the consultation asks, optionally about one section."""

    __tablename__ = "question"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    section_id = db.Column(db.Integer, db.ForeignKey("plan_section.id", ondelete="SET NULL"))
    kind = db.Column(db.String(20), nullable=False, default="free_text")
    text = db.Column(db.String(500), nullable=False)
    hint = db.Column(db.Text, nullable=False, default="")
    options = db.Column(db.JSON, nullable=False, default=list)
    required = db.Column(db.Boolean, nullable=False, default=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    max_length = db.Column(db.Integer, nullable=False, default=5000)

    consultation = db.relationship("Consultation", back_populates="questions")
    section = db.relationship("PlanSection")

    __table_args__ = (db.CheckConstraint(f"kind IN {QUESTION_KINDS!r}", name="kind"),)

    @property
    def kind_label(self):
        """The question type as people read it."""
        return QUESTION_KIND_LABELS[self.kind]

    @property
    def choices(self):
        """The options a respondent picks from (the fixed scale for agree-disagree)."""
        if self.kind == "agree_scale":
            return list(AGREE_SCALE)
        return list(self.options or [])
