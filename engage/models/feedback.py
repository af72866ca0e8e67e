"""Feedback items - the unit that gets themed - with their revisions and redactions."""
from engage.extensions import db
from engage.models.base import TimestampMixin, utcnow

ITEM_SOURCES = ("answer", "event_note", "letter", "email", "paper", "phone", "import", "other")
STANCES = ("support", "concern", "mixed", "neutral")
REDACTION_KINDS = ("email", "phone", "postcode", "nhs_number", "chi_number", "ni_number", "url",
                   "name", "other")
DECISIONS = ("suggested", "confirmed", "rejected")


class FeedbackItem(TimestampMixin, db.Model):
    """One point someone made: an answer, a paragraph of a letter, a workshop note."""

    __tablename__ = "feedback_item"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    text = db.Column(db.Text, nullable=False)
    source = db.Column(db.String(20), nullable=False, default="answer")
    response_id = db.Column(db.Integer, db.ForeignKey("response.id", ondelete="CASCADE"), index=True)
    answer_id = db.Column(db.Integer, db.ForeignKey("answer.id", ondelete="CASCADE"), unique=True)
    event_id = db.Column(db.Integer, db.ForeignKey("engagement_event.id", ondelete="CASCADE"),
                         index=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="SET NULL"))
    section_id = db.Column(db.Integer, db.ForeignKey("plan_section.id", ondelete="SET NULL"))
    # A workshop note may speak for several people.
    speaks_for = db.Column(db.Integer, nullable=False, default=1)
    position = db.Column(db.Integer, nullable=False, default=0)
    entered_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    stance = db.Column(db.String(20))
    stance_source = db.Column(db.String(20))
    tone = db.Column(db.Float)
    # Set when an officer has coded the item (its confirmed tags, possibly none, are the
    # officer's whole judgement): such items train the suggester, including "no theme".
    coded_at = db.Column(db.DateTime)
    coded_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    # Moderation: withheld text still counts in the analysis.
    withheld = db.Column(db.Boolean, nullable=False, default=False)
    withheld_reason = db.Column(db.Text, nullable=False, default="")
    # Near-duplicate / campaign grouping.
    duplicate_group = db.Column(db.String(64), index=True)
    # Idempotent import of already-coded feedback: a stable key per source row.
    import_key = db.Column(db.String(128))
    is_demo = db.Column(db.Boolean, nullable=False, default=False)

    response = db.relationship("Response")
    answer = db.relationship("Answer")
    event = db.relationship("EngagementEvent")
    question = db.relationship("Question")
    section = db.relationship("PlanSection")
    entered_by = db.relationship("User", foreign_keys=[entered_by_id])
    coded_by = db.relationship("User", foreign_keys=[coded_by_id])
    tags = db.relationship("Tag", back_populates="item", cascade="all, delete-orphan")
    revisions = db.relationship("FeedbackItemRevision", back_populates="item",
                                cascade="all, delete-orphan", order_by="FeedbackItemRevision.changed_at")
    redactions = db.relationship("Redaction", back_populates="item", cascade="all, delete-orphan")

    __table_args__ = (
        db.CheckConstraint(f"source IN {ITEM_SOURCES!r}", name="source"),
        db.CheckConstraint(f"stance IS NULL OR stance IN {STANCES!r}", name="stance"),
        db.CheckConstraint("speaks_for >= 1", name="speaks_for_positive"),
        db.UniqueConstraint("consultation_id", "import_key"),
    )


class FeedbackItemRevision(db.Model):
    """Who changed a feedback item, when, and its text before and after."""

    __tablename__ = "feedback_item_revision"

    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.Integer, db.ForeignKey("feedback_item.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    action = db.Column(db.String(20), nullable=False, default="edit")
    before_text = db.Column(db.Text, nullable=False, default="")
    after_text = db.Column(db.Text, nullable=False, default="")
    changed_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    item = db.relationship("FeedbackItem", back_populates="revisions")
    changed_by = db.relationship("User")


class Redaction(db.Model):
    """A span of a feedback item hidden wherever the text is published."""

    __tablename__ = "redaction"

    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.Integer, db.ForeignKey("feedback_item.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    start = db.Column(db.Integer, nullable=False)
    end = db.Column(db.Integer, nullable=False)
    kind = db.Column(db.String(20), nullable=False)
    replacement = db.Column(db.String(60), nullable=False, default="[redacted]")
    # SHA-256 of the hidden characters when the redaction was made: if the item's text is
    # edited later and the span no longer holds the same words, publication shows nothing.
    span_hash = db.Column(db.String(64))
    status = db.Column(db.String(20), nullable=False, default="suggested")
    reason = db.Column(db.Text, nullable=False, default="")
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    item = db.relationship("FeedbackItem", back_populates="redactions")

    __table_args__ = (
        db.CheckConstraint(f"kind IN {REDACTION_KINDS!r}", name="kind"),
        db.CheckConstraint(f"status IN {DECISIONS!r}", name="status"),
        db.CheckConstraint("start >= 0 AND \"end\" > start", name="span"),
    )
